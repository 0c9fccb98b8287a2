"""Maintenance tasks and tool limits on the wire (issue 22): domain ↔ protobuf, and the
handlers' work, for one factory's machines only (a task of another factory's machine is not
found)."""

from __future__ import annotations

import asyncio

from dovetail.common.v1 import types_pb2
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.errors import InvalidArgument, Violations
from services.kit.words import N_
from services.kit.words_pb import words_pb
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.maintenance_tasks import PROPOSED, MaintenanceTask, stop_id_of
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.tool_counters import FactoryTools
from services.scheduling.domain.tool_life import ToolLimit
from services.scheduling.maintenance import stop_reason, stop_reason_words
from services.scheduling.wire import machine_type_pb, ms_of, ts

STATUS_PB = {
    "PROPOSED": pb.MAINTENANCE_STATUS_PROPOSED,
    "ACCEPTED": pb.MAINTENANCE_STATUS_ACCEPTED,
    "DONE": pb.MAINTENANCE_STATUS_DONE,
}


def task_pb(t: MaintenanceTask) -> pb.MaintenanceTask:
    out = pb.MaintenanceTask(
        task_id=t.task_id,
        factory_id=t.factory_id,
        machine_id=t.machine_id,
        reason=t.reason,
        detail=t.detail,
        explanation=list(t.explanation),
        explanation_words=[words_pb(w) for w in t.explanation_words],
        start=ts(t.start_ms),
        end=ts(t.end_ms),
        due_by=ts(t.due_by_ms),
        displaces=list(t.displaces),
        status=STATUS_PB[t.status],
        proposed_at=ts(t.proposed_at_ms),
        decided_by=t.decided_by,
        done_by=t.done_by,
    )
    if t.status != PROPOSED:
        out.decided_at.CopyFrom(ts(t.decided_at_ms))
        out.stop_id, out.stop_reason = stop_id_of(t.task_id), stop_reason(t)
        said = stop_reason_words(t)
        if said is not None:
            out.stop_reason_words.CopyFrom(words_pb(said))
    if t.done_at_ms:
        out.done_at.CopyFrom(ts(t.done_at_ms))
    return out


def _machines(state: NetworkState, factory_id: str) -> list[str]:
    return [m.machine_id for m in state.machines_of(factory_id)]


def _task_id(text: str) -> str:
    task_id = text.strip()
    if not task_id or len(task_id) > 64:
        raise InvalidArgument(Violations.one("task_id", N_("is required (at most 64 characters)")))
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


async def done(
    app: SchedulingApplication,
    state: NetworkState,
    factory_id: str,
    request: pb.ReportMaintenanceDoneRequest,
    by: str,
    now_ms: int,
) -> pb.ReportMaintenanceDoneResponse:
    task = await asyncio.to_thread(
        app.report_maintenance_done,
        factory_id,
        _machines(state, factory_id),
        _task_id(request.task_id),
        by,
        now_ms,
    )
    return pb.ReportMaintenanceDoneResponse(task=task_pb(task))


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
    v.check(0 < len(task_id) <= 64, "task_id", N_("is required (at most 64 characters)"))
    v.check(request.HasField("start"), "start", N_("is required"))
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


# --- tool life (issue 22) ---------------------------------------------------------------


def limit_from_pb(message: pb.ToolLimit) -> ToolLimit:
    kind = (
        types_pb2.MachineType.Name(message.machine_type)
        if message.machine_type in (types_pb2.MachineType.values())
        else ""
    )
    return ToolLimit(
        message.tool_type.strip(),
        kind.removeprefix("MACHINE_TYPE_").lower() if message.machine_type else "",
        message.unit.strip(),
        message.life,
        message.warn_shifts,
    )


def tools_pb(factory_id: str, tools: FactoryTools | None) -> pb.FactoryTools:
    out = pb.FactoryTools(factory_id=factory_id)
    if tools is None:
        return out
    out.limits.extend(
        pb.ToolLimit(
            tool_type=lim.tool_type,
            machine_type=machine_type_pb(lim.machine_type),
            unit=lim.unit,
            life=lim.life,
            warn_shifts=lim.warn_shifts,
        )
        for lim in tools.limits.values()
    )
    for key, used in sorted(tools.used.items()):
        machine_id, _, tool_type = key.rpartition("|")
        limit = tools.limits.get(tool_type)
        if limit is not None:
            out.uses.append(
                pb.ToolUse(
                    machine_id=machine_id, tool_type=tool_type, used=round(used, 3), life=limit.life
                )
            )
    out.set_by = tools.limits_set_by
    if tools.limits_set_at_ms:
        out.set_at.CopyFrom(ts(tools.limits_set_at_ms))
    return out


async def tool_limits(app: SchedulingApplication, factory_id: str) -> pb.GetToolLimitsResponse:
    tools = await asyncio.to_thread(app.tools_of, factory_id)
    return pb.GetToolLimitsResponse(tools=tools_pb(factory_id, tools))


async def tool_limits_set(
    app: SchedulingApplication,
    factory_id: str,
    request: pb.SetToolLimitsRequest,
    by: str,
    now_ms: int,
) -> pb.SetToolLimitsResponse:
    v = Violations()
    for i, limit in enumerate(request.limits):
        v.check(
            limit.machine_type != types_pb2.MACHINE_TYPE_UNSPECIFIED
            and limit.machine_type in types_pb2.MachineType.values(),
            f"limits[{i}].machine_type",
            N_("must name a machine type"),
        )
    v.check(len(request.limits) <= 100, "limits", N_("at most 100 tool types"))
    v.raise_if_any()
    limits = [limit_from_pb(m) for m in request.limits]
    tools = await asyncio.to_thread(app.set_tool_limits, factory_id, limits, by, now_ms)
    return pb.SetToolLimitsResponse(tools=tools_pb(factory_id, tools))
