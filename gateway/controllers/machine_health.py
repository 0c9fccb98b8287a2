"""REST for one machine's health from its wear watch (issue 22).

Admins and planners read any machine; a factory (its key, or a person of the factory) reads its
own machines only: another factory's machine answers 404, as a machine that does not exist.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway import reads
from gateway.auth import PLANNING, current, require
from gateway.deps import Services, ServicesDep
from gateway.schemas.orders import WordsRead
from gateway.workspace.maintenance import lines_said


class MachineHealthRead(msgspec.Struct):
    """`state` is `assessed`, `not_enough_data` while the machine's own healthy baseline is
    still being learnt (`windows_seen` of `windows_needed` windows of `window_seconds`), or
    `maintained` after maintenance was reported done, until its new baseline is learnt. The
    last maintenance (`maintained_at`, `maintained_by`, `maintenance_task_id`) is said in any
    state once there was one."""

    machine_id: str
    factory_id: str
    state: str
    score: float | None
    alarm: bool
    horizon_hours: float | None
    failure_expected_by: str | None
    confidence: float | None
    explanation: list[str]
    assessed_at: str | None
    windows_seen: int
    windows_needed: int
    window_seconds: float
    maintained_at: str | None = None
    maintained_by: str | None = None
    maintenance_task_id: str | None = None
    # explanation as words, line for line, for a client to say in its reader's language
    explanation_words: list[WordsRead] = []


def health_read(h: iot.MachineHealth) -> MachineHealthRead:
    assessed = h.state == iot.MACHINE_HEALTH_STATE_ASSESSED
    return MachineHealthRead(
        machine_id=h.machine_id,
        factory_id=h.factory_id,
        state=reads.enum(iot.MachineHealthState, h.state, "MACHINE_HEALTH_STATE_").lower(),
        score=round(h.score, 1) if assessed else None,
        alarm=h.alarm,
        horizon_hours=round(h.horizon_hours, 1) if h.HasField("failure_expected_by") else None,
        failure_expected_by=reads.ts(h, "failure_expected_by"),
        confidence=round(h.confidence, 2) if assessed else None,
        explanation=list(h.explanation),
        assessed_at=reads.ts(h, "assessed_at"),
        windows_seen=h.windows_seen,
        windows_needed=h.windows_needed,
        window_seconds=h.window_seconds,
        maintained_at=reads.ts(h, "maintained_at"),
        maintained_by=h.maintained_by if h.HasField("maintained_at") else None,
        maintenance_task_id=h.maintenance_task_id if h.HasField("maintained_at") else None,
        explanation_words=[reads.words_read(w) for w in h.explanation_words],
    )


async def machine_health(
    services: Services, machine_id: str, factory_id: str | None
) -> iot.MachineHealth:
    """The machine's health; a machine of another factory than `factory_id` (when given) is
    not found, as one that does not exist."""
    reply = await services.call(
        "iot", "GetMachineHealth", iot.GetMachineHealthRequest(machine_id=machine_id)
    )
    if factory_id is not None and reply.health.factory_id != factory_id:
        raise NotFoundException(f"machine {machine_id} is not registered")
    return reply.health


class MachineHealthController(Controller):
    path = "/api/v1/machines/{machine_id:str}/health"
    tags = ["factories"]
    guards = [require(*PLANNING, "factory")]
    security = [{"bearer": []}]

    @get("/", summary="One machine's health from its wear watch: score, horizon, alarm, why")
    async def health(
        self, machine_id: FromPath[str], request: Request, services: ServicesDep
    ) -> MachineHealthRead:
        principal = current(request)
        scope = None if principal.role in PLANNING else principal.subject
        return health_read(await machine_health(services, machine_id, scope))


async def factory_healths(
    services: Services, factory_ids: list[str]
) -> dict[str, iot.MachineHealth]:
    """The recorded health of every machine of these factories that has one, by machine id
    (pages show it beside each machine)."""
    if not factory_ids:
        return {}
    reply = await services.call(
        "iot", "ListMachineHealth", iot.ListMachineHealthRequest(factory_ids=factory_ids[:500])
    )
    return {h.machine_id: h for h in reply.healths}


def health_words(h: iot.MachineHealth | None) -> dict | None:
    """What a page shows of a machine's health, in the reader's language: the score, each reason
    (iot's words said), and by when maintenance is due when it
    alarms (ms, and as RFC 3339 text); after maintenance, when and by whom it was maintained
    (`maintained_ms`, `maintained`, `maintained_by`; `score` None until the new baseline is
    learnt)."""
    if h is None or h.state not in (iot.MACHINE_HEALTH_STATE_ASSESSED,
                                    iot.MACHINE_HEALTH_STATE_MAINTAINED):
        return None
    assessed = h.state == iot.MACHINE_HEALTH_STATE_ASSESSED
    due = h.failure_expected_by.ToMilliseconds() if h.HasField("failure_expected_by") else None
    serviced = h.HasField("maintained_at")
    return {
        "score": round(h.score) if assessed else None,
        "alarm": h.alarm,
        "due_ms": due,
        "due": reads.ts(h, "failure_expected_by"),
        "reasons": lines_said(h.explanation, h.explanation_words),
        "maintained_ms": h.maintained_at.ToMilliseconds() if serviced else None,
        "maintained": reads.ts(h, "maintained_at"),
        "maintained_by": h.maintained_by,
    }
