"""Scheduling's domain events → the integration events other services read on JetStream."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from dovetail.scheduling.v1 import scheduling_events_pb2 as events
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.words_pb import words_or_none, words_pb
from services.scheduling.domain.maintenance_tasks import MachineMaintenance, stop_id_of
from services.scheduling.domain.plans import PlanPublication, PublishedPlan
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.progress import OrderProgress
from services.scheduling.wire import (
    date_pb,
    machine_type_pb,
    objective_pb,
    plan_status_pb,
    risk_pb,
    ts,
)


def _schedule_published(e) -> events.SchedulePublished:
    if isinstance(e, PublishedPlan.Event):  # stored whole, before plans were stored as changes
        risks = [o.risk for o in e.orders]
        counts = {k: risks.count(k) for k in ("ON_TIME", "AT_RISK", "LATE")}
        orders, operations = len(e.orders), len(e.operations)
    else:
        counts, orders, operations = e.risk_counts, e.order_count, e.operation_count
    return events.SchedulePublished(
        plan_id=str(e.originator_id), previous_plan_id=e.previous_plan_id,
        published_at=ts(e.published_at_ms), status=plan_status_pb(e.status),
        objective=objective_pb(e.objective), order_count=orders,
        operation_count=operations, on_time_count=counts.get("ON_TIME", 0),
        at_risk_count=counts.get("AT_RISK", 0), late_count=counts.get("LATE", 0),
        trigger=e.trigger, solve_ms=e.solve_ms, moved_operation_ids=e.moved_operation_ids,
        affected_factory_ids=e.affected_factory_ids)


def _progress(e, name: str) -> tuple[str, Message]:
    common = dict(operation_id=e.operation_id, order_id=e.order_id,
                  factory_id=e.factory_id, machine_id=e.machine_id,
                  machine_type=machine_type_pb(e.machine_type), idempotency_key=e.key)
    if name == "OperationStarted":
        return "operation_started", events.OperationStarted(**common, started_at=ts(e.at_ms))
    if name == "OperationFinished":
        return "operation_finished", events.OperationFinished(
            **common, finished_at=ts(e.at_ms), planned_duration_seconds=e.planned_duration_s)
    return "operation_scrapped", events.OperationScrapped(
        **common, scrapped_at=ts(e.at_ms), scrap_quantity=e.scrap_quantity, reason=e.reason)


def _maintenance(e, name: str) -> tuple[str, Message] | None:
    """A task proposed, or accepted by the factory (issue 22), for the gateway's read side."""
    if name == "Proposed":
        return "maintenance_proposed", events.MaintenanceProposed(task=pb.MaintenanceTask(
            task_id=e.task_id, factory_id=e.factory_id, machine_id=e.machine_id,
            reason=e.reason, detail=e.detail, explanation=e.explanation,
            explanation_words=[words_pb(w) for w in getattr(e, "said", None) or ()],
            start=ts(e.start_ms),
            end=ts(e.end_ms), due_by=ts(e.due_by_ms), displaces=e.displaces,
            status=pb.MAINTENANCE_STATUS_PROPOSED, proposed_at=ts(e.at_ms)))
    if name == "Decided":
        return "maintenance_accepted", events.MaintenanceAccepted(task=pb.MaintenanceTask(
            task_id=e.task_id, factory_id=e.factory_id, machine_id=e.machine_id,
            start=ts(e.start_ms), end=ts(e.end_ms), status=pb.MAINTENANCE_STATUS_ACCEPTED,
            decided_by=e.by, decided_at=ts(e.at_ms), stop_id=stop_id_of(e.task_id)))
    if name == "Done":  # iot's wear watch learns the machine's new baseline from it
        return "maintenance_done", events.MaintenanceDone(task=pb.MaintenanceTask(
            task_id=e.task_id, factory_id=e.factory_id, machine_id=e.machine_id,
            status=pb.MAINTENANCE_STATUS_DONE, done_by=e.by, done_at=ts(e.at_ms),
            stop_id=stop_id_of(e.task_id)))
    return None


# A person's overrides (issue 19): the pool order's event → the kind others read.
OVERRIDE_KINDS = {"PinnedToFactory": events.PLAN_OVERRIDE_KIND_PINNED,
                  "Unpinned": events.PLAN_OVERRIDE_KIND_UNPINNED,
                  "HeldOut": events.PLAN_OVERRIDE_KIND_HELD,
                  "Released": events.PLAN_OVERRIDE_KIND_RELEASED,
                  "Prioritised": events.PLAN_OVERRIDE_KIND_PRIORITISED}


def _overridden(e, name: str) -> events.OrderPlanOverridden:
    return events.OrderPlanOverridden(
        order_id=e.order_id, kind=OVERRIDE_KINDS[name], factory_id=getattr(e, "factory_id", ""),
        weight=getattr(e, "weight", 0), reason=e.reason, by=e.by, by_role=e.role,
        at=ts(int(e.timestamp.timestamp() * 1000)))


def to_integration(event: Any) -> tuple[str, Message] | None:
    """(subject event name, body) for the events others follow; None for internal ones."""
    name = type(event).__name__
    if isinstance(event, (PlanPublication.Event, PublishedPlan.Event)):
        return "schedule_published", _schedule_published(event)
    if isinstance(event, PoolOrder.Event):
        if name == "Scheduled":
            return "order_scheduled", events.OrderScheduled(
                order_id=event.order_id, plan_id=event.plan_id, factory_id=event.factory_id,
                planned_start=ts(event.start_ms), planned_end=ts(event.end_ms),
                promised_date=date_pb(event.promised_date), risk=risk_pb(event.risk),
                tardiness_seconds=event.tardiness_s)
        if name == "LeftOut":
            return "order_unplannable", events.OrderUnplannable(
                order_id=event.order_id, reason=event.reason, plan_id=event.plan_id,
                revision=event.revision,
                reason_words=words_or_none(getattr(event, "said", None)))  # none before words
        if name in OVERRIDE_KINDS:
            return "order_plan_overridden", _overridden(event, name)
        if name in ("Withdrawn", "Rejected", "Amended"):
            return "order_unscheduled", events.OrderUnscheduled(
                order_id=event.order_id, reason=f"{name.lower()}: {event.reason}")
        return None
    if isinstance(event, MachineMaintenance.Event):
        return _maintenance(event, name)
    if isinstance(event, OrderProgress.Event):
        if name in ("OperationStarted", "OperationFinished", "OperationScrapped"):
            return _progress(event, name)
        if name == "ProductionStarted":
            return "order_production_started", events.OrderProductionStarted(
                order_id=event.order_id, factory_id=event.factory_id, started_at=ts(event.at_ms))
        if name == "Produced":
            return "order_produced", events.OrderProduced(
                order_id=event.order_id, factory_id=event.factory_id, produced_at=ts(event.at_ms),
                promised_date=date_pb(event.promised_date))
    return None
