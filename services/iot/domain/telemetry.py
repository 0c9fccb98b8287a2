"""Rules for telemetry samples: which are taken and why the others are refused.

Samples are screened in bulk (numpy); each refused sample is counted under one reason, with the
first such refusal described in words. Zero voltage or power factor means "not sent".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Rejection(StrEnum):
    UNKNOWN_MACHINE = "UNKNOWN_MACHINE"
    WRONG_FACTORY = "WRONG_FACTORY"
    OUT_OF_ORDER = "OUT_OF_ORDER"
    IN_FUTURE = "IN_FUTURE"
    TOO_OLD = "TOO_OLD"
    INVALID_VALUE = "INVALID_VALUE"
    WRONG_SENSOR_KIND = "WRONG_SENSOR_KIND"
    DUPLICATE_BATCH = "DUPLICATE_BATCH"


@dataclass(frozen=True)
class IntakeLimits:
    future_tolerance_ms: int = 5_000
    max_age_ms: int = 3_600_000


@dataclass
class Refusals:
    """Counts and first message per reason."""

    counts: dict[Rejection, int] = field(default_factory=dict)
    messages: dict[Rejection, str] = field(default_factory=dict)

    def add(self, reason: Rejection, count: int, message: str) -> None:
        if count <= 0:
            return
        self.counts[reason] = self.counts.get(reason, 0) + count
        self.messages.setdefault(reason, message)

    def merge(self, other: Refusals) -> None:
        for reason, count in other.counts.items():
            self.add(reason, count, other.messages[reason])

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def screen(machine_id: str, ts_ms: np.ndarray, valid: np.ndarray, last_ms: int | None,
           now_ms: int, limits: IntakeLimits, refusals: Refusals) -> np.ndarray:
    """Mask of samples to take: valid values, not in the future, not too old, strictly after the
    machine's last sample and the earlier samples of the batch."""
    if (valid.all() and (last_ms is None or ts_ms[0] > last_ms)
            and now_ms - limits.max_age_ms <= ts_ms[0]
            and ts_ms[-1] <= now_ms + limits.future_tolerance_ms
            and (ts_ms.size == 1 or bool((ts_ms[1:] > ts_ms[:-1]).all()))):
        return valid  # the usual batch: all good (one pass instead of five)
    keep = valid.copy()
    refusals.add(Rejection.INVALID_VALUE, int((~valid).sum()),
                 f"{machine_id}: a sample has a negative or non-finite value, or a power factor "
                 "outside 0-1")
    future = keep & (ts_ms > now_ms + limits.future_tolerance_ms)
    if future.any():
        ahead = int(ts_ms[future][0] - now_ms)
        refusals.add(Rejection.IN_FUTURE, int(future.sum()),
                     f"{machine_id}: sample at {int(ts_ms[future][0])} is {ahead} ms ahead of the "
                     f"server clock (tolerance {limits.future_tolerance_ms} ms)")
    keep &= ~future
    old = keep & (ts_ms < now_ms - limits.max_age_ms)
    if old.any():
        refusals.add(Rejection.TOO_OLD, int(old.sum()),
                     f"{machine_id}: sample at {int(ts_ms[old][0])} is older than "
                     f"{limits.max_age_ms // 1000} s")
    keep &= ~old
    floor = np.iinfo(np.int64).min if last_ms is None else last_ms
    candidates = np.where(keep, ts_ms, np.iinfo(np.int64).min)
    before = np.maximum.accumulate(np.concatenate(([floor], candidates)))[:-1]
    late = keep & (ts_ms <= before)
    if late.any():
        i = int(np.flatnonzero(late)[0])
        refusals.add(Rejection.OUT_OF_ORDER, int(late.sum()),
                     f"{machine_id}: sample at {int(ts_ms[i])} is not after the previous sample "
                     f"at {int(before[i])}")
    return keep & ~late
