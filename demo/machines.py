"""Factory simulator for `make up`: every demo machine streams telemetry that follows its work.

Each machine's state comes from demo/simulated_machine.py: RUNNING while the shop floor
(demo/shop_floor.py, or a person with `dovetail-factory`) has an operation started and not yet
finished or scrapped on it, whatever the shift clock says; IDLE in shift otherwise, OFF outside
its factory's shifts (Asia/Shanghai). Now and then a machine breaks down (zero current, or a CNC
alarm: DOWN) for some minutes, and stays down even if work is reported on it, until it is
repaired; now and then its uplink drops for half a minute (OFFLINE). Current-sensor machines
draw from their profile (dovetail_factory.signals.profiles): running level with coloured noise,
motor inrush when they power up, short overloads while working. CNC machines report their
controller state and a part counter that advances with each part.

The work comes from the scheduling stream (DOVETAIL_SCHEDULING: operation_started, _finished,
_scrapped; and maintenance_accepted: the machine stops in the accepted window and is serviced
there, the wearing saw getting its new blade) through an ephemeral pull consumer (WorkFollower)
that starts one work cap back, so a
restarted simulator picks up work still running, and resumes after the last sequence it applied
when NATS comes back; reported work lapses after the cap (twice the longest plausible operation
at DOVETAIL_DEMO_SPEEDUP, at least ten minutes), so a lost event cannot keep a machine running for
ever.

One sample per machine per second (the saw whose blade dulls in compressed time, demo/wear.py
DemoWear, sends more), published once a second as a batch on
`dovetail.telemetry.<factory>.<machine>`.

    python -m demo.machines                       # run (make up starts it)
    python -m demo.machines break F-GZ-01-SAW1    # stop its current now (→ DOWN)
    python -m demo.machines repair F-GZ-01-SAW1   # back to following its work
    python -m demo.machines silence F-GZ-01-SAW1  # drop its uplink for 60 s (→ OFFLINE)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import time
import uuid
from datetime import UTC, datetime

from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from demo.simulated_machine import (
    MaintenanceStop,
    SimulatedFloor,
    SimulatedMachine,
    WorkReport,
    network,
    work_cap_s,
)
from demo.wear import DemoWear
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.kit.envelope import UndecodableEvent, body_as, stream_name, unwrap
from services.kit.jetstream import connect
from services.kit.settings import Settings

log = logging.getLogger("dovetail.iot.simulator")
CONTROL_SUBJECT = "dovetail.simulator.iot.control"
CNC_LEVELS = {"OFF": 0.0, "IDLE": 0.2, "RUNNING": 0.75, "OVERLOAD": 1.0}
WORK_SUBJECTS = [
    "dovetail.scheduling.operation_started",
    "dovetail.scheduling.operation_finished",
    "dovetail.scheduling.operation_scrapped",
]
MAINTENANCE_SUBJECT = "dovetail.scheduling.maintenance_accepted"
# Event type → (body, its time field, whether it starts the work).
WORK_EVENTS = {
    scheduling.OperationStarted.DESCRIPTOR.full_name: (
        scheduling.OperationStarted,
        "started_at",
        True,
    ),
    scheduling.OperationFinished.DESCRIPTOR.full_name: (
        scheduling.OperationFinished,
        "finished_at",
        False,
    ),
    scheduling.OperationScrapped.DESCRIPTOR.full_name: (
        scheduling.OperationScrapped,
        "scrapped_at",
        False,
    ),
}


def work_report(data: bytes) -> WorkReport | None:
    """The work an envelope-wrapped scheduling event reports; None for any other (or poison)."""
    try:
        envelope = unwrap(data)
        found = WORK_EVENTS.get(envelope.type)
        if found is None:
            return None
        kind, time_field, started = found
        body = body_as(envelope, kind)
    except UndecodableEvent:
        return None
    if not body.machine_id or not body.operation_id:
        return None
    at = getattr(body, time_field)
    return WorkReport(body.machine_id, body.operation_id, started, at.seconds + at.nanos / 1e9)


def maintenance_stop(data: bytes) -> MaintenanceStop | None:
    """The stop an envelope-wrapped MaintenanceAccepted plans; None for any other (or poison)."""
    try:
        envelope = unwrap(data)
        if envelope.type != scheduling.MaintenanceAccepted.DESCRIPTOR.full_name:
            return None
        task = body_as(envelope, scheduling.MaintenanceAccepted).task
    except UndecodableEvent:
        return None
    if not task.machine_id or not task.task_id or not task.HasField("end"):
        return None
    return MaintenanceStop(task.machine_id, task.task_id, task.start.ToMilliseconds() / 1000,
                           task.end.ToMilliseconds() / 1000)


def telemetry(sim: SimulatedMachine, now: float) -> pb.TelemetryBatch:
    """The machine's sample at `now` as the batch its uplink would send."""
    batch = pb.TelemetryBatch(
        factory_id=sim.factory.factory_id,
        machine_id=sim.machine.machine_id,
        batch_id=uuid.uuid4().hex,
    )
    ts = int(now * 1000)
    if sim.machine.cnc:
        state = "DOWN" if sim.state == "BROKEN" else sim.state
        batch.cnc_states.append(
            pb.CncStateReport(
                timestamp_unix_ms=ts,
                state=pb.MachineState.Value(f"MACHINE_STATE_{state}"),
                alarm_code="E-12 spindle overload" if state == "DOWN" else "",
                power_kw=CNC_LEVELS.get(state, 0.0)
                * sim.machine.rated_power_kw
                * (1 + 0.03 * sim.rng.standard_normal())
                if state != "DOWN"
                else 0.0,
                part_count=sim.parts,
                program="O1000" if state == "RUNNING" else "",
            )
        )
    else:
        n = sim.samples_per_s  # spread over the second since the last batch
        for i in range(n):
            at = now - (n - 1 - i) / n
            batch.current_samples.append(
                pb.CurrentSample(timestamp_unix_ms=int(at * 1000), amperes=sim.current(at))
            )
    return batch


