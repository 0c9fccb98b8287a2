"""Wear from current: each feature against the machine's own healthy baseline, creep told from step.

Per machine, a `WearMonitor` takes one `WearFeatures` per window (an hour, say) and, per feature:

1. learns a **baseline** from its first `baseline_points` windows: the median, and a robust spread
   (1.4826 × MAD, at least 1 % of the median);
2. over the last `window_h` hours fits a **Theil–Sen line** (the median of pairwise slopes, with the
   Mann–Kendall statistic as its significance) and the best **single step** (two means,
   least absolute deviation). A step that explains the points clearly better than the line, and
   after which the feature holds flat for `confirm_h`, is a **load change** (thicker boards, a new
   job mix): the baseline moves to the new level and nothing alarms. While a step is young nothing
   is concluded from it; a creep after a step is judged on the part after it;
3. calls the feature **wearing** when its recent level (mean of `level_h` hours) is above baseline
   by at least the feature's `min_change` and `z_min` spreads, rising by at least
   `min_rise_per_day` with a Mann–Kendall z of at least `min_trend_z` (so a noisy feature needs more
   points to call a rise; the level is judged on its standard error over `level_h`, not on one
   window's spread). The failure horizon extrapolates the rise to the feature's `failure_change`;
   the confidence grows with the trend's z.

The machine alarms when a feature has been wearing with a horizon under `alarm_horizon_days` for
`confirm_assessments` assessments in a row, and stays alarmed until `maintained`.
"""

from __future__ import annotations

import bisect
import math
from array import array
from dataclasses import dataclass, field

import numpy as np

from services.iot.signals.wear_features import FEATURES, MAD_SIGMA, WearFeatures
from services.kit.words import N_, Words

HOUR_S, DAY_S = 3600.0, 86400.0


@dataclass(frozen=True, slots=True)
class FeatureRule:
    """What a feature is called, the relative change at which such a machine fails, and the least
    change worth a word."""

    words: str
    failure_change: float
    min_change: float


# The features' names are texts of the gateway's catalogue: said in the reader's language.
RULES: dict[str, FeatureRule] = {
    "running_amps": FeatureRule(N_("cutting current"), 0.25, 0.06),
    "idle_amps": FeatureRule(N_("idle current"), 0.18, 0.05),
    "idle_noise": FeatureRule(N_("idle current noise"), 1.2, 0.3),
    "cycle_s": FeatureRule(N_("cycle time"), 0.25, 0.08),
}


@dataclass(frozen=True, slots=True)
class WearConfig:
    baseline_points: int = 36
    rebaseline_points: int = 16
    window_h: float = 120.0
    level_h: float = 12.0
    min_points: int = 20
    min_rise_per_day: float = 0.012
    min_trend_z: float = 2.5
    z_min: float = 2.5
    step_advantage: float = 0.65  # squared deviations: a step must explain the points clearly
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
    elevated: bool = False  # the level stands out from noise (min_change and z_min standard errors)
    # the level is steady enough to tell the feature's least change (min_change) from noise
    precise: bool = True

    def describe(self) -> str:
        """In English: 'cutting current up 18 % over 9 days; +25 % in ~4.0 days'."""
        return self.describe_words().english()

    def describe_words(self) -> Words:
        """The same as words people read (services/kit/words.py)."""
        rule = RULES[self.feature]
        rise = {"what": rule.words, "change": f"{100 * self.change:.0f}",
                "days": f"{self.since_days:.0f}"}
        if math.isfinite(self.horizon_days):
            return Words.of(N_("%(what)s up %(change)s %% over %(days)s days; +%(limit)s %% in "
                               "~%(left)s days"), **rise,
                            limit=f"{100 * rule.failure_change:.0f}",
                            left=f"{self.horizon_days:.1f}")
        return Words.of(N_("%(what)s up %(change)s %% over %(days)s days"), **rise)


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

    @property
    def explanation_words(self) -> tuple[Words, ...]:
        """`explanation` as words, line for line."""
        return tuple(t.describe_words() for t in self.trends if t.wearing)


def theil_sen(t: np.ndarray, x: np.ndarray) -> tuple[float, float, float]:
    """Slope (per unit of t), intercept and the Mann–Kendall z of the rise (S over its standard
    deviation under no trend, ties ignored): how sure it is that the points rise at all."""
    i, j = np.triu_indices(t.size, 1)
    dt = t[j] - t[i]
    ok = dt > 0
    slopes = (x[j] - x[i])[ok] / dt[ok]
    if slopes.size == 0:
        return 0.0, float(np.median(x)), 0.0
    slope = float(np.median(slopes))
    n = t.size
    s = float(np.sum(np.sign(slopes)))
    z = (s - math.copysign(1.0, s)) / math.sqrt(n * (n - 1) * (2 * n + 5) / 18) if s else 0.0
    return slope, float(np.median(x - slope * t)), z


def best_step(x: np.ndarray, least: int = 6) -> tuple[int, float]:
    """Index of the best single step (two means) and its sum of squared deviations (0, inf: none).
    Vectorised over every split from running sums, so an hourly assessment costs O(n)."""
    n = x.size
    if n < 2 * least:
        return 0, math.inf
    c1, c2 = np.cumsum(x), np.cumsum(x * x)
    k = np.arange(least, n - least + 1)
    left = c2[k - 1] - c1[k - 1] ** 2 / k
    right = (c2[-1] - c2[k - 1]) - (c1[-1] - c1[k - 1]) ** 2 / (n - k)
    cost = left + right
    i = int(np.argmin(cost))
    return int(k[i]), float(cost[i])


