"""Telemetry at chain scale, live: every machine sends one sample per message at ``--rate-hz``.

``python -m load.bench_telemetry --machines 16000 --rate-hz 1 --seconds 120`` (run under
``flock /tmp/dovetail-bench.lock``). Fresh PostgreSQL and NATS (load.platform_harness); the iot
service in a process of its own (measured: CPU, peak RSS; its relay runs in a child process,
sampled apart); publishers and the raw subscriber in
processes of their own. Messages are what the factory SDK sends live
(``dovetail_factory.simulate.SyntheticFloor``): one TelemetryBatch per machine per tick holding
one current sample, with a 32-character batch id, on ``dovetail.telemetry.<factory>.<machine>``.

1. Registration: the factories (24/7 shifts) and machines through the iot gRPC API, with their
   calibration, as factories register them.
2. Warm-up: a few samples per machine from the past (classifiers learn their sample period and
   fill their filters), not timed.
3. Capacity, flat out: the same burst of messages to a plain nats-py subscriber in its own
   process (the baseline: no decoding) and to the iot service; samples/s of each and the ratio.
4. Live: ``--rate-hz`` per machine for ``--seconds``, paced in 20 slices per period, stamped
   with the time of sending. Each second: offered and accepted samples, the backlog, the iot
   process's CPU and RSS. A share of the machines (``--changing-share``) sends a clean square
   wave instead (IDLE and RUNNING levels, switching every ``CHANGE_HALF`` ticks, phases spread):
   their changes are known in advance, and the sample that completes each one (the classifier's
   filter and dwell, found by feeding the same signal to the service's classifier here) is known
   with the time it was stamped. State-change latency = that sample's time → the
   MachineStateChanged event read from JetStream (what scheduling reads); beside it the
   baseline, a message's round trip through a JetStream stream of its own (acknowledged
   publish, pull consumer) under the same load. The live status of
   random machines is read from the key-value bucket (age = now − its last sample).
5. At the end: the whole bucket read once: every machine's state and the age of its status.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import os
import random
import sys
import time
from pathlib import Path

import grpc
import nats
import numpy as np
import psutil
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_events_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from dovetail_factory.signals.profiles import PROFILES
from dovetail_factory.signals.traces import generate_trace
from load.bench_telemetry import ADMIN_KEY, TYPES, quiesce
from load.charts import line_chart
from load.platform_harness import server_processes
from load.proc_stats import ProcessSampler

TRACES = 48  # distinct signals, shifted per machine
SLICES = 20  # publishing slices per period
CHANGE_HALF = 20  # ticks a changing machine stays IDLE, then RUNNING, and so on


def machine_id(m: int) -> str:
    return f"M{m:05d}"


def factory_of(m: int, per: int) -> str:
    return f"F{m // per:04d}"


def changing(machines: int, share: float) -> list[int]:
    """Machines that send the square wave: every k-th one."""
    if share <= 0:
        return []
    every = max(1, round(1 / share))
    return list(range(0, machines, every))


def square_level(m: int, tick: int, phase: int) -> bool:
    """True while machine m's square wave is at its RUNNING level."""
    return ((tick + phase) // CHANGE_HALF) % 2 == 1


def switch_delay(kind: str, rising: bool) -> int:
    """Samples from a clean level switch to the one that completes the state change, as the
    service's classifier decides it (spike filter and dwell), fed the square wave at 1 s."""
    from services.iot.domain.profiles import SensorCalibration
    from services.iot.domain.tracker import calibration_from
    from services.iot.signals import MachineStateClassifier

    p = PROFILES[kind]
    classifier = MachineStateClassifier("probe", calibration_from(SensorCalibration(
        off_level_amperes=p.off_amps, idle_level_amperes=p.idle_amps,
        running_level_amperes=p.running_amps)))
    levels = [p.idle_amps] * 60 + [p.running_amps] * 60 + [p.idle_amps] * 60
    switch = 60 if rising else 120
    for i, amps in enumerate(levels):
        if i >= switch and classifier.feed_one(float(i), amps):
            return i - switch
    raise RuntimeError(f"the classifier never confirmed the {kind} switch")


# ---- processes -------------------------------------------------------------------------------

def serve_iot(settings, port_q, accepted, loop_lag, pipeline, stop) -> None:
    """The iot service as it runs in production (runtime.start), its accepted-sample counter
    copied to `accepted` ten times a second for the bench to read, and the longest its event
    loop was late to wake this copying task kept in `loop_lag` (the bench resets it). Where the
    state changes are, once a second in `pipeline`: waiting for the writer, saved (the head of
    the notification log), published by the relay (its position)."""
    from services.iot.application import IotApplication
    from services.iot.intake import ACCEPTED, CHANGES_WAITING
    from services.iot.main import build
    from services.kit import metrics, runtime
    from services.kit.auth import Principal
    from services.kit.logs import configure_logging

    # as the service logs (runtime.run does this): warnings with their fields (the error)
    configure_logging("iot", "WARNING", "json")

    async def main() -> None:
        running = await runtime.start("iot", settings, IotApplication, build, port=0)
        await running.runtime.keys.add(ADMIN_KEY, Principal("admin"))
        port_q.put(running.port)
        recorder = running.runtime.app.recorder
        next_look = 0.0
        while not stop.is_set():
            accepted.value = int(ACCEPTED._value.get())
            if time.perf_counter() >= next_look:
                next_look = time.perf_counter() + 1.0
                pipeline[0] = int(CHANGES_WAITING.collect()[0].samples[0].value)
                pipeline[1] = await asyncio.to_thread(recorder.max_notification_id) or 0
                pipeline[2] = int(metrics.RELAY_POSITION.labels("iot")._value.get())
            due = time.perf_counter() + 0.1
            await asyncio.sleep(0.1)
            loop_lag.value = max(loop_lag.value, time.perf_counter() - due)
        running.stop.set()
        await running.done

    asyncio.run(main())


def raw_subscriber(url: str, subject: str, ready, received, stop) -> None:
    """The baseline: a plain nats-py subscriber that counts messages, nothing else."""
    async def main() -> None:
        nc = await nats.connect(url, pending_size=1 << 30)
        count = [0]

        async def on_msg(_msg) -> None:
            count[0] += 1

        await nc.subscribe(subject, cb=on_msg, pending_msgs_limit=-1, pending_bytes_limit=-1)
        await nc.flush()
        ready.set()
        while not stop.is_set():
            received.value = count[0]
            await asyncio.sleep(0.02)
        await nc.close()

    asyncio.run(main())


def _traces(samples: int) -> list[list[float]]:
    return [generate_trace(TYPES[k % len(TYPES)], duration_s=samples, period_s=1.0,
                           defects="noise", seed=k).amps.tolist() for k in range(TRACES)]


def publisher(url: str, prefix: str, machines: int, per: int, plan: dict, ready, go, offered,
              done) -> None:
    """Sends the plan: ``burst`` (samples per machine, flat out, stamped from ``start_ms`` a
    second apart) or ``live`` (``rate_hz`` per machine for ``seconds``, stamped now)."""
    traces = _traces(plan["trace_len"])
    subjects = [f"{prefix}.{factory_of(m, per)}.{machine_id(m)}" for m in range(machines)]
    shift = [(m * 997) % plan["trace_len"] for m in range(machines)]
    square = plan["square"]  # machine → phase
    stamps: list[int] = []  # live: the time stamped on each slice, in order

    def message(m: int, tick: int, ts_ms: int) -> bytes:
        if m in square:
            p = PROFILES[TYPES[m % len(TYPES)]]
            amps = p.running_amps if square_level(m, tick, square[m]) else p.idle_amps
        else:
            amps = traces[m % TRACES][(shift[m] + tick) % plan["trace_len"]]
        batch = pb.TelemetryBatch(factory_id=factory_of(m, per), machine_id=machine_id(m),
                                  batch_id=f"{m:016x}{tick:016x}")
        batch.current_samples.add(timestamp_unix_ms=ts_ms, amperes=amps)
        return batch.SerializeToString()

    async def burst(nc) -> None:
        sent = 0
        for i in range(plan["samples"]):
            ts = plan["start_ms"] + 1000 * i
            for m in range(machines):
                await nc.publish(subjects[m], message(m, plan["tick0"] + i, ts))
                sent += 1
                if sent % 2000 == 0:
                    offered.value = sent
                    await asyncio.sleep(0)
        await nc.flush(timeout=120)
        offered.value = sent

    async def live(nc) -> None:
        period = 1.0 / plan["rate_hz"]
        cuts = np.linspace(0, machines, SLICES + 1).astype(int).tolist()
        started, sent, k = time.perf_counter(), 0, 0
        while k < plan["seconds"] * plan["rate_hz"] * SLICES:
            tick, part = divmod(k, SLICES)
            due = started + k * period / SLICES
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            ts = int(time.time() * 1000)
            stamps.append(ts)
            for m in range(cuts[part], cuts[part + 1]):
                await nc.publish(subjects[m], message(m, plan["tick0"] + tick, ts))
            sent += cuts[part + 1] - cuts[part]
            offered.value = sent
            k += 1
        await nc.flush(timeout=120)

    async def main() -> None:
        nc = await nats.connect(url, pending_size=1 << 30)
        ready.set()
        go.wait()
        started = time.perf_counter()
        await (burst(nc) if plan["kind"] == "burst" else live(nc))
        done.put((time.perf_counter() - started, stamps))
        await nc.close()

    asyncio.run(main())


class Proc:
    """CPU seconds and memory of a process, from /proc."""

    def __init__(self, pid: int):
        self.pid = pid
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick

    def memory_mb(self) -> dict[str, float]:
        status = Path(f"/proc/{self.pid}/status").read_text().splitlines()
        values = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in status
                  if line.startswith(("VmRSS", "VmHWM"))}
        return {"rss": round(values["VmRSS"], 1), "peak": round(values["VmHWM"], 1)}


