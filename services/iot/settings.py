"""The iot service's own settings, read from DOVETAIL_IOT_* once (the kit's Settings hold the rest)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from services.iot.signals.wear_capture import WearClock
from services.kit.settings import seconds


@dataclass(frozen=True)
class IotSettings:
    # A machine with no telemetry for this long is OFFLINE.
    offline_after_s: float = 10.0
    # A machine at zero current in its shift, with work and no planned stop, is DOWN after this.
    down_grace_s: float = 120.0
    # How often liveness is evaluated (also bounds how late OFFLINE is noticed).
    tick_s: float = 0.5
    # Live status (current, power) reaches the key-value bucket at most this often per machine
    # (a state change goes at once)...
    status_interval_s: float = 1.0
    # ...and the bucket takes at most this many such refreshes a second: 16,000 machines at 1 Hz
    # each refresh every 4 s instead of costing nats-server and the intake 16,000 puts a second.
    status_puts_per_s: float = 4000.0
    # Energy minute buckets are written in batches this often...
    energy_flush_s: float = 1.0
    # ...or less often when more buckets are pending than this many rows a second.
    energy_rows_per_s: float = 4000.0
    future_tolerance_s: float = 5.0
    max_sample_age_s: float = 3600.0
    # Retention of the DOVETAIL_TELEMETRY stream: services/kit/settings.py StreamSettings.
    # How often caches of calendars and planned stops are refreshed from the read model.
    refresh_s: float = 30.0
    # The wear watch (issue 22): windows of this length (an hour; the monitor counts its rules in
    # windows, so the demo's short windows compress its time), of which the first this many
    # samples are kept (15 minutes at 1 Hz).
    wear_window_s: float = 3600.0
    wear_capture_samples: int = 900

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> IotSettings:
        env = os.environ if env is None else env
        return cls(
            offline_after_s=seconds(env, "DOVETAIL_IOT_OFFLINE_AFTER_S", 10.0),
            down_grace_s=seconds(env, "DOVETAIL_IOT_DOWN_GRACE_S", 120.0),
            future_tolerance_s=seconds(env, "DOVETAIL_IOT_FUTURE_TOLERANCE_S", 5.0),
            max_sample_age_s=seconds(env, "DOVETAIL_IOT_MAX_SAMPLE_AGE_S", 3600.0),
            status_interval_s=seconds(env, "DOVETAIL_IOT_STATUS_INTERVAL_S", 1.0),
            status_puts_per_s=seconds(env, "DOVETAIL_IOT_STATUS_PUTS_PER_S", 4000.0),
            energy_rows_per_s=seconds(env, "DOVETAIL_IOT_ENERGY_ROWS_PER_S", 4000.0),
            wear_window_s=seconds(env, "DOVETAIL_IOT_WEAR_WINDOW_S", 3600.0),
            wear_capture_samples=int(seconds(env, "DOVETAIL_IOT_WEAR_CAPTURE_SAMPLES", 900)),
        )

    @property
    def wear(self) -> WearClock:
        return WearClock(self.wear_window_s, self.wear_capture_samples)

    @property
    def tick(self) -> float:
        return min(self.tick_s, self.offline_after_s / 4)
