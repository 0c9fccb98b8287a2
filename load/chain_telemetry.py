"""Telemetry for the chain fleet of the pipeline benchmark, from a process of its own.

Every machine of ``load.chain_fleet.fleet(n, seed)`` sends a batch every ``--interval`` seconds
(phases spread evenly, so the rate is steady), holding one sample per ``--period`` seconds:
current-sensor machines their idle current (with noise) in shift and their off current
outside it, CNC machines their controller state (IDLE / OFF). Published on
``dovetail.telemetry.<factory>.<machine>`` as the demo simulator does; iot keeps them live.

    python -m load.chain_telemetry --nats-url URL --factories 600 [--interval 10] [--period 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import signal
import sys
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import nats

from demo.factories import TIMEZONE
from demo.network import DemoFactory, DemoMachine
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail_factory.signals.profiles import PROFILES
from load.chain_fleet import fleet

ZONE = ZoneInfo(TIMEZONE)


def in_shift(f: DemoFactory, t: float) -> bool:
    local = datetime.fromtimestamp(t, ZONE)
    minute = local.hour * 60 + local.minute
    return any(d == local.weekday() and s <= minute < e for d, s, e in f.shifts)


def batch(f: DemoFactory, m: DemoMachine, now: float, count: int, period: float,
          rng: random.Random) -> bytes:
    """The machine's last ``count`` samples, ``period`` seconds apart, ending at ``now``."""
    msg = pb.TelemetryBatch(factory_id=f.factory_id, machine_id=m.machine_id,
                            batch_id=uuid.uuid4().hex)
    for k in range(count):
        t = now - (count - 1 - k) * period
        on = in_shift(f, t)
        ts = int(t * 1000)
        if m.cnc:
            msg.cnc_states.append(pb.CncStateReport(
                timestamp_unix_ms=ts,
                state=pb.MACHINE_STATE_IDLE if on else pb.MACHINE_STATE_OFF,
                power_kw=0.2 * m.rated_power_kw if on else 0.0))
        else:
            p = PROFILES[m.machine_type]
            level = p.idle_amps * (1 + p.idle_noise * rng.gauss(0, 1)) if on else p.off_amps
            msg.current_samples.append(pb.CurrentSample(timestamp_unix_ms=ts,
                                                        amperes=max(0.0, level)))
    return msg.SerializeToString()


async def run(url: str, factories: int, seed: int, interval: float, period: float,
              stop: asyncio.Event) -> None:
    machines = [(f, m) for f in fleet(factories, seed) for m in f.machines]
    rng = random.Random(seed)
    count = max(1, round(interval / period))
    nc = await nats.connect(url, pending_size=64 * 1024 * 1024)
    started = time.time()
    # machine i sends at started + phase_i + k * interval
    phases = [interval * i / len(machines) for i in range(len(machines))]
    sent, cursor, lag_max, next_note = 0, 0, 0.0, started + 30
    tick = min(0.25, interval / 4)
    while not stop.is_set():
        now = time.time()
        rounds = int((now - started) // interval)
        # every machine whose slot passed since the last tick
        while True:
            k, i = divmod(cursor, len(machines))
            due = started + k * interval + phases[i]
            if due > now:
                break
            f, m = machines[i]
            lag_max = max(lag_max, now - due)
            await nc.publish(f"dovetail.telemetry.{f.factory_id}.{m.machine_id}",
                             batch(f, m, now, count, period, rng))
            sent += 1
            cursor += 1
        if now > next_note:
            print(f"  telemetry: {sent} batches from {len(machines)} machines "
                  f"({sent / (now - started):.0f}/s), round {rounds}, worst lag {lag_max:.2f} s",
                  file=sys.stderr, flush=True)
            next_note += 30
            lag_max = 0.0
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), tick)
    await nc.drain()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats-url", required=True)
    parser.add_argument("--factories", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--period", type=float, default=2.0)
    args = parser.parse_args(argv)

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run(args.nats_url, args.factories, args.seed, args.interval, args.period, stop)

    asyncio.run(go())
    return 0


if __name__ == "__main__":
    sys.exit(main())