# ---- steps -----------------------------------------------------------------------------------

async def register(port: int, machines: int, per: int) -> float:
    """Factories and machines through the gRPC API, 16 calls in flight; seconds taken."""
    meta = (("authorization", f"Bearer {ADMIN_KEY}"),)
    started = time.perf_counter()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.IotServiceStub(channel)
        gate = asyncio.Semaphore(16)
        shifts = pb.ShiftCalendar(weekly_shifts=[
            pb.WeeklyShift(weekday=d, start_minute=0, end_minute=1440) for d in range(1, 8)])

        async def factory(factory_id: str) -> None:
            async with gate:
                await stub.RegisterFactory(pb.RegisterFactoryRequest(
                    factory_id=factory_id, name=f"Works {factory_id}", timezone="Asia/Shanghai",
                    shift_calendar=shifts), metadata=meta)

        async def machine(factory_id: str, mid: str, kind: str) -> None:
            p = PROFILES[kind]
            async with gate:
                await stub.RegisterMachine(pb.RegisterMachineRequest(
                    factory_id=factory_id, machine_id=mid, rated_power_kw=20.0,
                    machine_type=types_pb2.MachineType.Value(
                        f"MACHINE_TYPE_{p.machine_type.upper()}"),
                    calibration=pb.SensorCalibration(off_level_amperes=p.off_amps,
                                                     idle_level_amperes=p.idle_amps,
                                                     running_level_amperes=p.running_amps)),
                    metadata=meta)

        factories = sorted({factory_of(m, per) for m in range(machines)})
        await asyncio.gather(*[factory(f) for f in factories])
        await asyncio.gather(*[machine(factory_of(m, per), machine_id(m), TYPES[m % len(TYPES)])
                               for m in range(machines)])
    return time.perf_counter() - started


