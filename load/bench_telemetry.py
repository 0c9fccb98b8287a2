"""Telemetry intake benchmark: samples/s through NATS into the iot service, against the raw
nats-py subscribe rate of the same messages, and state-change latency from sample to JetStream.

Run: ``python -m load.bench_telemetry [--machines 100] [--seconds 1200] [--batch 20]``.
Chain mode, live: ``python -m load.bench_telemetry --machines 16000 --rate-hz 1 --seconds 120``
(every machine one sample per message per second, as the factory SDK sends live telemetry; what
it measures: load/bench_telemetry_chain.py).
Starts its own PostgreSQL and NATS in a temporary folder and the iot service in this process.

1. Baseline: a publisher process sends the pre-encoded TelemetryBatch messages on a subject the
   service does not read; one plain nats-py subscriber counts them (no decoding).
2. Intake: the same messages on ``dovetail.telemetry.<factory>.<machine>`` (captured by the
   DOVETAIL_TELEMETRY stream); the service decodes, screens, classifies, integrates energy and
   records state changes. Rate = samples / (publisher start → last sample accepted), both phases.
3. Latency: per machine, one batch that completes an IDLE → RUNNING change; time from its publish
   to the MachineStateChanged event read from JetStream (includes the classifier's dwell only as
   sample time, not wall time: the batch holds the whole change).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import sys
import tempfile
import time
from pathlib import Path

import nats
import numpy as np

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_events_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from dovetail_factory.signals.profiles import PROFILES
from dovetail_factory.signals.traces import generate_trace
from infra.servers import NatsProcess, PostgresProcess, free_port
from services.iot.application import IotApplication
from services.iot.intake import ACCEPTED
from services.iot.main import build
from services.kit import runtime
from services.kit.auth import Principal
from services.kit.settings import Settings

ADMIN_KEY = "dvt_admin_bench_key"
FACTORY = "F-BENCH"
TYPES = ["panel_saw", "edge_bander", "sander", "paint_line", "assembly", "packing"]


def encode(machine_id: str, t_ms: np.ndarray, amps: np.ndarray, batch: int) -> list[bytes]:
    out = []
    for i in range(0, t_ms.size, batch):
        msg = pb.TelemetryBatch(factory_id=FACTORY, machine_id=machine_id, batch_id=f"{i}",
                                current_samples=[pb.CurrentSample(timestamp_unix_ms=int(t),
                                                                  amperes=float(a))
                                                 for t, a in zip(t_ms[i:i + batch],
                                                                 amps[i:i + batch], strict=True)])
        out.append(msg.SerializeToString())
    return out


def workload(machines: int, seconds: int, batch: int) -> tuple[list[tuple[str, bytes]], int]:
    """Messages interleaved across machines (as factories send them), and the sample count."""
    start_ms = int(time.time() * 1000) - (seconds + 120) * 1000
    per_machine = []
    samples = 0
    for m in range(machines):
        trace = generate_trace(TYPES[m % len(TYPES)], duration_s=seconds, period_s=1.0,
                               defects="noise", seed=m)
        t_ms = start_ms + (trace.timestamps * 1000).astype(np.int64)
        samples += t_ms.size
        per_machine.append([(f"M{m:04d}", b) for b in encode(f"M{m:04d}", t_ms, trace.amps,
                                                                batch)])
    interleaved = [x for group in zip(*per_machine, strict=False) for x in group]
    return interleaved, samples


def publisher(url: str, prefix: str, messages: list[tuple[str, bytes]], ready, go, done) -> None:
    async def main() -> None:
        nc = await nats.connect(url, pending_size=256 * 1024 * 1024)
        ready.set()
        go.wait()
        started = time.perf_counter()
        for machine_id, data in messages:
            await nc.publish(f"{prefix}.{FACTORY}.{machine_id}", data)
        await nc.flush(timeout=60)
        done.put(time.perf_counter() - started)
        await nc.close()

    asyncio.run(main())


async def timed_phase(url: str, prefix: str, messages, finished) -> float:
    """Seconds from the publisher's start until `finished()` says everything arrived."""
    ctx = mp.get_context("spawn")  # no fork of a process running gRPC threads
    ready, go, done = ctx.Event(), ctx.Event(), ctx.Queue()
    proc = ctx.Process(target=publisher, args=(url, prefix, messages, ready, go, done))
    proc.start()
    while not ready.is_set():  # the clock starts once the child is connected
        await asyncio.sleep(0.05)
    started = time.perf_counter()
    go.set()
    while not finished():
        await asyncio.sleep(0.005)
        if time.perf_counter() - started > 300:
            raise TimeoutError("phase did not finish in 300 s")
    elapsed = time.perf_counter() - started
    proc.join(30)
    return elapsed


