"""Classifier settings and the hysteresis thresholds derived from (tracked) current levels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.iot.signals.calibration import Calibration


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """How the state classifier filters, decides and adapts.

    median_window: samples in the centred median filter that removes spikes and start-up inrush
        (it holds back ``median_window // 2`` samples of a stream).
    min_dwell_s: minimum time in OFF, IDLE, RUNNING, OVERLOAD before a change is confirmed.
    hysteresis: half-width of the band around each OFF/IDLE and IDLE/RUNNING threshold, as a fraction
        of the distance between the two levels.
    overload_enter / overload_exit: OVERLOAD thresholds as ratios of the running level.
    tracking_tau_s: time constant of the slow level tracking that follows sensor drift;
        tracking_limit bounds how far a level may wander from its calibration (fraction).
    max_gap_s: a longer silence between samples is a gap (default 3.5 sample periods).
    period_s: sample period (default: the median interval of the first samples seen).
    warmup_s / max_warmup_s: signal a stream collects before learning its calibration; it waits up to
        ``max_warmup_s`` to see both idle and running levels.
    """

    median_window: int = 5
    min_dwell_s: tuple[float, float, float, float] = (3.0, 3.0, 3.0, 3.0)
    hysteresis: float = 0.08
    overload_enter: float = 1.32
    overload_exit: float = 1.22
    tracking_tau_s: float = 900.0
    tracking_limit: float = 0.25
    max_gap_s: float | None = None
    period_s: float | None = None
    warmup_s: float = 600.0
    max_warmup_s: float = 3600.0


@dataclass(frozen=True, slots=True)
class Thresholds:
    """``up[k]`` enters state k+1 from below; ``down[k]`` returns to state k from above."""

    up: np.ndarray
    down: np.ndarray


def thresholds_for(
    levels: np.ndarray, calibration: Calibration, config: ClassifierConfig
) -> Thresholds:
    """Thresholds between OFF/IDLE/RUNNING at σ-weighted points between the levels, and OVERLOAD."""
    spreads = calibration.spreads
    up, down = np.empty(3), np.empty(3)
    for k in range(2):
        lo, hi = levels[k], levels[k + 1]
        frac = np.clip(spreads[k] / (spreads[k] + spreads[k + 1]), 0.3, 0.7)
        mid, band = lo + frac * (hi - lo), config.hysteresis * (hi - lo)
        up[k], down[k] = mid + band, mid - band
    running = levels[2]
    if calibration.overload_amps is not None:
        scale = calibration.overload_amps / calibration.running_amps
        up[2] = running * scale
        down[2] = running * scale * config.overload_exit / config.overload_enter
    else:
        up[2], down[2] = running * config.overload_enter, running * config.overload_exit
    return Thresholds(up, down)


def level_bounds(calibration: Calibration, limit: float) -> tuple[np.ndarray, np.ndarray]:
    """How far tracking may move each level: ±limit of IDLE and RUNNING; OFF up to limit of the
    OFF–IDLE gap above its calibration, and down to zero."""
    levels = calibration.levels
    low = levels * (1.0 - limit)
    high = levels * (1.0 + limit)
    low[0] = 0.0
    high[0] = levels[0] + limit * (levels[1] - levels[0])
    return low, high
