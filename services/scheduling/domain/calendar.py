"""Shift calendars (weekly shifts in factory local time, with exceptions) as UTC windows."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.scheduling.domain.values import ShiftException


def zone(name: str):
    """The IANA zone of that name; UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for s, e in sorted(w for w in windows if w[1] > w[0]):
        if merged and s <= merged[-1][1]:  # touching shifts form one (work runs across them)
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def shift_windows(weekly_shifts: list[list[int]], exceptions: Sequence[ShiftException], timezone: str,
                  start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """Working windows in ``[start_ms, end_ms)`` as unix ms. No weekly shifts: always open.

    ``weekly_shifts`` are ``[weekday 1=Monday..7, start minute, end minute]`` (end may pass
    midnight); an exception replaces one local date's shifts (or closes it).
    """
    if not weekly_shifts and not exceptions:
        return [(start_ms, end_ms)]
    tz = zone(timezone)
    first = datetime.fromtimestamp(start_ms / 1000, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end_ms / 1000, tz).date()
    weekly = tuple(tuple(s) for s in weekly_shifts)
    try:
        days = _days_windows(weekly, tuple(exceptions), timezone, first, last)
    except TypeError:  # exceptions that cannot be a cache key: worked out each time
        days = _days_windows.__wrapped__(weekly, tuple(exceptions), timezone, first, last)
    # merged, then clipped: the same windows as clipped, then merged
    return [(max(lo, start_ms), min(hi, end_ms)) for lo, hi in days
            if min(hi, end_ms) > max(lo, start_ms)]


@functools.lru_cache(maxsize=8192)
def _days_windows(weekly_shifts: tuple[tuple[int, ...], ...],
                  exceptions: tuple[ShiftException, ...], timezone: str, first: date,
                  last: date) -> tuple[tuple[int, int], ...]:
    """The merged working windows of the local days ``first`` to ``last``, as unix ms. Kept:
    a chain's planner asks for the same factories' days in every pass (the days move once a
    day), and working them out took a tenth of its time slotting orders in."""
    tz = zone(timezone)
    by_date = {e.date: e for e in exceptions}
    windows: list[tuple[int, int]] = []
    day: date = first
    while day <= last:
        exception = by_date.get(day.isoformat())
        if exception is not None:
            shifts = [] if exception.closed else [[s.start_minute, s.end_minute]
                                                   for s in exception.shifts]
        else:
            shifts = [[s, e] for wd, s, e in weekly_shifts if wd == day.isoweekday()]
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        for s, e in shifts:
            lo = int((midnight + timedelta(minutes=s)).timestamp() * 1000)
            hi = int((midnight + timedelta(minutes=e)).timestamp() * 1000)
            windows.append((lo, hi))
        day += timedelta(days=1)
    return tuple(_merge(windows))