def obey(floor: SimulatedFloor, order: dict, now: float) -> None:
    """A control order (`break`, `repair`, `silence`) for one machine; KeyError if unknown."""
    sim = floor.machines[order["machine_id"]]
    if order["action"] == "break":
        sim.break_down(now, float(order.get("seconds", 3600)))
    elif order["action"] == "repair":
        sim.repair(now)
    elif order["action"] == "silence":
        sim.silence(now, float(order.get("seconds", 60)))


class WorkFollower:
    """Feeds the floor the operations reported started and ended on the scheduling stream.

    An ephemeral pull consumer without acks: the position (the last stream sequence applied) lives
    here, so after a NATS outage, or if the server dropped the consumer, a new one resumes right
    after it. The first starts one work cap back, so a restarted simulator picks up work still
    running (a start heard late lapses from when it started). Not nats-py's ordered push consumer:
    its reset after an outage keeps the start time beside a start sequence, which the server
    refuses, so it never resumes."""

    def __init__(self, js: JetStreamContext, floor: SimulatedFloor):
        self.js = js
        self.floor = floor
        self.after: int | None = None
        self.backoff = 1.0

    async def run(self) -> None:
        """Follow until cancelled, subscribing again whenever following fails."""
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS away or the stream not there yet
                log.warning(
                    "following work failed; resubscribing",
                    extra={"error": repr(exc), "after": self.after, "retry_s": self.backoff},
                )
            await asyncio.sleep(self.backoff)
            self.backoff = min(10.0, self.backoff * 2)

    def _config(self) -> ConsumerConfig:
        config = ConsumerConfig(
            ack_policy=AckPolicy.NONE,
            filter_subjects=[*WORK_SUBJECTS, MAINTENANCE_SUBJECT],
            inactive_threshold=60.0,
            mem_storage=True,
            num_replicas=1,
        )
        if self.after is None:
            config.deliver_policy = DeliverPolicy.BY_START_TIME
            config.opt_start_time = datetime.fromtimestamp(time.time() - self.floor.cap_s, UTC)
        else:
            config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            config.opt_start_seq = self.after + 1
        return config

    async def _follow(self) -> None:
        sub = await self.js.pull_subscribe(
            WORK_SUBJECTS[0], stream=stream_name("scheduling"), config=self._config()
        )
        log.info("following work", extra={"after": self.after})
        self.backoff = 1.0
        try:
            while True:
                try:
                    messages = await sub.fetch(256, timeout=5.0)
                except (NatsTimeoutError, TimeoutError):
                    await sub.consumer_info()  # raises once the server has lost the consumer
                    continue
                for msg in messages:
                    report = work_report(msg.data)
                    if report is not None:
                        self.floor.record(report, time.time())
                    stop = maintenance_stop(msg.data)
                    if stop is not None and self.floor.plan_stop(stop, time.time()):
                        log.info("maintenance stop planned", extra={
                            "machine": stop.machine_id, "task": stop.task_id,
                            "start": stop.start, "end": stop.end})
                    self.after = msg.metadata.sequence.stream
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()


