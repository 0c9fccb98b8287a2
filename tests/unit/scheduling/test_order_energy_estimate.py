"""An order's electricity in its price breakdown before it is planned (issue 21, item 5): its
routing's minutes at each machine type's running kW, at the average price of its factory's
tariff over the horizon, labelled an estimate."""

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.errors import OrderNotInPool
from services.scheduling.domain.power import RUNNING_KW
from services.scheduling.domain.tariffs import average_price, guangdong_industrial
from services.scheduling.domain.values import RoutingStep
from services.scheduling.energy import estimated_energy, order_energy

pytestmark = pytest.mark.unit
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 10, 14, 9, 0, tzinfo=SHANGHAI)
# An October day of Guangdong's bands at a flat 0.65: valley 8 h x 0.2470, flat 9 h x 0.65,
# peak 7 h x 1.1050 -> 15.561 CNY over 24 h.
OCTOBER_DAY_MEAN = Decimal("0.6484")


def test_the_average_price_weighs_each_band_by_its_hours():
    tariff = guangdong_industrial()
    midnight = datetime(2026, 10, 14, tzinfo=SHANGHAI)
    assert average_price(tariff, midnight, 24 * 60) == OCTOBER_DAY_MEAN
    assert average_price(tariff, midnight, 7 * 24 * 60) == OCTOBER_DAY_MEAN  # every day alike
    assert average_price(tariff, midnight, 8 * 60) == Decimal("0.2470")  # the valley alone
    with pytest.raises(ValueError):
        average_price(tariff, midnight, 0)


def machine(machine_type: str, learnt_kw: float | None = None):
    return SimpleNamespace(machine_type=machine_type, learnt_kw=learnt_kw)


def state(orders, factories, machines=(), planned_in=None):
    return SimpleNamespace(orders=orders, factories=factories, planned_in=planned_in or {},
                           machines_of=lambda f: list(machines) if f == "F-GZ" else [])


def factory(factory_id: str, tariff, region="Guangdong", active=True):
    return SimpleNamespace(factory_id=factory_id, tariff=tariff, region=region, active=active)


ROUTING = (RoutingStep(1, "panel_saw", 30 * 60), RoutingStep(2, "paint_line", 90 * 60))
SETTINGS = SimpleNamespace(horizon_days=1)


def test_an_unplanned_order_is_its_routing_at_the_factorys_average_price():
    order = SimpleNamespace(order_id="o-1", routing=ROUTING, factory_id="")
    network = state({"o-1": order}, {"F-GZ": factory("F-GZ", guangdong_industrial()),
                                      "F-XX": factory("F-XX", None)},
                    machines=[machine("paint_line", 20.0), machine("paint_line", 18.0)])
    now_ms = int(datetime(2026, 10, 14, tzinfo=SHANGHAI).timestamp() * 1000)
    e = order_energy(network, SETTINGS, now_ms, "o-1")
    kwh = 0.5 * RUNNING_KW["panel_saw"] + 1.5 * 19.0  # the paint lines' learnt draw, averaged
    assert e.estimate and e.factory_id == "F-GZ" and e.has_tariff
    assert e.kwh == round(kwh, 3)
    assert e.cny_per_kwh == float(OCTOBER_DAY_MEAN)
    assert e.cny == round(kwh * float(OCTOBER_DAY_MEAN), 2)
    assert e.kg_co2e == round(kwh * 0.3869, 3)  # the South grid's factor


def test_the_factory_it_was_planned_in_before_wins_and_no_tariff_is_no_price():
    order = SimpleNamespace(order_id="o-1", routing=ROUTING, factory_id="F-XX")
    network = state({"o-1": order}, {"F-GZ": factory("F-GZ", guangdong_industrial()),
                                      "F-XX": factory("F-XX", None)})
    e = estimated_energy(network, SETTINGS, int(NOW.timestamp() * 1000), "o-1")
    assert e.estimate and e.factory_id == "F-XX" and not e.has_tariff
    assert e.cny == 0.0 and e.kwh == round(0.5 * RUNNING_KW["panel_saw"]
                                           + 1.5 * RUNNING_KW["paint_line"], 3)


def test_an_order_not_in_the_pool_has_no_energy():
    with pytest.raises(OrderNotInPool):
        order_energy(state({}, {}), SETTINGS, int(NOW.timestamp() * 1000), "o-404")
