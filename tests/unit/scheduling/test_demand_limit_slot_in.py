"""The demand limit in a slot-in pass (issue 21): new orders dispatched into the published
plan's gaps keep the factory's limit against all its planned work, not only their own, and
the independent validator checks the new work together with the work it went around."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.scheduling.planning.insert import Insertion, dispatch
from services.scheduling.solver.greedy import greedy_plan
from services.scheduling.solver.model import (
    Electricity,
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    PlannedOperation,
    Window,
)
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit
SAWS = (Machine("saw-1", "panel_saw", power_kw=10.0), Machine("saw-2", "panel_saw", power_kw=10.0))


def problem(limit: float | None) -> NetworkProblem:
    factory = Factory("F", SAWS, (Window(0, 2000),), electricity=Electricity(demand_limit_kw=limit))
    new = Order("new", (Operation("panel_saw", 60),), due=1000)
    return NetworkProblem(horizon=2000, factories=(factory,), orders=(new,))


# published: an order of another pass on saw-1 for the first 100 minutes (10 kW)
KEEP = [PlannedOperation("old", 0, "F", "saw-1", 0, 100)]
OTHERS = {("old", 0): ("", True)}


def test_the_new_work_waits_for_room_under_the_limit_with_the_published_work():
    plan = dispatch(Insertion(problem(15.0), None, KEEP, OTHERS))  # type: ignore[arg-type]
    assert plan is not None
    (new,) = plan.operations
    assert new.start >= 100  # not beside the published saw at 20 kW
    assert not validate_plan(problem(15.0), plan.operations, around=KEEP)


def test_without_a_limit_it_goes_in_at_once_beside_the_published_work():
    plan = dispatch(Insertion(problem(None), None, KEEP, OTHERS))  # type: ignore[arg-type]
    assert plan is not None and plan.operations[0].start == 0


def test_the_validator_counts_the_work_it_went_around():
    beside = [PlannedOperation("new", 0, "F", "saw-2", 0, 60)]
    assert not validate_plan(problem(15.0), beside)  # alone: 10 kW
    (v,) = validate_plan(problem(15.0), beside, around=KEEP)
    assert v.kind == "demand_limit" and v.factory == "F" and "20.0 kW" in v.message
    later = [PlannedOperation("new", 0, "F", "saw-2", 100, 160)]
    assert not validate_plan(problem(15.0), later, around=KEEP)
    # what the published work draws alone where the new work does not run is not the new work's
    heavy = KEEP + [PlannedOperation("old2", 0, "F", "saw-2", 0, 50)]
    assert not validate_plan(problem(15.0), later, around=heavy)


def test_a_limit_below_one_machine_makes_the_order_unfit_for_a_slot_in():
    from services.scheduling.solver.model import SchedulingError

    with pytest.raises(SchedulingError):
        greedy_plan(problem(5.0), keep=KEEP, others=OTHERS, demand=True)
    assert dispatch(Insertion(problem(5.0), None, KEEP, OTHERS)) is None  # type: ignore[arg-type]
    # a whole plan still places it (and repairs or reports the limit elsewhere)
    assert greedy_plan(problem(5.0), keep=KEEP, others=OTHERS)


def whole(limit: float | None) -> NetworkProblem:
    """The published order and the new one in one problem (a pass over the whole pool)."""
    p = problem(limit)
    old = Order("old", (Operation("panel_saw", 100),), due=1000)
    return replace(p, orders=(old, *p.orders))


def test_a_slot_in_over_the_whole_problem_keeps_the_limit():
    from services.scheduling.domain.replanning import warm_start

    start = warm_start(whole(15.0), KEEP, demand=True)
    assert start is not None and not validate_plan(whole(15.0), start)
    assert next(q for q in start if q.order == "new").start >= 100
    blind = warm_start(whole(15.0), KEEP)  # a full solve's start: repaired by the solve
    assert any(v.kind == "demand_limit" for v in validate_plan(whole(15.0), blind))


def test_settling_dispatches_again_within_the_limit():
    from services.scheduling.domain.replanning import settle

    # old was planned on saw-1 but started on saw-2 meanwhile, where new was planned
    ran = PlannedOperation("old", 0, "F", "saw-2", 0, 100)
    started = replace(whole(15.0), frozen=(ran,))
    solved = [*KEEP, PlannedOperation("new", 0, "F", "saw-2", 0, 60)]
    settled = settle(started, solved)
    assert settled is not None and not validate_plan(started, settled)
    assert next(q for q in settled if q.order == "new").start >= 100
    # a limit no dispatch can keep still settles (the next plan repairs or reports it)
    assert settle(replace(started, factories=problem(5.0).factories), solved) is not None
