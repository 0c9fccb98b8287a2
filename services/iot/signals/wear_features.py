"""Wear features of one stretch of current: what a machine draws per state, how noisy, how long a cycle.

Each feature is taken within one state, so a shift with more work (more time cutting) or less does
not move it; a load change that does move it (thicker boards) shows as a step, which the wear
detector tells from a creep. Samples must carry the states the classifier gave them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.iot.signals.states import InvalidSamples, MachineState

FEATURES = ("running_amps", "idle_amps", "idle_noise", "cycle_s")
MIN_STATE_SAMPLES = 30
MIN_CYCLES = 3
SETTLE_SAMPLES = 3  # samples after a change (inrush, blends) left out of a state's level
MAD_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class WearFeatures:
    """One window's features; NaN where the window held too little of the state to say."""

    at: float
    running_amps: float
    idle_amps: float
    idle_noise: float
    cycle_s: float

    def value(self, feature: str) -> float:
        return float(getattr(self, feature))


def _spells(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    return starts, np.r_[starts[1:], labels.size]


def _settled(labels: np.ndarray, *states: MachineState) -> np.ndarray:
    """Samples in one of `states` at least SETTLE_SAMPLES into their spell."""
    mask = np.zeros(labels.size, dtype=bool)
    inside = np.isin(labels, states)
    starts, ends = _spells(inside)
    for a, b in zip(starts, ends, strict=True):
        if inside[a] and b - a > SETTLE_SAMPLES:
            mask[a + SETTLE_SAMPLES : b] = True
    return mask


def _within_spell_noise(amps: np.ndarray, labels: np.ndarray, level: float) -> float:
    """Robust σ of idle samples around their own spell's median, relative to the idle level: the
    spell-to-spell wander of the level is not noise."""
    starts, ends = _spells(labels)
    deviations = [
        amps[a + SETTLE_SAMPLES : b] - np.median(amps[a + SETTLE_SAMPLES : b])
        for a, b in zip(starts, ends, strict=True)
        if labels[a] == MachineState.IDLE and b - a > SETTLE_SAMPLES + 4
    ]
    if not deviations or level <= 0:
        return float("nan")
    pooled = np.concatenate(deviations)
    if pooled.size < MIN_STATE_SAMPLES:
        return float("nan")
    return float(MAD_SIGMA * np.median(np.abs(pooled)) / level)


def _cycle_seconds(timestamps: np.ndarray, labels: np.ndarray) -> float:
    """Mean length of the working spells (RUNNING with any jam in it) wholly inside the window.

    Spell lengths scatter widely (near-exponentially): the mean is the efficient estimate of their
    scale (coefficient of variation 1/√n against ~1.45/√n for the median), and a jam is counted
    inside its spell, so the tail is the wear itself, not an outlier."""
    working = (labels == MachineState.RUNNING) | (labels == MachineState.OVERLOAD)
    starts, ends = _spells(working.astype(np.int8))
    lengths = [
        timestamps[b - 1] - timestamps[a]
        for a, b in zip(starts, ends, strict=True)
        if working[a] and a > 0 and b < labels.size
    ]
    return float(np.mean(lengths)) if len(lengths) >= MIN_CYCLES else float("nan")


def window_features(timestamps: np.ndarray, amps: np.ndarray, labels: np.ndarray) -> WearFeatures:
    """The wear features of one window of samples (amps) with their classified states."""
    t = np.asarray(timestamps, dtype=np.float64)
    x = np.asarray(amps, dtype=np.float64)
    s = np.asarray(labels)
    if not (t.shape == x.shape == s.shape) or t.ndim != 1 or t.size == 0:
        raise InvalidSamples("timestamps, amps and labels must be 1-D arrays of one length")
    if not np.all(np.isfinite(x)) or np.any(np.diff(t) < 0):
        raise InvalidSamples("amps must be finite and timestamps must not go backwards")
    # A blunt blade may lift cutting current past the classifier's overload line: a jam is short,
    # so the median of all working samples is the cutting level either way.
    running = x[_settled(s, MachineState.RUNNING, MachineState.OVERLOAD)]
    idle = x[_settled(s, MachineState.IDLE)]
    running_amps = float(np.median(running)) if running.size >= MIN_STATE_SAMPLES else np.nan
    idle_amps = float(np.median(idle)) if idle.size >= MIN_STATE_SAMPLES else np.nan
    return WearFeatures(
        at=float(t[0]),
        running_amps=running_amps,
        idle_amps=idle_amps,
        idle_noise=_within_spell_noise(x, s, idle_amps) if np.isfinite(idle_amps) else np.nan,
        cycle_s=_cycle_seconds(t, s),
    )
