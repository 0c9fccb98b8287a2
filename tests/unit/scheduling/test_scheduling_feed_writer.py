"""The assignment feed's writer works a whole batch of events out in memory (then writes it
in a few statements): what each factory is told, in order, and what it holds afterwards."""

from __future__ import annotations

import pytest

from services.scheduling.domain.plans import PublishedPlan
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.planning.feed import _Tables, _Writer

pytestmark = pytest.mark.unit


def row(order_id: str, seq: int, factory_id: str, start_ms: int) -> dict:
    return {"operation_id": f"{order_id}/op-{seq:02d}", "order_id": order_id, "seq": seq,
            "factory_id": factory_id, "machine_id": f"{factory_id}-saw", "start_ms": start_ms,
            "end_ms": start_ms + 60_000, "status": "PLANNED", "risk": "ON_TIME"}


def plan(*rows) -> PublishedPlan.Event:
    p = PublishedPlan(previous_plan_id="", published_at_ms=0, status="FEASIBLE", objective={},
                      trigger="test", solve_ms=0, operations=list(rows), orders=[],
                      moved_operation_ids=[], affected_factory_ids=[])
    return p.collect_events()[0]


def started(order_id: str, factory_id: str) -> OrderProgress.Event:
    progress = OrderProgress(order_id=order_id, operation_ids=[f"{order_id}/op-01"])
    progress.report(Report(f"{order_id}/op-01", "STARTED", "k", factory_id, f"{factory_id}-saw",
                           "panel_saw", 0))
    return progress.collect_events()[-2]  # OperationStarted (then ProductionStarted)


def test_a_batch_is_worked_out_in_order_and_only_changes_are_told():
    tables = _Tables(0, {})
    first = _Writer(tables)
    first.apply(plan(row("o1", 1, "A", 0), row("o2", 1, "A", 0)))
    first.apply(started("o1", "A"))
    assert [(r["factory_id"], r["operation_id"], r["kind"]) for r in first.emitted] == [
        ("A", "o1/op-01", "ASSIGNED"), ("A", "o2/op-01", "ASSIGNED"),
        ("A", "o1/op-01", "PROGRESSED")]
    assert first.changes["o1/op-01"]["assignment"]["status"] == "STARTED"
    for i, r in enumerate(first.emitted, 1):  # what flush does once the heads are known
        r["sequence"] = i
    for r in first.changes.values():
        r["sequence"] = r["sequence"]["sequence"]
    first.heads = {"A": 3}
    tables.commit(first, 10)

    # the next plan moves o2 to B and shifts o1 (which started: it does not move)
    second = _Writer(tables)
    second.apply(plan(row("o1", 1, "A", 600_000), row("o2", 1, "B", 0)))
    assert [(r["factory_id"], r["operation_id"], r["kind"]) for r in second.emitted] == [
        ("A", "o2/op-01", "WITHDRAWN"), ("B", "o2/op-01", "ASSIGNED")]
    assert "o1/op-01" not in second.changes
    assert second.changes["o2/op-01"]["factory_id"] == "B"
