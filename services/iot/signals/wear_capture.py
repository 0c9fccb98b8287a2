"""One machine's wear watch fed live: a bounded stretch of classified samples per window.

The live counterpart of `wear_watch.WearWatch` (which takes whole batches of a fleet): the intake
hands each machine's samples over one at a time, as the classifier labels them. Per window
(`WearClock.window_s`, an hour by default) the first `capture_samples` samples heard are kept
(15 minutes at 1 Hz: the stretch the wear benchmark was measured on); when they are complete, or
when the machine is next heard in a later window, they become that window's `WearFeatures` and go
to the machine's `WearMonitor`, and the buffers are let go. Windows start at a phase of their own
per machine, so a fleet's captures (and their assessments) are spread over the window, not all
held at once at the top of the hour.

Time in the monitor runs one hour per window: its rules (a 36-window baseline, 12-hour levels, a
10-day alarm horizon) are counted in windows. With the default hour nothing changes; a demo that
sets short windows compresses the monitor's time with them, and `horizon_s` turns the monitor's
horizon back into real seconds.
"""

from __future__ import annotations

import math
import zlib
from array import array
from dataclasses import dataclass, field

import numpy as np

from services.iot.signals.wear import HOUR_S, MachineHealth, WearConfig, WearMonitor
from services.iot.signals.wear_features import MIN_STATE_SAMPLES, window_features

DAY_S = 86400.0


@dataclass(frozen=True)
class WearClock:
    """How a fleet's wear is watched: window length, samples kept per window, the monitor's rules."""

    window_s: float = HOUR_S
    capture_samples: int = 900
    config: WearConfig = field(default_factory=WearConfig)

    @property
    def scale(self) -> float:
        """Monitor seconds per real second (1 with hour windows)."""
        return HOUR_S / self.window_s

    def horizon_s(self, health: MachineHealth) -> float:
        """The health's failure horizon in real seconds (inf: none foreseen)."""
        return health.horizon_days * DAY_S / self.scale


class MachineWear:
    """The wear watch of one machine: `take` each classified sample; a closed window's health
    comes back (None otherwise)."""

    __slots__ = (
        "machine_id",
        "clock",
        "monitor",
        "windows",
        "phase",
        "_slot",
        "_t",
        "_x",
        "_s",
        "_done",
        "since_s",
    )

    def __init__(self, machine_id: str, clock: WearClock) -> None:
        self.machine_id = machine_id
        self.clock = clock
        self.monitor = WearMonitor(machine_id, clock.config)
        self.windows = 0  # windows assessed since the watch started (or was maintained)
        self.since_s = math.inf  # its baseline's data begins: first sample, or maintenance
        self.phase = (zlib.crc32(machine_id.encode()) % 997) / 997 * clock.window_s
        self._slot = -math.inf
        self._done = False
        self._t: array = array("d")
        self._x: array = array("f")
        self._s: array = array("b")

    def take(self, t: float, amps: float, state: int) -> MachineHealth | None:
        """One sample (unix s, A) and the state it was classified in (-1: not yet known)."""
        slot = (t - self.phase) // self.clock.window_s
        health = None
        if self.since_s == math.inf:
            self.since_s = t
        if slot != self._slot:
            health = self._close()
            self._slot, self._done = slot, False
        if self._done:
            return health
        self._t.append(t)
        self._x.append(amps)
        self._s.append(state)
        if len(self._t) >= self.clock.capture_samples:
            health = self._close() or health
            self._done = True
        return health

    def wants(self, t: float) -> bool:
        """Whether a sample at `t` would be kept: False once this window's stretch is complete
        (most of a window's samples: the intake then skips labelling them)."""
        return not self._done or (t - self.phase) // self.clock.window_s != self._slot

    def take_many(
        self, t: np.ndarray, amps: np.ndarray, states: np.ndarray
    ) -> MachineHealth | None:
        """`take` of a batch in time order; a batch inside the open window goes in whole."""
        if t.size == 0:
            return None
        window_s, phase = self.clock.window_s, self.phase
        first, last = float(t[0]), float(t[-1])
        if self.since_s == math.inf:
            self.since_s = first
        if (first - phase) // window_s != self._slot or (last - phase) // window_s != self._slot:
            health = None  # a window edge inside: sample by sample
            for ti, xi, si in zip(t.tolist(), amps.tolist(), states.tolist(), strict=True):
                health = self.take(ti, xi, si) or health
            return health
        if self._done:
            return None
        room = self.clock.capture_samples - len(self._t)
        self._t.frombytes(np.ascontiguousarray(t[:room], dtype=np.float64).tobytes())
        self._x.frombytes(np.ascontiguousarray(amps[:room], dtype=np.float32).tobytes())
        self._s.frombytes(np.ascontiguousarray(states[:room], dtype=np.int8).tobytes())
        if len(self._t) >= self.clock.capture_samples:
            self._done = True
            return self._close()
        return None

    def _close(self) -> MachineHealth | None:
        """The captured stretch as one window's features, assessed as of its last sample."""
        t, x, s = self._t, self._x, self._s
        if len(t) == 0:
            return None
        self._t, self._x, self._s = array("d"), array("f"), array("b")
        if len(t) < MIN_STATE_SAMPLES:
            return None
        scale = self.clock.scale
        features = window_features(
            np.frombuffer(t, dtype=np.float64) * scale,
            np.frombuffer(x, dtype=np.float32).astype(np.float64),
            np.frombuffer(s, dtype=np.int8),
        )
        self.monitor.add(features)
        self.windows += 1
        # assessed as of its last sample: a health is not dated ahead of the samples behind it
        return self.monitor.assess(t[-1] * scale)

    def at_s(self, health: MachineHealth) -> float:
        """The real time (unix s) of an assessment."""
        return health.at / self.clock.scale

    def maintained(self, at: float) -> None:
        """Maintenance done: the baseline is learnt afresh from `at` (unix s); windows count
        again from it."""
        self.monitor.maintained(at * self.clock.scale)
        self.since_s, self.windows = at, 0
