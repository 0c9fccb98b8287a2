"""Machines that wear out, and healthy machines whose work changes: ground truth for wear detection.

A `WearScenario` says how one machine draws current over weeks. A wearing machine degrades from
`onset_s` and breaks at `failure_s` if nobody intervenes; what degrades is its `mode`:

    blade_dulling   cutting current creeps up, cycles lengthen (a saw or trimming blade going blunt)
    bearing_wear    idle current and its noise rise, cutting current a little (a spindle bearing)
    feed_wear       cycles lengthen, cutting current a little (a slipping belt, a worn feed roller)

and how it progresses is its `shape` (linear, exponential, step_then_creep, intermittent), or
`sudden`: no symptom at all before it breaks (a lost tooth, an electrical fault), which no one can
foresee from current and a benchmark must count as a miss. Any
machine may also see `LoadChange`s, which are not wear and must not alarm: thicker boards (cutting
current and cycles step up and stay), a different job mix (longer or shorter cycles, a wider
spread), a busier shift (more cutting, shorter idle). Everything is drawn from a seed.

`window(scenario, start, seconds)` draws one labelled stretch of 1 Hz current at a time with the
SDK's trace generator, so the benchmark can sample weeks cheaply; `SimulatedMachine` (the live demo)
scales its levels with `effect_at` and breaks down for good at the failure time.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from dovetail_factory.signals.profiles import PROFILES, MachineProfile
from dovetail_factory.signals.traces import LabelledTrace, generate_trace

DAY_S, HOUR_S = 86400.0, 3600.0
ZONE = ZoneInfo("Asia/Shanghai")
SHAPES = ("linear", "exponential", "step_then_creep", "intermittent")
MODES_BY_TYPE = {
    "panel_saw": ("blade_dulling", "bearing_wear"),
    "edge_bander": ("blade_dulling", "bearing_wear", "feed_wear"),
    "sander": ("bearing_wear", "feed_wear"),
    "paint_line": ("bearing_wear", "feed_wear"),
    "packing": ("feed_wear",),
}
LOAD_KINDS = ("thicker_board", "thinner_board", "job_mix", "busier_shift")


@dataclass(frozen=True, slots=True)
class Effect:
    """Multipliers on a profile: cutting and idle current, their noise, cycle length, idle time."""

    running: float = 1.0
    idle: float = 1.0
    idle_noise: float = 1.0
    running_noise: float = 1.0
    cycle: float = 1.0
    idle_time: float = 1.0
    spread: float = 1.0

    def times(self, other: Effect) -> Effect:
        return Effect(
            self.running * other.running,
            self.idle * other.idle,
            self.idle_noise * other.idle_noise,
            self.running_noise * other.running_noise,
            self.cycle * other.cycle,
            self.idle_time * other.idle_time,
            self.spread * other.spread,
        )


@dataclass(frozen=True, slots=True)
class LoadChange:
    """A change of work from `at` (unix s) until `until` (inf: for good); not wear."""

    kind: str
    at: float
    effect: Effect
    until: float = math.inf


@dataclass(frozen=True)
class WearScenario:
    """One machine's weeks: its type, its wear (none for a healthy machine) and its load changes."""

    machine_id: str
    machine_type: str
    start: float
    mode: str | None = None
    shape: str = "linear"
    onset_s: float = math.inf
    failure_s: float = math.inf
    at_failure: Effect = field(default_factory=Effect)
    load_changes: tuple[LoadChange, ...] = ()
    seed: int = 0
    shift_hours: tuple[int, int] = (6, 22)

    @property
    def wearing(self) -> bool:
        return self.mode is not None

    def failed(self, at: float) -> bool:
        return at >= self.failure_s

    def severity(self, at: float) -> float:
        """How far wear has gone at `at`: 0 before onset, 1 at failure."""
        if at < self.onset_s or not self.wearing or self.shape == "sudden":
            return 0.0
        u = min(1.0, (at - self.onset_s) / (self.failure_s - self.onset_s))
        if self.shape == "exponential":
            return (math.exp(3.0 * u) - 1.0) / (math.exp(3.0) - 1.0)
        if self.shape == "step_then_creep":
            return 0.35 + 0.65 * u
        if self.shape == "intermittent":
            # Bursts (hour by hour) of the full symptom, ever more often; a faint trace between.
            hour = int(at // 3600)
            burst = np.random.default_rng((self.seed, hour)).random() < 0.1 + 0.8 * u
            return (0.3 + 0.7 * u) if burst else 0.1 * u
        return u

    def effect_at(self, at: float) -> Effect:
        """The multipliers on the machine's profile at `at`: wear times the load changes then."""
        s = self.severity(at)
        w = self.at_failure
        effect = Effect(
            1 + s * (w.running - 1),
            1 + s * (w.idle - 1),
            1 + s * (w.idle_noise - 1),
            1 + s * (w.running_noise - 1),
            1 + s * (w.cycle - 1),
        )
        for change in self.load_changes:
            if change.at <= at < change.until:
                effect = effect.times(change.effect)
        return effect

    def profile_at(self, at: float) -> MachineProfile:
        p, e = PROFILES[self.machine_type], self.effect_at(at)
        return replace(
            p,
            idle_amps=p.idle_amps * e.idle,
            running_amps=p.running_amps * e.running,
            overload_amps=p.overload_amps * e.running,
            idle_noise=p.idle_noise * e.idle_noise,
            running_noise=p.running_noise * e.running_noise,
            mean_running_s=p.mean_running_s * e.cycle,
            mean_idle_s=p.mean_idle_s * e.idle_time,
            running_spread=min(0.3, p.running_spread * e.spread),
            off_chance=0.0,
        )

    def in_shift(self, at: float) -> bool:
        local = datetime.fromtimestamp(at, ZONE)
        first, last = self.shift_hours
        return local.weekday() != 6 and first <= local.hour < last


def wear_effect(mode: str, rng: np.random.Generator) -> Effect:
    """What a mode has done by the time the machine breaks."""
    if mode == "blade_dulling":
        return Effect(running=rng.uniform(1.25, 1.45), cycle=rng.uniform(1.1, 1.3))
    if mode == "bearing_wear":
        return Effect(
            running=rng.uniform(1.03, 1.08),
            idle=rng.uniform(1.15, 1.3),
            idle_noise=rng.uniform(2.5, 4.0),
            running_noise=rng.uniform(1.3, 1.8),
        )
    if mode == "feed_wear":
        return Effect(running=rng.uniform(1.02, 1.06), cycle=rng.uniform(1.3, 1.6))
    raise ValueError(f"unknown wear mode {mode!r}")


def load_change(kind: str, at: float, rng: np.random.Generator) -> LoadChange:
    """A change of work that a wear detector must take in its stride."""
    until = at + rng.uniform(3, 8) * DAY_S if rng.random() < 0.4 else math.inf
    if kind == "thicker_board":
        effect = Effect(running=rng.uniform(1.12, 1.3), cycle=rng.uniform(1.05, 1.2))
    elif kind == "thinner_board":
        effect = Effect(running=rng.uniform(0.8, 0.9), cycle=rng.uniform(0.85, 0.95))
    elif kind == "job_mix":
        effect = Effect(
            running=rng.uniform(0.92, 1.1), cycle=rng.uniform(0.6, 1.6), spread=rng.uniform(1, 2)
        )
    elif kind == "busier_shift":
        effect = Effect(idle_time=rng.uniform(0.3, 0.6))
    else:
        raise ValueError(f"unknown load change {kind!r}")
    return LoadChange(kind, at, effect, until)


def scenarios(
    seed: int = 22,
    wearing: int = 24,
    healthy: int = 24,
    days: float = 30.0,
    start: float = 0.0,
    sudden: int = 0,
) -> list[WearScenario]:
    """A fleet for the benchmark: wearing machines of every mode and shape, healthy ones whose
    work changes; onset 4–16 days in, failure 3–10 days after onset, a load change or two each;
    then `sudden` machines that break with no warning (drawn apart, so the rest of the fleet is
    the same with or without them)."""
    rng = np.random.default_rng(seed)
    start = start or datetime(2026, 11, 2, tzinfo=ZONE).timestamp()
    fleet: list[WearScenario] = []
    for i in range(wearing + healthy):
        machine_type = str(rng.choice(sorted(MODES_BY_TYPE)))
        changes = tuple(
            load_change(str(rng.choice(LOAD_KINDS)), start + rng.uniform(3, days - 2) * DAY_S, rng)
            for _ in range(int(rng.integers(0, 3) if i < wearing else rng.integers(1, 4)))
        )
        base = WearScenario(
            f"{machine_type}-{i:03d}", machine_type, start, load_changes=changes, seed=seed + i
        )
        if i < wearing:
            mode = str(rng.choice(MODES_BY_TYPE[machine_type]))
            onset = start + rng.uniform(4, min(16, days - 11)) * DAY_S
            base = replace(
                base,
                mode=mode,
                shape=SHAPES[i % len(SHAPES)],
                onset_s=onset,
                failure_s=onset + rng.uniform(3, 10) * DAY_S,
                at_failure=wear_effect(mode, rng),
            )
        fleet.append(base)
    other = np.random.default_rng((seed, 1))
    for j in range(sudden):
        machine_type = str(other.choice(sorted(MODES_BY_TYPE)))
        failure = start + other.uniform(6, days - 1) * DAY_S
        fleet.append(
            WearScenario(
                f"{machine_type}-s{j:02d}",
                machine_type,
                start,
                mode=str(other.choice(MODES_BY_TYPE[machine_type])),
                shape="sudden",
                onset_s=failure - HOUR_S,
                failure_s=failure,
                seed=seed + 1000 + j,
            )
        )
    return fleet


def window(scenario: WearScenario, start: float, seconds: float = 900.0) -> LabelledTrace | None:
    """One stretch of 1 Hz current from `start`, or None when the machine is off shift or broken."""
    if scenario.failed(start) or not scenario.in_shift(start):
        return None
    return generate_trace(
        scenario.profile_at(start),
        duration_s=seconds,
        seed=hash((scenario.seed, int(start))) & 0xFFFFFFFF,
        start=start,
        machine_id=scenario.machine_id,
    )


@dataclass(frozen=True)
class DemoWear:
    """The machine that wears in `make up`: a blade-dulling saw, compressed in time.

    iot judges wear window by window, each window counting as an hour (its rules: a 36-window
    baseline, a 10-day alarm horizon). The demo gives iot windows of `window_s` real seconds and
    runs this saw's scenario one hour per window, so its blade dulls in minutes: healthy for
    `onset_windows`, then cutting current and cycles creeping up until the blade fails at
    `failure_windows` (the saw breaks down until `repair`, which fits a new blade). It cuts
    throughout (a long run) and sends `samples_per_s` samples a second, so that each short window
    holds enough cutting current to judge; the other machines keep to one sample a second, too
    few for such short windows, and are never judged (so they never alarm).

    The window is the demo's hour for everything about maintenance, so the wear and its stop
    fit together: scheduling plans a maintenance stop of 2 such hours, due a margin of at most
    24 of them before the failure (`scheduling_env`); the demo factories' crew accepts a task
    within one and reports it done when its stop is over (demo/maintenance_crew.py); the
    simulated saw stops in the accepted window and gets its new blade there (demo/machines.py).
    docs/scheduling.md has the timeline.

    Settings of the demo, from the environment: DOVETAIL_DEMO_WEAR_MACHINE (the machine; empty:
    none wears) and DOVETAIL_DEMO_WEAR_WINDOW_S; `iot_env` gives the iot service the same window.
    """

    machine_id: str = "F-DG-03-SAW1"  # a panel saw of the round-the-clock factory
    window_s: float = 3.0
    samples_per_s: int = 20
    onset_windows: float = 40.0
    failure_windows: float = 240.0
    at_failure: Effect = field(default_factory=lambda: Effect(running=1.5, cycle=1.2))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> DemoWear | None:
        env = dict(os.environ) if env is None else env
        machine_id = env.get("DOVETAIL_DEMO_WEAR_MACHINE", cls.machine_id).strip()
        if not machine_id:
            return None
        raw = env.get("DOVETAIL_DEMO_WEAR_WINDOW_S", "") or str(cls.window_s)
        try:
            window_s = float(raw)
        except ValueError:
            raise SystemExit(f"DOVETAIL_DEMO_WEAR_WINDOW_S={raw!r} is not a number") from None
        if not window_s > 0:
            raise SystemExit("DOVETAIL_DEMO_WEAR_WINDOW_S must be above 0")
        return cls(machine_id=machine_id, window_s=window_s)

    def iot_env(self) -> dict[str, str]:
        """The iot service's wear window for this demo (a window's worth of this saw's samples)."""
        return {
            "DOVETAIL_IOT_WEAR_WINDOW_S": f"{self.window_s:g}",
            "DOVETAIL_IOT_WEAR_CAPTURE_SAMPLES": str(int(self.window_s * self.samples_per_s)),
        }

    def scheduling_env(self) -> dict[str, str]:
        """The scheduling service's maintenance hour for this demo: the same compressed hour."""
        return {"DOVETAIL_SCHEDULER_MAINTENANCE_HOUR_S": f"{self.window_s:g}"}

    def started(self, now: float) -> CompressedWear:
        """The saw's wear from a new blade fitted at `now` (unix s)."""
        return CompressedWear(self, now)


@dataclass(frozen=True)
class CompressedWear:
    """A `DemoWear` saw's blade since `fitted` (unix s): an hour of its scenario per window."""

    demo: DemoWear
    fitted: float

    @property
    def scenario(self) -> WearScenario:
        return WearScenario(
            self.demo.machine_id,
            "panel_saw",
            0.0,
            mode="blade_dulling",
            onset_s=self.demo.onset_windows * HOUR_S,
            failure_s=self.demo.failure_windows * HOUR_S,
            at_failure=self.demo.at_failure,
        )

    def scenario_time(self, now: float) -> float:
        return max(0.0, now - self.fitted) / self.demo.window_s * HOUR_S

    def effect(self, now: float) -> Effect:
        """The multipliers on the saw's levels and cycles at `now`."""
        return self.scenario.effect_at(self.scenario_time(now))

    def failed(self, now: float) -> bool:
        return self.scenario.failed(self.scenario_time(now))
