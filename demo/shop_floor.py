"""A simulated shop floor for the demo factories (`make up` runs it as a process).

Each demo factory follows its assignment stream with its own key and works through it at
an accelerated pace (DOVETAIL_DEMO_SPEEDUP, default 60: an hour of work takes a minute):
on every idle machine it starts the earliest planned operation whose predecessor has
finished, reports it started, and reports it finished when its time is up. It resumes
the stream after the last sequence it processed, so a reconnect misses nothing. Its
maintenance crew (demo/maintenance_crew.py) accepts the maintenance proposed for its machines
and reports it done once the stop is over, in the demo's hours (demo/wear.py DemoWear).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time

import grpc

from demo.maintenance_crew import CrewPace, MaintenanceCrew
from demo.network import DEMO_FACTORIES, DemoFactory
from demo.wear import DemoWear
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from services.kit.settings import Settings
from services.kit.tls import channel_credentials, open_channel

log = logging.getLogger("dovetail.scheduling.simulator")
CHANNEL_OPTIONS = [("grpc.keepalive_time_ms", 20_000), ("grpc.keepalive_timeout_ms", 10_000),
                   ("grpc.keepalive_permit_without_calls", 1)]
DONE = (pb.OPERATION_STATUS_FINISHED,)
READY = (pb.OPERATION_STATUS_PLANNED, pb.OPERATION_STATUS_SCRAPPED)


class ShopFloor:
    """One factory: what it was assigned, which machines are busy, and its reports."""

    def __init__(self, factory: DemoFactory, address: str, speedup: float,
                 credentials: grpc.ChannelCredentials | None = None,
                 iot_address: str = "", crew: CrewPace | None = None):
        self.factory = factory
        self.address = address
        self.iot_address = iot_address  # where the crew tells iot its accepted stops
        self.crew = MaintenanceCrew(factory.factory_id, (
            ("authorization", f"Bearer {factory.dev_key}"),), crew or CrewPace())
        self.credentials = credentials  # TLS when the platform serves it
        self.speedup = max(1.0, speedup)
        self.metadata = (("authorization", f"Bearer {factory.dev_key}"),)
        self.held: dict[str, pb.Assignment] = {}
        self.busy: set[str] = set()
        self.blocked: set[str] = set()
        self.sequence = 0
        self.connected = False
        self.changed = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        while not stop.is_set():
            try:
                async with contextlib.AsyncExitStack() as stack:
                    channel = await stack.enter_async_context(
                        open_channel(self.address, self.credentials, CHANNEL_OPTIONS))
                    iot_channel = await stack.enter_async_context(open_channel(
                        self.iot_address, self.credentials)) if self.iot_address else None
                    stub = pb_grpc.SchedulingServiceStub(channel)
                    tasks = [asyncio.create_task(self._work(stub, stop)),
                             asyncio.create_task(self._follow(stub)),
                             asyncio.create_task(self.crew.run(stub, iot_channel)),
                             asyncio.create_task(stop.wait())]
                    try:
                        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for task in tasks:
                            task.cancel()
                        await asyncio.gather(*tasks, return_exceptions=True)
                    for task in done:
                        task.result()  # a lost stream raises here: reconnect
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the service is restarting, or not up yet
                log.warning("%s: stream lost (%r); reconnecting in %.0f s",
                            self.factory.factory_id, exc, backoff)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), backoff)
            backoff = 1.0 if self.connected else min(30.0, backoff * 2)
            self.connected = False

    async def _follow(self, stub) -> None:
        request = pb.SubscribeAssignmentsRequest(factory_id=self.factory.factory_id,
                                                 resume_after_sequence=self.sequence)
        async for item in stub.SubscribeAssignments(request, metadata=self.metadata):
            self.sequence = item.sequence
            self.connected = True
            op = item.assignment.operation_id
            if item.kind == pb.ASSIGNMENT_CHANGE_KIND_WITHDRAWN:
                self.held.pop(op, None)
            else:
                self.held[op] = item.assignment
            self.blocked.discard(op)
            self.blocked = {b for b in self.blocked if b in self.held}
            self.changed.set()

    async def _work(self, stub, stop: asyncio.Event) -> None:
        running: set[asyncio.Task] = set()
        while not stop.is_set():
            for a in self._next_per_machine():
                self.busy.add(a.machine_id)
                task = asyncio.create_task(self._make(stub, a))
                running.add(task)
                task.add_done_callback(running.discard)
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 2.0)

    def _next_per_machine(self) -> list[pb.Assignment]:
        chosen: dict[str, pb.Assignment] = {}
        for a in sorted(self.held.values(), key=lambda a: (a.planned_start.seconds, a.seq)):
            if a.machine_id in self.busy or a.machine_id in chosen or a.operation_id in self.blocked:
                continue
            if a.status == pb.OPERATION_STATUS_STARTED or (a.status in READY and self._ready(a)):
                chosen[a.machine_id] = a
        return list(chosen.values())

    def _ready(self, a: pb.Assignment) -> bool:
        before = [b for b in self.held.values() if b.order_id == a.order_id and b.seq < a.seq]
        return all(b.status in DONE for b in before)

    async def _make(self, stub, a: pb.Assignment) -> None:
        try:
            if a.status != pb.OPERATION_STATUS_STARTED:
                await self._report(stub, a, pb.OPERATION_REPORT_KIND_STARTED)
            await asyncio.sleep(a.duration_seconds / self.speedup)
            await self._report(stub, a, pb.OPERATION_REPORT_KIND_FINISHED)
            log.info("%s finished %s on %s", self.factory.factory_id, a.operation_id, a.machine_id)
            if not a.order_id:  # a cutting batch: its orders' next steps may go on now
                self.blocked.clear()
        except grpc.aio.AioRpcError as exc:
            if exc.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
                self.held.pop(a.operation_id, None)  # taken away meanwhile
            else:
                self.blocked.add(a.operation_id)  # e.g. its predecessor is not done: wait
            log.info("%s: %s refused: %s", self.factory.factory_id, a.operation_id, exc.details())
        finally:
            self.busy.discard(a.machine_id)
            self.changed.set()

    async def _report(self, stub, a: pb.Assignment, kind: int) -> None:
        name = pb.OperationReportKind.Name(kind).removeprefix("OPERATION_REPORT_KIND_").lower()
        reply = await stub.ReportOperation(pb.ReportOperationRequest(
            operation_id=a.operation_id, kind=kind, idempotency_key=f"sim:{a.operation_id}:{name}",
            machine_id=a.machine_id), metadata=self.metadata, timeout=10)
        held = self.held.get(a.operation_id)
        if held is not None:
            held.status = reply.status


async def simulate(settings: Settings, speedup: float, stop: asyncio.Event,
                   manual: frozenset[str] = frozenset(), crew: CrewPace | None = None) -> None:
    """Work every demo factory's assignments and maintenance, except those a person drives
    (`manual`)."""
    address = settings.service_address("scheduling")
    iot_address = settings.service_address("iot") if "iot" in settings.services else ""
    credentials = channel_credentials(settings)
    floors = [ShopFloor(f, address, speedup, credentials, iot_address, crew)
              for f in DEMO_FACTORIES if f.factory_id not in manual]
    await asyncio.gather(*(floor.run(stop) for floor in floors))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings.from_env()
    speedup = float(os.environ.get("DOVETAIL_DEMO_SPEEDUP", "60") or 60)
    # Factories left to a person with `dovetail-factory` (e.g. DOVETAIL_DEMO_MANUAL_FACTORIES=F-ZS-04).
    manual = frozenset(f.strip() for f in os.environ.get(
        "DOVETAIL_DEMO_MANUAL_FACTORIES", "").split(",") if f.strip())

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        started = time.monotonic()
        wear = DemoWear.from_env()  # the demo's hour, when a machine wears in it
        crew = CrewPace.of_demo_hour(wear.window_s) if wear else CrewPace.of_demo_hour(60.0)
        await simulate(settings, speedup, stop, manual, crew)
        log.info("simulator stopped after %.0f s", time.monotonic() - started)

    asyncio.run(run())


if __name__ == "__main__":
    main()
