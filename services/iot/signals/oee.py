"""Overall equipment effectiveness per machine, factory and day.

Definitions (Nakajima, as used on the portal):

- planned production time = shift time − planned stops (breaks, declared maintenance) in the window;
- run time = time in RUNNING or OVERLOAD inside planned production time (from the state history);
- availability = run time / planned production time;
- performance = Σ ideal cycle time × pieces made / run time, capped at 1 (a machine cannot beat its
  ideal speed; above 1 the ideal cycle time is stale);
- quality = good pieces / pieces made (1 when nothing was made: nothing was scrapped);
- OEE = availability × performance × quality.

A factory or a week is not the mean of its machines' ratios: ``combine`` adds the underlying times and
counts, so a machine with no planned time weighs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from services.iot.signals.history import StateSpan, seconds_in
from services.iot.signals.intervals import Span, intersect, subtract, total_seconds
from services.iot.signals.states import PRODUCTIVE_STATES, InvalidInterval


@dataclass(frozen=True, slots=True)
class ProductionCount:
    """Pieces of one kind made in the window, with the ideal seconds per piece on this machine."""

    ideal_cycle_s: float
    total: int
    good: int

    def __post_init__(self) -> None:
        if not (0 <= self.good <= self.total) or self.ideal_cycle_s < 0:
            raise InvalidInterval("need 0 ≤ good ≤ total and a non-negative ideal cycle time")


@dataclass(frozen=True, slots=True)
class Oee:
    """The times and counts behind an OEE figure, and the figure."""

    planned_s: float
    run_s: float
    ideal_s: float
    total: int
    good: int

    @property
    def availability(self) -> float:
        return self.run_s / self.planned_s if self.planned_s > 0 else 0.0

    @property
    def performance(self) -> float:
        return min(1.0, self.ideal_s / self.run_s) if self.run_s > 0 else 0.0

    @property
    def quality(self) -> float:
        return self.good / self.total if self.total > 0 else 1.0

    @property
    def oee(self) -> float:
        return self.availability * self.performance * self.quality


def planned_production_time(
    shifts: Iterable[Span], planned_stops: Iterable[Span], window: Span
) -> list[Span]:
    """Shift time inside ``window`` minus planned stops."""
    return subtract(intersect(shifts, [window]), planned_stops)


def machine_oee(
    window: Span,
    shifts: Sequence[Span],
    planned_stops: Sequence[Span],
    states: Sequence[StateSpan],
    counts: Sequence[ProductionCount],
) -> Oee:
    """OEE of one machine over ``window`` (counts are the pieces finished in that window)."""
    planned = planned_production_time(shifts, planned_stops, window)
    return Oee(
        planned_s=total_seconds(planned),
        run_s=seconds_in(states, PRODUCTIVE_STATES, within=planned),
        ideal_s=sum(c.ideal_cycle_s * c.total for c in counts),
        total=sum(c.total for c in counts),
        good=sum(c.good for c in counts),
    )


def combine(results: Iterable[Oee]) -> Oee:
    """OEE of a factory (or several days) from its machines' (or days') results."""
    results = list(results)
    return Oee(
        planned_s=sum(r.planned_s for r in results),
        run_s=sum(r.run_s for r in results),
        ideal_s=sum(r.ideal_s for r in results),
        total=sum(r.total for r in results),
        good=sum(r.good for r in results),
    )


def day_window(day: date, utc_offset_hours: float = 0.0) -> Span:
    """The local calendar day as a span of epoch seconds (factories report in local days)."""
    tz = timezone(timedelta(hours=utc_offset_hours)) if utc_offset_hours else UTC
    start = datetime(day.year, day.month, day.day, tzinfo=tz).timestamp()
    return Span(start, start + 86400.0)
