"""load/bench_energy.py (issue 21, item 3): the benchmark's network carries the tariff, power
and limits it says, its rows come from the validator's audit, and its picture shows a
factory's day over the tariff bands."""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from network_instances import generate

from load.bench_energy import _day_steps, figures, load_day_svg, with_tariffs
from services.scheduling.solver.model import PlannedOperation

pytestmark = pytest.mark.unit
MONDAY = datetime(2026, 10, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


def network():
    return with_tariffs(generate(6, 2, 8, seed=3), MONDAY, Decimal("0.65"), 0.7)


def test_every_factory_gets_the_tariff_power_and_its_limit():
    p = network()
    for f in p.factories:
        assert f.electricity.prices[0].minute == 0 and f.electricity.prices[0].band == "valley"
        assert {s.band for s in f.electricity.prices} == {"valley", "flat", "peak"}  # October
        running = sum(m.power_kw for m in f.machines)
        assert all(m.power_kw > 0 for m in f.machines)
        assert f.electricity.demand_limit_kw == pytest.approx(0.7 * running, abs=0.05)


def test_rows_are_the_audits_and_name_a_broken_limit():
    p = network()
    f = p.factories[0]
    saw = next(m for m in f.machines if m.type == "panel_saw")
    order = replace(p.orders[0], release=0,  # an hour on the saw
                    operations=(replace(p.orders[0].operations[0], duration=round(60 * saw.speed)),))
    ops = [PlannedOperation(order.id, 0, f.id, saw.id, 10 * 60, 11 * 60)]
    row = figures(replace(p, orders=(order,)), ops)
    assert row["kwh"] == pytest.approx(saw.power_kw, abs=0.1)
    assert row["cost_cny"] == pytest.approx(saw.power_kw * 1.105, abs=0.01)  # an hour of peak
    assert row["kwh_by_band"]["peak"] == pytest.approx(saw.power_kw, abs=0.1)
    assert row["violations"] == []
    tight = replace(p, factories=(replace(f, electricity=replace(f.electricity, demand_limit_kw=1.0)),
                                  *p.factories[1:]), orders=(order,))
    assert any("demand limit" in v for v in figures(tight, ops)["violations"])


def test_the_picture_shows_both_plans_over_the_bands_with_the_limit():
    p = network()
    f = p.factories[0]
    saw = next(m for m in f.machines if m.type == "panel_saw")
    blind = [PlannedOperation(p.orders[0].id, 0, f.id, saw.id, 15 * 60, 16 * 60)]
    aware = [PlannedOperation(p.orders[0].id, 0, f.id, saw.id, 20 * 60, 21 * 60)]
    svg = load_day_svg(p, blind, aware, f.id, 0, MONDAY)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "energy-blind" in svg and "energy-aware" in svg and "demand limit" in svg
    assert "peak 1.1050 CNY/kWh" in svg and "valley 0.2470 CNY/kWh" in svg
    assert "Monday 2026-10-12" in svg


def test_day_steps_clip_the_curve_to_the_day():
    minutes = np.array([0, 600, 700, 1500, 1600])
    kw = np.array([0.0, 10.0, 4.0, 8.0, 0.0])
    assert _day_steps(minutes, kw, 0, 1440) == [(0, 0.0), (600, 0.0), (600, 10.0), (700, 10.0),
                                                (700, 4.0), (1440, 4.0)]
    assert _day_steps(minutes, kw, 1440, 2880) == [(1440, 4.0), (1500, 4.0), (1500, 8.0),
                                                   (1600, 8.0), (1600, 0.0), (2880, 0.0)]
