"""Maintenance tasks through the services, for one factory (issue 22): the workspace's pages and
the REST API both come here.

Accepting or moving a task is scheduling's decision (the task and its planned stop are one
save there, so the planner plans around it at once); the stop then goes to iot the way every
planned stop does (`DeclarePlannedStop`, keyed by the stop's id, so a retry is one stop), so
OEE and liveness know the machine is meant to be down.
"""

from __future__ import annotations

from collections.abc import Sequence

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import i18n
from gateway.deps import Services


def lines_said(english: Sequence[str], said: Sequence[types_pb2.Words]) -> list[str]:
    """A service's lines (iot's wear, the tool counter's) in the reader's language, from the
    words sent beside them; as written when sent without (kept before words)."""
    if said and len(said) == len(english):
        return [i18n.said_words(w) for w in said]
    return list(english)


def explanation_said(task: pb.MaintenanceTask) -> list[str]:
    """Why a maintenance task is proposed, line for line, in the reader's language."""
    return lines_said(task.explanation, task.explanation_words)


def stop_note(window: pb.UnavailableWindow) -> str:
    """What a planned stop is for in the reader's language: scheduling's words for a
    maintenance stop; a stop a person declared, or one kept before words, reads as written
    (said whole when it is a text of the catalogue, as "maintenance" is)."""
    return i18n.said_or_written(window.note, window.note_words)


async def call(services: Services, method: str, request: object, actor: str = "") -> object:
    """One scheduling call (its field violations name the request's fields, as REST does)."""
    return await services.call("scheduling", method, request, actor=actor)


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