async def run(settings: Settings, stop: asyncio.Event, floor: SimulatedFloor | None = None) -> None:
    floor = floor or network()
    nc = await connect(settings.nats_url, "dovetail-iot-simulator")

    async def control(msg) -> None:
        with contextlib.suppress(ValueError, KeyError):
            order = json.loads(msg.data)
            obey(floor, order, time.time())
            log.info("control", extra=order)
            if msg.reply:
                await msg.respond(b"ok")

    await nc.subscribe(CONTROL_SUBJECT, cb=control)
    follower = asyncio.create_task(WorkFollower(nc.jetstream(), floor).run())
    log.info("simulating", extra={"machines": len(floor.machines), "work_cap_s": floor.cap_s})
    next_tick = time.time()
    try:
        while not stop.is_set():
            now = time.time()
            for sim in floor.machines.values():
                before = sim.state
                sim.step(now)
                if sim.state == "BROKEN" != before:
                    log.info("breakdown", extra={"machine": sim.machine.machine_id})
                if not sim.silent(now):
                    subject = (
                        f"dovetail.telemetry.{sim.factory.factory_id}.{sim.machine.machine_id}"
                    )
                    await nc.publish(subject, telemetry(sim, now).SerializeToString())
            next_tick += 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_tick - time.time()))
    finally:
        follower.cancel()
        await asyncio.gather(follower, return_exceptions=True)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(nc.drain(), 5)


async def send_control(settings: Settings, action: str, machine_id: str) -> None:
    nc = await connect(settings.nats_url, "dovetail-iot-simulator-control")
    try:
        await nc.request(
            CONTROL_SUBJECT,
            json.dumps({"action": action, "machine_id": machine_id}).encode(),
            timeout=5,
        )
        print(f"{action}: {machine_id}")
    finally:
        await nc.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", nargs="?", choices=["break", "repair", "silence"])
    parser.add_argument("machine_id", nargs="?")
    args = parser.parse_args()
    settings = Settings.from_env()
    if not settings.nats_url:  # run by hand beside `make up`: its NATS
        settings = settings.with_(nats_url=f"nats://127.0.0.1:{settings.nats_port}")
    if args.action:
        if not args.machine_id:
            parser.error(f"{args.action} needs a machine id")
        asyncio.run(send_control(settings, args.action, args.machine_id))
        return
    logging.basicConfig(level=logging.INFO)
    # The shop floor's pace (demo/shop_floor.py reads the same variable).
    speedup = float(os.environ.get("DOVETAIL_DEMO_SPEEDUP", "60") or 60)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        floor = network(cap_s=work_cap_s(speedup), wear=DemoWear.from_env(), now=time.time())
        await run(settings, stop, floor)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
