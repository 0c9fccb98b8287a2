"""Planning the network: greedy always feasible, CP-SAT optimal on small cases, repair
after a machine goes down, explanations and quotes."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from network_instances import generate

from services.scheduling.domain.replanning import kept_placements, warm_start
from services.scheduling.solver.codec import problem_from_dict, problem_to_dict
from services.scheduling.solver.explain import explain
from services.scheduling.solver.greedy import greedy_plan, unfit_orders
from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    PlannedOperation,
    Window,
    evaluate,
)
from services.scheduling.solver.quote import quote
from services.scheduling.solver.search import plan_network, replan_machine_down
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), orders=st.integers(1, 40), factories=st.integers(1, 4))
def test_greedy_always_gives_a_valid_plan(seed, orders, factories):
    problem = generate(orders=orders, factories=factories, seed=seed)
    assert validate_plan(problem, greedy_plan(problem)) == []


def test_two_orders_go_to_two_factories_when_that_finishes_first(workshop):
    # O2 alone needs 180 min (release 60, saw, edge banding, 30 min wait, assembly); together
    # in one factory the changeover pushes it to 195, so the optimum splits them.
    plan = plan_network(workshop, time_limit=2.0, workers=1)
    assert plan.status == "OPTIMAL"
    assert plan.objective.key() == (0, 180, 0)
    factory = {p.order: p.factory for p in plan.operations}
    assert factory["O1"] != factory["O2"]
    assert validate_plan(workshop, list(plan.operations)) == []


def test_same_seed_same_plan(workshop):
    first = plan_network(workshop, time_limit=2.0, workers=1, seed=7)
    again = plan_network(workshop, time_limit=2.0, workers=1, seed=7)
    assert first.operations == again.operations


def test_a_machine_going_down_moves_only_the_work_it_breaks():
    problem = generate(orders=30, factories=3, seed=5, days=7)
    before = list(plan_network(problem, time_limit=1.0, workers=1).operations)
    now = 1 * 24 * 60 + 8 * 60  # day 2, 08:00
    frozen = tuple(p for p in before if p.start < now)
    ahead = [p for p in before if p.start >= now]
    down_factory, down_machine = max(
        {(p.factory, p.machine) for p in ahead},
        key=lambda fm: (sum(1 for p in ahead if (p.factory, p.machine) == fm), fm))
    factories = tuple(
        replace(f, machines=tuple(replace(m, downtime=(Window(now, now + 8 * 60),)) if m.id == down_machine else m
                                  for m in f.machines)) if f.id == down_factory else f
        for f in problem.factories)
    changed = replace(problem, factories=factories, frozen=frozen, last_plan=tuple(before), now=now)
    assert validate_plan(changed, before), "the machine was busy, so the old plan breaks"

    after = replan_machine_down(changed, before, time_limit=2.0, workers=1)

    assert validate_plan(changed, list(after.operations)) == []
    kept = {p.key: p for p in after.operations}
    assert all(kept[f.key] == f for f in frozen)
    old = {p.key: p for p in before}
    moved = {k for k, p in kept.items() if (p.machine, p.start) != (old[k].machine, old[k].start)}
    broken_orders = {p.order for p in ahead if (p.factory, p.machine) == (down_factory, down_machine)
                     and p.start < now + 8 * 60}
    assert {order for order, _ in moved} <= broken_orders
    assert after.objective.moved == len(moved) <= 0.25 * len(before)


def test_work_started_early_where_other_work_was_planned_moves_that_work(workshop,
                                                                          workshop_plan):
    # O2's saw step, planned after O1's, starts at once on the same saw: the repair keeps
    # O2 where it runs, and O1's saw step, which it runs into, makes room (the repair kept
    # it there, and failed validation on every attempt: the rolling re-plan never came)
    started = PlannedOperation("O2", 0, "A", "A-saw", 0, 30)
    problem = replace(workshop, frozen=(started,), last_plan=tuple(workshop_plan))
    previous = [started if p.key == started.key else p for p in workshop_plan]

    after = replan_machine_down(problem, previous, time_limit=1.0, workers=1)

    assert validate_plan(problem, list(after.operations)) == []
    placed = {p.key: p for p in after.operations}
    o1 = placed["O1", 0]
    assert placed[started.key] == started and (o1.machine != "A-saw" or o1.start >= 30)


def test_a_late_order_is_explained_with_its_bottleneck_and_what_would_help(workshop):
    # one factory, both promises tight: whichever order goes second waits for the saw or the
    # edge bander (and its changeover)
    rushed = replace(workshop, factories=(workshop.factories[0],), orders=(
        replace(workshop.orders[0], due=150), replace(workshop.orders[1], due=180)))
    plan = plan_network(rushed, time_limit=1.0, workers=1)
    late = [e for e in explain(rushed, list(plan.operations)) if e.status == "late"]
    assert late, "one of the two must be late"
    note = late[0]
    assert note.factory == "A" and note.waited_minutes > 0
    assert note.bottleneck_machine_type in {"edge_bander", "panel_saw"}
    assert "waits" in note.text and note.bottleneck_machine in note.text
    assert any("promise minute" in s for s in note.suggestions)
    assert any("shift" in s or "overtime" in s for s in note.suggestions)


def test_a_quote_fits_the_new_order_into_free_time(workshop, workshop_plan):
    routing = (Operation("panel_saw", 45), Operation("assembly", 45))
    q = quote(workshop, workshop_plan, routing, release=0, order_id="NEW")
    assert q.completion >= 90
    with_new = replace(workshop, orders=workshop.orders + (Order("NEW", routing, due=1200),))
    assert validate_plan(with_new, workshop_plan + list(q.operations)) == []


def test_problem_json_round_trips(workshop):
    assert problem_from_dict(json.loads(json.dumps(problem_to_dict(workshop)))) == workshop


def test_plan_cli_plans_the_example_problem():
    example = ROOT / "services/scheduling/examples/network_small.json"
    out = subprocess.run([sys.executable, "-m", "services.scheduling.plan", str(example), "--time-limit", "2"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result = json.loads(out)
    problem = problem_from_dict(json.loads(example.read_text()))
    from services.scheduling.solver.codec import _planned
    ops = list(_planned(result["operations"]))
    assert validate_plan(problem, ops) == []
    assert result["objective"]["makespan"] == evaluate(problem, ops).makespan
    assert isinstance(result["explanations"], list)


def one_saw(*orders: Order) -> NetworkProblem:
    """One factory with one panel saw, open the whole 600-minute horizon."""
    return NetworkProblem(
        horizon=600,
        factories=(Factory("A", (Machine("A-saw", "panel_saw"),), (Window(0, 600),), 1.0),),
        orders=orders)


def test_over_capacity_every_unfit_order_is_found_in_one_pass():
    """Ten 2-hour orders on one saw open 10 hours, and one no factory can make: the six that
    cannot be planned are named at once, and without them the rest is planned (the planner
    used to drop one per attempt and give up after six, planning nothing)."""
    problem = one_saw(*(Order(f"O{i:02d}", (Operation("panel_saw", 60),
                                            Operation("panel_saw", 60)), due=300)
                        for i in range(10)),
                      Order("NOWHERE", (Operation("paint_line", 10),), due=300))
    unfit = unfit_orders(problem)
    assert len(unfit) == 6 and "NOWHERE" in unfit  # 5 orders fill the 600 minutes
    assert "no factory can make" in unfit["NOWHERE"]
    rest = replace(problem, orders=tuple(o for o in problem.orders if o.id not in unfit))
    plan = greedy_plan(rest)
    assert not validate_plan(rest, plan)
    assert {p.order for p in plan} == {o.id for o in rest.orders} and len(rest.orders) == 5


def test_over_capacity_an_order_already_planned_is_not_bumped_by_a_newcomer():
    """Same due date, room for five: the five the published plan places keep their room,
    although the newcomers sort first by id; and the warm start then plans the rest."""
    names = ["N1", "N2", "N3", "P1", "P2", "P3", "P4", "P5"]
    problem = one_saw(*(Order(name, (Operation("panel_saw", 120),), due=300) for name in names))
    published = [PlannedOperation(f"P{i + 1}", 0, "A", "A-saw", 120 * i, 120 * (i + 1))
                 for i in range(5)]
    keep, _ = kept_placements(problem, published)
    unfit = unfit_orders(problem, keep)
    assert set(unfit) == {"N1", "N2", "N3"}
    assert set(unfit_orders(problem)) == {"P3", "P4", "P5"}  # without it, ids decide
    rest = replace(problem, orders=tuple(o for o in problem.orders if o.id not in unfit))
    start = warm_start(rest, published)
    assert start is not None and set(start) == set(published)


def test_an_order_whose_planned_start_passed_keeps_priority_over_newcomers():
    """P1's place no longer holds (its start passed without it starting): it is dispatched
    again before the newcomers, although they sort first by id and due date."""
    problem = one_saw(Order("P1", (Operation("panel_saw", 300),), due=600),
                      Order("N1", (Operation("panel_saw", 300),), due=300),
                      Order("N2", (Operation("panel_saw", 300),), due=300))
    published = [PlannedOperation("P1", 0, "A", "A-saw", -100, 200)]  # before the horizon
    keep, broken = kept_placements(problem, published)
    assert keep == [] and "P1" in broken
    unfit = unfit_orders(problem, keep, {"P1"})
    assert set(unfit) == {"N2"}
    rest = replace(problem, orders=tuple(o for o in problem.orders if o.id not in unfit))
    start = warm_start(rest, published)
    assert start is not None and {q.order for q in start} == {"P1", "N1"}
