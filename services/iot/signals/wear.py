"""Wear from current: each feature against the machine's own healthy baseline, creep told from step.

Per machine, a `WearMonitor` takes one `WearFeatures` per window (an hour, say) and, per feature:

1. learns a **baseline** from its first `baseline_points` windows: the median, and a robust spread
   (1.4826 × MAD, at least 1 % of the median);
2. over the last `window_h` hours fits a **Theil–Sen line** (the median of pairwise slopes, with the
   share of pairwise slopes that rise as its agreement) and the best **single step** (two medians,
   least absolute deviation). A step that explains the points clearly better than the line, and
   after which the feature holds flat for `confirm_h`, is a **load change** (thicker boards, a new
   job mix): the baseline moves to the new level and nothing alarms. While a step is young nothing
   is concluded from it; a creep after a step is judged on the part after it;
3. calls the feature **wearing** when its recent level (mean of `level_h` hours) is above baseline
   by at least the feature's `min_change` and `z_min` spreads, rising by at least
   `min_rise_per_day` with agreement ≥ `min_agreement`. The failure horizon extrapolates the
   rise to the feature's `failure_change`; the confidence grows with agreement and points.

The machine alarms when a feature has been wearing with a horizon under `alarm_horizon_days` for
`confirm_assessments` assessments in a row, and stays alarmed until `maintained`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from services.iot.signals.wear_features import FEATURES, MAD_SIGMA, WearFeatures

HOUR_S, DAY_S = 3600.0, 86400.0


@dataclass(frozen=True, slots=True)
class FeatureRule:
    """What a feature is called, the relative change at which such a machine fails, and the least
    change worth a word."""

    words: str
    failure_change: float
    min_change: float


RULES: dict[str, FeatureRule] = {
    "running_amps": FeatureRule("cutting current", 0.25, 0.06),
    "idle_amps": FeatureRule("idle current", 0.18, 0.05),
    "idle_noise": FeatureRule("idle current noise", 1.2, 0.3),
    "cycle_s": FeatureRule("cycle time", 0.25, 0.08),
}


@dataclass(frozen=True, slots=True)
class WearConfig:
    baseline_points: int = 36
    rebaseline_points: int = 16
    window_h: float = 72.0
    level_h: float = 12.0
    min_points: int = 20
    min_rise_per_day: float = 0.012
    min_agreement: float = 0.68
    z_min: float = 3.0
    step_advantage: float = 0.8
    step_min_spreads: float = 3.0
    confirm_h: float = 24.0
    flat_per_day: float = 0.02
    min_rel_spread: float = 0.01
    alarm_horizon_days: float = 10.0
    confirm_assessments: int = 3


@dataclass(frozen=True, slots=True)
class FeatureTrend:
    """One feature's state against its baseline at one assessment."""

    feature: str
    baseline: float
    level: float
    change: float  # level / baseline - 1
    rise_per_day: float  # relative to baseline
    since_days: float
    horizon_days: float  # until failure_change at this rate (inf: not rising)
    confidence: float
    wearing: bool
    step_pending: bool

    def describe(self) -> str:
        """In words: 'cutting current up 18 % over 9 days; failure level in ~4 days'."""
        rule = RULES[self.feature]
        text = f"{rule.words} up {100 * self.change:.0f} % over {self.since_days:.0f} days"
        if math.isfinite(self.horizon_days):
            text += f"; +{100 * rule.failure_change:.0f} % in ~{self.horizon_days:.1f} days"
        return text


@dataclass(frozen=True, slots=True)
class MachineHealth:
    """A machine's health at `at`: score 0–100, the nearest failure horizon, alarm and reasons."""

    machine_id: str
    at: float
    score: float
    horizon_days: float
    confidence: float
    alarm: bool
    trends: tuple[FeatureTrend, ...]
    load_changes: tuple[str, ...]

    @property
    def explanation(self) -> tuple[str, ...]:
        return tuple(t.describe() for t in self.trends if t.wearing)


