"""A worn machine serviced (issue 22, the loop), through iot's real intake and consumer.

A saw whose blade dulls alarms (as in test_machine_health). Scheduling then reports its
maintenance done (MaintenanceDone on NATS, delivered twice: once in effect): the machine's
health says MAINTAINED, by whom and when, with no alarm; the wear watch, which had not heard,
judges its next window on the old baseline: that assessment is not kept, and the watch starts
its new baseline from the report (its windows count again from none). No alarm is published
after the report, and a restarted service says the same.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import nats
import numpy as np
import pytest

from demo.wear import HOUR_S, Effect, WearScenario
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from dovetail.scheduling.v1 import scheduling_service_pb2 as scheduling_pb
from dovetail_factory.signals.traces import generate_trace
from services.iot.domain.registry import machine_key
from services.kit.auth import Principal
from services.kit.envelope import subject, wrap
from tests.helpers import eventually, relayed
from tests.integration.iot.conftest import ADMIN, Tenant
from tests.integration.iot.scenario import register_factory, register_machine
from tests.integration.iot.test_machine_health import (
    WINDOW_S,
    WINDOWS,
    S,
    assessed,
    grpc_stub,
    send,
    start_iot,
    stop,
    trace,
)
from tests.integration.scheduling.conftest import _notifications

pytestmark = pytest.mark.integration


async def tell_done(settings, task: scheduling_pb.MaintenanceTask, times: int) -> None:
    """Scheduling's MaintenanceDone for `task`, delivered `times` times (one notification: a
    redelivery, as after a relay's crash past JetStream's duplicate window)."""
    envelope = wrap(service="scheduling", body=scheduling.MaintenanceDone(task=task),
                    aggregate_id=task.machine_id, version=3, occurred_at=datetime.now(UTC),
                    tenant="default", notification_id=next(_notifications))
    nc = await nats.connect(settings.nats_url)
    try:
        for _ in range(times):
            await nc.jetstream().publish(
                subject("scheduling", "maintenance_done"), envelope.SerializeToString(),
                headers={"Nats-Msg-Id": uuid.uuid4().hex})
    finally:
        await nc.close()


async def health_of(stub, machine_id: str) -> pb.MachineHealth:
    return (await stub.GetMachineHealth(pb.GetMachineHealthRequest(machine_id=machine_id),
                                        metadata=ADMIN)).health


async def test_a_serviced_machine_forgets_its_alarm_and_learns_a_new_baseline(settings):
    running = await start_iot(settings)
    tenant = Tenant("MNT")
    await running.runtime.keys.add(tenant.key, Principal("factory", tenant.factory_id))
    dulling = WearScenario("saw", "panel_saw", S, mode="blade_dulling", onset_s=S + 40 * HOUR_S,
                           failure_s=S + 100 * HOUR_S, at_failure=Effect(running=1.4, cycle=1.2),
                           seed=1)
    try:
        async with grpc_stub(running) as stub:
            await register_factory(stub, tenant)
            saw = await register_machine(stub, tenant, "saw")
            t_ms, amps = trace(dulling, saw.machine_id, WINDOWS)
            await send(stub, tenant, saw, t_ms, amps)

            async def alarmed():
                # every window sent taken, the health kept of each (the last one's too: a
                # report before it is kept is heard by the watch then, not at its next window)
                h = await health_of(stub, saw.machine_id)
                return h if h.alarm and h.windows_seen >= WINDOWS - 1 else None

            await eventually(alarmed, timeout=60)
            done_ms = int(time.time() * 1000)
            task = scheduling_pb.MaintenanceTask(
                task_id=f"task-{uuid.uuid4().hex[:8]}", factory_id=tenant.factory_id,
                machine_id=saw.machine_id, status=scheduling_pb.MAINTENANCE_STATUS_DONE,
                done_by="li.wei@factory.example")
            task.done_at.FromMilliseconds(done_ms)
            await tell_done(settings, task, times=2)

            async def maintained():
                h = await health_of(stub, saw.machine_id)
                return h if h.state == pb.MACHINE_HEALTH_STATE_MAINTAINED else None

            health = await eventually(maintained, timeout=30)
            assert not health.alarm and not health.explanation
            assert health.maintained_by == "li.wei@factory.example"
            assert health.maintained_at.ToMilliseconds() == done_ms
            assert health.maintenance_task_id == task.task_id
            assert health.windows_seen >= 36  # the watch has not heard yet

            # the watch's next window is of the blade that was changed (samples from before
            # the report): not kept; the watch learns afresh from the report
            end_s = t_ms[-1] / 1000 + 1
            more = generate_trace(dulling.profile_at(S + WINDOWS * HOUR_S),
                                  duration_s=min(WINDOW_S, done_ms / 1000 - end_s - 1),
                                  seed=7, start=end_s, machine_id=saw.machine_id)
            await send(stub, tenant, saw, (more.timestamps * 1000).astype(np.int64), more.amps)

            async def learning_afresh():
                h = await health_of(stub, saw.machine_id)
                return h if h.windows_seen == 0 else None

            health = await eventually(learning_afresh, timeout=30)
            assert health.state == pb.MACHINE_HEALTH_STATE_MAINTAINED and not health.alarm
        kinds = [type(e).__name__ for e in running.runtime.app.events.get(
            machine_key(saw.machine_id))]
        assert kinds.count("Maintained") == 1  # delivered twice, taken once
        # the relay publishes after the read models have the health: look once it has it all
        await relayed(running)
        said = await assessed(settings.nats_url, saw.machine_id)
        assert said and all(e.baseline_since.ToMilliseconds() == t_ms[0] for e in said)
        assert not [e for e in said if e.assessed_at.ToMilliseconds() > t_ms[-1]]  # none since
    finally:
        await stop(running)

    again = await start_iot(settings)
    try:
        async with grpc_stub(again) as stub:
            kept = await health_of(stub, saw.machine_id)
        assert kept.state == pb.MACHINE_HEALTH_STATE_MAINTAINED and not kept.alarm
        assert kept.maintained_by == "li.wei@factory.example"
    finally:
        await stop(again)