async def register(port: int, machines: int) -> None:
    meta = (("authorization", f"Bearer {ADMIN_KEY}"),)
    async with __import__("grpc").aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.IotServiceStub(channel)
        await stub.RegisterFactory(pb.RegisterFactoryRequest(
            factory_id=FACTORY, name="Bench works", timezone="Asia/Shanghai",
            shift_calendar=pb.ShiftCalendar(weekly_shifts=[
                pb.WeeklyShift(weekday=d, start_minute=0, end_minute=1440) for d in range(1, 8)])),
            metadata=meta)
        for m in range(machines):
            p = PROFILES[TYPES[m % len(TYPES)]]
            await stub.RegisterMachine(pb.RegisterMachineRequest(
                factory_id=FACTORY, machine_id=f"M{m:04d}", rated_power_kw=20.0,
                machine_type=types_pb2.MachineType.Value(f"MACHINE_TYPE_{p.machine_type.upper()}"),
                calibration=pb.SensorCalibration(off_level_amperes=p.off_amps,
                                                 idle_level_amperes=p.idle_amps,
                                                 running_level_amperes=p.running_amps)),
                metadata=meta)


async def latency(url: str, machines: int) -> list[float]:
    """Publish a batch completing IDLE → RUNNING per machine; time to its event on JetStream."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    arrived: dict[str, float] = {}

    async def on_event(msg) -> None:
        from services.kit.envelope import unwrap

        body = iot_events_pb2.MachineStateChanged()
        unwrap(msg.data).body.Unpack(body)
        if body.to_state == pb.MACHINE_STATE_RUNNING:
            arrived.setdefault(body.machine_id, time.perf_counter())

    from nats.js.api import DeliverPolicy

    sub = await js.subscribe("dovetail.iot.machine_state_changed", cb=on_event,
                             deliver_policy=DeliverPolicy.NEW, ordered_consumer=True)
    delays = []
    for m in range(machines):
        machine_id = f"L{m:03d}"
        p = PROFILES["panel_saw"]
        now = int(time.time() * 1000)
        idle = pb.TelemetryBatch(factory_id=FACTORY, machine_id=machine_id, current_samples=[
            pb.CurrentSample(timestamp_unix_ms=now - 20_000 + 1000 * i, amperes=p.idle_amps)
            for i in range(10)])
        await nc.publish(f"dovetail.telemetry.{FACTORY}.{machine_id}", idle.SerializeToString())
        await asyncio.sleep(0.3)
        change = pb.TelemetryBatch(factory_id=FACTORY, machine_id=machine_id, current_samples=[
            pb.CurrentSample(timestamp_unix_ms=now - 10_000 + 1000 * i, amperes=p.running_amps)
            for i in range(10)])
        sent = time.perf_counter()
        await nc.publish(f"dovetail.telemetry.{FACTORY}.{machine_id}",
                         change.SerializeToString())
        deadline = sent + 10
        while machine_id not in arrived and time.perf_counter() < deadline:
            await asyncio.sleep(0.001)
        if machine_id in arrived:
            delays.append(arrived[machine_id] - sent)
    await sub.unsubscribe()
    await nc.close()
    return delays


async def quiesce(url: str) -> int:
    """Wait until the relay has published the state changes of the intake phase."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    last, stable_since = -1, time.perf_counter()
    while time.perf_counter() - stable_since < 1.0:
        count = (await js.stream_info("DOVETAIL_IOT")).state.messages
        if count != last:
            last, stable_since = count, time.perf_counter()
        await asyncio.sleep(0.1)
    await nc.close()
    return last


async def register_latency_machines(port: int, count: int) -> None:
    meta = (("authorization", f"Bearer {ADMIN_KEY}"),)
    p = PROFILES["panel_saw"]
    async with __import__("grpc").aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.IotServiceStub(channel)
        for m in range(count):
            await stub.RegisterMachine(pb.RegisterMachineRequest(
                factory_id=FACTORY, machine_id=f"L{m:03d}", rated_power_kw=18.0,
                machine_type=types_pb2.MACHINE_TYPE_PANEL_SAW,
                calibration=pb.SensorCalibration(off_level_amperes=p.off_amps,
                                                 idle_level_amperes=p.idle_amps,
                                                 running_level_amperes=p.running_amps)),
                metadata=meta)


