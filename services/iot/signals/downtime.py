"""Downtime intervals of machines, with reasons, and their analytics (totals, MTBF, MTTR).

A downtime is a span in which a machine was DOWN or OFFLINE, read from its availability changes.
MTBF = up time in the window / failures; MTTR = downtime in the window / failures, where a failure
is a downtime of the counted kinds (DOWN by default: a dropped uplink is not a broken machine) that
starts in the window. Open downtimes end at the window's end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from services.iot.signals.intervals import Span
from services.iot.signals.liveness import Availability, AvailabilityChange

UNSPECIFIED = "unspecified"


@dataclass(frozen=True, slots=True)
class Downtime:
    """Machine ``machine_id`` was ``kind`` from ``start`` to ``end`` (None while it lasts)."""

    machine_id: str
    kind: Availability
    start: float
    end: float | None = None
    reason: str = UNSPECIFIED

    def clipped(self, window: Span) -> Span | None:
        end = window.end if self.end is None else min(self.end, window.end)
        start = max(self.start, window.start)
        return Span(start, end) if end > start else None


def downtimes_from_changes(changes: Iterable[AvailabilityChange]) -> list[Downtime]:
    """Downtimes of one or more machines from their availability changes (in time order)."""
    open_: dict[str, Downtime] = {}
    done: list[Downtime] = []
    for change in sorted(changes, key=lambda c: c.at):
        current = open_.pop(change.machine_id, None)
        if current is not None:
            done.append(replace(current, end=max(change.at, current.start)))
        if change.availability is not Availability.AVAILABLE:
            open_[change.machine_id] = Downtime(change.machine_id, change.availability, change.at)
    return done + list(open_.values())


def with_reason(
    downtimes: Sequence[Downtime], machine_id: str, start: float, reason: str
) -> list[Downtime]:
    """The same downtimes, with the reason a factory gave for the one that started at ``start``."""
    return [
        replace(d, reason=reason) if d.machine_id == machine_id and d.start == start else d
        for d in downtimes
    ]


@dataclass(frozen=True, slots=True)
class DowntimeStats:
    """Downtime analytics of a machine or a factory over a window."""

    failures: int
    downtime_s: float
    uptime_s: float
    by_reason_s: dict[str, float]
    by_kind_s: dict[str, float]

    @property
    def mtbf_s(self) -> float | None:
        return self.uptime_s / self.failures if self.failures else None

    @property
    def mttr_s(self) -> float | None:
        return self.downtime_s / self.failures if self.failures else None


def downtime_stats(
    downtimes: Iterable[Downtime],
    window: Span,
    kinds: frozenset[Availability] = frozenset({Availability.DOWN}),
) -> DowntimeStats:
    """Analytics of one machine's downtimes over ``window``."""
    by_reason: dict[str, float] = defaultdict(float)
    by_kind: dict[str, float] = defaultdict(float)
    failures, down = 0, 0.0
    for d in downtimes:
        span = d.clipped(window)
        if span is None:
            continue
        by_kind[d.kind.value] += span.seconds
        if d.kind in kinds:
            by_reason[d.reason] += span.seconds
            down += span.seconds
            failures += int(window.start <= d.start < window.end)
    return DowntimeStats(failures, down, window.seconds - down, dict(by_reason), dict(by_kind))


def factory_downtime_stats(
    by_machine: Mapping[str, Iterable[Downtime]],
    window: Span,
    kinds: frozenset[Availability] = frozenset({Availability.DOWN}),
) -> tuple[DowntimeStats, dict[str, DowntimeStats]]:
    """Factory analytics (times and failures summed over machines) and each machine's."""
    each = {m: downtime_stats(d, window, kinds) for m, d in by_machine.items()}
    reasons: dict[str, float] = defaultdict(float)
    kinds_s: dict[str, float] = defaultdict(float)
    for stats in each.values():
        for key, seconds in stats.by_reason_s.items():
            reasons[key] += seconds
        for key, seconds in stats.by_kind_s.items():
            kinds_s[key] += seconds
    total = DowntimeStats(
        failures=sum(s.failures for s in each.values()),
        downtime_s=sum(s.downtime_s for s in each.values()),
        uptime_s=sum(s.uptime_s for s in each.values()),
        by_reason_s=dict(reasons),
        by_kind_s=dict(kinds_s),
    )
    return total, each
