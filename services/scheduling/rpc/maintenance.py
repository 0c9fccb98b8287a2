"""Maintenance tasks on the wire (issue 22): domain ↔ protobuf, and the handlers' work, for
one factory's machines only (a task of another factory's machine is not found)."""

from __future__ import annotations

import asyncio

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.errors import InvalidArgument, Violations
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.maintenance_tasks import ACCEPTED, MaintenanceTask, stop_id_of
from services.scheduling.domain.network import NetworkState
from services.scheduling.maintenance import stop_reason
from services.scheduling.wire import ms_of, ts

STATUS_PB = {"PROPOSED": pb.MAINTENANCE_STATUS_PROPOSED, "ACCEPTED": pb.MAINTENANCE_STATUS_ACCEPTED}


def task_pb(t: MaintenanceTask) -> pb.MaintenanceTask:
    out = pb.MaintenanceTask(
        task_id=t.task_id,
        factory_id=t.factory_id,
        machine_id=t.machine_id,
        reason=t.reason,
        detail=t.detail,
        explanation=list(t.explanation),
        start=ts(t.start_ms),
        end=ts(t.end_ms),
        due_by=ts(t.due_by_ms),
        displaces=list(t.displaces),
        status=STATUS_PB[t.status],
        proposed_at=ts(t.proposed_at_ms),
        decided_by=t.decided_by,
    )
    if t.status == ACCEPTED:
        out.decided_at.CopyFrom(ts(t.decided_at_ms))
        out.stop_id, out.stop_reason = stop_id_of(t.task_id), stop_reason(t)
    return out


def _machines(state: NetworkState, factory_id: str) -> list[str]:
    return [m.machine_id for m in state.machines_of(factory_id)]


def _task_id(text: str) -> str:
    task_id = text.strip()
    if not task_id or len(task_id) > 64:
        raise InvalidArgument(Violations.one("task_id", "is required (at most 64 characters)"))
    return task_id


async def listed(
    app: SchedulingApplication, state: NetworkState, factory_id: str
) -> pb.ListMaintenanceResponse:
    tasks = await asyncio.to_thread(app.maintenance_of, _machines(state, factory_id))
    return pb.ListMaintenanceResponse(tasks=[task_pb(t) for t in tasks])


async def accepted(
    app: SchedulingApplication,
    state: NetworkState,
    factory_id: str,
    request: pb.AcceptMaintenanceRequest,
    by: str,
    now_ms: int,
) -> pb.AcceptMaintenanceResponse:
    task = await asyncio.to_thread(
        app.accept_maintenance,
        factory_id,
        _machines(state, factory_id),
        _task_id(request.task_id),
        by,
        now_ms,
    )
    return pb.AcceptMaintenanceResponse(task=task_pb(task))


async def moved(
    app: SchedulingApplication,
    state: NetworkState,
    factory_id: str,
    request: pb.MoveMaintenanceRequest,
    by: str,
    now_ms: int,
) -> pb.MoveMaintenanceResponse:
    v = Violations()
    task_id = request.task_id.strip()
    v.check(0 < len(task_id) <= 64, "task_id", "is required (at most 64 characters)")
    v.check(request.HasField("start"), "start", "is required")
    v.raise_if_any()
    task = await asyncio.to_thread(
        app.move_maintenance,
        factory_id,
        _machines(state, factory_id),
        task_id,
        ms_of(request.start),
        by,
        now_ms,
    )
    return pb.MoveMaintenanceResponse(task=task_pb(task))