def _start(ctx, target, *args) -> mp.Process:
    proc = ctx.Process(target=target, args=args, daemon=True)
    proc.start()
    return proc


async def _wait(flag, timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not flag():
        if time.perf_counter() > deadline:
            raise TimeoutError("a bench process did not get ready")
        await asyncio.sleep(0.02)


async def send(ctx, url: str, prefix: str, args, plan: dict, until=None,
               timeout: float = 600.0) -> tuple[float, float]:
    """Run a publisher with `plan`; (seconds from its start until `until()` holds, publisher's own
    seconds). Without `until`, until the publisher is done."""
    ready, go, done = ctx.Event(), ctx.Event(), ctx.Queue()
    offered = ctx.Value("q", 0)
    proc = _start(ctx, publisher, url, prefix, args.machines, args.machines_per_factory, plan,
                  ready, go, offered, done)
    await _wait(ready.is_set, 120)
    started = time.perf_counter()
    go.set()
    while not (until() if until else not proc.is_alive()):
        await asyncio.sleep(0.005)
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{prefix} {plan['kind']} did not finish in {timeout:.0f} s")
    elapsed = time.perf_counter() - started
    own, _ = await asyncio.to_thread(done.get, True, 120)
    proc.join(30)
    return elapsed, own


class StateChanges:
    """MachineStateChanged events on JetStream, each with the time it was seen here; after the
    run, the square-wave machines' events matched to the sample that completed their change."""

    def __init__(self, url: str):
        self.url = url
        self.seen: list[tuple[str, int, int, float]] = []  # machine, to_state, at ms, seen
        self.count = 0

    async def run(self, started: asyncio.Event, stop: asyncio.Event) -> None:
        from services.kit.envelope import unwrap

        nc = await nats.connect(self.url)
        js = nc.jetstream()

        async def on_event(msg) -> None:
            seen = time.time()
            body = iot_events_pb2.MachineStateChanged()
            unwrap(msg.data).body.Unpack(body)
            self.count += 1
            self.seen.append((body.machine_id, body.to_state, body.at.ToMilliseconds(), seen))

        # A pull consumer, as scheduling reads the stream (services/kit/consumer.py).
        sub = await js.pull_subscribe("dovetail.iot.machine_state_changed", durable="bench-watch",
                                      stream="DOVETAIL_IOT", config=ConsumerConfig(
                                          deliver_policy=DeliverPolicy.NEW,
                                          ack_policy=AckPolicy.NONE))
        started.set()
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):  # nats-py raises either kind
                    for msg in await sub.fetch(256, timeout=0.5):
                        await on_event(msg)
        finally:
            await nc.close()

    def latencies(self, square: dict[int, int], tick0: int, stamps: list[int],
                  machines: int) -> dict:
        """Seconds from the stamp of each change's completing sample to its event; changes of
        the live run that never showed are counted."""
        cuts = np.linspace(0, machines, SLICES + 1).astype(int)
        ticks = len(stamps) // SLICES
        delays = {kind: (switch_delay(kind, True), switch_delay(kind, False)) for kind in TYPES}
        # (machine, state, switch tick) → (stamp of the switch's sample ms, of the completing s)
        expected: dict[tuple[str, int, int], tuple[int, float]] = {}
        for m, phase in square.items():
            part = int(np.searchsorted(cuts, m, side="right")) - 1
            up, down = delays[TYPES[m % len(TYPES)]]
            for k in range(ticks):
                tick = tick0 + k
                if (tick + phase) % CHANGE_HALF:
                    continue
                rising = square_level(m, tick, phase)
                done = k + (up if rising else down)
                if done < ticks:
                    state = pb.MACHINE_STATE_RUNNING if rising else pb.MACHINE_STATE_IDLE
                    expected[(machine_id(m), state, tick)] = (
                        stamps[k * SLICES + part], stamps[done * SLICES + part] / 1000)
        found: list[float] = []
        for mid, state, at_ms, seen in self.seen:
            # The onset the event dates is the switch's sample (give or take one).
            candidates = [k for k, v in expected.items() if k[0] == mid and k[1] == state
                          and abs(v[0] - at_ms) <= 1500]
            if candidates:
                key = min(candidates, key=lambda k: abs(expected[k][0] - at_ms))
                found.append(seen - expected.pop(key)[1])
        return {"changes_expected": len(found) + len(expected), "changes_seen": len(found),
                "latency_ms": _pcts(found, 1000.0, 1)}


