"""Shift calendars (weekly shifts in factory local time, with exceptions) as UTC windows."""

from __future__ import annotations

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
    by_date = {e.date: e for e in exceptions}
    first = datetime.fromtimestamp(start_ms / 1000, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end_ms / 1000, tz).date()
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
            windows.append((max(lo, start_ms), min(hi, end_ms)))
        day += timedelta(days=1)
    return _merge(windows)
