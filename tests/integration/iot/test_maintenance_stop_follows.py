"""A maintenance task's planned stop at iot follows the task in scheduling (issue 22), through
iot's real consumer: the gateway declared it under the stop's id; moved again once accepted
(MaintenanceAccepted with the new window), iot's stop moves; reported done before its planned
end (MaintenanceDone), iot's stop ends then, so the machine is no longer expected to be down.
A redelivered event changes nothing more."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime

import nats
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from dovetail.scheduling.v1 import scheduling_service_pb2 as scheduling_pb
from services.iot.domain.operations import planned_stop_key
from services.iot.views import IotViews
from services.kit.envelope import subject, wrap
from tests.helpers import eventually
from tests.integration.iot.scenario import now_ms, register_factory, register_machine
from tests.integration.scheduling.conftest import _notifications

pytestmark = pytest.mark.integration
H = 3_600_000
_versions = itertools.count(2)


def stamp(ms: int) -> Timestamp:
    return Timestamp(seconds=ms // 1000, nanos=ms % 1000 * 1_000_000)


async def tell(settings, name: str, body, times: int = 1) -> None:
    """Scheduling's event on NATS, delivered `times` times (one notification)."""
    envelope = wrap(service="scheduling", body=body, aggregate_id=body.task.machine_id,
                    version=next(_versions), occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=next(_notifications))
    nc = await nats.connect(settings.nats_url)
    try:
        for _ in range(times):
            await nc.jetstream().publish(subject("scheduling", name),
                                         envelope.SerializeToString(),
                                         headers={"Nats-Msg-Id": uuid.uuid4().hex})
    finally:
        await nc.close()


async def test_the_stop_moves_with_its_task_and_ends_when_done_early(
        iot_service, iot_stub, make_tenant, settings):
    tenant = await make_tenant("MST")
    await register_factory(iot_stub, tenant)
    machine = await register_machine(iot_stub, tenant)
    task_id = uuid.uuid4().hex
    stop_id = f"maintenance-{task_id}"
    now = now_ms()
    await iot_stub.DeclarePlannedStop(pb.DeclarePlannedStopRequest(
        factory_id=tenant.factory_id, machine_ids=[machine.machine_id],
        window=dict(start_unix_ms=now + H, end_unix_ms=now + 3 * H),
        reason="maintenance: cutting current up 18 % over 9 days", idempotency_key=stop_id),
        metadata=tenant.auth)
    app = iot_service.runtime.app
    views = IotViews(iot_service.runtime.pool)
    key = planned_stop_key(tenant.factory_id, stop_id)

    async def window_is(start: int, end: int):
        stop = app.repository.get(key)
        rows = await views.planned_stops(tenant.factory_id, now - H, now + 24 * H)
        return (stop.start_ms, stop.end_ms) == (start, end) and [
            (r["start_ms"], r["end_ms"]) for r in rows] == [(start, end)]

    task = scheduling_pb.MaintenanceTask(
        task_id=task_id, factory_id=tenant.factory_id, machine_id=machine.machine_id,
        stop_id=stop_id, status=scheduling_pb.MAINTENANCE_STATUS_ACCEPTED,
        start=stamp(now + 5 * H), end=stamp(now + 7 * H), decided_by="wang.fang@example")
    await tell(settings, "maintenance_accepted", scheduling.MaintenanceAccepted(task=task), 2)
    await eventually(lambda: window_is(now + 5 * H, now + 7 * H))

    done = scheduling_pb.MaintenanceTask(
        task_id=task_id, factory_id=tenant.factory_id, machine_id=machine.machine_id,
        stop_id=stop_id, status=scheduling_pb.MAINTENANCE_STATUS_DONE,
        done_by="wang.fang@example", done_at=stamp(now + 5 * H + 1800_000))
    await tell(settings, "maintenance_done", scheduling.MaintenanceDone(task=done), 2)
    await eventually(lambda: window_is(now + 5 * H, now + 5 * H + 1800_000))
    kinds = [type(e).__name__ for e in app.events.get(key)]
    assert kinds == ["Declared", "Replanned", "Replanned"]  # the repeats changed nothing
