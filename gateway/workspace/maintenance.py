"""Maintenance tasks through the services, for one factory (issue 22): the workspace's pages and
the REST API both come here.

Accepting or moving a task is scheduling's decision (the task and its planned stop are one
save there, so the planner plans around it at once); the stop then goes to iot the way every
planned stop does (`DeclarePlannedStop`, keyed by the stop's id, so a retry is one stop), so
OEE and liveness know the machine is meant to be down.
"""

from __future__ import annotations

import re

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway.deps import Services
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.schemas.orders import FieldError

# iot's wear words (services/iot/signals/wear.py): "cutting current up 18 % over 9 days",
# optionally "; +25 % in ~4.0 days"
_WEAR = re.compile(r"^(?P<what>[a-z ]+?) up (?P<change>-?\d+) % over (?P<days>\d+) days"
                   r"(?:; \+(?P<limit>\d+) % in ~(?P<left>[\d.]+) days)?$")


def _feature(words: str) -> str:
    return {"cutting current": _("cutting current"), "idle current": _("idle current"),
            "idle current noise": _("idle current noise"),
            "cycle time": _("cycle time")}.get(words, words)


# scheduling's tool words (services/scheduling/domain/tool_counters.py):
# "saw_blade at 92 % of its life, change within ~2 shifts" (or "change now")
_TOOL = re.compile(r"^(?P<tool>\S+) at (?P<share>\d+) % of its life, change "
                   r"(?:within ~(?P<shifts>\d+) shifts?|now)$")


def _tool(name: str) -> str:
    return {"saw_blade": _("saw blade"), "router_bit": _("router bit"),
            "drill_bit": _("drill bit"), "edge_trimmer": _("edge trimmer")}.get(
        name, name.replace("_", " "))


def _tool_words(found: re.Match) -> str:
    if found["shifts"] is None:
        return _("%(tool)s at %(share)s %% of its life: change it now", tool=_tool(
            found["tool"]), share=found["share"])
    return _("%(tool)s at %(share)s %% of its life: change it within ~%(shifts)s shifts",
             tool=_tool(found["tool"]), share=found["share"], shifts=found["shifts"])


def reason_words(explanation: str) -> str:
    """One of iot's (or the tool counter's) English reasons in the reader's language (as it
    came when not known)."""
    tool = _TOOL.match(explanation.strip())
    if tool is not None:
        return _tool_words(tool)
    found = _WEAR.match(explanation.strip())
    if found is None:
        return explanation
    text = _("%(what)s up %(change)s %% over %(days)s days", what=_feature(found["what"]),
             change=found["change"], days=found["days"])
    if found["left"]:
        text += _("; %(limit)s %% more in about %(left)s days", limit=found["limit"],
                  left=found["left"])
    return text


def stop_note(note: str) -> str:
    """What a planned stop is for in the reader's language: scheduling's maintenance stops
    ("maintenance: " and the wear or tool reasons, services/scheduling/maintenance.py
    `stop_reason`) said; a stop a person declared reads as they wrote it."""
    if note == "maintenance":
        return _("maintenance")
    if not note.startswith("maintenance: "):
        return note
    parts: list[str] = []
    for part in note.removeprefix("maintenance: ").split("; "):
        if part.startswith("+") and parts:  # the wear words' own "; +25 % in ~4.0 days"
            parts[-1] += f"; {part}"
        else:
            parts.append(part)
    return _("maintenance: %(why)s", why=_("; ").join(reason_words(p) for p in parts))


async def call(services: Services, method: str, request: object, actor: str = "") -> object:
    """One scheduling call; the domain's `start_ms` is this API's `start`."""
    try:
        return await services.call("scheduling", method, request, actor=actor)
    except ServiceError as exc:
        exc.errors = [FieldError("start" if e.field == "start_ms" else e.field, e.message)
                      for e in exc.errors]
        raise


async def tasks(services: Services, factory_id: str) -> list[pb.MaintenanceTask]:
    reply = await call(services, "ListMaintenance",
                       pb.ListMaintenanceRequest(factory_id=factory_id))
    return list(reply.tasks)  # type: ignore[attr-defined]


async def _stop_at_iot(services: Services, task: pb.MaintenanceTask, actor: str) -> None:
    await services.call("iot", "DeclarePlannedStop", iot.DeclarePlannedStopRequest(
        factory_id=task.factory_id, machine_ids=[task.machine_id], reason=task.stop_reason,
        idempotency_key=task.stop_id, window=types_pb2.TimeWindow(
            start_unix_ms=task.start.ToMilliseconds(), end_unix_ms=task.end.ToMilliseconds())),
        actor=actor)


async def accept(services: Services, factory_id: str, task_id: str, actor: str
                 ) -> pb.MaintenanceTask:
    """Accept the task where it was proposed, for the person `actor`."""
    reply = await call(services, "AcceptMaintenance", pb.AcceptMaintenanceRequest(
        factory_id=factory_id, task_id=task_id), actor=actor)
    await _stop_at_iot(services, reply.task, actor)  # type: ignore[attr-defined]
    return reply.task  # type: ignore[attr-defined]


async def done(services: Services, factory_id: str, task_id: str, actor: str
               ) -> pb.MaintenanceTask:
    """Report the task's work done, for the person `actor`: scheduling tells iot, whose wear
    watch learns the machine's new baseline (MaintenanceDone)."""
    reply = await call(services, "ReportMaintenanceDone", pb.ReportMaintenanceDoneRequest(
        factory_id=factory_id, task_id=task_id), actor=actor)
    return reply.task  # type: ignore[attr-defined]


async def move(services: Services, factory_id: str, task_id: str, start_ms: int, actor: str
               ) -> pb.MaintenanceTask:
    """Move the task to `start_ms` (accepted there), for the person `actor`."""
    start = pb.MaintenanceTask().start
    start.FromMilliseconds(start_ms)
    reply = await call(services, "MoveMaintenance", pb.MoveMaintenanceRequest(
        factory_id=factory_id, task_id=task_id, start=start), actor=actor)
    await _stop_at_iot(services, reply.task, actor)  # type: ignore[attr-defined]
    return reply.task  # type: ignore[attr-defined]
