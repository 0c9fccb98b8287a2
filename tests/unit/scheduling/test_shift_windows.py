"""A factory's working windows are worked out once per run of days (issue 15: the planner
asks for the same factories' days in every pass), and clipped to what each caller asks for:
the same windows as working each day out every time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.scheduling.domain import calendar
from services.scheduling.domain.calendar import shift_windows, zone
from services.scheduling.domain.values import DayShift, ShiftException

pytestmark = pytest.mark.unit
DAY_MS = 86_400_000


def each_day(weekly_shifts, exceptions, timezone, start_ms, end_ms):
    """Every day worked out, clipped, then merged (as the planner did before issue 15)."""
    if not weekly_shifts and not exceptions:
        return [(start_ms, end_ms)]
    tz = zone(timezone)
    by_date = {e.date: e for e in exceptions}
    day = datetime.fromtimestamp(start_ms / 1000, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(end_ms / 1000, tz).date()
    windows = []
    while day <= last:
        e = by_date.get(day.isoformat())
        shifts = ([] if e.closed else [[s.start_minute, s.end_minute] for s in e.shifts]
                  ) if e is not None else [[s, f] for wd, s, f in weekly_shifts
                                           if wd == day.isoweekday()]
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        for s, f in shifts:
            lo = int((midnight + timedelta(minutes=s)).timestamp() * 1000)
            hi = int((midnight + timedelta(minutes=f)).timestamp() * 1000)
            windows.append((max(lo, start_ms), min(hi, end_ms)))
        day += timedelta(days=1)
    merged: list[list[int]] = []
    for s, f in sorted(w for w in windows if w[1] > w[0]):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], f)
        else:
            merged.append([s, f])
    return [(s, f) for s, f in merged]


@pytest.mark.parametrize("seed", range(40))
def test_windows_are_those_of_each_day_worked_out(seed):
    rng = random.Random(seed)
    timezone = rng.choice(["Asia/Shanghai", "Europe/London", "America/New_York", ""])
    weekly = []
    for wd in range(1, 8):
        if rng.random() < 0.8:
            start = rng.choice([0, 360, 480, 1320])
            weekly.append([wd, start, start + rng.choice([240, 480, 600, 1440 - start])])
    origin = int(datetime(2026, 3, 1, tzinfo=UTC).timestamp() * 1000) + rng.randrange(DAY_MS * 60)
    exceptions = [ShiftException(
        (datetime.fromtimestamp(origin / 1000, UTC) + timedelta(days=d)).date().isoformat(),
        closed=rng.random() < 0.5, shifts=(DayShift(600, 900),)) for d in rng.sample(range(14), 3)]
    for _ in range(5):  # passes a few minutes apart ask for the same days
        start = origin + rng.randrange(0, 3_600_000)
        end = start + rng.choice([1, 7, 14]) * DAY_MS
        assert shift_windows(weekly, exceptions, timezone, start, end) == each_day(
            weekly, exceptions, timezone, start, end)


def test_the_same_days_are_worked_out_once():
    weekly = [[d, 480, 1020] for d in range(1, 7)]
    start = int(datetime(2026, 12, 7, 1, tzinfo=UTC).timestamp() * 1000)
    shift_windows(weekly, [], "Asia/Shanghai", start, start + 14 * DAY_MS)
    before = calendar._days_windows.cache_info()
    for minute in range(1, 30):  # the passes of the next half hour
        moved = start + minute * 60_000
        assert shift_windows(weekly, [], "Asia/Shanghai", moved, moved + 14 * DAY_MS)[0][0] >= moved
    after = calendar._days_windows.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (29, 0)
