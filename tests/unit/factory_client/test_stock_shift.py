"""Which cutting batches are this shift's, as the factory CLI lists them (issue 20, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime

from dovetail_factory.models import Factory, Shift
from dovetail_factory.stock import Batch, current_shift, in_shift


def factory(shifts: list[Shift]) -> Factory:
    return Factory("F1", "Works", "Asia/Shanghai", 100, shifts, 1)


def batch(name: str, nested: str) -> Batch:
    return Batch(name, ("o1",), 1, 0, 0, 80.0, datetime.fromisoformat(nested), True)


def test_the_shift_running_now_on_the_factorys_clock():
    early = factory([Shift(d, 8 * 60, 16 * 60) for d in range(1, 6)])
    now = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # Monday 11:00 in Shanghai
    shift = current_shift(early, now)
    assert (shift.start.hour, shift.end.hour, shift.start.day) == (8, 16, 7)
    assert in_shift(batch("any", "2026-12-07T02:00:00+00:00"), shift)  # 10:00 local
    assert not in_shift(batch("any", "2026-12-06T02:00:00+00:00"), shift)  # yesterday
    assert in_shift(batch("2026-12-07-0800", "2026-12-06T23:00:00+00:00"), shift)  # its name


def test_a_factory_without_a_calendar_works_its_local_day():
    shift = current_shift(factory([]), datetime(2026, 12, 7, 17, 0, tzinfo=UTC))  # 01:00 local
    assert (shift.start.day, shift.start.hour, (shift.end - shift.start).days) == (8, 0, 1)