class RawRoundTrip:
    """The baseline of state-change latency: a small message published to a JetStream stream of
    its own (acknowledged) and read back by a pull consumer, as the relay and scheduling do, ten
    times a second while the fleet runs; what the path costs without the intake and the writer."""

    STREAM, SUBJECT = "BENCH_RAW_ROUND_TRIP", "bench.raw.round_trip"

    def __init__(self, url: str):
        self.url = url
        self.delays: list[float] = []

    async def run(self, stop: asyncio.Event) -> None:
        nc = await nats.connect(self.url)
        js = nc.jetstream()
        await js.add_stream(name=self.STREAM, subjects=[self.SUBJECT], max_age=600)
        sub = await js.pull_subscribe(self.SUBJECT, durable="bench-raw", stream=self.STREAM,
                                      config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW,
                                                            ack_policy=AckPolicy.NONE))
        try:
            while not stop.is_set():
                sent = time.time()
                await js.publish(self.SUBJECT, repr(sent).encode())
                with contextlib.suppress(TimeoutError):  # nats-py raises either kind
                    for msg in await sub.fetch(1, timeout=5):
                        self.delays.append(time.time() - float(msg.data))
                await asyncio.sleep(0.1)
        finally:
            with contextlib.suppress(Exception):
                await js.delete_stream(self.STREAM)
            await nc.close()


