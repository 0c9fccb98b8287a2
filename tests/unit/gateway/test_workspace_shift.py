"""This shift and its queue, in the factory's time (gateway/workspace/shift.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.workspace.shift import (
    MachineQueue,
    QueuedOperation,
    WeeklyShift,
    current_shift,
    in_shift,
    zone_of,
)

pytestmark = pytest.mark.unit
SHANGHAI = zone_of("Asia/Shanghai")
# Saturday 5 December 2026.
DAY = [WeeklyShift(d, 8 * 60, 17 * 60, "day") for d in range(1, 6)]
NIGHT = [WeeklyShift(d, 22 * 60, 30 * 60, "night") for d in range(1, 8)]


def test_a_factory_without_shifts_works_its_local_day():
    shift = current_shift([], SHANGHAI, datetime(2026, 12, 5, 17, 0, tzinfo=UTC))
    assert shift.start == datetime(2026, 12, 6, 0, 0, tzinfo=SHANGHAI)  # 01:00 on the 6th there


def test_a_night_shift_runs_past_midnight():
    at_two = datetime(2026, 12, 5, 18, 0, tzinfo=UTC)  # 02:00 Sunday in Shanghai
    shift = current_shift(NIGHT, SHANGHAI, at_two)
    assert (shift.start, shift.end) == (datetime(2026, 12, 5, 22, tzinfo=SHANGHAI),
                                        datetime(2026, 12, 6, 6, tzinfo=SHANGHAI))


def test_between_shifts_the_next_one_is_shown():
    saturday_noon = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
    shift = current_shift(DAY, SHANGHAI, saturday_noon)  # no shift at the weekend
    assert shift.start == datetime(2026, 12, 7, 8, tzinfo=SHANGHAI) and shift.name == "day"


def test_an_unknown_zone_is_shanghai():
    assert str(zone_of("Mars/Olympus")) == "Asia/Shanghai" and str(zone_of("")) == "Asia/Shanghai"


def op(op_id: str, start: int, end: int, status: str = "PLANNED", risk: str = "ON_TIME"):
    return QueuedOperation(op_id, "o", 1, start, end, status, risk)


def test_the_queue_keeps_open_work_from_before_and_marks_what_is_next():
    shift = current_shift([], SHANGHAI, datetime(2026, 12, 5, 4, 0, tzinfo=UTC))
    early, late = shift.start_ms - 7_200_000, shift.end_ms + 1
    assert in_shift(op("left over", early, early + 60_000), shift)
    assert not in_shift(op("done before", early, early + 60_000, "FINISHED"), shift)
    assert not in_shift(op("tomorrow", late, late + 60_000), shift)
    queue = MachineQueue("m", "panel_saw", True, [
        op("a", 1, 2, "FINISHED"), op("b", 3, 4, risk="LATE"), op("c", 5, 6, "STARTED")])
    assert queue.next.operation_id == "c"  # the running one first
    assert [o.operation_id for o in queue.at_risk] == ["b"]
