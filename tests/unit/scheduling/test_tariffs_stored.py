"""Tariffs stored per factory (issue 21, item 1): a factory's tariff is an event of its
FactoryCapacity (old logs load without one), the planner's problem carries the stored tariff
as price steps with its demand limit and each machine's running kW (learnt when known), and
the chain's trade-off; grid factors by region for CO2e (item 4)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from services.kit.errors import InvalidArgument
from services.scheduling.domain.capacity import MachineCapacity
from services.scheduling.domain.carbon import NATIONAL_2022, factor_for
from services.scheduling.domain.errors import FactoryNotRegistered
from services.scheduling.domain.ids import factory_key, machine_key
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.power import RUNNING_KW
from services.scheduling.domain.problem import build_problem
from services.scheduling.domain.tariffs import (
    Band,
    Tariff,
    guangdong_industrial,
    price_steps,
    tariff_from_record,
    tariff_record,
)
from tests.unit.scheduling.test_scheduling_stored_shapes import FACTORY, app_with_v1

pytestmark = pytest.mark.unit
T = 1_796_000_000_000


def with_machines(app):
    for i, kind in enumerate(("panel_saw", "paint_line")):
        app.save(MachineCapacity(machine_id=f"{FACTORY}-m{i}", factory_id=FACTORY,
                                 machine_type=kind, speed=1.0, batch_capacity=1, active=True,
                                 source_version=1))
    return app


def state_of(app) -> NetworkState:
    state = NetworkState()
    for n in app.recorder.select_notifications(1, 1000):
        state.apply(app.mapper.to_domain_event(n))
    return state


def test_a_tariff_survives_its_record_exactly():
    t = guangdong_industrial(Decimal("0.6123"), Decimal("80.5"))
    record = json.loads(json.dumps(tariff_record(t)))
    assert tariff_from_record(record) == t
    assert record["prices"][0] == ["critical", str(t.price(Band.CRITICAL))]


def test_an_old_log_loads_without_a_tariff_and_a_tariff_set_is_stored_and_replayed():
    app = app_with_v1()
    factory = app.repository.get(factory_key(FACTORY))
    assert factory.tariff is None

    tariff = guangdong_industrial(demand_limit_kw=Decimal("40"))
    saved = app.set_tariff(FACTORY, tariff, T, "admin")
    assert saved.tariff == tariff
    again = app.repository.get(factory_key(FACTORY))
    assert (again.tariff, again.tariff_set_at_ms, again.tariff_set_by) == (tariff, T, "admin")
    # the same tariff again is no event; None clears it
    version = again.version
    assert app.set_tariff(FACTORY, tariff, T + 1, "admin").version == version
    app.set_tariff(FACTORY, None, T + 2, "admin")
    assert app.repository.get(factory_key(FACTORY)).tariff is None
    assert state_of(app).factories[FACTORY].tariff is None


def test_a_bad_tariff_names_its_fields_and_an_unknown_factory_is_not_found():
    app = app_with_v1()
    bad = Tariff(((Band.PEAK, Decimal("-1")),), (), Band.FLAT, Decimal("0"), "Mars/Olympus")
    with pytest.raises(InvalidArgument) as caught:
        app.set_tariff(FACTORY, bad, T, "admin")
    fields = {v.field for v in caught.value.violations}
    assert fields == {"prices.peak", "default_band", "demand_limit_kw", "time_zone"}
    assert app.repository.get(factory_key(FACTORY)).tariff is None
    with pytest.raises(FactoryNotRegistered):
        app.set_tariff("F-NOWHERE", guangdong_industrial(), T, "admin")


def test_the_planners_problem_carries_the_stored_tariff_power_and_trade_off():
    app = with_machines(app_with_v1())
    tariff = guangdong_industrial(demand_limit_kw=Decimal("40"))
    app.set_tariff(FACTORY, tariff, T, "admin")
    state = state_of(app)
    machines = state.machines_of(FACTORY)
    assert machines[0].learnt_kw is None
    learnt = machines[0]
    assert learnt.learn_power(7.25, 12.0)
    app.save(learnt)
    state = state_of(app)
    state.lateness_minutes_per_cny = 3.0
    problem, index = build_problem(state, T, 2, {})
    (factory,) = [f for f in problem.factories if f.id == FACTORY]
    assert factory.electricity is not None and factory.electricity.demand_limit_kw == 40.0
    expected = price_steps(tariff, datetime.fromtimestamp(index.origin_ms / 1000, UTC),
                           problem.horizon)
    assert [(s.minute, s.cny_per_kwh, s.band) for s in factory.electricity.prices] == [
        (s.minute, float(s.cny_per_kwh), str(s.band)) for s in expected]
    power = {m.id: m.power_kw for m in factory.machines}
    assert power[learnt.machine_id] == 7.25
    assert all(power[m.machine_id] == RUNNING_KW[m.machine_type] for m in machines[1:])
    assert problem.lateness_minutes_per_cny == 3.0

    app.set_tariff(FACTORY, None, T + 1, "admin")
    problem, _ = build_problem(state_of(app), T, 2, {})
    assert all(f.electricity is None for f in problem.factories)


def test_learnt_power_records_moves_of_two_percent_or_more():
    app = with_machines(app_with_v1())
    machine = app.repository.get(machine_key(f"{FACTORY}-m0"))
    assert machine.learn_power(10.0, 5.0)
    assert not machine.learn_power(10.1, 6.0)  # 1 %: not worth a re-plan
    assert machine.learn_power(10.5, 7.0)
    assert not machine.learn_power(0.0, 7.0) and not machine.learn_power(5.0, 0.0)


def test_grid_factors_by_province_and_region():
    guangdong = factor_for("Guangdong")
    assert guangdong.kg_per_kwh == 0.3869 and "south regional grid" in guangdong.source
    assert factor_for("广东省") == guangdong
    assert factor_for("Hebei Province").kg_per_kwh == 0.7252
    assert factor_for("云南").kg_per_kwh == 0.1073
    assert factor_for("Zhejiang").kg_per_kwh == 0.5617  # east China grid
    assert factor_for("").kg_per_kwh == NATIONAL_2022


def test_factories_of_one_tariff_with_limits_of_their_own_share_the_price_steps():
    from types import SimpleNamespace

    from services.scheduling.domain.problem import electricity_of

    a, b = (SimpleNamespace(tariff=guangdong_industrial(demand_limit_kw=Decimal(kw)))
            for kw in ("40", "55.5"))
    ea, eb = electricity_of(a, T, 2 * 1440), electricity_of(b, T, 2 * 1440)
    assert ea is not None and eb is not None
    assert ea.prices is eb.prices  # worked out once (~1 ms over 14 days), not per factory
    assert (ea.demand_limit_kw, eb.demand_limit_kw) == (40.0, 55.5)
