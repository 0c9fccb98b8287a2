"""The assignment feed's writer works a whole batch of events out in memory (then writes it
in a few statements): what each factory is told, in order, and what it holds afterwards."""

from __future__ import annotations

import pytest

from services.scheduling.domain.plans import FactoryPlan, PublishedPlan, revise_factories
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.domain.values import ObjectiveValues, PlanRow
from services.scheduling.planning.feed import _Tables, _Writer

pytestmark = pytest.mark.unit


def row(order_id: str, seq: int, factory_id: str, start_ms: int) -> PlanRow:
    return PlanRow(operation_id=f"{order_id}/op-{seq:02d}", order_id=order_id, seq=seq,
                   factory_id=factory_id, machine_id=f"{factory_id}-saw",
                   machine_type="panel_saw", start_ms=start_ms, end_ms=start_ms + 60_000,
                   duration_s=60, setup_s=0, setup_key="", min_wait_after_s=0, description="",
                   frozen=False, status="PLANNED", promised_date="", risk="ON_TIME")


class WholePlans:
    """Plans as they were stored before: every operation in one event."""

    def events(self, *rows) -> list:
        p = PublishedPlan(previous_plan_id="", published_at_ms=0, status="FEASIBLE",
                          objective=ObjectiveValues(0.0, 0, 0, 0), trigger="test", solve_ms=0, operations=list(rows),
                          orders=[], moved_operation_ids=[], affected_factory_ids=[])
        return p.collect_events()


class FactoryRevisions:
    """Plans stored as their changes: each factory plan's revision."""

    def __init__(self) -> None:
        self.plans: dict[str, FactoryPlan] = {}
        self.count = 0

    def events(self, *rows) -> list:
        self.count += 1
        by_factory: dict[str, list] = {}
        for r in rows:
            by_factory.setdefault(r.factory_id, []).append(r)
        out = []
        for p in revise_factories(self.plans, by_factory, f"plan-{self.count}", self.count):
            self.plans[p.factory_id] = p
            out += p.collect_events()
        return out


@pytest.fixture(params=[WholePlans, FactoryRevisions])
def plans(request):
    return request.param()


def started(order_id: str, factory_id: str) -> OrderProgress.Event:
    progress = OrderProgress(order_id=order_id, operation_ids=[f"{order_id}/op-01"])
    progress.report(Report(f"{order_id}/op-01", "STARTED", "k", factory_id, f"{factory_id}-saw",
                           "panel_saw", 0))
    return progress.collect_events()[-2]  # OperationStarted (then ProductionStarted)


def test_a_batch_is_worked_out_in_order_and_only_changes_are_told(plans):
    tables = _Tables(0, {})
    first = _Writer(tables)
    for e in plans.events(row("o1", 1, "A", 0), row("o2", 1, "A", 0)):
        first.apply(e)
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
    for e in plans.events(row("o1", 1, "A", 600_000), row("o2", 1, "B", 0)):
        second.apply(e)
    assert [(r["factory_id"], r["operation_id"], r["kind"]) for r in second.emitted] == [
        ("A", "o2/op-01", "WITHDRAWN"), ("B", "o2/op-01", "ASSIGNED")]
    assert "o1/op-01" not in second.changes
    assert second.changes["o2/op-01"]["factory_id"] == "B"
    commit(second, tables, 20)

    # then o2 moves within B, and o1 leaves the plan
    third = _Writer(tables)
    for e in plans.events(row("o2", 1, "B", 120_000)):
        third.apply(e)
    assert [(r["factory_id"], r["operation_id"], r["kind"]) for r in third.emitted] == [
        ("A", "o1/op-01", "WITHDRAWN"), ("B", "o2/op-01", "RESCHEDULED")]
    assert third.changes["o2/op-01"]["assignment"]["start_ms"] == 120_000


def commit(writer: _Writer, tables: _Tables, position: int) -> None:
    """What flush does once the sequences are known."""
    heads = dict(tables.heads)
    for r in writer.emitted:
        heads[r["factory_id"]] = r["sequence"] = heads.get(r["factory_id"], 0) + 1
    for r in writer.changes.values():
        if r is not None and isinstance(r["sequence"], dict):
            r["sequence"] = r["sequence"]["sequence"]
    writer.heads = heads
    tables.commit(writer, position)