async def kv_ages(kv, keys: list[str]) -> list[float]:
    """Age (s) of the live status of `keys`: now − the last sample it shows."""
    entries = await asyncio.gather(*[kv.get(k) for k in keys], return_exceptions=True)
    now_ms = time.time() * 1000
    return [(now_ms - pb.MachineStatus.FromString(e.value).last_sample_unix_ms) / 1000
            for e in entries if not isinstance(e, Exception) and e.value]


async def kv_snapshot(kv) -> dict:
    """Every status in the bucket: counts per state and the age of each."""
    watcher = await kv.watchall()
    latest: dict[str, bytes] = {}  # updates made while reading replace what was read
    async for entry in watcher:
        if entry is None:
            break
        if entry.value:
            latest[entry.key] = entry.value
    await watcher.stop()
    now_ms = time.time() * 1000
    states: dict[str, int] = {}
    ages = []
    for value in latest.values():
        status = pb.MachineStatus.FromString(value)
        name = pb.MachineState.Name(status.state).removeprefix("MACHINE_STATE_")
        states[name] = states.get(name, 0) + 1
        if status.last_sample_unix_ms:
            ages.append((now_ms - status.last_sample_unix_ms) / 1000)
    return {"entries": len(latest), "states": states, "age_s": _pcts(ages)}


def _pcts(values: list[float], scale: float = 1.0, digits: int = 2) -> dict:
    if not values:
        return {"count": 0}
    a = np.asarray(values) * scale
    return {"count": int(a.size), **{f"p{q}": round(float(np.percentile(a, q)), digits)
                                     for q in (50, 95, 99)}, "max": round(float(a.max()), digits)}


# ---- the run ---------------------------------------------------------------------------------

def run_chain(args) -> dict:
    return asyncio.run(_chain(args))


