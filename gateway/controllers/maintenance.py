"""REST for maintenance in the plan (issue 22): a factory's maintenance tasks, read by admins,
planners and the factory itself; accepted or moved by the factory (or an admin for it), the
person recorded, and reported done by it (409 while only proposed or before its stop); the factory's tool life limits (set by the factory or an admin) and the use
counted on each machine's tools. Another factory's tasks and tools are 403 by the path, a task
not the factory's 404."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from litestar import Controller, Request, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from dovetail.common.v1 import types_pb2
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import reads
from gateway.auth import current, factory_reader, require
from gateway.deps import ServicesDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.schemas.maintenance import (
    FactoryToolsRead,
    MaintenanceListRead,
    MaintenanceTaskRead,
    MoveBody,
    ToolLimitBody,
    ToolLimitsBody,
    ToolUseRead,
)
from gateway.schemas.orders import ErrorBody, FieldError
from gateway.workspace import maintenance

FactoryId = FromPath[str]
TaskId = FromPath[str]
factory_or_admin = require("admin", own_factory=True)
STATUS = {pb.MAINTENANCE_STATUS_PROPOSED: "proposed", pb.MAINTENANCE_STATUS_ACCEPTED: "accepted",
          pb.MAINTENANCE_STATUS_DONE: "done"}


def _iso(stamp: Timestamp) -> str:
    return stamp.ToDatetime(UTC).isoformat()


def task_read(t: pb.MaintenanceTask) -> MaintenanceTaskRead:
    return MaintenanceTaskRead(
        task_id=t.task_id, factory_id=t.factory_id, machine_id=t.machine_id,
        status=STATUS.get(t.status, "unknown"), reason=t.reason,
        explanation=list(t.explanation), start=_iso(t.start), end=_iso(t.end),
        due_by=_iso(t.due_by), displaces=list(t.displaces), proposed_at=_iso(t.proposed_at),
        decided_by=t.decided_by, decided_at=_iso(t.decided_at) if t.HasField("decided_at")
        else None, stop_id=t.stop_id, done_by=t.done_by,
        done_at=_iso(t.done_at) if t.HasField("done_at") else None,
        explanation_words=[reads.words_read(w) for w in t.explanation_words])


def start_of(text: str) -> int:
    """Unix ms of an RFC 3339 time with its offset; 422 naming `start` otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ServiceError(422, _("the body has problems"), [FieldError(
            "start", _("must be a time with its offset, e.g. 2026-12-08T02:00:00+08:00"))])
    return int(moment.timestamp() * 1000)


class MaintenanceController(Controller):
    path = "/api/v1/factories/{factory_id:str}/maintenance"
    tags = ["maintenance"]
    security = [{"bearer": []}]

    @get("/", guards=[factory_reader], summary="A factory's maintenance tasks, latest first")
    async def list_tasks(self, factory_id: FactoryId, services: ServicesDep
                         ) -> MaintenanceListRead:
        return MaintenanceListRead([task_read(t) for t in await maintenance.tasks(
            services, factory_id)])

    @post("/{task_id:str}/accept", guards=[factory_or_admin], status_code=200,
          summary="Accept a maintenance task where it was proposed: a planned stop")
    async def accept(self, factory_id: FactoryId, task_id: TaskId, services: ServicesDep,
                     request: Request) -> MaintenanceTaskRead:
        return task_read(await maintenance.accept(services, factory_id, task_id[:64],
                                                  current(request).actor))

    @post("/{task_id:str}/done", guards=[factory_or_admin], status_code=200,
          summary="Report an accepted maintenance task's work done (the machine serviced)",
          responses={409: ResponseSpec(ErrorBody, description="the task is only proposed, or "
                                       "its stop has not begun")})
    async def done(self, factory_id: FactoryId, task_id: TaskId, services: ServicesDep,
                   request: Request) -> MaintenanceTaskRead:
        return task_read(await maintenance.done(services, factory_id, task_id[:64],
                                                current(request).actor))

    @post("/{task_id:str}/move", guards=[factory_or_admin], status_code=200,
          summary="Move a maintenance task, proposed or accepted until its stop begins, to a "
                  "new start (accepted there)")
    async def move(self, factory_id: FactoryId, task_id: TaskId, data: JSONBody[MoveBody],
                   services: ServicesDep, request: Request) -> MaintenanceTaskRead:
        return task_read(await maintenance.move(services, factory_id, task_id[:64],
                                                start_of(data.start), current(request).actor))


def _machine_type(name: str) -> int:
    """A machine type's wire value; 0 (named by the service) for one it does not know."""
    try:
        return types_pb2.MachineType.Value(f"MACHINE_TYPE_{name.strip().upper()}")
    except ValueError:
        return 0


def tools_read(t: pb.FactoryTools) -> FactoryToolsRead:
    return FactoryToolsRead(
        factory_id=t.factory_id,
        limits=[ToolLimitBody(lim.tool_type, types_pb2.MachineType.Name(lim.machine_type)
                              .removeprefix("MACHINE_TYPE_").lower(), lim.unit, lim.life,
                              lim.warn_shifts) for lim in t.limits],
        uses=[ToolUseRead(u.machine_id, u.tool_type, u.used, u.life) for u in t.uses],
        set_by=t.set_by, set_at=_iso(t.set_at) if t.HasField("set_at") else None)


class ToolLimitsController(Controller):
    path = "/api/v1/factories/{factory_id:str}/tool-limits"
    tags = ["maintenance"]
    security = [{"bearer": []}]

    @get("/", guards=[factory_reader],
         summary="A factory's tool life limits and the use counted on each machine's tools")
    async def get_limits(self, factory_id: FactoryId, services: ServicesDep) -> FactoryToolsRead:
        reply = await maintenance.call(services, "GetToolLimits",
                                       pb.GetToolLimitsRequest(factory_id=factory_id))
        return tools_read(reply.tools)  # type: ignore[attr-defined]

    @put("/", guards=[factory_or_admin],
         summary="Set a factory's tool life limits, whole (the factory or an admin)",
         responses={404: ResponseSpec(ErrorBody, description="the factory is not registered")})
    async def set_limits(self, factory_id: FactoryId, data: JSONBody[ToolLimitsBody],
                         services: ServicesDep, request: Request) -> FactoryToolsRead:
        limits = [pb.ToolLimit(tool_type=lim.tool_type, machine_type=_machine_type(
            lim.machine_type), unit=lim.unit, life=lim.life, warn_shifts=lim.warn_shifts)
            for lim in data.limits]
        reply = await maintenance.call(services, "SetToolLimits", pb.SetToolLimitsRequest(
            factory_id=factory_id, limits=limits), actor=current(request).actor)
        return tools_read(reply.tools)  # type: ignore[attr-defined]