@dataclass
class FeatureTrack:
    """One feature of one machine over time, with its current segment's baseline."""

    feature: str
    config: WearConfig
    # plain doubles (8 bytes a point, not a float object each), and only the points an
    # assessment can still read (`_forget`): a fleet of 16,000 machines keeps its history
    t: array = field(default_factory=lambda: array("d"))
    x: array = field(default_factory=lambda: array("d"))
    segment_start: float = -math.inf
    baseline: tuple[float, float] | None = None
    load_changes: list[str] = field(default_factory=list)

    def add(self, at: float, value: float) -> None:
        if math.isfinite(value):
            self.t.append(at)
            self.x.append(value)

    def restart(self, at: float) -> None:
        self.segment_start, self.baseline = at, None

    def _forget(self, now: float) -> None:
        """Drop points no later assessment reads: before the segment, and once the baseline is
        learnt, before the last `window_h` (assessments only move forward in time)."""
        since = self.segment_start
        if self.baseline is not None:
            since = max(since, now - self.config.window_h * HOUR_S)
        old = bisect.bisect_left(self.t, since)
        if old:
            del self.t[:old]
            del self.x[:old]

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
            self._forget(now)
            return None
        self._forget(now)
        t, x = self._segment(now - cfg.window_h * HOUR_S)
        if x.size < cfg.min_points:
            return None
        median, spread = self.baseline  # type: ignore[misc]
        slope, intercept, trend_z = theil_sen(t - now, x)
        line_cost = float(np.square(x - (intercept + slope * (t - now))).sum())
        k, step_cost = best_step(x)
        since = t[0]
        step_pending = young = False
        if k and step_cost < cfg.step_advantage * line_cost:
            before, after = np.median(x[:k]), np.median(x[k:])
            if abs(after - before) >= cfg.step_min_spreads * spread:
                slope, intercept, trend_z = theil_sen(t[k:] - now, x[k:])
                since, step_pending = t[k], True
                flat = abs(slope) * DAY_S / median < cfg.flat_per_day
                long_enough = now - t[k] >= cfg.confirm_h * HOUR_S
                young = not long_enough or x.size - k < cfg.rebaseline_points
                if flat and not young:
                    return self._rebaseline(t[k], float(after), spread / median, now)
        return self._trend(now, t, x, slope, trend_z, since, step_pending, young)

    def _rebaseline(self, at: float, level: float, rel_spread: float, now: float) -> FeatureTrend:
        """A step that held flat: the new work's level becomes the baseline (a load change)."""
        old = self.baseline[0]  # type: ignore[index]
        self.segment_start = at
        self.baseline = (level, max(rel_spread * level, self.config.min_rel_spread * level))
        words = RULES[self.feature].words
        self.load_changes.append(f"{words} stepped {100 * (level / old - 1):+.0f} % and held")
        return FeatureTrend(self.feature, level, level, 0.0, 0.0, 0.0, math.inf, 0.0, False, False)

    def _trend(self, now, t, x, slope, trend_z, since, step_pending, young) -> FeatureTrend:
        cfg, rule = self.config, RULES[self.feature]
        median, spread = self.baseline  # type: ignore[misc]
        recent = x[t > now - cfg.level_h * HOUR_S]
        level = float(recent.mean()) if recent.size else float(x[-1])
        # the recent level is a mean of several windows: judged on its standard error, not on one
        # window's spread (a 12-hour mean of noisy cycle times is four times steadier than one)
        standard_error = spread / math.sqrt(max(1, recent.size))
        change = level / median - 1
        rise = slope * DAY_S / median
        if rise > 0:
            horizon = max(0.0, (rule.failure_change - change) / rise)
        else:
            horizon = 0.0 if change >= rule.failure_change else math.inf
        points = int(np.sum(t >= since))
        confidence = float(np.clip((trend_z - 1.0) / 4.0, 0, 1))
        if slope > 0:
            # where the rising line left the baseline, within what was looked at
            since = max(since, now + (median - (level - slope * cfg.level_h * HOUR_S / 2)) / slope)
        elevated = change >= rule.min_change and level - median >= cfg.z_min * standard_error
        precise = cfg.z_min * standard_error <= rule.min_change * median
        wearing = (
            elevated
            and rise >= cfg.min_rise_per_day
            and trend_z >= cfg.min_trend_z
            and points >= cfg.min_points // 2
            # a young step may yet hold flat (a load change): nothing is concluded from it until
            # it has held `confirm_h` (flat: a load change; still rising: wear)
            and not young
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
            elevated,
            precise,
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
        # The score counts changes that stand out from the feature's noise, and no young step
        # that may be new work. A level too noisy to tell the feature's least change (cycle time:
        # a 12-window mean of a few near-exponential spells a window wanders by about its
        # failure change) counts only once its rise is a trend (wearing): on its level alone,
        # three healthy saws in four read 0, at the failure level, at some hour of 200 (900 s
        # captures, 40 seeds; 8 % now, their cycle time rising as wear would).
        progress = [
            min(1.0, max(0.0, tr.change / RULES[tr.feature].failure_change))
            for tr in trends
            if tr.wearing or (tr.elevated and tr.precise and not tr.step_pending)
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
