"""What a demo machine is doing, second by second: pure state the iot simulator draws telemetry from.

A machine follows the work the shop floor reports on it. Strongest first:

    in a maintenance stop the factory accepted                  → OFF (a wearing saw gets its
                                                                  new blade in it)
    broken (a random breakdown or the `break` command)          → BROKEN (DOWN on the board)
    an operation reported started, not yet finished or scrapped → RUNNING, shift or not (one part
                                                                  per running spell, now and then
                                                                  a short OVERLOAD: a jam)
    outside its factory's shifts                                → OFF
    in shift                                                    → IDLE

so RUNNING on the board means work. Reported work lapses `cap_s` after it started: a lost
FINISHED cannot keep a machine running for ever. demo/machines.py feeds the reports in
and turns the state into telemetry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from demo.network import DEMO_FACTORIES, DemoFactory, DemoMachine
from demo.wear import CompressedWear, DemoWear, Effect
from dovetail_factory.signals.profiles import PROFILES, MachineProfile

ZONE = ZoneInfo("Asia/Shanghai")
BREAKDOWNS_PER_HOUR = 0.6
DROPOUTS_PER_HOUR = 0.3
# A long paint or assembly run of a big order at speed 1; work is capped at twice it, accelerated.
LONGEST_OPERATION_S = 4 * 3600.0
MIN_WORK_CAP_S = 600.0
POWERED = ("IDLE", "RUNNING", "OVERLOAD")
WORKING = ("RUNNING", "OVERLOAD")
CNC_SPELL_S = {"RUNNING": 90.0, "OVERLOAD": 8.0}
CNC_OVERLOAD_CHANCE = 0.03


def in_shift(factory: DemoFactory, at: float) -> bool:
    local = datetime.fromtimestamp(at, ZONE)
    minute = local.hour * 60 + local.minute
    return any(
        day == local.weekday() and start <= minute < end for day, start, end in factory.shifts
    )


def work_cap_s(speedup: float) -> float:
    """How long reported work keeps a machine running without news of its end: twice the longest
    plausible operation at the shop floor's pace, never under ten minutes."""
    return max(MIN_WORK_CAP_S, 2 * LONGEST_OPERATION_S / max(speedup, 1.0))


@dataclass(frozen=True)
class WorkReport:
    """The shop floor's word on one operation on one machine: started, or ended (finished or
    scrapped), at unix time `at` (0: not said)."""

    machine_id: str
    operation_id: str
    started: bool
    at: float = 0.0


@dataclass
class ReportedWork:
    """The operations reported running on one machine, each with the time it lapses."""

    running: dict[str, float] = field(default_factory=dict)  # operation id → lapses at
    ended: dict[str, float] = field(default_factory=dict)  # operation id → forgotten at

    def apply(self, report: WorkReport, now: float, cap_s: float) -> None:
        if report.started:
            # A report replayed after its end (a consumer reset) does not start the work again.
            if report.operation_id not in self.ended:
                at = min(report.at, now) if report.at > 0 else now
                self.running[report.operation_id] = at + cap_s
        else:
            self.running.pop(report.operation_id, None)
            self.ended[report.operation_id] = now + cap_s

    def busy(self, now: float) -> bool:
        """Whether some reported work is still running at `now` (lapsed work is dropped)."""
        if any(t <= now for t in self.running.values()):
            self.running = {op: t for op, t in self.running.items() if t > now}
        if any(t <= now for t in self.ended.values()):
            self.ended = {op: t for op, t in self.ended.items() if t > now}
        return bool(self.running)


@dataclass(frozen=True)
class MaintenanceStop:
    """A maintenance task the factory accepted (scheduling's MaintenanceAccepted): the machine
    stops from `start` to `end` (unix s) and is serviced in it."""

    machine_id: str
    task_id: str
    start: float
    end: float


