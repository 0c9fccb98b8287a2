"""The demo simulator follows work reported on the real scheduling stream, across a NATS restart."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import nats
import pytest

from demo.machines import run
from demo.network import DemoFactory, DemoMachine
from demo.simulated_machine import WORKING, SimulatedFloor, network
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from dovetail_factory.signals.profiles import PROFILES
from infra.servers import NatsProcess, free_port
from services.kit.envelope import wrap
from services.kit.jetstream import ensure_event_stream
from services.kit.settings import Settings
from tests.helpers import eventually

pytestmark = pytest.mark.integration

SAW = PROFILES["panel_saw"]


def closed_factory() -> DemoFactory:
    """A factory with no shifts: its machines are OFF unless work is reported on them."""
    factory_id = f"F-SIM-{uuid.uuid4().hex[:8]}"
    machines = tuple(
        DemoMachine(f"{factory_id}-SAW{i}", "panel_saw", 1.0, 18.0, cnc=False, rated_amps=32)
        for i in (1, 2)
    )
    return DemoFactory(factory_id, "Closed Works", "Guangzhou", 23.1, 113.3, 50, 0.58, (), machines)


async def report(js, kind: str, body) -> None:
    envelope = wrap(
        service="scheduling",
        body=body,
        aggregate_id=body.operation_id,
        version=1 if kind == "operation_started" else 2,
        occurred_at=datetime.now(UTC),
        tenant="default",
        notification_id=uuid.uuid4().int % 10**12 + 1,
    )
    await js.publish(
        f"dovetail.scheduling.{kind}",
        envelope.SerializeToString(),
        headers={"Nats-Msg-Id": f"test:{uuid.uuid4()}"},
    )


def quiet_floor(factory: DemoFactory) -> SimulatedFloor:
    """No chance breakdowns or dropouts: only the reported work moves the machines."""
    floor = network(seed=11, factories=(factory,))
    for sim in floor.machines.values():
        sim.breakdowns_per_hour = sim.dropouts_per_hour = 0.0
    return floor


def started_now(factory: DemoFactory, machine_id: str) -> scheduling.OperationStarted:
    body = scheduling.OperationStarted(
        operation_id=f"op-{uuid.uuid4().hex[:8]}",
        order_id="order-sim",
        factory_id=factory.factory_id,
        machine_id=machine_id,
    )
    body.started_at.GetCurrentTime()
    return body


def ended(started: scheduling.OperationStarted) -> scheduling.OperationFinished:
    body = scheduling.OperationFinished(
        operation_id=started.operation_id,
        order_id=started.order_id,
        factory_id=started.factory_id,
        machine_id=started.machine_id,
        planned_duration_seconds=60,
    )
    body.finished_at.GetCurrentTime()
    return body


async def test_the_simulator_runs_a_machine_while_work_is_reported_on_it(settings):
    factory = closed_factory()
    first, second = (m.machine_id for m in factory.machines)
    floor = quiet_floor(factory)
    amps: dict[str, list[float]] = defaultdict(list)

    async def heard(msg) -> None:
        batch = pb.TelemetryBatch.FromString(msg.data)
        amps[batch.machine_id].extend(s.amperes for s in batch.current_samples)

    def latest(machine_id: str, count: int = 3) -> list[float]:
        return amps[machine_id][-count:] if len(amps[machine_id]) >= count else []

    async def samples_until(machine_id: str, level) -> list[float]:
        async def check():
            found = latest(machine_id)
            return found if found and all(level(a) for a in found) else None

        return await eventually(check, timeout=30, interval=0.2)

    def running(a: float) -> bool:
        return a > 0.7 * SAW.running_amps

    def off(a: float) -> bool:
        return a < SAW.idle_amps / 4

    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    stop = asyncio.Event()
    simulator = None
    try:
        await ensure_event_stream(js, "scheduling")
        await nc.subscribe(f"dovetail.telemetry.{factory.factory_id}.>", cb=heard)
        # Reported before the simulator starts: it picks the work up from the stream's recent past.
        early = started_now(factory, first)
        await report(js, "operation_started", early)

        simulator = asyncio.create_task(run(settings, stop, floor))
        await samples_until(first, running)
        await samples_until(second, off)

        live = started_now(factory, second)
        await report(js, "operation_started", live)
        await samples_until(second, running)

        await report(js, "operation_finished", ended(early))
        await samples_until(first, off)
        assert all(running(a) for a in latest(second))  # its work goes on
        await report(js, "operation_finished", ended(live))
        await samples_until(second, off)
    finally:
        stop.set()
        if simulator is not None:
            await simulator
        await nc.close()


async def test_the_simulator_follows_work_again_after_nats_restarts(tmp_path):
    server = NatsProcess(tmp_path / "nats", free_port(), free_port()).start()
    own = Settings(home=tmp_path / "home", nats_url=server.url)
    factory = closed_factory()
    first, second = (m.machine_id for m in factory.machines)
    floor = quiet_floor(factory)

    def states_become(expected: dict[str, bool]):
        async def check():
            return all(
                (floor.machines[m].state in WORKING) == working for m, working in expected.items()
            )

        return eventually(check, timeout=60, interval=0.2)

    async def publish(*reports) -> None:
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            await ensure_event_stream(js, "scheduling")
            for kind, body in reports:
                await report(js, kind, body)
        finally:
            await nc.close()

    stop = asyncio.Event()
    simulator = None
    try:
        await publish()  # the stream exists before the simulator follows it
        simulator = asyncio.create_task(run(own, stop, floor))
        early = started_now(factory, first)
        await publish(("operation_started", early))
        await states_become({first: True, second: False})

        await asyncio.to_thread(server.stop)  # the simulator keeps running meanwhile
        await asyncio.to_thread(server.start)
        late = started_now(factory, second)
        await publish(("operation_finished", ended(early)), ("operation_started", late))
        await states_become({first: False, second: True})
    finally:
        stop.set()
        if simulator is not None:
            await simulator
        server.stop()
