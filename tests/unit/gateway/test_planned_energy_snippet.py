"""The order page's price details name the order's planned electricity (issue 21, item 5):
kWh, CNY at its factory's tariff (only when the factory has one) and kg CO2e."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from gateway.portal.pages import template_config

pytestmark = pytest.mark.unit


def render(planned) -> str:
    config = template_config()
    engine = config.engine_instance or config.to_engine()
    return engine.engine.get_template("planned_energy.html").render(planned_energy=planned)


def test_the_planned_electricity_with_and_without_a_tariff():
    priced = render(SimpleNamespace(kwh=12.345, cny=3.2, kg_co2e=4.777, has_tariff=True,
                                    factory_id="F-GZ-01"))
    assert "12.35 kWh" in priced and "3.20 CNY at F-GZ-01" in priced and "4.78 kg CO2e" in priced
    unpriced = render(SimpleNamespace(kwh=2.0, cny=0.0, kg_co2e=1.0, has_tariff=False,
                                      factory_id="F-GZ-01"))
    assert "2.00 kWh" in unpriced and "CNY" not in unpriced
    assert "—" in render(None)
