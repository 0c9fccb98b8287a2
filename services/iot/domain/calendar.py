"""Shift calendars: weekly shifts in factory local time, with dated exceptions.

A calendar is plain data: ``{"weekly_shifts": [{"weekday": 1-7 (ISO, Monday = 1),
"start_minute", "end_minute", "name"}], "exceptions": [{"date": "YYYY-MM-DD", "closed",
"shifts": [{"start_minute", "end_minute"}], "reason"}]}``. Minutes count from local midnight;
an end past 1440 runs over midnight. Local time follows the factory's IANA zone (DST included).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.iot.signals import Span
from services.iot.signals.intervals import union
from services.kit.errors import Violations

MAX_SHIFTS = 64
MAX_EXCEPTIONS = 366


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def valid_zone(name: str) -> bool:
    try:
        zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def validate_calendar(v: Violations, calendar: dict[str, Any], field: str = "shift_calendar") -> None:
    shifts = calendar.get("weekly_shifts", [])
    exceptions = calendar.get("exceptions", [])
    v.check(len(shifts) <= MAX_SHIFTS, f"{field}.weekly_shifts", f"at most {MAX_SHIFTS} shifts")
    v.check(len(exceptions) <= MAX_EXCEPTIONS, f"{field}.exceptions",
            f"at most {MAX_EXCEPTIONS} exceptions")
    for i, shift in enumerate(shifts):
        f = f"{field}.weekly_shifts[{i}]"
        v.check(1 <= shift.get("weekday", 0) <= 7, f"{f}.weekday", "must be MONDAY to SUNDAY")
        _check_window(v, shift, f)
    for i, exc in enumerate(exceptions):
        f = f"{field}.exceptions[{i}]"
        try:
            date.fromisoformat(exc.get("date", ""))
        except ValueError:
            v.add(f"{f}.date", "must be a valid date")
        for j, window in enumerate(exc.get("shifts", [])):
            _check_window(v, window, f"{f}.shifts[{j}]")


def _check_window(v: Violations, window: dict[str, Any], field: str) -> None:
    start, end = window.get("start_minute", 0), window.get("end_minute", 0)
    v.check(0 <= start < 1440, f"{field}.start_minute", "must be from 0 to 1439")
    v.check(start < end <= start + 1440, f"{field}.end_minute",
            "must be after start_minute, at most 24 hours later")


def shift_spans(calendar: dict[str, Any], tz: str, start: float, end: float) -> list[Span]:
    """Working time in [start, end) (epoch seconds) according to the calendar."""
    if end <= start:
        return []
    zone_info = zone(tz)
    first = datetime.fromtimestamp(start, zone_info).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end, zone_info).date()
    exceptions = {e["date"]: e for e in calendar.get("exceptions", [])}
    weekly = calendar.get("weekly_shifts", [])
    spans: list[Span] = []
    day = first
    while day <= last:
        exc = exceptions.get(day.isoformat())
        if exc is not None:
            windows = [] if exc.get("closed") else exc.get("shifts", [])
        else:
            windows = [w for w in weekly if w.get("weekday") == day.isoweekday()]
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone_info)
        for w in windows:
            a = (midnight + timedelta(minutes=w["start_minute"])).timestamp()
            b = (midnight + timedelta(minutes=w["end_minute"])).timestamp()
            a, b = max(a, start), min(b, end)
            if b > a:
                spans.append(Span(a, b))
        day += timedelta(days=1)
    return union(spans)


def in_shift(calendar: dict[str, Any], tz: str, at: float) -> bool:
    return bool(shift_spans(calendar, tz, at, at + 1e-3))


def local_day_window(day: date, tz: str) -> Span:
    """A local calendar day as epoch seconds (23 or 25 hours on DST days)."""
    zone_info = zone(tz)
    start = datetime(day.year, day.month, day.day, tzinfo=zone_info)
    nxt = day + timedelta(days=1)
    end = datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone_info)
    return Span(start.timestamp(), end.timestamp())
