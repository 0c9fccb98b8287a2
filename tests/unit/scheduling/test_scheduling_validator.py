"""The independent validator catches every kind of broken plan."""

from dataclasses import replace

import pytest

from services.scheduling.solver.model import PlannedOperation, Window
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit


def _with(plan, order, op, **changes):
    return [replace(p, **changes) if (p.order, p.op) == (order, op) else p for p in plan]


def _kinds(problem, plan):
    return {v.kind for v in validate_plan(problem, plan)}


def test_a_hand_checked_plan_is_valid(workshop, workshop_plan):
    assert validate_plan(workshop, workshop_plan) == []


@pytest.mark.parametrize(
    ("order", "op", "changes", "kind"),
    [
        ("O2", 0, {"start": 30, "end": 60}, "overlap"),  # saw busy with O1 until 60
        ("O1", 2, {"start": 80, "end": 140}, "precedence"),  # before edge banding ends at 90
        ("O2", 2, {"start": 150, "end": 180}, "min_wait"),  # lacquer needs 30 min after 135
        ("O1", 1, {"machine": "A-asm"}, "eligibility"),  # edge banding on the assembly line
        ("O1", 2, {"start": 570, "end": 630}, "calendar"),  # runs into the lunch break
        ("O1", 2, {"start": 880, "end": 940}, "downtime"),  # assembly is down 900-960
        ("O1", 2, {"factory": "B", "machine": "B-asm"}, "factory"),  # split over two factories
        ("O2", 1, {"start": 95, "end": 125}, "setup"),  # white -> oak needs 15 min
        ("O1", 0, {"end": 50}, "duration"),
        ("O2", 0, {"start": 0, "end": 30, "machine": "A-saw"}, "release"),
        ("O1", 2, {"machine": "nowhere"}, "eligibility"),
    ],
)
def test_each_broken_plan_is_caught(workshop, workshop_plan, order, op, changes, kind):
    assert kind in _kinds(workshop, _with(workshop_plan, order, op, **changes))


def test_a_missing_operation_is_caught(workshop, workshop_plan):
    assert "missing" in _kinds(workshop, workshop_plan[:-1])


def test_moving_a_started_operation_is_caught(workshop, workshop_plan):
    started = replace(workshop, frozen=(PlannedOperation("O1", 0, "A", "A-saw", 0, 60),), now=30)
    moved = _with(workshop_plan, "O1", 0, start=1, end=61)
    assert "frozen_moved" in _kinds(started, moved)


def test_work_planned_in_the_past_is_caught(workshop, workshop_plan):
    assert "before_now" in _kinds(replace(workshop, now=100), workshop_plan)


def test_the_chains_share_of_a_machine_is_respected(workshop, workshop_plan):
    stingy = replace(workshop, factories=(replace(workshop.factories[0], capacity_share=0.05),
                                          workshop.factories[1]))
    assert "capacity_share" in _kinds(stingy, workshop_plan)  # 90 saw minutes > 5 % of 1080


def test_a_batch_machine_takes_batchable_work_together(workshop, workshop_plan):
    batch_factory = replace(workshop.factories[0], machines=tuple(
        replace(m, batch_capacity=2) if m.type == "assembly" else m
        for m in workshop.factories[0].machines))
    orders = tuple(replace(o, operations=o.operations[:2] + (replace(o.operations[2], batchable=True),))
                   for o in workshop.orders)
    problem = replace(workshop, factories=(batch_factory, workshop.factories[1]), orders=orders)
    together = _with(workshop_plan, "O1", 2, start=165, end=225)
    assert validate_plan(problem, together) == []
    assert "overlap" in _kinds(workshop, together)


def test_downtime_is_checked_on_the_machine_that_is_down(workshop, workshop_plan):
    problem = replace(workshop, factories=(workshop.factories[0], replace(
        workshop.factories[1], machines=tuple(replace(m, downtime=(Window(0, 100),))
                                              for m in workshop.factories[1].machines))))
    assert validate_plan(problem, workshop_plan) == []


def _two_shift_factory(workshop, first, second):
    """Factory A with two shift windows ``first`` and ``second`` and no downtime."""
    factory = workshop.factories[0]
    machines = tuple(replace(m, downtime=()) for m in factory.machines)
    return replace(workshop, factories=(replace(factory, shifts=(Window(*first), Window(*second)),
                                                machines=machines), workshop.factories[1]))


def test_work_runs_through_a_shift_change_when_the_shifts_touch(workshop, workshop_plan):
    back_to_back = _two_shift_factory(workshop, (0, 480), (480, 1200))  # 07:00-15:00, 15:00-23:00
    across = _with(workshop_plan, "O1", 2, start=450, end=510)
    assert validate_plan(back_to_back, across) == []


def test_work_may_not_cross_a_break_between_shifts(workshop, workshop_plan):
    with_break = _two_shift_factory(workshop, (0, 480), (510, 1200))  # 30 minutes between
    across = _with(workshop_plan, "O1", 2, start=450, end=510)
    assert "calendar" in _kinds(with_break, across)


def test_overlapping_shift_windows_count_their_minutes_once(workshop, workshop_plan):
    overlapping = _two_shift_factory(workshop, (0, 800), (400, 1200))
    stingy = replace(overlapping, factories=(replace(overlapping.factories[0], capacity_share=0.05),
                                             overlapping.factories[1]))
    # 5 % of 1200 minutes is 60: the 90 saw minutes break it (double counting would allow 100)
    assert "capacity_share" in _kinds(stingy, workshop_plan)