@dataclass
class SimulatedMachine:
    factory: DemoFactory
    machine: DemoMachine
    rng: np.random.Generator
    work: ReportedWork = field(default_factory=ReportedWork)
    breakdowns_per_hour: float = BREAKDOWNS_PER_HOUR
    dropouts_per_hour: float = DROPOUTS_PER_HOUR
    state: str = "OFF"
    spell_end: float = 0.0
    level: float = 1.0
    broken_until: float = 0.0
    silent_until: float = 0.0
    inrush_at: float = -1e9
    parts: int = 0
    noise: float = 0.0
    # the machine whose blade dulls in compressed time (demo/wear.py DemoWear), else None
    wear: CompressedWear | None = None
    stops: dict[str, MaintenanceStop] = field(default_factory=dict)  # accepted, by task id

    @property
    def profile(self) -> MachineProfile | None:
        return None if self.machine.cnc else PROFILES[self.machine.machine_type]

    def break_down(self, now: float, seconds: float = 3600.0) -> None:
        self.broken_until = now + seconds

    def repair(self, now: float) -> None:
        self.broken_until = now
        if self.wear is not None:  # a new blade: it starts dulling afresh
            self.wear = self.wear.demo.started(now)

    def plan_stop(self, stop: MaintenanceStop) -> None:
        """A maintenance stop the factory accepted (a repeat changes nothing; the task moved
        again, its latest window stands)."""
        self.stops[stop.task_id] = stop

    def _serviced(self, now: float) -> bool:
        """Whether it stands in a maintenance stop at `now`: stopped, and serviced (broken or
        not, it is repaired; a wearing saw's new blade is fitted, dulling from the stop's end).
        Stops over are forgotten."""
        stop = next((s for s in self.stops.values() if s.start <= now < s.end), None)
        self.stops = {k: s for k, s in self.stops.items() if s.end > now}
        if stop is None:
            return False
        self.broken_until = min(self.broken_until, now)
        if self.wear is not None and self.wear.fitted < stop.end:
            self.wear = self.wear.demo.started(stop.end)
        return True

    @property
    def samples_per_s(self) -> int:
        """Current samples its uplink sends a second (the wearing saw sends more)."""
        return self.wear.demo.samples_per_s if self.wear is not None else 1

    def _effect(self, now: float) -> Effect:
        return self.wear.effect(now) if self.wear is not None else Effect()

    def silence(self, now: float, seconds: float = 60.0) -> None:
        self.silent_until = now + seconds

    def silent(self, now: float) -> bool:
        """Whether its uplink is down (no telemetry: OFFLINE on the board)."""
        return now < self.silent_until

    def step(self, now: float) -> None:
        """Advance to `now`: chance breakdowns and dropouts, then the state of the precedence above."""
        if self._serviced(now):
            self._enter("OFF", math.inf, now)
            return
        working, busy = in_shift(self.factory, now), self.work.busy(now)
        if self.wear is not None:
            busy = busy or working  # a long run: it cuts throughout its shift
            if self.wear.failed(now) and now >= self.broken_until:
                self.break_down(now, math.inf)  # the blade gave out: down until repaired
        powered = working or busy
        if powered and now >= self.broken_until and self._chance(self.breakdowns_per_hour):
            self.break_down(now, self.rng.uniform(180, 480))
        if powered and self._chance(self.dropouts_per_hour):
            self.silence(now, self.rng.uniform(20, 45))
        if powered and now < self.broken_until:
            self._enter("BROKEN", self.broken_until, now)
        elif busy:
            if self.state not in WORKING or now >= self.spell_end:
                self._work_spell(now)
        else:
            self._enter("IDLE" if working else "OFF", math.inf, now)

    def _chance(self, per_hour: float) -> bool:
        return per_hour > 0 and self.rng.random() < per_hour / 3600

    def _work_spell(self, now: float) -> None:
        """Work runs in spells of one part each; now and then a spell ends in a jam."""
        p = self.profile
        overload_chance = p.overload_chance if p else CNC_OVERLOAD_CHANCE
        if self.state == "RUNNING" and self.rng.random() < overload_chance:
            state = "OVERLOAD"
        else:
            state = "RUNNING"
            if self.state != "OVERLOAD":  # after a jam the same part goes on
                self.parts += 1
            if p and self.wear is None:  # the wearing saw cuts one part over and over
                self.level = self.rng.uniform(1 - p.running_spread, 1 + p.running_spread)
        mean = (
            {"RUNNING": p.mean_running_s * self._effect(now).cycle, "OVERLOAD": p.mean_overload_s}[
                state
            ]
            if p
            else CNC_SPELL_S[state]
        )
        self._enter(state, now + max(5.0, self.rng.exponential(mean)), now)

    def _enter(self, state: str, until: float, now: float) -> None:
        if state in POWERED and self.state not in POWERED:
            self.inrush_at = now  # the motor starts
        self.state, self.spell_end = state, until

    def current(self, now: float) -> float:
        """One current-sensor sample (A): the state's level, coloured noise, a start's inrush."""
        p = self.profile
        assert p is not None
        e = self._effect(now)
        nominal = {
            "OFF": p.off_amps,
            "BROKEN": 0.0,
            "IDLE": p.idle_amps * e.idle,
            "RUNNING": p.running_amps * self.level * e.running,
            "OVERLOAD": p.overload_amps * e.running,
        }
        rel = {
            "IDLE": p.idle_noise * e.idle_noise,
            "RUNNING": p.running_noise * e.running_noise,
            "OVERLOAD": p.running_noise * e.running_noise,
        }.get(self.state, 0.0)
        self.noise = 0.6 * self.noise + 0.8 * self.rng.standard_normal()
        amps = nominal[self.state] * (1 + rel * self.noise)
        amps += self.rng.normal(0, 0.004 * p.rated_amps)
        since = now - self.inrush_at
        if 0 <= since < 5 * p.inrush_tau_s:
            amps += p.inrush_factor * p.running_amps * math.exp(-since / p.inrush_tau_s)
        return max(amps, 0.0)


