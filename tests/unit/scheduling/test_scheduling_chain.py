"""The decomposed chain-scale solver: shift changes, overload, re-planning after changes."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from network_instances import generate

from services.scheduling.solver.codec import problem_to_dict
from services.scheduling.solver.decompose import ChainSearch
from services.scheduling.solver.greedy import greedy_plan
from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    Window,
    evaluate,
)
from services.scheduling.solver.search import plan_network, replan
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]


def _one_saw(shifts, orders, share=1.0, horizon=2000):
    factory = Factory("A", (Machine("A-saw", "panel_saw"),), tuple(Window(*w) for w in shifts), share)
    return NetworkProblem(horizon=horizon, factories=(factory,), orders=tuple(orders))


def test_work_runs_through_a_shift_change_when_the_shifts_touch():
    # 07:00-15:00 then 15:00-23:00 (minutes from 07:00): a 600-minute cut fits the stretch
    problem = _one_saw([(0, 480), (480, 960)], [Order("O1", (Operation("panel_saw", 600),), due=600)])
    plan = plan_network(problem, time_limit=1.0, workers=1)
    (op,) = plan.operations
    assert (op.start, op.end) == (0, 600)
    assert validate_plan(problem, list(plan.operations)) == []


def test_work_waits_for_the_next_shift_rather_than_cross_a_break():
    problem = _one_saw([(0, 480), (510, 960), (1440, 1920)],
                       [Order("O1", (Operation("panel_saw", 450),), due=2000),
                        Order("O2", (Operation("panel_saw", 60),), due=2000)])
    plan = plan_network(problem, time_limit=1.0, workers=1)
    assert validate_plan(problem, list(plan.operations)) == []
    for op in plan.operations:  # inside one window each
        assert any(s <= op.start and op.end <= e for s, e in [(0, 480), (510, 960), (1440, 1920)])


def test_over_capacity_the_rest_is_planned_and_what_does_not_fit_is_left_out_with_why():
    orders = [Order(f"O{i}", (Operation("panel_saw", 300),), due=480) for i in range(6)]
    orders.append(Order("ROUTER", (Operation("cnc_router", 30),), due=480))
    problem = _one_saw([(0, 480), (1440, 1920)], orders, horizon=1920)  # room for 2 cuts
    plan = plan_network(problem, time_limit=1.0, workers=1)
    left = dict(plan.left_out)
    assert len({op.order for op in plan.operations}) == 2
    assert len(left) == 5 and "no factory has cnc_router" in left["ROUTER"]
    assert all("does not fit" in why for order, why in left.items() if order != "ROUTER")
    rest = replace(problem, orders=tuple(o for o in problem.orders if o.id not in left))
    assert validate_plan(rest, list(plan.operations)) == []


def test_the_plan_command_leaves_out_what_does_not_fit_and_exits_0(tmp_path):
    orders = [Order(f"O{i}", (Operation("panel_saw", 300),), due=480) for i in range(6)]
    path = tmp_path / "over.json"
    path.write_text(json.dumps(problem_to_dict(_one_saw([(0, 480), (1440, 1920)], orders, horizon=1920))))
    done = subprocess.run([sys.executable, "-m", "services.scheduling.plan", str(path), "--time-limit", "1"],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert len(out["left_out"]) == 4 and all(row["reason"] for row in out["left_out"])
    assert len(out["operations"]) == 2


def _down(problem, factory, machine, window):
    return replace(problem, factories=tuple(
        replace(f, machines=tuple(replace(m, downtime=m.downtime + (window,)) if m.id == machine else m
                                  for m in f.machines)) if f.id == factory else f
        for f in problem.factories))


def _changes(problem, before, kind, now):
    """The problem after ``kind`` happened at ``now``: started work frozen, ``before`` last."""
    ahead = [p for p in before if p.start >= now]
    if kind == "urgent":
        routing = problem.orders[0].operations
        changed = replace(problem, orders=problem.orders + (Order("URGENT", routing, due=now + 600, weight=3,
                                                                  release=now),))
    else:
        fm = max({(p.factory, p.machine) for p in ahead} or {(problem.factories[0].id, problem.factories[0].machines[0].id)},
                 key=lambda k: (sum(1 for p in ahead if (p.factory, p.machine) == k), k))
        changed = _down(problem, *fm, Window(now, now + 480))
        if kind == "back":  # it was down when planned, and is back now
            before_problem = changed
            changed = problem
            before = list(plan_network(replace(before_problem, now=0), 1.0, 1).operations)
    frozen = tuple(p for p in before if p.start < now)
    return replace(changed, frozen=frozen, last_plan=tuple(before), now=now), before


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), orders=st.integers(5, 40), factories=st.integers(1, 4),
       kind=st.sampled_from(["down", "back", "urgent"]))
def test_a_replan_is_valid_and_never_worse_than_a_dispatch_from_scratch(seed, orders, factories, kind):
    problem = generate(orders=orders, factories=factories, seed=seed, days=7)
    before = list(plan_network(problem, time_limit=0.5, workers=1, seed=seed).operations)
    changed, before = _changes(problem, before, kind, now=24 * 60 + 8 * 60)

    after = replan(changed, before, time_limit=2.0, workers=1, seed=seed)

    planned = replace(changed, orders=tuple(o for o in changed.orders if o.id not in dict(after.left_out)))
    assert validate_plan(planned, list(after.operations)) == []
    scratch = ChainSearch(changed, seed)
    scratch.dispatch()
    assert len(after.left_out) <= len(scratch.unplaced())
    try:
        greedy = greedy_plan(changed)
    except ValueError:
        return  # the old greedy finds no plan of every order; nothing to compare with
    assert not after.left_out
    assert after.objective.weighted_tardiness <= evaluate(changed, greedy).weighted_tardiness


def test_a_replan_moves_only_what_the_change_breaks_and_keeps_started_work():
    problem = generate(orders=60, factories=4, seed=3, days=7)
    before = list(plan_network(problem, time_limit=1.0, workers=1).operations)
    changed, before = _changes(problem, before, "down", now=24 * 60 + 8 * 60)

    after = replan(changed, before, time_limit=2.0, workers=1)

    assert validate_plan(changed, list(after.operations)) == []
    kept = {p.key: p for p in after.operations}
    assert all(kept[f.key] == f for f in changed.frozen)
    assert after.objective.moved <= max(0.25 * len(before), 1)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), orders=st.integers(1, 60), factories=st.integers(1, 5),
       workers=st.sampled_from([1, 2]))
def test_the_decomposed_search_gives_valid_plans_never_worse_than_its_dispatch(seed, orders, factories, workers):
    problem = generate(orders=orders, factories=factories, seed=seed, days=5)
    search = ChainSearch(problem, seed, workers)
    search.dispatch()
    first = search.objective()
    unplaced = set(search.unplaced())
    import time

    search.improve(time.monotonic() + 0.3)
    assert set(search.unplaced()) <= unplaced
    if set(search.unplaced()) == unplaced:
        assert search.objective().weighted_tardiness <= first.weighted_tardiness
    rest = replace(problem, orders=tuple(o for o in problem.orders if o.id not in set(search.unplaced())))
    assert validate_plan(rest, search.operations()) == []