def theil_sen(t: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    """Slope (per unit of t), intercept and the share of pairwise slopes that rise."""
    i, j = np.triu_indices(t.size, 1)
    dt = t[j] - t[i]
    ok = dt > 0
    slopes = (x[j] - x[i])[ok] / dt[ok]
    if slopes.size == 0:
        return 0.0, float(np.median(x)), 0.5
    slope = float(np.median(slopes))
    rising = float(np.mean(slopes > 0) + 0.5 * np.mean(slopes == 0))
    return slope, float(np.median(x - slope * t)), rising


def best_step(x: np.ndarray, least: int = 6) -> tuple[int, float]:
    """Index of the best single step (two medians) and its total absolute deviation."""
    best_k, best_cost = 0, math.inf
    for k in range(least, x.size - least + 1):
        a, b = x[:k], x[k:]
        cost = float(np.abs(a - np.median(a)).sum() + np.abs(b - np.median(b)).sum())
        if cost < best_cost:
            best_k, best_cost = k, cost
    return best_k, best_cost


@dataclass
class FeatureTrack:
    """One feature of one machine over time, with its current segment's baseline."""

    feature: str
    config: WearConfig
    t: list[float] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    segment_start: float = -math.inf
    baseline: tuple[float, float] | None = None
    load_changes: list[str] = field(default_factory=list)

    def add(self, at: float, value: float) -> None:
        if math.isfinite(value):
            self.t.append(at)
            self.x.append(value)

    def restart(self, at: float) -> None:
        self.segment_start, self.baseline = at, None

    def _segment(self, since: float) -> tuple[np.ndarray, np.ndarray]:
        t, x = np.asarray(self.t), np.asarray(self.x)
        keep = t >= max(since, self.segment_start)
        return t[keep], x[keep]

    def _learn_baseline(self) -> bool:
        t, x = self._segment(-math.inf)
        if x.size < self.config.baseline_points:
            return False
        x = x[: self.config.baseline_points]
        median = float(np.median(x))
        spread = max(MAD_SIGMA * float(np.median(np.abs(x - median))), abs(median) * 0.01)
        self.baseline = (median, max(spread, self.config.min_rel_spread * abs(median)))
        return True

    def assess(self, now: float) -> FeatureTrend | None:
        cfg = self.config
        if self.baseline is None and not self._learn_baseline():
            return None
        t, x = self._segment(now - cfg.window_h * HOUR_S)
        if x.size < cfg.min_points:
            return None
        median, spread = self.baseline  # type: ignore[misc]
        slope, intercept, agreement = theil_sen(t - now, x)
        line_cost = float(np.abs(x - (intercept + slope * (t - now))).sum())
        k, step_cost = best_step(x)
        since = t[0]
        step_pending = False
        if k and step_cost < cfg.step_advantage * line_cost:
            before, after = np.median(x[:k]), np.median(x[k:])
            if abs(after - before) >= cfg.step_min_spreads * spread:
                slope, intercept, agreement = theil_sen(t[k:] - now, x[k:])
                since, step_pending = t[k], True
                flat = abs(slope) * DAY_S / median < cfg.flat_per_day
                long_enough = now - t[k] >= cfg.confirm_h * HOUR_S
                if flat and long_enough and x.size - k >= cfg.rebaseline_points:
                    return self._rebaseline(t[k], float(after), spread / median, now)
        return self._trend(now, t, x, slope, agreement, since, step_pending)

    def _rebaseline(self, at: float, level: float, rel_spread: float, now: float) -> FeatureTrend:
        """A step that held flat: the new work's level becomes the baseline (a load change)."""
        old = self.baseline[0]  # type: ignore[index]
        self.segment_start = at
        self.baseline = (level, max(rel_spread * level, self.config.min_rel_spread * level))
        words = RULES[self.feature].words
        self.load_changes.append(f"{words} stepped {100 * (level / old - 1):+.0f} % and held")
        return FeatureTrend(self.feature, level, level, 0.0, 0.0, 0.0, math.inf, 0.0, False, False)

    def _trend(self, now, t, x, slope, agreement, since, step_pending) -> FeatureTrend:
        cfg, rule = self.config, RULES[self.feature]
        median, spread = self.baseline  # type: ignore[misc]
        recent = x[t > now - cfg.level_h * HOUR_S]
        level = float(recent.mean()) if recent.size else float(x[-1])
        change = level / median - 1
        rise = slope * DAY_S / median
        if rise > 0:
            horizon = max(0.0, (rule.failure_change - change) / rise)
        else:
            horizon = 0.0 if change >= rule.failure_change else math.inf
        points = int(np.sum(t >= since))
        confidence = float(np.clip((agreement - 0.5) / 0.4, 0, 1) * min(1.0, points / 48))
        if slope > 0:
            # where the rising line left the baseline, within what was looked at
            since = max(since, now + (median - (level - slope * cfg.level_h * HOUR_S / 2)) / slope)
        wearing = (
            change >= rule.min_change
            and level - median >= cfg.z_min * spread
            and rise >= cfg.min_rise_per_day
            and agreement >= cfg.min_agreement
            and points >= cfg.min_points // 2
        )
        return FeatureTrend(
            self.feature,
            median,
            level,
            change,
            rise,
            max(0.0, (now - since) / DAY_S),
            horizon,
            confidence,
            wearing,
            step_pending,
        )


class WearMonitor:
    """The wear watch on one machine: feed window features, assess when you like."""

    def __init__(self, machine_id: str, config: WearConfig | None = None) -> None:
        self.machine_id = machine_id
        self.config = config or WearConfig()
        self.tracks = {f: FeatureTrack(f, self.config) for f in FEATURES}
        self.alarm = False
        self._streak = 0

    def add(self, features: WearFeatures) -> None:
        for name, track in self.tracks.items():
            track.add(features.at, features.value(name))

    def maintained(self, at: float) -> None:
        """Maintenance done (or an alarm checked): learn the baseline afresh from `at`."""
        for track in self.tracks.values():
            track.restart(at)
        self.alarm, self._streak = False, 0

    def assess(self, now: float) -> MachineHealth:
        trends = tuple(tr for track in self.tracks.values() if (tr := track.assess(now)))
        wearing = [tr for tr in trends if tr.wearing]
        horizon = min((tr.horizon_days for tr in wearing), default=math.inf)
        urgent = bool(wearing) and horizon <= self.config.alarm_horizon_days
        self._streak = self._streak + 1 if urgent else 0
        self.alarm = self.alarm or self._streak >= self.config.confirm_assessments
        progress = [
            min(1.0, max(0.0, tr.change / RULES[tr.feature].failure_change))
            for tr in trends
            if not tr.step_pending or tr.wearing
        ]
        return MachineHealth(
            self.machine_id,
            now,
            round(100 * (1 - max(progress, default=0.0)), 1),
            horizon,
            max((tr.confidence for tr in wearing), default=0.0),
            self.alarm,
            trends,
            tuple(c for track in self.tracks.values() for c in track.load_changes),
        )
