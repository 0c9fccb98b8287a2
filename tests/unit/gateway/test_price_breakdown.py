"""An order's price breakdown with its electricity beside it (issue 21, item 5): the
configurator's lines as they add up to the price, and the electricity planned (at the prices
of its hours) or estimated before planning, said as such, in English and 简体中文."""

from __future__ import annotations

import pytest

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import i18n
from gateway.controllers.tariffs import price_breakdown_read
from gateway.portal.pages import template_config

pytestmark = pytest.mark.unit


def cny(amount: str) -> types_pb2.Money:
    return types_pb2.Money(amount=amount, currency="CNY")


PRICE = cfg.Price(total=cny("1320.00"), lines=[
    cfg.PriceLine(component=cfg.PRICE_COMPONENT_BOARD, description="E1 particleboard 18 mm",
                  quantity="3.42", unit="m2", unit_price=cny("200.00"), amount=cny("684.00")),
    cfg.PriceLine(component=cfg.PRICE_COMPONENT_MACHINE_TIME, description="panel saw",
                  quantity="36", unit="min", unit_price=cny("12.00"), amount=cny("432.00")),
    cfg.PriceLine(component=cfg.PRICE_COMPONENT_MARGIN, description="margin 18%", quantity="18",
                  unit="%", amount=cny("204.00"))])
PLANNED = pb.GetOrderEnergyResponse(order_id="o-1", factory_id="F-GZ", kwh=20.0, cny=5.12,
                                    kg_co2e=7.738, has_tariff=True, cny_per_kwh=0.256)
ESTIMATE = pb.GetOrderEnergyResponse(order_id="o-1", factory_id="F-GZ", kwh=20.0, cny=12.97,
                                     kg_co2e=7.738, has_tariff=True, estimate=True,
                                     cny_per_kwh=0.6484)


def render(breakdown, locale: str = "en") -> str:
    config = template_config()
    engine = config.engine_instance or config.to_engine()
    with i18n.speaking(locale):
        return engine.engine.get_template("price_breakdown.html").render(price_breakdown=breakdown)


def test_the_lines_as_configured_and_the_planned_electricity():
    b = price_breakdown_read("o-1", PRICE, PLANNED)
    assert [line.component for line in b.lines] == ["board", "machine_time", "margin"]
    assert b.lines[0].unit_price is not None and b.lines[0].unit_price.amount == "200.00"
    assert b.lines[2].unit_price is None
    assert b.total is not None and b.total.amount == "1320.00"
    assert b.energy is not None and not b.energy.estimate and b.energy.cny == 5.12
    html = render(b)
    assert "684.00 CNY" in html and "1320.00 CNY" in html
    assert 'id="energy-line"' in html and "20.00 kWh × 0.2560 CNY/kWh" in html
    assert "5.12 CNY" in html and "planned: at the prices of the hours" in html
    assert "not added to the price" in html


def test_before_planning_the_electricity_is_an_estimate():
    html = render(price_breakdown_read("o-1", PRICE, ESTIMATE))
    assert "estimate: its routing at the average price of F-GZ" in html
    assert "0.6484 CNY/kWh" in html and "12.97 CNY" in html


def test_without_energy_the_breakdown_still_shows_and_says_nothing_of_it():
    b = price_breakdown_read("o-1", PRICE, None, "order o-1 is not in the planning pool")
    assert b.energy is None and b.energy_note
    html = render(b)
    assert "1320.00 CNY" in html and "energy-line" not in html
    assert render(price_breakdown_read("o-1", None, None)).strip() == ""


def test_in_chinese():
    html = render(price_breakdown_read("o-1", PRICE, ESTIMATE), "zh-CN")
    assert "价格明细" in html and "估算" in html and "电费" in html


def test_the_configurators_lines_say_what_they_are_once():
    """A line of the order's price says its category once, in the reader's language (it read
    "boards · boards", "板材 · boards", "margin · margin 35%")."""
    from services.configurator.catalogue import seed_catalogue
    from services.configurator.domain.order_plan import LineRequest, OrderPlan, plan_order
    from services.configurator.wire import order_price_to_pb

    plan = plan_order(seed_catalogue(), "6f1c3c1e-0000-4000-8000-000000000002", [LineRequest(
        "1", "bookcase", 1, {"width_mm": 800, "height_mm": 1800, "depth_mm": 300})])
    assert isinstance(plan, OrderPlan)
    price = order_price_to_pb(plan.price)
    english = render(price_breakdown_read("o-2", price, None))
    assert "boards · boards" not in english and "margin · margin" not in english
    assert ">boards<" in english and ">margin 35%<" in english
    chinese = render(price_breakdown_read("o-2", price, None), "zh-CN")
    assert "· boards" not in chinese and "· margin" not in chinese
    assert ">板材<" in chinese and ">利润 35%<" in chinese and ">机时<" in chinese
