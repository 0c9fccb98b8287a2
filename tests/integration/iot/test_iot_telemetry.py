"""Telemetry in, machine states out: classification, liveness (OFFLINE, DOWN), refusals."""

from __future__ import annotations

import contextlib
import time

import nats
import pytest

from dovetail.iot.v1 import iot_service_pb2 as pb
from tests.helpers import eventually
from tests.integration.iot.conftest import IOT
from tests.integration.iot.scenario import (
    current_batch,
    now_ms,
    register_factory,
    register_machine,
    seconds_back,
    state_changes,
    state_names,
    stream,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def tenant(iot_stub, make_tenant):
    tenant = await make_tenant()
    await register_factory(iot_stub, tenant)
    return tenant


async def changes_until(settings, machine_id: str, predicate, timeout: float = 60.0):
    async def check():
        found = await state_changes(settings.nats_url, machine_id)
        return found if predicate(found) else None

    return await eventually(check, timeout=timeout, interval=0.2)


async def test_streamed_current_becomes_state_changes_on_jetstream(iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    times = seconds_back(40)
    amps = [8.0] * 15 + [20.0] * 25  # idle, then cutting
    reply = await stream(iot_stub, tenant, current_batch(machine, times[:20], amps[:20]),
                         current_batch(machine, times[20:], amps[20:]))
    assert reply.batches_received == 2 and reply.samples_accepted == 40
    assert reply.samples_rejected == 0

    found = await changes_until(settings, machine.machine_id,
                                lambda c: state_names(c)[-1:] == ["RUNNING"])
    assert state_names(found) == ["IDLE", "RUNNING"]
    running = found[-1]
    assert running.available and running.factory_id == tenant.factory_id
    assert abs(running.at.ToMilliseconds() - times[15]) <= 1000  # back-dated to the onset
    status = await iot_stub.GetMachineStatus(pb.GetMachineStatusRequest(
        machine_id=machine.machine_id), metadata=tenant.auth)
    assert status.status.state == pb.MACHINE_STATE_RUNNING
    assert 19 < status.status.current_amperes < 21 and status.status.power_kw > 10


async def test_a_state_change_reaches_the_status_bucket(iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    times = seconds_back(40)
    await stream(iot_stub, tenant, current_batch(machine, times, [8.0] * 15 + [20.0] * 25))
    nc = await nats.connect(settings.nats_url)
    try:
        bucket = await nc.jetstream().key_value("machine_status")

        async def running():
            with contextlib.suppress(nats.js.errors.KeyNotFoundError):
                entry = await bucket.get(f"{tenant.factory_id}.{machine.machine_id}")
                status = pb.MachineStatus.FromString(entry.value)
                return status if status.state == pb.MACHINE_STATE_RUNNING else None
            return None

        status = await eventually(running, timeout=30, interval=0.1)
    finally:
        await nc.close()
    assert status.available and status.machine_id == machine.machine_id
    assert status.last_sample_unix_ms == times[-1]


async def test_a_silent_machine_is_offline_within_the_timeout(iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    await stream(iot_stub, tenant, current_batch(machine, seconds_back(20), [20.0] * 20))
    silent_from = time.time()
    found = await changes_until(settings, machine.machine_id,
                                lambda c: "OFFLINE" in state_names(c))
    noticed = time.time() - silent_from
    offline = found[-1]
    assert state_names(found) == ["RUNNING", "OFFLINE"] and not offline.available
    assert noticed < IOT.offline_after_s + 2.0
    assert "silent" in offline.reason

    await stream(iot_stub, tenant, current_batch(machine, seconds_back(5), [20.0] * 5))
    back = await changes_until(settings, machine.machine_id,
                               lambda c: state_names(c)[-1] == "RUNNING" and len(c) == 3)
    assert back[-1].available and back[-1].from_state == pb.MACHINE_STATE_OFFLINE


async def test_zero_current_in_shift_is_down_after_the_grace_and_gets_a_reason(
        iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    times = seconds_back(30)
    await stream(iot_stub, tenant, current_batch(machine, times, [20.0] * 15 + [0.0] * 15))

    async def keep_sending_zero():
        await stream(iot_stub, tenant, current_batch(machine, [now_ms()], [0.0]))
        found = await state_changes(settings.nats_url, machine.machine_id)
        return found if "DOWN" in state_names(found) else None

    found = await eventually(keep_sending_zero, timeout=90, interval=0.3)
    assert state_names(found) == ["RUNNING", "OFF", "DOWN"]
    down = found[-1]
    assert not down.available and "no current" in down.reason

    start = now_ms() + 200  # after the zeros just sent; within the clock tolerance
    await stream(iot_stub, tenant, current_batch(machine, [start + 1000 * i for i in range(5)],
                                                 [20.0] * 5))
    back = await changes_until(settings, machine.machine_id,
                               lambda c: state_names(c)[-1] == "RUNNING")
    assert back[-1].available and back[-1].from_state == pb.MACHINE_STATE_DOWN

    async def downtime():
        reply = await iot_stub.GetDowntime(pb.GetDowntimeRequest(
            machine_id=machine.machine_id), metadata=tenant.auth)
        return reply if reply.intervals and reply.intervals[0].end_unix_ms else None

    reply = await eventually(downtime)
    interval = reply.intervals[0]
    assert interval.state == pb.MACHINE_STATE_DOWN and reply.analytics.count == 1
    set_reason = await iot_stub.SetDowntimeReason(pb.SetDowntimeReasonRequest(
        machine_id=machine.machine_id, downtime_id=interval.downtime_id,
        category=pb.DOWNTIME_CATEGORY_BREAKDOWN, note="saw blade jammed"), metadata=tenant.auth)
    assert set_reason.downtime.category == pb.DOWNTIME_CATEGORY_BREAKDOWN

    async def categorised():
        reply = await iot_stub.GetDowntime(pb.GetDowntimeRequest(
            machine_id=machine.machine_id), metadata=tenant.auth)
        by = {c.category: c for c in reply.analytics.by_category}
        return reply if pb.DOWNTIME_CATEGORY_BREAKDOWN in by else None

    reply = await eventually(categorised)
    assert reply.intervals[0].note == "saw blade jammed"


async def test_a_planned_stop_keeps_zero_current_from_being_down(iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    await iot_stub.DeclarePlannedStop(pb.DeclarePlannedStopRequest(
        factory_id=tenant.factory_id, machine_ids=[machine.machine_id],
        window=dict(start_unix_ms=now_ms() - 60_000, end_unix_ms=now_ms() + 600_000),
        reason="blade change", idempotency_key="stop-1"), metadata=tenant.auth)
    await stream(iot_stub, tenant, current_batch(machine, seconds_back(20), [0.0] * 20))
    started = time.time()

    async def off_past_the_grace():
        await stream(iot_stub, tenant, current_batch(machine, [now_ms()], [0.0]))
        reply = await iot_stub.GetMachineStatus(pb.GetMachineStatusRequest(
            machine_id=machine.machine_id), metadata=tenant.auth)
        off_for = time.time() - max(started, reply.status.since.ToMilliseconds() / 1000)
        return reply.status.state == pb.MACHINE_STATE_OFF and off_for > 2 * IOT.down_grace_s

    await eventually(off_past_the_grace, interval=0.25)
    found = await changes_until(settings, machine.machine_id, lambda c: bool(c))
    assert state_names(found) == ["OFF"]
    status = await iot_stub.GetMachineStatus(pb.GetMachineStatusRequest(
        machine_id=machine.machine_id), metadata=tenant.auth)
    assert status.status.in_planned_stop and status.status.available


async def test_bad_telemetry_is_refused_with_a_reason_each(iot_stub, tenant, make_tenant):
    machine = await register_machine(iot_stub, tenant)
    cnc = await register_machine(iot_stub, tenant, cnc=True)
    other = await make_tenant()
    await register_factory(iot_stub, other)
    t = seconds_back(10)
    good = current_batch(machine, t, [8.0] * 10, batch_id="b-1")
    unknown = current_batch(machine, t, [8.0] * 10)
    unknown.machine_id = "NO-SUCH-MACHINE"
    backwards = current_batch(machine, [t[-1] + 10, t[-1] + 5, t[-1] + 20], [8.0] * 3)
    future = current_batch(machine, [now_ms() + 60_000], [8.0])
    negative = current_batch(machine, [now_ms() + 1000], [8.0])
    negative.current_samples[0].amperes = -3.0
    wrong_kind = current_batch(cnc, t, [8.0] * 10)
    reply = await stream(iot_stub, tenant, good, good, unknown, backwards, future, negative,
                         wrong_kind)
    reasons = {pb.TelemetryRejectionReason.Name(r.reason).removeprefix(
        "TELEMETRY_REJECTION_REASON_"): r for r in reply.rejections}
    assert reply.samples_accepted == 10 + 2
    assert {k: r.count for k, r in reasons.items()} == {
        "DUPLICATE_BATCH": 10, "UNKNOWN_MACHINE": 10, "OUT_OF_ORDER": 1, "IN_FUTURE": 1,
        "INVALID_VALUE": 1, "WRONG_SENSOR_KIND": 10}
    assert "ahead of the server clock" in reasons["IN_FUTURE"].message
    assert reasons["UNKNOWN_MACHINE"].machine_id == "NO-SUCH-MACHINE"

    # Another factory's key may not send for this machine.
    wrong = await stream(iot_stub, other, current_batch(machine, [now_ms()], [8.0]))
    assert wrong.rejections[0].reason == pb.TELEMETRY_REJECTION_REASON_WRONG_FACTORY


async def test_telemetry_over_nats_is_taken_and_answered(iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    nc = await nats.connect(settings.nats_url)
    try:
        subject = f"dovetail.telemetry.{tenant.factory_id}.{machine.machine_id}"

        first_sample = now_ms() - 30_000

        async def answered():
            batch = current_batch(machine, [first_sample], [20.0], batch_id="first")
            try:
                reply = await nc.request(subject, batch.SerializeToString(), timeout=2)
            except (nats.errors.NoRespondersError, nats.errors.TimeoutError):
                return None  # the intake is not subscribed yet
            return pb.StreamTelemetryResponse.FromString(reply.data)

        first = await eventually(answered)
        assert first.samples_accepted == 1
        batch = current_batch(machine, seconds_back(20), [20.0] * 20)
        batch.factory_id = "SOMEONE-ELSE"
        reply = pb.StreamTelemetryResponse.FromString(
            (await nc.request(subject, batch.SerializeToString(), timeout=2)).data)
        assert reply.rejections[0].reason == pb.TELEMETRY_REJECTION_REASON_WRONG_FACTORY
        batch.factory_id = tenant.factory_id
        await nc.publish(subject, batch.SerializeToString())
        found = await changes_until(settings, machine.machine_id,
                                    lambda c: "RUNNING" in state_names(c))
        assert found[-1].to_state == pb.MACHINE_STATE_RUNNING
    finally:
        await nc.close()