@dataclass
class SimulatedFloor:
    """Every simulated machine by id, and how long reported work may run unheard of."""

    machines: dict[str, SimulatedMachine]
    cap_s: float = MIN_WORK_CAP_S

    def record(self, report: WorkReport, now: float) -> bool:
        """Note a work report; False if it is about a machine this floor does not simulate."""
        sim = self.machines.get(report.machine_id)
        if sim is None:
            return False
        sim.work.apply(report, now, self.cap_s)
        return True

    def plan_stop(self, stop: MaintenanceStop, now: float) -> bool:
        """Note an accepted maintenance stop; False for a machine not simulated here or a stop
        over already."""
        sim = self.machines.get(stop.machine_id)
        if sim is None or stop.end <= now:
            return False
        sim.plan_stop(stop)
        return True

    def step(self, now: float) -> None:
        for sim in self.machines.values():
            sim.step(now)


def network(
    seed: int = 7,
    cap_s: float = MIN_WORK_CAP_S,
    factories: tuple[DemoFactory, ...] = DEMO_FACTORIES,
    wear: DemoWear | None = None,
    now: float = 0.0,
) -> SimulatedFloor:
    """The demo factories' machines, each with its own reproducible random stream; the machine
    `wear` names has its blade fitted at `now` and dulls (with no chance breakdowns or dropouts
    beside, so that what the demo shows is the wear)."""
    rng = np.random.default_rng(seed)
    machines = [
        SimulatedMachine(f, m, np.random.default_rng(rng.integers(1 << 32)))
        for f in factories
        for m in f.machines
    ]
    for sim in machines:
        if wear is not None and sim.machine.machine_id == wear.machine_id and not sim.machine.cnc:
            sim.wear = wear.started(now)
            sim.breakdowns_per_hour = sim.dropouts_per_hour = 0.0
    return SimulatedFloor({s.machine.machine_id: s for s in machines}, cap_s)