async def bench(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="dovetail-bench-telemetry-") as tmp:
        pg = PostgresProcess(Path(tmp) / "pg", free_port()).start()
        nats_server = NatsProcess(Path(tmp) / "nats", free_port(), free_port()).start()
        try:
            settings = Settings(home=Path(tmp) / "home", database_url=pg.url,
                                nats_url=nats_server.url, admin_key=ADMIN_KEY,
                                log_level="WARNING", log_format="text")
            running = await runtime.start("iot", settings, IotApplication, build, port=0)
            await running.runtime.keys.add(ADMIN_KEY, Principal("admin"))
            try:
                return await measure(args, settings, running)
            finally:
                running.stop.set()
                await running.done
        finally:
            nats_server.stop()
            pg.stop()


async def measure(args, settings: Settings, running) -> dict:
    await register(running.port, args.machines)
    await register_latency_machines(running.port, args.latency_machines)
    messages, samples = workload(args.machines, args.seconds, args.batch)
    print(f"{len(messages)} messages, {samples} samples, {args.machines} machines, "
          f"{args.batch} samples per message", file=sys.stderr)

    nc = await nats.connect(settings.nats_url, pending_size=256 * 1024 * 1024)
    received = [0]

    async def count(_msg) -> None:
        received[0] += 1

    await nc.subscribe("bench.raw.>", cb=count, pending_msgs_limit=-1, pending_bytes_limit=-1)
    raw_s = await timed_phase(settings.nats_url, "bench.raw", messages,
                              lambda: received[0] >= len(messages))
    await nc.close()

    accepted = ACCEPTED
    before = accepted._value.get()
    await asyncio.sleep(2.0)  # the service is subscribed (it was started above)
    ingest_s = await timed_phase(settings.nats_url, "dovetail.telemetry", messages,
                                 lambda: accepted._value.get() - before >= samples)
    events = await quiesce(settings.nats_url)
    delays = sorted(await latency(settings.nats_url, args.latency_machines))
    raw_rate, ingest_rate = samples / raw_s, samples / ingest_s
    return {
        "machines": args.machines, "samples": samples, "messages": len(messages),
        "samples_per_message": args.batch,
        "raw_subscribe_samples_per_s": round(raw_rate),
        "raw_subscribe_messages_per_s": round(len(messages) / raw_s),
        "intake_samples_per_s": round(ingest_rate),
        "intake_messages_per_s": round(len(messages) / ingest_s),
        "ratio_intake_to_raw": round(ingest_rate / raw_rate, 3),
        "iot_events_on_jetstream_after_intake": events,
        "state_change_latency_ms": {
            "count": len(delays),
            "p50": round(1000 * float(np.percentile(delays, 50)), 1) if delays else None,
            "p95": round(1000 * float(np.percentile(delays, 95)), 1) if delays else None,
            "max": round(1000 * max(delays), 1) if delays else None},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=1200,
                        help="samples per machine (1 Hz); with --rate-hz: seconds of live load")
    parser.add_argument("--batch", type=int, default=20, help="samples per message")
    parser.add_argument("--latency-machines", type=int, default=30)
    parser.add_argument("--rate-hz", type=float, default=None,
                        help="chain mode: every machine sends one sample per message at this "
                             "rate, live, for --seconds (load/bench_telemetry_chain.py)")
    parser.add_argument("--machines-per-factory", type=int, default=10)
    parser.add_argument("--changing-share", type=float, default=0.02,
                        help="chain mode: share of machines whose state changes on a known "
                             "schedule (state-change latency is measured on them)")
    parser.add_argument("--profile", action="store_true",
                        help="chain mode: py-spy on the iot process during the live run")
    parser.add_argument("--burst-samples", type=int, default=10,
                        help="chain mode: samples per machine of the flat-out capacity phase")
    args = parser.parse_args()
    if args.rate_hz is not None:
        from load.bench_telemetry_chain import run_chain

        result, name = run_chain(args), "telemetry_chain"
    else:
        result, name = asyncio.run(bench(args)), "telemetry"
    print(json.dumps(result, indent=2))
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    (results / f"{name}_{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(
        json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
