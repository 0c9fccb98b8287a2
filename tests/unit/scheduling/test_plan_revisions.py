"""Plans are stored as their changes: a factory plan's revision records the operations added
(whole), changed (placement only) and removed, and replaying the revisions gives the plan."""

from __future__ import annotations

import json
from dataclasses import asdict, replace

import pytest

from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.plans import FactoryPlan, revise_factories
from services.scheduling.domain.values import PlanRow

pytestmark = pytest.mark.unit


def row(order: int, seq: int, factory: str, start_ms: int, machine: str = "saw") -> PlanRow:
    return PlanRow(operation_id=f"O{order}/op-{seq:02d}", order_id=f"O{order}", seq=seq,
                   factory_id=factory, machine_id=f"{factory}-{machine}",
                   machine_type="panel_saw", start_ms=start_ms, end_ms=start_ms + 60_000,
                   duration_s=60, setup_s=0, setup_key="particleboard-18",
                   min_wait_after_s=0, description=f"cut the panels of order {order}",
                   frozen=False, status="PLANNED", promised_date="2026-12-20", risk="ON_TIME")


def publish(plans: dict, rows: list[PlanRow], n: int) -> list:
    by_factory: dict[str, list] = {}
    for r in rows:
        by_factory.setdefault(r.factory_id, []).append(r)
    events = []
    for p in revise_factories(plans, by_factory, f"plan-{n}", n):
        plans[p.factory_id] = p
        events += p.collect_events()
    return events


def test_a_re_plan_records_only_what_moved_and_the_log_replays_to_the_plan():
    plans: dict[str, FactoryPlan] = {}
    state = NetworkState()
    first = [row(o, s, "A" if o % 2 else "B", o * 600_000) for o in range(200) for s in (1, 2)]
    for e in publish(plans, first, 1):
        state.apply(e)
    second = [replace(r) for r in first]
    second[0] = replace(second[0], start_ms=second[0].start_ms + 3_600_000)  # moves within A
    second[1] = replace(second[1], factory_id="C", machine_id="C-saw")  # to another factory
    del second[2]  # one leaves the plan
    events = publish(plans, second, 2)
    for e in events:
        state.apply(e)

    revised = {e.factory_id: e for e in events if type(e).__name__ == "Revised"}
    assert sorted(revised) == ["A", "B", "C"]
    moved = [r for e in revised.values() for r in e.changed]
    assert [m[0] for m in moved] == [second[0].operation_id]
    assert [r.operation_id for r in revised["C"].added] == [second[1].operation_id]
    assert sorted(op for e in revised.values() for op in e.removed) == sorted(
        [first[1].operation_id, first[2].operation_id])
    size = sum(len(json.dumps([[asdict(r) for r in e.added], e.changed, e.removed]))
               for e in revised.values())
    assert size < len(json.dumps([asdict(r) for r in second])) / 20  # a few rows, not the plan

    assert state.plan_rows == {r.operation_id: r for r in second}
    assert sorted(state.rows_of("C"), key=str) == [second[1]]


def test_a_plan_that_changes_nothing_records_nothing():
    plans: dict[str, FactoryPlan] = {}
    rows = [row(o, 1, "A", o * 60_000) for o in range(5)]
    publish(plans, rows, 1)
    assert publish(plans, [replace(r) for r in rows], 2) == []


def test_revising_a_copy_leaves_the_states_plan_as_it_was():
    plans: dict[str, FactoryPlan] = {}
    publish(plans, [row(1, 1, "A", 0)], 1)
    original = plans["A"]
    (copy,) = revise_factories({"A": original}, {"A": [row(1, 1, "A", 60_000)]}, "plan-2", 2)
    assert copy is not original and original.operations["O1/op-01"].start_ms == 0
    assert original.pending_events == [] and len(copy.pending_events) == 1
    assert copy.operations["O1/op-01"].start_ms == 60_000
