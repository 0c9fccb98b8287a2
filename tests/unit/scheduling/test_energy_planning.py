"""The planner weighs energy after weighted tardiness (issue 21, item 2): heavy work moves out
of peak hours when due dates allow, never later than due unless the chain trades lateness for
money, the demand limit holds, and the independent validator checks the limit and prices the
plan on its own."""

import time
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.power import running_kw
from services.scheduling.domain.tariffs import guangdong_industrial, price_steps
from services.scheduling.solver import energy as energy_step
from services.scheduling.solver import energy_moves, search
from services.scheduling.solver.energy import improve_energy, needs_energy
from services.scheduling.solver.energy_audit import energy_report, load_curve
from services.scheduling.solver.model import (
    Electricity,
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    PlannedOperation,
    PriceStep,
    Window,
    evaluate,
)
from services.scheduling.solver.search import plan_network, replan
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit
DAY = 24 * 60
H = 60
HORIZON = 4 * DAY
MONDAY = datetime(2026, 10, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
STEPS = tuple(PriceStep(s.minute, float(s.cny_per_kwh), str(s.band))
              for s in price_steps(guangdong_industrial(), MONDAY, HORIZON))
SHIFTS = tuple(Window(d * DAY + 6 * H, d * DAY + 22 * H) for d in range(4))


def shop(limit_kw=None, machines=(("saw", "panel_saw"),), prices=STEPS) -> Factory:
    ms = tuple(Machine(f"F-{name}", kind, power_kw=running_kw(kind)) for name, kind in machines)
    return Factory("F", ms, SHIFTS, 1.0, Electricity(prices, limit_kw))


def problem(orders, factory=None, **kw) -> NetworkProblem:
    return NetworkProblem(HORIZON, (factory or shop(),), tuple(orders), **kw)


def saw_order(oid="O1", release=10 * H, due=3 * DAY, minutes=60, weight=1) -> Order:
    return Order(oid, (Operation("panel_saw", minutes),), due=due, weight=weight, release=release)


def cost(p, ops) -> float:
    return sum(r.cost_cny for r in energy_report(p, ops).values())


def test_without_tariffs_there_is_nothing_to_weigh():
    plain = NetworkProblem(HORIZON, (Factory("F", (Machine("F-saw", "panel_saw"),), SHIFTS),),
                           (saw_order(),))
    assert not needs_energy(plain)
    ops = [PlannedOperation("O1", 0, "F", "F-saw", 10 * H, 11 * H)]
    assert improve_energy(plain, ops, deadline=float("inf")) is ops
    blind = problem([saw_order()], energy_aware=False)
    assert not needs_energy(blind)  # prices, but no limit: an energy-blind planner ignores them


def test_work_released_into_the_peak_waits_for_the_valley_when_due_allows():
    p = problem([saw_order(due=3 * DAY)])
    blind = plan_network(replace(p, energy_aware=False), 2, 1, 0)
    assert blind.operations[0].start == 10 * H  # as soon as released: peak
    aware = plan_network(p, 2, 1, 0)
    assert validate_plan(p, aware.operations) == []
    start = aware.operations[0].start % DAY
    assert 6 * H <= start <= 7 * H  # a later morning's valley (06:00-08:00)
    assert cost(p, aware.operations) < 0.4 * cost(p, blind.operations)


def test_the_energy_step_keeps_its_share_when_the_search_overran(monkeypatch):
    """The search's CP-SAT call ends far past the search's share (as under a loaded machine,
    or while the kernels compile beside the first plan): the energy step still has its own
    share after it (it used to get none, and the plan stayed as dear as an energy-blind one)."""
    real = energy_step.time.monotonic
    late = [0.0]
    clock = SimpleNamespace(monotonic=lambda: real() + late[0])
    for module in (search, energy_step, energy_moves):
        monkeypatch.setattr(module, "time", clock)
    solve = search.solve_subproblem

    def overrunning(*args, **kw):
        found = solve(*args, **kw)
        late[0] += 60.0  # a minute later by the clock
        return found

    monkeypatch.setattr(search, "solve_subproblem", overrunning)
    p = problem([saw_order(due=3 * DAY)])
    aware = plan_network(p, 2, 1, 0)
    assert late[0] > 0  # the search overran
    assert validate_plan(p, aware.operations) == []
    assert 6 * H <= aware.operations[0].start % DAY <= 7 * H  # a later morning's valley


def test_never_late_for_energy():
    p = problem([saw_order(due=13 * H)])  # due 13:00 the same day; peak until 12:00
    aware = plan_network(p, 2, 1, 0)
    assert aware.objective.weighted_tardiness == 0
    assert aware.operations[0].end <= 13 * H
    assert aware.operations[0].start == 12 * H  # the flat hour before it is due, not the peak


def test_the_chain_may_trade_lateness_for_money():
    order = saw_order(due=13 * H, minutes=180)
    strict = plan_network(problem([order]), 2, 1, 0)
    generous = problem([order], lateness_minutes_per_cny=10_000)
    traded = plan_network(generous, 2, 1, 0)
    assert validate_plan(generous, traded.operations) == []
    assert traded.objective.weighted_tardiness > strict.objective.weighted_tardiness == 0
    assert cost(generous, traded.operations) < cost(generous, strict.operations)


def test_demand_limit_holds_and_the_validator_checks_it():
    f = shop(limit_kw=20.0, machines=(("saw", "panel_saw"), ("edge", "edge_bander")))
    orders = [Order("O1", (Operation("panel_saw", 60),), due=3 * DAY, release=6 * H),
              Order("O2", (Operation("edge_bander", 60),), due=3 * DAY, release=6 * H)]
    p = problem(orders, f)
    together = [PlannedOperation("O1", 0, "F", "F-saw", 6 * H, 7 * H),
                PlannedOperation("O2", 0, "F", "F-edge", 6 * H + 30, 7 * H + 30)]
    found = validate_plan(p, together)
    assert [v.kind for v in found] == ["demand_limit"]
    assert found[0].factory == "F" and "24.8 kW" in found[0].message
    assert validate_plan(p, together, demand=False) == []
    for aware in (True, False):  # the energy-blind planner keeps the limit too
        plan = plan_network(replace(p, energy_aware=aware), 2, 1, 0)
        assert validate_plan(p, plan.operations) == []
        assert energy_report(p, plan.operations)["F"].peak_kw <= 20.0


def test_a_repair_keeps_the_limit():
    f = shop(limit_kw=20.0, machines=(("saw", "panel_saw"), ("edge", "edge_bander")))
    orders = [Order("O1", (Operation("panel_saw", 60),), due=3 * DAY, release=6 * H),
              Order("O2", (Operation("edge_bander", 60),), due=3 * DAY, release=6 * H)]
    p = problem(orders, f, energy_aware=False)
    before = [PlannedOperation("O1", 0, "F", "F-saw", 6 * H, 7 * H),  # a plan from before
              PlannedOperation("O2", 0, "F", "F-edge", 6 * H, 7 * H)]  # the limit was set
    again = replan(replace(p, last_plan=tuple(before)), before, 1.0, 1, 0)
    assert validate_plan(p, again.operations) == []
    assert evaluate(p, again.operations).weighted_tardiness == 0


def test_the_audit_prices_each_minute_in_its_band():
    p = problem([saw_order()])
    op = PlannedOperation("O1", 0, "F", "F-saw", 9 * H + 30, 10 * H + 30)  # half flat, half peak
    r = energy_report(p, [op])["F"]
    assert r.kwh == pytest.approx(13.5)
    assert r.cost_cny == pytest.approx(13.5 * (0.5 * 0.65 + 0.5 * 1.105))
    assert r.kwh_by_band == pytest.approx({"flat": 6.75, "peak": 6.75, "valley": 0.0})
    minutes, kw = load_curve(p, [op], "F")
    assert list(minutes) == [0, 9 * H + 30, 10 * H + 30] and list(kw) == [0.0, 13.5, 0.0]


def test_energy_on_the_network_benchmark_instance_never_costs_tardiness():
    from network_instances import generate  # load/, on the path through conftest

    base = generate(60, 4, 8, seed=1)
    factories = tuple(replace(f, machines=tuple(replace(m, power_kw=running_kw(m.type)) for m in f.machines),
                              electricity=Electricity(STEPS, 60.0)) for f in base.factories)
    p = replace(base, factories=factories, horizon=HORIZON,
                orders=tuple(replace(o, due=min(o.due, HORIZON - DAY)) for o in base.orders))
    p = replace(p, factories=tuple(replace(f, shifts=SHIFTS) for f in p.factories))
    blind = plan_network(replace(p, energy_aware=False), 3, 1, 0)
    aware = improve_energy(p, list(blind.operations), time.monotonic() + 2.0, workers=1)
    assert validate_plan(p, aware) == []
    assert evaluate(p, aware).weighted_tardiness <= blind.objective.weighted_tardiness
    assert cost(p, aware) < cost(p, blind.operations)



def test_the_json_form_carries_tariffs_power_and_the_trade_off():
    from services.scheduling.solver.codec import problem_from_dict, problem_to_dict

    p = problem([saw_order()], shop(limit_kw=20.0), energy_aware=False, lateness_minutes_per_cny=3)
    assert problem_from_dict(problem_to_dict(p)) == p
    plain = NetworkProblem(HORIZON, (Factory("F", (Machine("F-saw", "panel_saw"),), SHIFTS),),
                           (saw_order(),))
    assert "electricity" not in str(problem_to_dict(plain))  # nothing new where nothing is set


def test_a_limit_no_plan_can_keep_is_named_not_fatal():
    p = problem([saw_order()], shop(limit_kw=10.0))  # the saw alone draws 13.5 kW
    plan = plan_network(p, 1, 1, 0)
    assert plan.over_limit == (("F", 13.5),)
    assert [v.kind for v in validate_plan(p, plan.operations)] == ["demand_limit"]
    assert validate_plan(p, plan.operations, demand=False) == []
