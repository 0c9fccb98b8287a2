"""Energy integrated from current, CO2e, energy per order from scheduling's operations, OEE."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import nats
import pytest

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.kit.envelope import wrap
from tests.helpers import eventually
from tests.integration.iot.scenario import (
    GRID,
    WATTS_PER_AMP,
    current_batch,
    now_ms,
    register_factory,
    register_machine,
    stream,
)

pytestmark = pytest.mark.integration
AMPS = 20.0


@pytest.fixture
async def tenant(iot_stub, make_tenant):
    tenant = await make_tenant()
    await register_factory(iot_stub, tenant)
    return tenant


def steady(machine, start_ms: int, seconds: int):
    """Constant current, one sample a second from start to start + seconds (inclusive)."""
    batch = current_batch(machine, [start_ms + 1000 * i for i in range(seconds + 1)],
                          [AMPS] * (seconds + 1))
    for s in batch.current_samples:
        s.amperes = AMPS  # exactly, for an analytic answer
    return batch


def kwh(seconds: float) -> float:
    return WATTS_PER_AMP * AMPS * seconds / 3.6e6


async def energy(stub, tenant, **scope):
    return await stub.GetEnergy(pb.GetEnergyRequest(**scope), metadata=tenant.auth)


async def test_energy_is_integrated_from_current_with_co2e(iot_stub, tenant):
    machine = await register_machine(iot_stub, tenant)
    minute = now_ms() // 60_000 * 60_000 - 180_000
    await stream(iot_stub, tenant, steady(machine, minute, 120))
    window = types_pb2.TimeWindow(start_unix_ms=minute - 60_000, end_unix_ms=minute + 240_000)

    async def integrated():
        reply = await energy(iot_stub, tenant, machine_id=machine.machine_id, window=window,
                             bucket_seconds=60)
        return reply if reply.kwh > 0.99 * kwh(120) else None

    reply = await eventually(integrated)
    assert reply.kwh == pytest.approx(kwh(120), rel=1e-6)
    assert reply.kg_co2e == pytest.approx(kwh(120) * GRID, rel=1e-6)
    assert [b.kwh for b in reply.buckets] == pytest.approx([0, kwh(60), kwh(60), 0, 0],
                                                           rel=1e-9, abs=1e-12)
    half = await energy(iot_stub, tenant, machine_id=machine.machine_id, window=dict(
        start_unix_ms=minute + 30_000, end_unix_ms=minute + 90_000))
    assert half.kwh == pytest.approx(kwh(60), rel=1e-4)  # minute resolution, spread evenly
    factory = await energy(iot_stub, tenant, factory_id=tenant.factory_id, window=window)
    assert factory.kwh == pytest.approx(kwh(120), rel=1e-6)
    assert [s.machine_id for s in factory.shares] == [machine.machine_id]


async def publish_operation(nats_url: str, kind: str, body, notification_id: int) -> None:
    envelope = wrap(service="scheduling", body=body, aggregate_id=body.operation_id,
                    version=1 if kind == "operation_started" else 2,
                    occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=notification_id)
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().publish(f"dovetail.scheduling.{kind}", envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": f"test:{uuid.uuid4()}"})
    finally:
        await nc.close()


async def test_an_orders_energy_follows_its_operations(iot_stub, tenant, settings):
    machine = await register_machine(iot_stub, tenant)
    minute = now_ms() // 60_000 * 60_000 - 180_000
    await stream(iot_stub, tenant, steady(machine, minute, 120))
    order_a, order_b = f"order-{uuid.uuid4()}", f"order-{uuid.uuid4()}"
    # A runs alone for the first minute; A and B share the second.
    runs = [(order_a, "a1", 0, 60), (order_a, "a2", 60, 120), (order_b, "b1", 60, 120)]
    base = uuid.uuid4().int % 10**12 + 10**6
    for i, (order, op, start, end) in enumerate(runs):
        common = dict(operation_id=f"{order}-{op}", order_id=order, factory_id=tenant.factory_id,
                      machine_id=machine.machine_id,
                      machine_type=types_pb2.MACHINE_TYPE_PANEL_SAW)
        started = scheduling.OperationStarted(**common)
        started.started_at.FromMilliseconds(minute + start * 1000)
        finished = scheduling.OperationFinished(**common, planned_duration_seconds=60)
        finished.finished_at.FromMilliseconds(minute + end * 1000)
        await publish_operation(settings.nats_url, "operation_started", started, base + 2 * i)
        await publish_operation(settings.nats_url, "operation_finished", finished,
                                base + 2 * i + 1)

    async def attributed(order_id: str, expected: float):
        reply = await energy(iot_stub, tenant, order_id=order_id)
        return reply if reply.kwh == pytest.approx(expected, rel=1e-4) else None

    a = await eventually(lambda: attributed(order_a, kwh(60) + kwh(30)))
    assert {s.operation_id: round(s.kwh / kwh(30), 3) for s in a.shares} == {
        f"{order_a}-a1": 2.0, f"{order_a}-a2": 1.0}
    b = await eventually(lambda: attributed(order_b, kwh(30)))
    assert b.kg_co2e == pytest.approx(kwh(30) * GRID, rel=1e-4)

    async def oee():
        # the factory's day (Asia/Shanghai), not this machine's: from 16:00 UTC they differ
        day = datetime.fromtimestamp(minute / 1000, ZoneInfo("Asia/Shanghai")).date()
        reply = await iot_stub.GetOee(pb.GetOeeRequest(
            factory_id=tenant.factory_id, day=dict(year=day.year, month=day.month,
                                                   day=day.day)), metadata=tenant.auth)
        return reply if reply.machines and reply.machines[0].good_count == 3 else None

    report = await eventually(oee)
    assert report.days[0].planned_production_seconds > 0
    assert report.machines[0].ideal_run_seconds == int(3 * 60 / 1.1)
