"""Labelled synthetic current traces: simulated telemetry, and tests and benchmarks of the
iot state classifier.

A trace is a Markov walk over machine states (OFF → IDLE with a start-up inrush, IDLE ⇄ RUNNING,
RUNNING → OVERLOAD → RUNNING, IDLE → OFF) drawn from a ``MachineProfile``, sampled at a fixed period,
with the sensor defects of ``Defects`` laid on top. Every sample that survives carries the true state
it was drawn from. Same profile, defects and seed → the same trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from dovetail_factory.signals.profiles import PROFILES, MachineProfile

# The labels are the iot classifier's MachineState values (services/iot/signals/states.py); the
# SDK does not import the server, and tests/unit/iot/test_signals_calibration_and_traces.py
# checks that the two agree.
OFF, IDLE, RUNNING, OVERLOAD = range(4)
_MIN_SPELL_S = {OFF: 30.0, IDLE: 8.0, RUNNING: 8.0, OVERLOAD: 5.0}


@dataclass(frozen=True, slots=True)
class Defects:
    """Sensor and link defects, each off at zero.

    noise_fraction: extra white noise, σ as a fraction of rated current.
    spike_rate: chance per sample that a 1–2 sample spike (EMI) or dropout starts.
    drift_fraction: slow offset drift, amplitude as a fraction of sensor full scale (gain drifts
        by twice that fraction).
    gaps_per_hour / gap_mean_s: lost batches; drop_rate: lost single samples.
    quantum_fraction: ADC step as a fraction of full scale; readings also clip at full scale.
    """

    noise_fraction: float = 0.0
    spike_rate: float = 0.0
    drift_fraction: float = 0.0
    gaps_per_hour: float = 0.0
    gap_mean_s: float = 40.0
    drop_rate: float = 0.0
    quantum_fraction: float = 0.0


DEFECT_SETS: dict[str, Defects] = {
    "clean": Defects(),
    "noise": Defects(noise_fraction=0.04),
    "spikes": Defects(spike_rate=0.01),
    "drift": Defects(drift_fraction=0.02),
    "gaps": Defects(gaps_per_hour=6.0, drop_rate=0.02),
    "quantisation": Defects(quantum_fraction=1.0 / 128.0),
    "all": Defects(
        noise_fraction=0.04,
        spike_rate=0.01,
        drift_fraction=0.02,
        gaps_per_hour=6.0,
        drop_rate=0.02,
        quantum_fraction=1.0 / 128.0,
    ),
}


@dataclass(frozen=True)
class LabelledTrace:
    """Samples of one machine with the true state of each sample."""

    machine_id: str
    profile: MachineProfile
    defects: Defects
    period_s: float
    timestamps: np.ndarray
    amps: np.ndarray
    labels: np.ndarray
    samples_missing: int = 0
    meta: dict[str, float] = field(default_factory=dict)


def generate_trace(
    profile: MachineProfile | str,
    *,
    duration_s: float = 7200.0,
    period_s: float = 1.0,
    defects: Defects | str = "clean",
    seed: int = 0,
    start: float = 0.0,
    machine_id: str | None = None,
) -> LabelledTrace:
    """Draw a labelled trace of ``duration_s`` seconds sampled every ``period_s`` seconds."""
    profile = PROFILES[profile] if isinstance(profile, str) else profile
    defects = DEFECT_SETS[defects] if isinstance(defects, str) else defects
    rng = np.random.default_rng(seed)
    n = int(round(duration_s / period_s))
    labels = _walk_states(profile, n, period_s, rng)
    amps, labels = _draw_current(profile, labels, period_s, rng)
    timestamps = start + period_s * np.arange(n, dtype=np.float64)
    amps = _apply_defects(profile, defects, timestamps - start, amps, rng)
    keep = _surviving_samples(defects, n, period_s, rng)
    return LabelledTrace(
        machine_id=machine_id or f"{profile.machine_type}-{seed}",
        profile=profile,
        defects=defects,
        period_s=period_s,
        timestamps=timestamps[keep],
        amps=amps[keep],
        labels=labels[keep].astype(np.int8),
        samples_missing=int(n - keep.sum()),
    )


def _walk_states(profile: MachineProfile, n: int, period_s: float, rng) -> np.ndarray:
    mean_s = {
        OFF: profile.mean_off_s,
        IDLE: profile.mean_idle_s,
        RUNNING: profile.mean_running_s,
        OVERLOAD: profile.mean_overload_s,
    }
    states, lengths = [OFF], [int(rng.uniform(30.0, 120.0) / period_s)]
    total = lengths[0]
    while total < n:
        state = _next_state(profile, states[-1], rng)
        spell = max(_MIN_SPELL_S[state], rng.exponential(mean_s[state]))
        if state == OVERLOAD:
            spell = min(spell, 25.0)
        length = max(1, int(round(spell / period_s)))
        states.append(state)
        lengths.append(length)
        total += length
    return np.repeat(np.array(states, dtype=np.int8), lengths)[:n]


def _next_state(profile: MachineProfile, state: int, rng) -> int:
    if state == OFF or state == OVERLOAD:
        return IDLE if state == OFF else RUNNING
    if state == IDLE:
        return OFF if rng.random() < profile.off_chance else RUNNING
    return OVERLOAD if rng.random() < profile.overload_chance else IDLE


def _draw_current(
    profile: MachineProfile, labels: np.ndarray, period_s: float, rng
) -> tuple[np.ndarray, np.ndarray]:
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    lengths = np.diff(np.r_[starts, labels.size])
    spell_states = labels[starts]
    nominal = np.array(
        [profile.off_amps, profile.idle_amps, profile.running_amps, profile.overload_amps]
    )
    low = np.array([0.8, 0.95, 1.0 - profile.running_spread, 0.97])
    high = np.array([1.2, 1.05, 1.0 + profile.running_spread, 1.12])
    spell_level = nominal[spell_states] * rng.uniform(low[spell_states], high[spell_states])
    level = np.repeat(spell_level, lengths)
    rel_noise = np.array([0.0, profile.idle_noise, profile.running_noise, profile.running_noise])
    texture = _coloured_noise(labels.size, rng)
    amps = level * (1.0 + rel_noise[labels] * texture)
    amps += rng.normal(0.0, 0.002 * profile.sensor_full_scale_amps, labels.size)
    # A sample straddling a change reads a blend of the two levels (RMS over its window), and its
    # true state is the one that filled most of the window.
    blend = rng.uniform(0.0, 1.0, starts.size - 1)
    amps[starts[1:]] = blend * amps[starts[1:] - 1] + (1.0 - blend) * amps[starts[1:]]
    mostly_before = starts[1:][blend > 0.5]
    _add_inrush(profile, labels, starts, amps, period_s, rng)
    labels = labels.copy()
    labels[mostly_before] = labels[mostly_before - 1]
    return np.maximum(amps, 0.0), labels


def _coloured_noise(n: int, rng) -> np.ndarray:
    kernel = np.exp(-np.arange(6) / 2.0)
    noise = np.convolve(rng.normal(0.0, 1.0, n + kernel.size), kernel, mode="same")[:n]
    return noise / np.sqrt(np.sum(kernel**2))


def _add_inrush(profile, labels, starts, amps, period_s, rng) -> None:
    """Motor start: a decaying surge of several times running current, labelled IDLE."""
    for start in starts[1:]:
        if labels[start] != IDLE or labels[start - 1] != OFF:
            continue
        span = min(int(np.ceil(5 * profile.inrush_tau_s / period_s)) + 1, labels.size - start)
        t = (np.arange(span) + rng.uniform(0.0, 1.0)) * period_s
        surge = profile.inrush_factor * profile.running_amps * np.exp(-t / profile.inrush_tau_s)
        amps[start : start + span] += surge


def _apply_defects(profile, defects: Defects, t: np.ndarray, amps: np.ndarray, rng) -> np.ndarray:
    full_scale = profile.sensor_full_scale_amps
    amps = amps.copy()
    if defects.drift_fraction:
        amps = _drift(defects.drift_fraction, full_scale, t, amps, rng)
    if defects.noise_fraction:
        amps += rng.normal(0.0, defects.noise_fraction * profile.rated_amps, amps.size)
    if defects.spike_rate:
        _spikes(defects.spike_rate, profile.rated_amps, amps, rng)
    amps = np.maximum(amps, 0.0)
    if defects.quantum_fraction:
        quantum = defects.quantum_fraction * full_scale
        amps = np.round(np.minimum(amps, full_scale) / quantum) * quantum
    return amps


def _drift(fraction: float, full_scale: float, t: np.ndarray, amps: np.ndarray, rng) -> np.ndarray:
    span = max(float(t[-1]), 1.0) if t.size else 1.0
    period = rng.uniform(1.5, 4.0) * 3600.0
    offset = (
        fraction
        * full_scale
        * (
            0.5 * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
            + 0.5 * rng.choice([-1.0, 1.0]) * t / span
        )
    )
    gain = 1.0 + 2.0 * fraction * np.sin(2 * np.pi * t / (1.7 * period) + rng.uniform(0, 2 * np.pi))
    return amps * gain + offset


def _spikes(rate: float, rated: float, amps: np.ndarray, rng) -> None:
    at = np.flatnonzero(rng.random(amps.size) < rate)
    doubled = at[rng.random(at.size) < 0.3] + 1
    at = np.unique(np.r_[at, doubled[doubled < amps.size]])
    dropout = rng.random(at.size) < 0.25
    amps[at] = np.where(dropout, 0.0, amps[at] + rng.uniform(0.5, 3.0, at.size) * rated)


def _surviving_samples(defects: Defects, n: int, period_s: float, rng) -> np.ndarray:
    keep = np.ones(n, dtype=bool)
    if defects.drop_rate:
        keep &= rng.random(n) >= defects.drop_rate
    hours = n * period_s / 3600.0
    for _ in range(rng.poisson(defects.gaps_per_hour * hours) if defects.gaps_per_hour else 0):
        first = int(rng.integers(0, n))
        length = max(2, int(rng.exponential(defects.gap_mean_s) / period_s))
        keep[first : first + length] = False
    keep[0] = True
    return keep
