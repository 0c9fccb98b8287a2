"""Spike rejection for a stream: a centred running median, split at gaps in the samples."""

from __future__ import annotations

import numpy as np

_EMPTY = np.empty(0, dtype=np.float64)


class SpikeFilter:
    """Centred running median of ``window`` samples over a stream fed in batches.

    A sample is released once ``window // 2`` later samples have arrived, so a batch boundary never
    changes the result. A silence longer than ``max_gap_s`` ends a segment: the median never mixes
    samples from both sides of a gap (edges are padded with the edge sample instead), and the samples
    the gap swallowed are counted in ``samples_missing``.
    """

    def __init__(self, window: int, period_s: float, max_gap_s: float) -> None:
        self.half = max(window, 1) // 2
        self.period_s = period_s
        self.max_gap_s = max_gap_s
        self.samples_missing = 0
        self.gaps = 0
        self._t, self._x, self._pending = _EMPTY, _EMPTY, 0
        self._last_t: float | None = None
        self._rows = np.arange(2 * self.half + 1)[None, :] + np.arange(64)[:, None]

    def push_one(self, t: float, x: float) -> tuple[float, float] | None:
        """``push`` of one sample in the steady state (a full window held, no gap), in plain
        floats: the released (timestamp, median). None when ``push`` must take the sample.

        At one sample per message numpy's per-call cost is most of the work; this path gives the
        same numbers (the median of an odd window is one of its samples)."""
        half = self.half
        last = self._last_t
        if (last is None or self._pending != half or len(self._t) != 2 * half
                or t - last > 1.5 * self.period_s):
            return None
        held_t = self._t if isinstance(self._t, list) else self._t.tolist()
        held_x = self._x if isinstance(self._x, list) else self._x.tolist()
        times, window = [*held_t, t], [*held_x, x]
        released = (times[half], sorted(window)[half])
        self._t, self._x = times[1:], window[1:]
        self._last_t = t
        return released

    def push(self, t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Add samples; return (timestamps, medians) of the samples released by this batch."""
        if t.size == 0:
            return _EMPTY, _EMPTY
        self._arrays()
        dt = np.empty(t.size)
        dt[0] = t[0] - (self._last_t if self._last_t is not None else t[0])
        np.subtract(t[1:], t[:-1], out=dt[1:])
        self._last_t = float(t[-1])
        if float(dt.max()) <= 1.5 * self.period_s:
            return self._extend(t, x)
        late = dt > 1.5 * self.period_s
        self.samples_missing += int(np.sum(np.rint(dt[late] / self.period_s) - 1))
        cuts = np.flatnonzero(dt > self.max_gap_s).tolist()
        self.gaps += len(cuts)
        outputs = []
        for lo, hi in zip([0, *cuts], [*cuts, t.size], strict=True):
            if lo in cuts:
                outputs.append(self.finish())
            if hi > lo:
                outputs.append(self._extend(t[lo:hi], x[lo:hi]))
        return _concat(outputs)

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """End the segment: release the held samples, padding the right edge."""
        self._arrays()
        t, x, pending = self._t, self._x, self._pending
        self._t, self._x, self._pending = _EMPTY, _EMPTY, 0
        if pending == 0:
            return _EMPTY, _EMPTY
        first = t.size - pending
        padded, left = self._padded(x, first, right=self.half)
        return t[first:], self._medians(padded, first + left - self.half, t.size + left - self.half)

    def _arrays(self) -> None:
        """Held samples as arrays again after ``push_one`` kept them as lists."""
        if isinstance(self._t, list):
            self._t = np.array(self._t, dtype=np.float64) if self._t else _EMPTY
            self._x = np.array(self._x, dtype=np.float64) if self._x else _EMPTY

    def _extend(self, t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        all_t, all_x = np.concatenate((self._t, t)), np.concatenate((self._x, x))
        first = all_t.size - t.size - self._pending
        stop = all_t.size - self.half
        if stop <= first:
            self._t, self._x, self._pending = all_t, all_x, self._pending + t.size
            return _EMPTY, _EMPTY
        padded, left = self._padded(all_x, first, right=0)
        medians = self._medians(padded, first + left - self.half, stop + left - self.half)
        keep_from = max(0, stop - self.half)
        self._t, self._x, self._pending = all_t[keep_from:], all_x[keep_from:], all_t.size - stop
        return all_t[first:stop], medians

    def _padded(self, x: np.ndarray, first: int, right: int) -> tuple[np.ndarray, int]:
        left = max(self.half - first, 0)
        if left == 0 and right == 0:
            return x, 0
        return np.concatenate((np.full(left, x[0]), x, np.full(right, x[-1]))), left

    def _medians(self, padded: np.ndarray, row_from: int, row_to: int) -> np.ndarray:
        if self.half == 0:
            return padded[row_from:row_to].copy()
        rows = row_to - row_from
        if rows > self._rows.shape[0]:
            self._rows = np.arange(2 * self.half + 1)[None, :] + np.arange(2 * rows)[:, None]
        windows = padded[row_from:][self._rows[:rows]]
        windows.sort(axis=1)
        return windows[:, self.half]


def _concat(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if p[0].size]
    if not parts:
        return _EMPTY, _EMPTY
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
