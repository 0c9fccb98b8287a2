"""Factory simulator for `make up`: every demo machine streams realistic telemetry over NATS.

Current-sensor machines draw from their signals profile (services/iot/signals/profiles.py): idle
and running spells of profile length, occasional overloads, motor inrush on start, coloured noise;
OFF outside their factory's shifts. CNC machines report their controller state and a part
counter. Now and then a machine breaks down (zero current, or a CNC alarm) for some minutes and is
repaired, and now and then its uplink drops for half a minute (OFFLINE).

One sample per machine per second, published once a second as a batch on
`dovetail.telemetry.<factory>.<machine>`.

    python -m services.iot.simulator                      # run (make up starts it)
    python -m services.iot.simulator break F-GZ-01-SAW1   # stop its current now (→ DOWN)
    python -m services.iot.simulator repair F-GZ-01-SAW1
    python -m services.iot.simulator silence F-GZ-01-SAW1 # drop its uplink for 60 s (→ OFFLINE)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import math
import signal
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from dovetail.iot.v1 import iot_service_pb2 as pb
from infra.demo_network import DEMO_FACTORIES, DemoFactory, DemoMachine
from services.iot.signals.profiles import PROFILES, MachineProfile
from services.kit.jetstream import connect
from services.kit.settings import Settings

log = logging.getLogger("dovetail.iot.simulator")
CONTROL_SUBJECT = "dovetail.simulator.iot.control"
ZONE = ZoneInfo("Asia/Shanghai")
BREAKDOWNS_PER_HOUR = 0.6
DROPOUTS_PER_HOUR = 0.3
CNC_LEVELS = {"OFF": 0.0, "IDLE": 0.2, "RUNNING": 0.75, "OVERLOAD": 1.0}


def in_shift(factory: DemoFactory, at: float) -> bool:
    local = datetime.fromtimestamp(at, ZONE)
    minute = local.hour * 60 + local.minute
    return any(day == local.weekday() and start <= minute < end
               for day, start, end in factory.shifts)


@dataclass
class SimulatedMachine:
    factory: DemoFactory
    machine: DemoMachine
    rng: np.random.Generator
    state: str = "OFF"
    spell_end: float = 0.0
    level: float = 1.0
    broken_until: float = 0.0
    silent_until: float = 0.0
    inrush_at: float = -1e9
    parts: int = 0
    noise: list[float] = field(default_factory=lambda: [0.0])

    @property
    def profile(self) -> MachineProfile | None:
        return None if self.machine.cnc else PROFILES[self.machine.machine_type]

    def _mean_s(self, state: str) -> float:
        p = self.profile
        if p is None:
            return {"IDLE": 30.0, "RUNNING": 90.0, "OVERLOAD": 8.0}[state]
        return {"IDLE": p.mean_idle_s, "RUNNING": p.mean_running_s,
                "OVERLOAD": p.mean_overload_s}[state]

    def step(self, now: float) -> None:
        """Advance the state walk to `now` (shifts, spells, breakdowns)."""
        working = in_shift(self.factory, now)
        if working and now >= self.broken_until and self.rng.random() < BREAKDOWNS_PER_HOUR / 3600:
            self.broken_until = now + self.rng.uniform(180, 480)
            log.info("breakdown", extra={"machine": self.machine.machine_id})
        if working and self.rng.random() < DROPOUTS_PER_HOUR / 3600:
            self.silent_until = now + self.rng.uniform(20, 45)
        if not working:
            self._enter("OFF", math.inf, now)
        elif now < self.broken_until:
            self._enter("BROKEN", self.broken_until, now)
        elif self.state in ("OFF", "BROKEN") or now >= self.spell_end:
            state = self._next()
            self._enter(state, now + max(5.0, self.rng.exponential(self._mean_s(state))), now)

    def _next(self) -> str:
        overload = self.profile.overload_chance if self.profile else 0.03
        state = {"OFF": "IDLE", "BROKEN": "IDLE", "OVERLOAD": "RUNNING",
                 "IDLE": "RUNNING"}.get(self.state)
        if state is None:  # RUNNING
            state = "OVERLOAD" if self.rng.random() < overload else "IDLE"
        return state

    def _enter(self, state: str, until: float, now: float) -> None:
        if state != self.state and self.state in ("OFF", "BROKEN") and state == "IDLE":
            self.inrush_at = now
        if state == "RUNNING" and self.profile:
            spread = self.profile.running_spread
            self.level = self.rng.uniform(1 - spread, 1 + spread)
        if state == "RUNNING" and self.state != "RUNNING":
            self.parts += 1
        self.state, self.spell_end = state, until

    def current(self, now: float) -> float:
        p = self.profile
        assert p is not None
        nominal = {"OFF": p.off_amps, "BROKEN": 0.0, "IDLE": p.idle_amps,
                   "RUNNING": p.running_amps * self.level, "OVERLOAD": p.overload_amps}
        rel = {"IDLE": p.idle_noise, "RUNNING": p.running_noise,
               "OVERLOAD": p.running_noise}.get(self.state, 0.0)
        self.noise[0] = 0.6 * self.noise[0] + 0.8 * self.rng.standard_normal()
        amps = nominal[self.state] * (1 + rel * self.noise[0])
        amps += self.rng.normal(0, 0.004 * p.rated_amps)
        since = now - self.inrush_at
        if 0 <= since < 5 * p.inrush_tau_s:
            amps += p.inrush_factor * p.running_amps * math.exp(-since / p.inrush_tau_s)
        return max(amps, 0.0)

    def batch(self, now: float) -> pb.TelemetryBatch:
        batch = pb.TelemetryBatch(factory_id=self.factory.factory_id,
                                  machine_id=self.machine.machine_id, batch_id=uuid.uuid4().hex)
        ts = int(now * 1000)
        if self.machine.cnc:
            state = "DOWN" if self.state == "BROKEN" else self.state
            batch.cnc_states.append(pb.CncStateReport(
                timestamp_unix_ms=ts, state=pb.MachineState.Value(f"MACHINE_STATE_{state}"),
                alarm_code="E-12 spindle overload" if state == "DOWN" else "",
                power_kw=CNC_LEVELS.get(state, 0.0) * self.machine.rated_power_kw
                * (1 + 0.03 * self.rng.standard_normal()) if state != "DOWN" else 0.0,
                part_count=self.parts, program="O1000" if state == "RUNNING" else ""))
        else:
            batch.current_samples.append(pb.CurrentSample(timestamp_unix_ms=ts,
                                                          amperes=self.current(now)))
        return batch


def network(seed: int = 7) -> list[SimulatedMachine]:
    rng = np.random.default_rng(seed)
    return [SimulatedMachine(f, m, np.random.default_rng(rng.integers(1 << 32)))
            for f in DEMO_FACTORIES for m in f.machines]


async def run(settings: Settings, stop: asyncio.Event) -> None:
    nc = await connect(settings.nats_url, "dovetail-iot-simulator")
    machines = {s.machine.machine_id: s for s in network()}

    async def control(msg) -> None:
        with contextlib.suppress(ValueError, KeyError):
            order = json.loads(msg.data)
            sim, now = machines[order["machine_id"]], time.time()
            if order["action"] == "break":
                sim.broken_until = now + float(order.get("seconds", 3600))
            elif order["action"] == "repair":
                sim.broken_until = now
            elif order["action"] == "silence":
                sim.silent_until = now + float(order.get("seconds", 60))
            log.info("control", extra=order)
            if msg.reply:
                await msg.respond(b"ok")

    await nc.subscribe(CONTROL_SUBJECT, cb=control)
    log.info("simulating", extra={"machines": len(machines)})
    next_tick = time.time()
    try:
        while not stop.is_set():
            now = time.time()
            for sim in machines.values():
                sim.step(now)
                if now >= sim.silent_until:
                    subject = f"dovetail.telemetry.{sim.factory.factory_id}.{sim.machine.machine_id}"
                    await nc.publish(subject, sim.batch(now).SerializeToString())
            next_tick += 1.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(0.0, next_tick - time.time()))
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(nc.drain(), 5)


async def send_control(settings: Settings, action: str, machine_id: str) -> None:
    nc = await connect(settings.nats_url, "dovetail-iot-simulator-control")
    try:
        await nc.request(CONTROL_SUBJECT, json.dumps(
            {"action": action, "machine_id": machine_id}).encode(), timeout=5)
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
        asyncio.run(send_control(settings, args.action, args.machine_id))
        return
    logging.basicConfig(level=logging.INFO)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run(settings, stop)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
