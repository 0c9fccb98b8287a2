"""Machine state from current: a streaming classifier per machine, and a batch API over it.

Pipeline per batch, vectorised: spike rejection (centred median) → per-sample bounds of the state
from hysteresis thresholds (``lo`` = states the sample is surely at or above, ``hi`` = states it may
reach) → a loop over *runs* of equal bounds (not over samples) applies hysteresis and the minimum
dwell → confirmed changes, back-dated to the first sample of the new state. Levels follow slow
sensor drift by exponential tracking on the samples of the confirmed state.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import numpy as np

from services.iot.signals.calibration import (
    Calibration,
    calibration_from_histogram,
    current_histogram,
    learn_calibration,
)
from services.iot.signals.filtering import SpikeFilter
from services.iot.signals.states import (
    UNKNOWN,
    CalibrationError,
    InvalidSamples,
    MachineState,
    StateChange,
)
from services.iot.signals.thresholds import ClassifierConfig, level_bounds, thresholds_for

_STATES = tuple(MachineState)
_TRACK_EVERY = 60  # samples between level-tracking updates (thresholds are recomputed then)


class MachineStateClassifier:
    """Stateful classifier of one machine's current stream; ``feed`` returns confirmed changes.

    Without a calibration it collects ``config.warmup_s`` of signal, learns one from it, and then
    classifies the collected samples too (their changes come back dated in the past).
    """

    def __init__(
        self,
        machine_id: str,
        calibration: Calibration | None = None,
        config: ClassifierConfig | None = None,
        rated_amps: float | None = None,
    ) -> None:
        self.machine_id = machine_id
        self.config = config or ClassifierConfig()
        self.rated_amps = rated_amps
        self.calibration = calibration
        self.state: MachineState | None = None
        self.state_since: float | None = None
        self.last_sample_at: float | None = None
        self.samples_seen = 0
        self._period = self.config.period_s
        self._filter: SpikeFilter | None = None
        self._histogram = np.zeros(0)
        self._learning, self._learnt_at = False, 0.0
        self._warm_t: list[np.ndarray] = []
        self._warm_x: list[np.ndarray] = []
        self._hyst = UNKNOWN
        self._candidate, self._candidate_count = UNKNOWN, 0
        self._candidate_at: float | None = None
        self._last_ty: tuple[float, float | None] = (0.0, None)
        self._advance_onset: float | None = None
        self._max_gap = 0.0
        self._levels = calibration.levels if calibration else np.zeros(3)
        self._dwell = [1, 1, 1, 1]
        self._track_sum, self._track_n = [0.0, 0.0, 0.0], [0, 0, 0]
        self._since_tracking = 0

    @property
    def samples_missing(self) -> int:
        """Samples lost in gaps so far (from the sample period)."""
        return self._filter.samples_missing if self._filter else 0

    @property
    def levels(self) -> np.ndarray:
        """Tracked OFF, IDLE, RUNNING levels (A)."""
        return self._levels.copy()

    def feed(self, timestamps: np.ndarray, amps: np.ndarray) -> list[StateChange]:
        """Classify a batch of samples (seconds, amperes) that follows the previous batch."""
        t, x = self._validated(timestamps, amps)
        if t.size == 0:
            return []
        self.samples_seen += t.size
        self.last_sample_at = float(t[-1])
        if self._filter is None:
            return self._warm_up(t, x)
        if self._learning:
            self._keep_learning(t, x)
        return self._classify(*self._filter.push(t, x))

    def feed_one(self, t: float, x: float) -> list[StateChange]:
        """``feed`` of one sample, the way factories send live telemetry (one sample per machine
        per message). In the steady state (calibrated, filter full, no gap) it runs in plain
        floats with the same results; anything else goes through ``feed``."""
        last = self.last_sample_at
        if (self._filter is None or self._learning or last is None or not t > last
                or not math.isfinite(t + x)):
            return self.feed(np.array([t]), np.array([x]))
        x = x if x > 0.0 else 0.0
        released = self._filter.push_one(t, x)
        if released is None:
            return self.feed(np.array([t]), np.array([x]))
        self.samples_seen += 1
        self.last_sample_at = t
        changes = self._classify_one(*released)
        self._since_tracking += 1
        if self._since_tracking >= _TRACK_EVERY:
            self._track()
            self._since_tracking = 0
        return changes

    def _classify_one(self, t: float, y: float) -> list[StateChange]:
        """``_classify_slice`` of one sample: its run is the sample itself."""
        if self._advance_onset is not None:
            if self._candidate_at == self._advance_onset:
                self._candidate_at = t
            self._advance_onset = None
        up, down = self._up_list, self._down_list
        low = bisect.bisect_right(up, y)
        high = bisect.bisect_left(down, y)
        before = self._hyst
        hyst = low if before < low else (high if before > high else before)
        self._hyst = hyst
        ts, ys = (t,), (y,)
        if hyst != before and hyst != self._candidate and before != UNKNOWN:
            self._candidate_at = self._onset(ts, ys, 0, self._mids[before][hyst], hyst > before)
        change = self._debounce(hyst, 0, 1, ts)
        if hyst == self._confirmed_int and hyst < 3:
            self._track_sum[hyst] += y
            self._track_n[hyst] += 1
        self._last_ty = (t, y)
        return [] if change is None else [change]

    def _keep_learning(self, t: np.ndarray, x: np.ndarray) -> None:
        """An incomplete learnt calibration (one working level seen) is re-learnt every warm-up
        span from all the signal so far, until idle and running have both been seen."""
        self._histogram += current_histogram(x)
        if t[-1] - self._learnt_at < self.config.warmup_s:
            return
        self._learnt_at = float(t[-1])
        try:
            found = calibration_from_histogram(self._histogram, self.rated_amps)
        except CalibrationError:
            return
        if found.complete:
            self._learning = False
            self._set_calibration(found)

    def flush(self) -> list[StateChange]:
        """End of data: classify the samples held back for filtering or warm-up."""
        if self._filter is None:
            if not self._warm_t:
                return []
            changes = self._start(force=True)
            if self._filter is None:
                return changes
        return self._classify(*self._filter.finish())

    def _validated(self, timestamps, amps) -> tuple[np.ndarray, np.ndarray]:
        t = np.asarray(timestamps, dtype=np.float64)
        x = np.asarray(amps, dtype=np.float64)
        if t.ndim != 1 or t.shape != x.shape:
            raise InvalidSamples("timestamps and amps must be 1-D arrays of equal length")
        if t.size == 0:
            return t, x
        if not math.isfinite(float(t.sum()) + float(x.sum())):
            raise InvalidSamples("samples must be finite numbers")
        if (self.last_sample_at is not None and t[0] <= self.last_sample_at) or (
            t.size > 1 and bool((t[1:] <= t[:-1]).any())
        ):
            raise InvalidSamples("timestamps must increase strictly, also across batches")
        return t, np.maximum(x, 0.0)

    def _warm_up(self, t: np.ndarray, x: np.ndarray) -> list[StateChange]:
        self._warm_t.append(t)
        self._warm_x.append(x)
        span = t[-1] - self._warm_t[0][0]
        if span < (self.config.warmup_s if self.calibration is None else 0.0):
            return []
        return self._start(force=span >= self.config.max_warmup_s)

    def _start(self, force: bool) -> list[StateChange]:
        t, x = np.concatenate(self._warm_t), np.concatenate(self._warm_x)
        if self._period is None:
            if t.size < 3:
                return []
            self._period = float(np.median(np.diff(t)))
        if self.calibration is None:
            try:
                found = learn_calibration(x, self.rated_amps)
            except CalibrationError:
                if force:
                    raise
                return []
            if not found.complete and not force:
                return []
            self._set_calibration(found)
            self._learning = not found.complete
            self._histogram, self._learnt_at = current_histogram(x), float(t[-1])
        else:
            self._set_calibration(self.calibration)
        self._warm_t, self._warm_x = [], []
        cfg = self.config
        max_gap = cfg.max_gap_s if cfg.max_gap_s is not None else 3.5 * self._period
        self._filter = SpikeFilter(cfg.median_window, self._period, max_gap)
        self._max_gap = max_gap
        dwell = np.ceil(np.array(cfg.min_dwell_s) / self._period - 1e-9)
        self._dwell = np.maximum(dwell, 1).astype(int).tolist()
        return self._classify(*self._filter.push(t, x))

    def _set_calibration(self, calibration: Calibration) -> None:
        self.calibration = calibration
        self._levels = calibration.levels
        self._bounds = level_bounds(calibration, self.config.tracking_limit)
        self._refresh_thresholds()

    def _refresh_thresholds(self) -> None:
        thr = thresholds_for(self._levels, self.calibration, self.config)
        self._up, self._down = thr.up, thr.down
        self._up_list, self._down_list = thr.up.tolist(), thr.down.tolist()
        overload = 0.5 * (thr.up[2] + thr.down[2]) * 2.0 - self._levels[2]
        level = np.concatenate((self._levels, [overload]))
        # Current at which a sample is nearer the new state than the old, per (old, new) pair.
        self._mids = (0.5 * (level[:, None] + level[None, :])).tolist()

    def _classify(self, t: np.ndarray, y: np.ndarray) -> list[StateChange]:
        """Classify filtered samples in slices that end where the levels are re-tracked (every
        ``_TRACK_EVERY`` samples of the stream), so that batch sizes never change the result."""
        changes: list[StateChange] = []
        start = 0
        while start < t.size:
            stop = min(t.size, start + _TRACK_EVERY - self._since_tracking)
            changes += self._classify_slice(t[start:stop], y[start:stop])
            self._since_tracking += stop - start
            if self._since_tracking >= _TRACK_EVERY:
                self._track()
                self._since_tracking = 0
            start = stop
        return changes

    def _classify_slice(self, t: np.ndarray, y: np.ndarray) -> list[StateChange]:
        if self._advance_onset is not None:
            if self._candidate_at == self._advance_onset:
                self._candidate_at = float(t[0])
            self._advance_onset = None
        lo = np.searchsorted(self._up, y, side="right")
        hi = np.searchsorted(self._down, y, side="left")
        code = lo * 4 + hi
        starts = np.flatnonzero(code[1:] != code[:-1]) + 1
        bounds = [0, *starts.tolist(), code.size]
        changes: list[StateChange] = []
        for start, end, low, high in zip(
            bounds[:-1],
            bounds[1:],
            lo[bounds[:-1]].tolist(),
            hi[bounds[:-1]].tolist(),
            strict=True,
        ):
            before = self._hyst
            hyst = low if before < low else (high if before > high else before)
            self._hyst = hyst
            if hyst != before and hyst != self._candidate and before != UNKNOWN:
                mid = self._mids[before][hyst]
                self._candidate_at = self._onset(t, y, start, mid, hyst > before)
            change = self._debounce(hyst, start, end, t)
            if change is not None:
                changes.append(change)
            if hyst == self._confirmed_int and hyst < 3:
                self._track_sum[hyst] += float(y[start:end].sum())
                self._track_n[hyst] += end - start
        self._last_ty = (float(t[-1]), float(y[-1]))
        return changes

    def _onset(self, t, y, start: int, mid: float, rising: bool) -> float:
        """First sample of a change: the hysteresis-crossing sample, moved by one sample to the
        side of the level midpoint (a sample that straddles the change belongs to the state that
        filled most of it)."""
        prev_t, prev_y = (float(t[start - 1]), float(y[start - 1])) if start > 0 else self._last_ty
        after_last_change = self.state_since is None or prev_t > self.state_since
        if (
            prev_y is not None
            and (prev_y > mid) == rising
            and t[start] - prev_t <= self._max_gap
            and after_last_change
        ):
            return prev_t
        if (float(y[start]) > mid) != rising:
            if start + 1 < len(t):
                return float(t[start + 1])
            self._advance_onset = float(t[start])  # the next batch holds the onset
        return float(t[start])

    @property
    def _confirmed_int(self) -> int:
        return UNKNOWN if self.state is None else int(self.state)

    def _debounce(self, hyst: int, start: int, end: int, t: np.ndarray) -> StateChange | None:
        if hyst == self._confirmed_int:
            self._candidate, self._candidate_at = UNKNOWN, None
            return None
        if hyst == self._candidate:
            self._candidate_count += end - start
        else:
            if self._candidate_at is None:
                self._candidate_at = float(t[start])
            self._candidate, self._candidate_count = hyst, end - start
        surplus = self._candidate_count - self._dwell[hyst]
        if surplus < 0:
            return None
        new = _STATES[hyst]
        change = StateChange(
            machine_id=self.machine_id,
            at=self._candidate_at,
            state=new,
            previous=self.state,
            detected_at=float(t[end - 1 - surplus]),
        )
        self.state, self.state_since = new, self._candidate_at
        self._candidate, self._candidate_at = UNKNOWN, None
        return change

    def _track(self) -> None:
        """Move each level toward the mean of its recent samples (exponential, bounded)."""
        counts = np.array(self._track_n, dtype=np.float64)
        seen = counts > 0
        means = np.divide(self._track_sum, counts, out=self._levels.copy(), where=seen)
        gain = 1.0 - np.exp(-counts * self._period / self.config.tracking_tau_s)
        levels = np.clip(self._levels + gain * (means - self._levels), *self._bounds)
        levels[1] = max(levels[1], levels[0] + 1e-6)
        levels[2] = max(levels[2], levels[1] + 1e-6)
        self._levels = levels
        self._track_sum, self._track_n = [0.0, 0.0, 0.0], [0, 0, 0]
        self._refresh_thresholds()


@dataclass(frozen=True)
class Classification:
    """States of a whole signal: per-sample labels (``UNKNOWN`` before the first confirmed state)."""

    labels: np.ndarray
    changes: list[StateChange]
    calibration: Calibration
    samples_missing: int


def classify(
    timestamps: np.ndarray,
    amps: np.ndarray,
    *,
    calibration: Calibration | None = None,
    config: ClassifierConfig | None = None,
    rated_amps: float | None = None,
    machine_id: str = "",
    batch_s: float = 300.0,
) -> Classification:
    """Batch API: learn a calibration from the whole signal (unless given) and classify every sample.

    The signal runs through the streaming classifier in ``batch_s`` slices, so batch and stream
    agree and drift tracking works the same way.
    """
    t = np.asarray(timestamps, dtype=np.float64)
    x = np.asarray(amps, dtype=np.float64)
    calibration = calibration or learn_calibration(x, rated_amps)
    classifier = MachineStateClassifier(machine_id, calibration, config, rated_amps)
    edges = np.searchsorted(t, np.arange(t[0], t[-1] + batch_s, batch_s)[1:]) if t.size else []
    changes: list[StateChange] = []
    for chunk_t, chunk_x in zip(np.split(t, edges), np.split(x, edges), strict=True):
        changes += classifier.feed(chunk_t, chunk_x)
    changes += classifier.flush()
    return Classification(
        labels_from_changes(t, changes),
        changes,
        classifier.calibration,
        classifier.samples_missing,
    )


def labels_from_changes(timestamps: np.ndarray, changes: list[StateChange]) -> np.ndarray:
    """Per-sample state implied by a list of back-dated changes (``UNKNOWN`` before the first)."""
    onsets = np.array([c.at for c in changes])
    states = np.array([UNKNOWN] + [int(c.state) for c in changes], dtype=np.int8)
    return states[np.searchsorted(onsets, timestamps, side="right")]
