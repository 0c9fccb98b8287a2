"""Shift calendars: weekly shifts in factory local time, with dated exceptions.

A calendar (``ShiftCalendar``) holds weekly shifts (``WeeklyShift``: an ISO weekday, Monday = 1,
and a window) and dated exceptions (``CalendarException``: closed, or other windows). Minutes
count from local midnight; an end past 1440 runs over midnight. Local time follows the factory's
IANA zone (DST included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.iot.signals import Span
from services.iot.signals.intervals import union
from services.kit.errors import Violations
from services.kit.words import N_

MAX_SHIFTS = 64
MAX_EXCEPTIONS = 366


@dataclass(frozen=True)
class ShiftWindow:
    """Working time in a day: minutes from local midnight (an end past 1440 runs over it)."""

    start_minute: int = 0
    end_minute: int = 0


@dataclass(frozen=True)
class WeeklyShift(ShiftWindow):
    weekday: int = 0  # ISO: Monday = 1 ... Sunday = 7
    name: str = ""


@dataclass(frozen=True)
class CalendarException:
    """A dated day that differs from the week: closed, or worked in its own windows."""

    date: str = ""  # YYYY-MM-DD
    closed: bool = False
    shifts: tuple[ShiftWindow, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class ShiftCalendar:
    weekly_shifts: tuple[WeeklyShift, ...] = ()
    exceptions: tuple[CalendarException, ...] = ()


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_zone(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def validate_calendar(v: Violations, calendar: ShiftCalendar,
                      field: str = "shift_calendar") -> None:
    """Names every problem of ``calendar`` under ``field`` (``shift_calendar.weekly_shifts[2]...``)."""
    shifts, exceptions = calendar.weekly_shifts, calendar.exceptions
    v.check(len(shifts) <= MAX_SHIFTS, f"{field}.weekly_shifts",
            N_("at most %(n)s shifts"),
            n=MAX_SHIFTS)
    v.check(len(exceptions) <= MAX_EXCEPTIONS, f"{field}.exceptions",
            N_("at most %(n)s exceptions"), n=MAX_EXCEPTIONS)
    for i, shift in enumerate(shifts):
        f = f"{field}.weekly_shifts[{i}]"
        v.check(1 <= shift.weekday <= 7, f"{f}.weekday", N_("must be MONDAY to SUNDAY"))
        _check_window(v, shift, f)
    for i, exc in enumerate(exceptions):
        f = f"{field}.exceptions[{i}]"
        try:
            date.fromisoformat(exc.date)
        except ValueError:
            v.add(f"{f}.date", N_("must be a valid date"))
        for j, window in enumerate(exc.shifts):
            _check_window(v, window, f"{f}.shifts[{j}]")


def _check_window(v: Violations, window: ShiftWindow, field: str) -> None:
    start, end = window.start_minute, window.end_minute
    v.check(0 <= start < 1440, f"{field}.start_minute", N_("must be from 0 to 1439"))
    v.check(start < end <= start + 1440, f"{field}.end_minute",
            N_("must be after start_minute, at most 24 hours later"))


def shift_spans(calendar: ShiftCalendar, tz: str, start: float, end: float) -> list[Span]:
    """Working time in [start, end) (epoch seconds) according to the calendar."""
    if end <= start:
        return []
    zone_info = zone(tz)
    first = datetime.fromtimestamp(start, zone_info).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end, zone_info).date()
    exceptions = {e.date: e for e in calendar.exceptions}
    weekly = calendar.weekly_shifts
    spans: list[Span] = []
    day = first
    while day <= last:
        exc = exceptions.get(day.isoformat())
        windows: tuple[ShiftWindow, ...]
        if exc is not None:
            windows = () if exc.closed else exc.shifts
        else:
            windows = tuple(w for w in weekly if w.weekday == day.isoweekday())
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone_info)
        for w in windows:
            a = (midnight + timedelta(minutes=w.start_minute)).timestamp()
            b = (midnight + timedelta(minutes=w.end_minute)).timestamp()
            a, b = max(a, start), min(b, end)
            if b > a:
                spans.append(Span(a, b))
        day += timedelta(days=1)
    return union(spans)


def in_shift(calendar: ShiftCalendar, tz: str, at: float) -> bool:
    return bool(shift_spans(calendar, tz, at, at + 1e-3))


def local_day_window(day: date, tz: str) -> Span:
    """A local calendar day as epoch seconds (23 or 25 hours on DST days)."""
    zone_info = zone(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone_info)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone_info)
    return Span(start.timestamp(), end.timestamp())
