"""OEE of a hand-computed day, and of a factory built from its machines."""

from datetime import date

import pytest

from services.iot.signals import (
    MachineState,
    Oee,
    ProductionCount,
    Span,
    StateChange,
    combine,
    day_window,
    machine_oee,
    state_spans,
)

pytestmark = pytest.mark.unit

H = 3600.0
DAY = day_window(date(2026, 11, 25), utc_offset_hours=8)


def at(hours):
    return DAY.start + hours * H


def change(hours, state):
    return StateChange("saw-1", at(hours), state, None, at(hours))


def test_a_hand_computed_day():
    shifts = [Span(at(8), at(12)), Span(at(13), at(17))]  # 8 h
    stops = [Span(at(10), at(10.5))]  # a declared half-hour maintenance → 7.5 h planned
    history = state_spans(
        [
            change(0, MachineState.OFF),
            change(8, MachineState.IDLE),
            change(8.5, MachineState.RUNNING),  # runs 8:30–11:30 (3 h, of which 0.5 h in the stop)
            change(11.5, MachineState.IDLE),
            change(13, MachineState.RUNNING),  # runs 13:00–16:00 (3 h), 1 h of it overloaded
            change(14, MachineState.OVERLOAD),
            change(15, MachineState.RUNNING),
            change(16, MachineState.OFF),
        ],
        until=DAY.end,
    )
    counts = [
        ProductionCount(ideal_cycle_s=60.0, total=200, good=188),
        ProductionCount(ideal_cycle_s=120.0, total=50, good=50),
    ]

    oee = machine_oee(DAY, shifts, stops, history, counts)

    assert oee.planned_s == 7.5 * H
    assert oee.run_s == 5.5 * H
    assert oee.availability == pytest.approx(5.5 / 7.5)
    assert oee.performance == pytest.approx((200 * 60 + 50 * 120) / (5.5 * H))  # 0.909
    assert oee.quality == pytest.approx(238 / 250)
    assert oee.oee == pytest.approx(oee.availability * oee.performance * oee.quality)


def test_performance_is_capped_at_one():
    oee = Oee(planned_s=100.0, run_s=50.0, ideal_s=80.0, total=10, good=10)
    assert oee.performance == 1.0


def test_a_factory_weighs_its_machines_by_their_time():
    busy = Oee(planned_s=8 * H, run_s=6 * H, ideal_s=3 * H, total=100, good=90)
    spare = Oee(planned_s=0.0, run_s=0.0, ideal_s=0.0, total=0, good=0)

    factory = combine([busy, spare])

    assert factory.oee == pytest.approx(busy.oee)


def test_a_machine_with_no_planned_time_has_zero_oee_not_an_error():
    oee = machine_oee(DAY, [], [], [], [])
    assert (oee.planned_s, oee.oee, oee.quality) == (0.0, 0.0, 1.0)
