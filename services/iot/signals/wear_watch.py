"""The wear watch over a fleet: classified samples in, each machine's latest health out.

iot classifies every machine's current as it arrives; `WearWatch.add` takes those batches
(timestamps, amps, states) as they come, cuts them into clock-aligned windows (an hour by
default), takes each closed window's `WearFeatures` and hands them to the machine's own
`WearMonitor`, whose assessment becomes the machine's health (`health`). A window with too few
samples (the machine off, the sensor silent) gives NaN features, which the monitor skips.
`maintained` restarts a machine's baseline after maintenance.

This is the pure part of the per-machine health read model: a batch that goes back in time raises
`InvalidSamples`; memory per machine is one open window plus the monitor's history.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from services.iot.signals.states import InvalidSamples
from services.iot.signals.wear import MachineHealth, WearConfig, WearMonitor
from services.iot.signals.wear_features import MIN_STATE_SAMPLES, window_features


@dataclass
class _Open:
    """The samples of a machine's window still open."""

    start: float
    t: list[np.ndarray] = field(default_factory=list)
    x: list[np.ndarray] = field(default_factory=list)
    s: list[np.ndarray] = field(default_factory=list)
    last: float = -math.inf


class WearWatch:
    """Per-machine wear monitors fed from classified sample batches."""

    def __init__(self, window_s: float = 3600.0, config: WearConfig | None = None) -> None:
        if not window_s > 0:
            raise ValueError("window_s must be above zero")
        self.window_s = window_s
        self.config = config or WearConfig()
        self._monitors: dict[str, WearMonitor] = {}
        self._open: dict[str, _Open] = {}
        self._health: dict[str, MachineHealth] = {}

    def add(
        self, machine_id: str, timestamps: np.ndarray, amps: np.ndarray, labels: np.ndarray
    ) -> MachineHealth | None:
        """Take one batch; returns the machine's new health when a window closed, else None."""
        t = np.asarray(timestamps, dtype=np.float64)
        x = np.asarray(amps, dtype=np.float64)
        s = np.asarray(labels)
        if not (t.shape == x.shape == s.shape) or t.ndim != 1:
            raise InvalidSamples("timestamps, amps and labels must be 1-D arrays of one length")
        if t.size == 0:
            return None
        current = self._open.get(machine_id)
        if np.any(np.diff(t) < 0) or (current is not None and t[0] < current.last):
            raise InvalidSamples("timestamps must not go backwards")
        closed = None
        slots = np.floor(t / self.window_s)
        for slot in np.unique(slots):
            part = slots == slot
            start = float(slot) * self.window_s
            if current is not None and current.start != start:
                closed = self._close(machine_id, current) or closed
                current = None
            if current is None:
                current = self._open[machine_id] = _Open(start)
            current.t.append(t[part])
            current.x.append(x[part])
            current.s.append(s[part])
            current.last = float(t[part][-1])
        return closed

    def _close(self, machine_id: str, window: _Open) -> MachineHealth | None:
        t, x, s = (np.concatenate(a) for a in (window.t, window.x, window.s))
        if t.size < MIN_STATE_SAMPLES:
            return None
        monitor = self._monitors.get(machine_id)
        if monitor is None:
            monitor = self._monitors[machine_id] = WearMonitor(machine_id, self.config)
        monitor.add(window_features(t, x, s))
        health = monitor.assess(window.start + self.window_s)
        self._health[machine_id] = health
        return health

    def health(self, machine_id: str) -> MachineHealth | None:
        """The machine's health at its last closed window (None: no window closed yet)."""
        return self._health.get(machine_id)

    def maintained(self, machine_id: str, at: float) -> None:
        """Maintenance done on the machine: its baseline is learnt afresh from `at`."""
        if machine_id in self._monitors:
            self._monitors[machine_id].maintained(at)
            self._health.pop(machine_id, None)


def health_view(health: MachineHealth) -> dict:
    """The read model's row: what an API answers about one machine's health."""
    return {
        "machine_id": health.machine_id,
        "at": health.at,
        "score": health.score,
        "alarm": health.alarm,
        "horizon_days": None if math.isinf(health.horizon_days) else round(health.horizon_days, 2),
        "confidence": round(health.confidence, 2),
        "explanation": list(health.explanation),
        "load_changes": list(health.load_changes),
    }