async def _chain(args) -> dict:
    ctx = mp.get_context("spawn")  # no fork of a process running gRPC threads
    with server_processes() as (settings, pids):
        stop_iot, accepted, loop_lag = ctx.Event(), ctx.Value("q", 0), ctx.Value("d", 0.0)
        pipeline = ctx.Array("q", 3)
        port_q = ctx.Queue()
        iot = _start(ctx, serve_iot, settings, port_q, accepted, loop_lag, pipeline, stop_iot)
        try:
            port = await asyncio.to_thread(port_q.get, True, 120)
            return await _measure(args, ctx, settings, pids, port, iot, accepted, loop_lag,
                                  pipeline)
        finally:
            stop_iot.set()
            iot.join(60)
            if iot.is_alive():
                iot.terminate()


async def _measure(args, ctx, settings, pids, port, iot, accepted, loop_lag,
                   pipeline) -> dict:
    machines, url = args.machines, settings.nats_url
    log = lambda text: print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr)  # noqa: E731
    log(f"iot process {iot.pid}, nats-server {pids['nats-server']}")
    registration_s = await register(port, machines, args.machines_per_factory)
    log(f"registered {machines} machines in {registration_s:.1f} s")
    await quiesce(url)
    iot_proc, nats_proc = Proc(iot.pid), Proc(pids["nats-server"])
    warm, burst_n = 5, args.burst_samples
    trace_len = max(3600, warm + burst_n + int(args.seconds * args.rate_hz) + 10)
    now_ms = int(time.time() * 1000)
    square = {m: (m * 7) % (2 * CHANGE_HALF) for m in changing(machines, args.changing_share)}
    base = {"trace_len": trace_len, "square": square}

    # 2. warm-up: classifiers learn the period and fill their filters
    await send(ctx, url, "dovetail.telemetry", args, {
        **base, "kind": "burst", "samples": warm, "start_ms": now_ms - 60_000, "tick0": 0},
        until=lambda: accepted.value >= warm * machines)
    log(f"warm: {accepted.value} samples accepted")

    # 3. capacity: raw nats-py subscriber, then the iot service, same messages flat out
    burst = {**base, "kind": "burst", "samples": burst_n, "start_ms": now_ms - 50_000,
             "tick0": warm}
    ready, received, stop_raw = ctx.Event(), ctx.Value("q", 0), ctx.Event()
    raw = _start(ctx, raw_subscriber, url, "bench.raw.>", ready, received, stop_raw)
    await _wait(ready.is_set)
    n = burst_n * machines
    raw_s, _ = await send(ctx, url, "bench.raw", args, burst, until=lambda: received.value >= n)
    stop_raw.set()
    raw.join(30)
    before, cpu0 = accepted.value, iot_proc.cpu_s()
    intake_s, _ = await send(ctx, url, "dovetail.telemetry", args, burst,
                             until=lambda: accepted.value - before >= n)
    burst_cpu = iot_proc.cpu_s() - cpu0
    log(f"capacity: raw {n / raw_s:,.0f}/s, intake {n / intake_s:,.0f}/s")
    await asyncio.sleep(3.0)  # state changes of the burst written and relayed

    # 4. live
    sampler = ProcessSampler()
    sampler.watch("iot", iot.pid, tree=False)
    for child in psutil.Process(iot.pid).children():  # the iot relay's own process
        if "services.kit.relay_process" in child.cmdline():
            sampler.watch("iot relay process", child.pid, tree=False)
    for name, pid in pids.items():
        sampler.watch(name, pid)
    sampler.start()
    spy = None
    if args.profile:  # py-spy on the iot process through the middle half of the live run
        from load.py_spy_profile import Profile

        spy = Profile("iot", iot.pid, args.seconds / 4, args.seconds / 2, Path(
            __file__).parent / "results" / f"telemetry_chain_iot_{time.strftime('%H%M%S')}.txt")
        spy.start()
    live = await _live(args, ctx, url, accepted, loop_lag, pipeline, iot_proc, nats_proc,
                       {**base, "kind": "live", "rate_hz": args.rate_hz,
                        "seconds": args.seconds, "tick0": warm + burst_n})
    processes = sampler.stop()
    profile = spy.summary() if spy else None
    log(f"live: {live['accepted_samples_per_s']:,.0f} of {live['offered_samples_per_s']:,.0f}"
        " samples/s accepted")
    nc = await nats.connect(url)
    snapshot = await kv_snapshot(await nc.jetstream().key_value("machine_status"))
    await nc.close()
    result = {
        "machines": machines, "factories": -(-machines // args.machines_per_factory),
        "rate_hz": args.rate_hz, "seconds": args.seconds, "samples_per_message": 1,
        "registration_s": round(registration_s, 1),
        "capacity_flat_out": {
            "messages": n,
            "raw_nats_py_subscribe_samples_per_s": round(n / raw_s),
            "intake_samples_per_s": round(n / intake_s),
            "ratio_intake_to_raw": round(raw_s / intake_s, 3),
            "intake_cpu_us_per_sample": round(1e6 * burst_cpu / n, 1)},
        "live": live,
        "processes_during_live": processes,
        **({"iot_profile_during_live": profile} if profile else {}),
        "kv_bucket_at_end": snapshot,
        "iot_process_memory_mb": iot_proc.memory_mb(),
        "nats_server_slow_consumers": _slow_consumers(settings.home / "nats" / "nats.log"),
        "load_average_at_end": os.getloadavg(),
        "cores": os.cpu_count(),
    }
    result["chart"] = _chart(live.pop("timeline"), machines)
    return result


async def _live(args, ctx, url, accepted, loop_lag, pipeline, iot_proc, nats_proc,
                plan) -> dict:
    nc = await nats.connect(url)
    kv = await nc.jetstream().key_value("machine_status")
    stop, watching = asyncio.Event(), asyncio.Event()
    changes = StateChanges(url)
    watch_task = asyncio.create_task(changes.run(watching, stop))
    raw = RawRoundTrip(url)
    raw_task = asyncio.create_task(raw.run(stop))
    await watching.wait()
    offered = ctx.Value("q", 0)
    ready, go, done = ctx.Event(), ctx.Event(), ctx.Queue()
    pub = _start(ctx, publisher, url, "dovetail.telemetry", args.machines,
                 args.machines_per_factory, plan, ready, go, offered, done)
    await _wait(ready.is_set, 120)
    before = accepted.value
    cpu0, nats0 = iot_proc.cpu_s(), nats_proc.cpu_s()
    timeline, ages = [], []
    keys = [f"{factory_of(m, args.machines_per_factory)}.{machine_id(m)}"
            for m in range(args.machines)]
    at_start = {"waiting_for_writer": pipeline[0], "saved_not_relayed": pipeline[1] - pipeline[2]}
    started = time.perf_counter()
    go.set()
    last = (0.0, 0, 0, cpu0)
    while pub.is_alive():
        await asyncio.sleep(1.0)
        t, off, acc, cpu = (time.perf_counter() - started, offered.value,
                            accepted.value - before, iot_proc.cpu_s())
        row = {"t": round(t, 1), "offered": off, "accepted": acc, "backlog": off - acc,
               "offered_per_s": round((off - last[1]) / (t - last[0])),
               "accepted_per_s": round((acc - last[2]) / (t - last[0])),
               "iot_cpu": round((cpu - last[3]) / (t - last[0]), 2),
               "iot_rss_mb": iot_proc.memory_mb()["rss"],
               "iot_loop_lag_max_s": round(loop_lag.value, 3),
               "changes_waiting_for_writer": pipeline[0],
               "events_saved_not_relayed": pipeline[1] - pipeline[2]}
        loop_lag.value = 0.0
        if int(t) % 10 == 0:
            print(f"  live {t:.0f} s: backlog {row['backlog']} samples, state changes waiting "
                  f"for the writer {pipeline[0]}, events saved not relayed "
                  f"{pipeline[1] - pipeline[2]}", file=sys.stderr)
        if int(t) % 5 == 0:
            sample = await kv_ages(kv, random.sample(keys, min(200, len(keys))))
            ages += sample
            row["kv_age_p95_s"] = _pcts(sample).get("p95")
        timeline.append(row)
        last = (t, off, acc, cpu)
    sent_s, stamps = await asyncio.to_thread(done.get, True, 120)
    offered_total = offered.value
    drained_at = None
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        if accepted.value - before >= offered_total:
            drained_at = time.perf_counter() - started
            break
        await asyncio.sleep(0.05)
    wall = time.perf_counter() - started
    cpu_s, nats_s = iot_proc.cpu_s() - cpu0, nats_proc.cpu_s() - nats0
    await asyncio.sleep(2.0)  # the last changes relayed
    stop.set()
    await watch_task
    await raw_task
    pub.join(30)
    await nc.close()
    steady = [r for r in timeline if r["t"] > 10]
    acc_total = accepted.value - before
    return {
        "offered_samples": offered_total,
        "accepted_samples": acc_total,
        "offered_samples_per_s": round(offered_total / sent_s),
        "accepted_samples_per_s": round(acc_total / (drained_at or wall)),
        "publisher_seconds": round(sent_s, 1),
        "drained_s_after_last_publish": round(drained_at - sent_s, 2) if drained_at else None,
        "backlog_samples": {"max": max((r["backlog"] for r in timeline), default=0),
                            "p95_after_10s": int(np.percentile([r["backlog"] for r in steady],
                                                               95)) if steady else None},
        "lag_s_max": round(max((r["backlog"] for r in timeline), default=0)
                           / max(offered_total / sent_s, 1), 2),
        "state_changes": {
            "changing_machines": len(plan["square"]),
            **changes.latencies(plan["square"], plan["tick0"], stamps, args.machines),
            "raw_jetstream_round_trip_ms": _pcts(raw.delays, 1000.0, 1),
            "pipeline_at_start": at_start,
            "waiting_for_writer_max": max((r["changes_waiting_for_writer"] for r in timeline),
                                          default=0),
            "saved_not_relayed_max": max((r["events_saved_not_relayed"] for r in timeline),
                                         default=0),
            "all_on_jetstream": changes.count},
        "kv_status_age_s": _pcts(ages),
        "iot_loop_lag_max_s": max((r["iot_loop_lag_max_s"] for r in timeline), default=0),
        "iot_cpu_cores_mean": round(cpu_s / wall, 2),
        "iot_cpu_cores_peak_1s": max((r["iot_cpu"] for r in timeline), default=0),
        "iot_cpu_us_per_sample": round(1e6 * cpu_s / max(acc_total, 1), 1),
        "nats_server_cpu_cores_mean": round(nats_s / wall, 2),
        "timeline": timeline,
    }


def _slow_consumers(log: Path) -> list[str]:
    """nats-server's slow-consumer notices of the run (a client it cut off or fell behind)."""
    if not log.exists():
        return []
    return [line.strip()[-160:] for line in log.read_text(errors="replace").splitlines()
            if "Slow Consumer" in line][:20]


def _chart(timeline: list[dict], machines: int) -> str:
    results = Path(__file__).parent / "results"
    results.mkdir(exist_ok=True)
    path = results / f"telemetry_chain_{time.strftime('%Y%m%dT%H%M%S')}.svg"
    svg = line_chart(
        f"Live telemetry, {machines:,} machines: samples/s and backlog",
        {"offered samples/s": [(r["t"], r["offered_per_s"]) for r in timeline],
         "accepted samples/s": [(r["t"], r["accepted_per_s"]) for r in timeline],
         "backlog (samples)": [(r["t"], r["backlog"]) for r in timeline]},
        x_label="seconds of live load", y_label="samples")
    with contextlib.suppress(OSError):
        path.write_text(svg)
    return str(path.relative_to(Path(__file__).parent.parent))
