"""Per-machine calibration learnt from the machine's own current signal.

Current is binned on a log scale (``log10(A + 0.01)``, 1.25 % wide bins), so that a 0.8 A hand tool
and a 30 A paint line share one histogram layout and a stream can keep a histogram cheaply. A 1-D
Gaussian mixture is fitted to the histogram by EM, started from its smoothed peaks; near-equal
components merge, and the levels are named: components below a tenth of the highest level are OFF
(the sensor offset and control electronics), the lowest level above it is IDLE and the heaviest
level clearly above IDLE is RUNNING. Levels above RUNNING (overload spells) inform nothing: the
OVERLOAD threshold is a ratio of the RUNNING level, or set explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.iot.signals.states import CalibrationError

LOG_FLOOR_AMPS = 0.01
BIN_EDGES = np.linspace(-2.0, 3.5, 441)
BIN_CENTRES = 0.5 * (BIN_EDGES[1:] + BIN_EDGES[:-1])
_BIN_WIDTH = float(BIN_EDGES[1] - BIN_EDGES[0])
_MERGE_DECADES = np.log10(1.25)
_OFF_FRACTION = 0.10
_IDLE_RUNNING_MIN_RATIO = 1.25
_DEFAULT_IDLE_TO_RUNNING = 0.45


@dataclass(frozen=True, slots=True)
class Calibration:
    """Current levels (A) of one machine and their spreads (σ, A).

    ``overload_amps`` fixes the OVERLOAD threshold; None means a ratio of the running level.
    ``complete`` is False when the signal showed fewer than two working levels and one was inferred.
    """

    off_amps: float
    idle_amps: float
    running_amps: float
    off_spread: float
    idle_spread: float
    running_spread: float
    overload_amps: float | None = None
    complete: bool = True

    def __post_init__(self) -> None:
        if not (0.0 <= self.off_amps < self.idle_amps < self.running_amps):
            raise CalibrationError(
                f"levels must rise OFF < IDLE < RUNNING, got {self.off_amps:.3g}, "
                f"{self.idle_amps:.3g}, {self.running_amps:.3g} A"
            )
        if self.overload_amps is not None and self.overload_amps <= self.running_amps:
            raise CalibrationError("the overload threshold must lie above the running level")

    @classmethod
    def from_levels(
        cls,
        off_amps: float,
        idle_amps: float,
        running_amps: float,
        overload_amps: float | None = None,
    ) -> Calibration:
        """An explicit calibration (e.g. set by a factory), with spreads of 5 % of each gap."""
        return cls(
            off_amps,
            idle_amps,
            running_amps,
            off_spread=0.05 * (idle_amps - off_amps) + 1e-3,
            idle_spread=0.05 * idle_amps,
            running_spread=0.05 * running_amps,
            overload_amps=overload_amps,
        )

    @property
    def levels(self) -> np.ndarray:
        return np.array([self.off_amps, self.idle_amps, self.running_amps])

    @property
    def spreads(self) -> np.ndarray:
        return np.array([self.off_spread, self.idle_spread, self.running_spread])


def current_histogram(amps: np.ndarray) -> np.ndarray:
    """Counts of samples in the calibration bins (add histograms of batches to accumulate)."""
    z = np.log10(np.maximum(np.asarray(amps, dtype=np.float64), 0.0) + LOG_FLOOR_AMPS)
    idx = np.clip(((z - BIN_EDGES[0]) / _BIN_WIDTH).astype(np.int64), 0, BIN_CENTRES.size - 1)
    return np.bincount(idx, minlength=BIN_CENTRES.size).astype(np.float64)


def learn_calibration(amps: np.ndarray, rated_amps: float | None = None) -> Calibration:
    """Learn a calibration from raw samples (spikes and inrush are outvoted by the histogram)."""
    return calibration_from_histogram(current_histogram(_despiked(amps)), rated_amps)


def calibration_from_histogram(counts: np.ndarray, rated_amps: float | None = None) -> Calibration:
    """Learn a calibration from accumulated histogram counts."""
    total = float(counts.sum())
    if total < 20:
        raise CalibrationError("too few samples to learn a calibration (need at least 20)")
    amps = np.maximum(10.0**BIN_CENTRES - LOG_FLOOR_AMPS, 0.0)
    top = amps[min(int(np.searchsorted(np.cumsum(counts) / total, 0.98)), amps.size - 1)]
    is_off = amps < max(_OFF_FRACTION * top, 0.05)
    work = np.where(is_off, 0.0, counts)
    if work.sum() < 10:
        raise CalibrationError("the signal never rose above its off level; nothing to calibrate")
    off, off_spread = _off_level(amps, np.where(is_off, counts, 0.0), top)
    means, sigmas, weights = fit_mixture(work)
    levels = np.maximum(10.0**means - LOG_FLOOR_AMPS, 0.0)
    spreads = np.log(10.0) * sigmas * (levels + LOG_FLOOR_AMPS)
    return _name_levels(off, off_spread, levels, spreads, weights, rated_amps)


def fit_mixture(counts: np.ndarray, iterations: int = 60) -> tuple[np.ndarray, ...]:
    """Means, σ and weights (log10 domain, ascending) of a Gaussian mixture fitted to the counts.

    A uniform background component soaks up samples between levels (changes, spikes), so that the
    Gaussian components stay narrow around the real levels.
    """
    means = _peaks(counts)
    sigmas = np.full(means.size, 0.03)
    weights = np.full(means.size, 0.95 / means.size)
    x, w = BIN_CENTRES[counts > 0], counts[counts > 0]
    background = 1.0 / max(float(x[-1] - x[0]), 0.1) / np.sqrt(2.0 * np.pi)
    bg_weight = 0.05
    for _ in range(iterations):
        dens = weights * np.exp(-0.5 * ((x[:, None] - means) / sigmas) ** 2) / sigmas
        norm = np.maximum(dens.sum(axis=1) + bg_weight * background, 1e-300)
        resp = dens / norm[:, None] * w[:, None]
        mass = resp.sum(axis=0) + 1e-12
        means = (resp * x[:, None]).sum(axis=0) / mass
        var = (resp * (x[:, None] - means) ** 2).sum(axis=0) / mass
        sigmas = np.sqrt(np.maximum(var, _BIN_WIDTH**2))
        bg_weight = max(1.0 - mass.sum() / w.sum(), 1e-3)
        weights = mass / w.sum()
    return _merge_close(means, sigmas, weights / weights.sum())


def _off_level(amps: np.ndarray, off_counts: np.ndarray, top: float) -> tuple[float, float]:
    """Weighted median and MAD-σ of the samples below the off cut-off (zero if there are none)."""
    if off_counts.sum() < 5:
        return 0.0, float(0.02 * top)
    cdf = np.cumsum(off_counts) / off_counts.sum()
    median = float(amps[np.searchsorted(cdf, 0.5)])
    dev = np.abs(amps - median)
    order = np.argsort(dev)
    mad = float(dev[order][np.searchsorted(np.cumsum(off_counts[order]) / off_counts.sum(), 0.5)])
    return median, float(max(1.4826 * mad, 0.002 * top))


def _despiked(amps: np.ndarray) -> np.ndarray:
    amps = np.asarray(amps, dtype=np.float64)
    if amps.size < 5:
        return amps
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(amps, 2, mode="edge"), 5)
    return np.median(windows, axis=1)


def _peaks(counts: np.ndarray, max_peaks: int = 6) -> np.ndarray:
    kernel = np.exp(-0.5 * (np.arange(-6, 7) / 2.0) ** 2)
    smooth = np.convolve(counts, kernel / kernel.sum(), mode="same")
    is_peak = (smooth > np.roll(smooth, 1)) & (smooth >= np.roll(smooth, -1))
    is_peak &= smooth > 0.002 * counts.sum()
    idx = np.flatnonzero(is_peak)
    if idx.size == 0:
        idx = np.array([int(np.argmax(smooth))])
    idx = idx[np.argsort(smooth[idx])[::-1][:max_peaks]]
    return np.sort(BIN_CENTRES[idx])


def _merge_close(means, sigmas, weights) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(means)
    groups: list[list[int]] = []
    for i in order:
        if weights[i] < 0.005:
            continue
        if groups and means[i] - means[groups[-1][-1]] < _MERGE_DECADES:
            groups[-1].append(i)
        else:
            groups.append([i])
    if not groups:
        groups = [[int(np.argmax(weights))]]
    out_m, out_s, out_w = [], [], []
    for g in groups:
        wg = weights[g]
        m = float(np.sum(wg * means[g]) / wg.sum())
        var = float(np.sum(wg * (sigmas[g] ** 2 + (means[g] - m) ** 2)) / wg.sum())
        out_m.append(m)
        out_s.append(np.sqrt(var))
        out_w.append(float(wg.sum()))
    return np.array(out_m), np.array(out_s), np.array(out_w)


def _name_levels(off, off_spread, work, work_spread, work_w, rated_amps) -> Calibration:
    idle, idle_spread = float(work[0]), float(work_spread[0])
    above = work >= _IDLE_RUNNING_MIN_RATIO * idle
    if above.any():
        k = int(np.flatnonzero(above)[np.argmax(work_w[above])])
        return Calibration(
            off, idle, float(work[k]), off_spread, idle_spread, float(work_spread[k])
        )
    return _single_working_level(off, off_spread, idle, idle_spread, rated_amps)


def _single_working_level(off, off_spread, level, spread, rated_amps) -> Calibration:
    """One working level seen: RUNNING unless the rated current says it is well below full load."""
    if rated_amps is not None and level < 0.5 * rated_amps:
        running = max(level / _DEFAULT_IDLE_TO_RUNNING, 0.8 * rated_amps)
        return Calibration(
            off, level, running, off_spread, spread, spread * running / level, complete=False
        )
    idle = max(level * _DEFAULT_IDLE_TO_RUNNING, off + 2.0 * off_spread + 1e-3)
    if idle >= level:
        raise CalibrationError("cannot tell idle from running in this signal")
    return Calibration(off, idle, level, off_spread, spread * idle / level, spread, complete=False)
