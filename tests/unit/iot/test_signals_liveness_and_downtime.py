"""OFFLINE when silent, DOWN after a grace period in shift, downtime analytics."""

import pytest

from services.iot.signals import (
    Availability,
    AvailabilityChange,
    LivenessPolicy,
    MachineLiveness,
    MachineState,
    ShiftContext,
    Span,
    downtime_stats,
    downtimes_from_changes,
    factory_downtime_stats,
    with_reason,
)

pytestmark = pytest.mark.unit

WORKING_SHIFT = ShiftContext(in_shift=True, has_work=True)
POLICY = LivenessPolicy(offline_after_s=10.0, down_grace_s=120.0)


def _heard_until(liveness, last, state=MachineState.RUNNING, since=0.0):
    for second in range(0, int(last) + 1):
        liveness.heard(float(second), state, since)


def test_a_silent_machine_is_offline_within_the_timeout():
    machine = MachineLiveness("saw-1", POLICY)
    _heard_until(machine, 100)
    assert machine.evaluate(105.0, WORKING_SHIFT).availability is Availability.AVAILABLE

    assert machine.evaluate(110.0, WORKING_SHIFT) is None  # exactly at the timeout: still fine
    change = machine.evaluate(110.5, WORKING_SHIFT)

    assert change.availability is Availability.OFFLINE and change.at == 100.0


def test_a_sample_brings_an_offline_machine_back():
    machine = MachineLiveness("saw-1", POLICY)
    _heard_until(machine, 10)
    machine.evaluate(30.0, WORKING_SHIFT)

    machine.heard(31.0, MachineState.RUNNING)

    assert machine.evaluate(31.5, WORKING_SHIFT).availability is Availability.AVAILABLE


def test_zero_current_in_shift_with_work_is_down_after_the_grace_period():
    machine = MachineLiveness("saw-1", POLICY)
    machine.heard(0.0, MachineState.RUNNING)
    machine.evaluate(0.0, WORKING_SHIFT)
    for second in range(1, 300):
        machine.heard(float(second), MachineState.OFF, since=50.0)
        change = machine.evaluate(float(second), WORKING_SHIFT)
        if second < 170:
            assert change is None, second
        elif second == 170:
            assert change.availability is Availability.DOWN and change.at == 50.0


def test_no_down_during_a_planned_stop_or_without_work_or_outside_the_shift():
    for context in (
        ShiftContext(in_shift=True, has_work=True, planned_stop=True),
        ShiftContext(in_shift=True, has_work=False),
        ShiftContext(in_shift=False, has_work=True),
    ):
        machine = MachineLiveness("saw-1", POLICY)
        for second in range(0, 600):
            machine.heard(float(second), MachineState.OFF, since=0.0)
            machine.evaluate(float(second), context)
        assert machine.availability is Availability.AVAILABLE, context


def test_the_grace_starts_when_the_shift_starts_not_when_the_machine_went_off():
    machine = MachineLiveness("saw-1", POLICY)
    for second in range(0, 400):
        machine.heard(float(second), MachineState.OFF, since=-50_000.0)  # off since last night
        shift = ShiftContext(in_shift=second >= 200, has_work=True)
        machine.evaluate(float(second), shift)
        if second == 319:
            assert machine.availability is Availability.AVAILABLE
    assert machine.availability is Availability.DOWN


def test_current_coming_back_clears_down():
    machine = MachineLiveness("saw-1", POLICY)
    for second in range(0, 200):
        machine.heard(float(second), MachineState.OFF, since=0.0)
        machine.evaluate(float(second), WORKING_SHIFT)
    assert machine.availability is Availability.DOWN

    machine.heard(200.0, MachineState.IDLE, since=200.0)

    assert machine.evaluate(200.0, WORKING_SHIFT).availability is Availability.AVAILABLE


def _change(machine, at, availability, previous=Availability.AVAILABLE):
    return AvailabilityChange(machine, at, availability, previous, "")


def test_downtime_intervals_reasons_totals_mtbf_and_mttr():
    changes = [
        _change("saw-1", 1000.0, Availability.DOWN),
        _change("saw-1", 1600.0, Availability.AVAILABLE),
        _change("saw-1", 5000.0, Availability.OFFLINE),
        _change("saw-1", 5030.0, Availability.AVAILABLE),
        _change("saw-1", 7000.0, Availability.DOWN),  # still down at the end of the window
    ]
    downtimes = with_reason(downtimes_from_changes(changes), "saw-1", 1000.0, "blade change")

    stats = downtime_stats(downtimes, Span(0.0, 8000.0))

    assert stats.failures == 2
    assert stats.downtime_s == 600.0 + 1000.0
    assert stats.by_reason_s == {"blade change": 600.0, "unspecified": 1000.0}
    assert stats.by_kind_s == {"down": 1600.0, "offline": 30.0}
    assert stats.mttr_s == 800.0
    assert stats.mtbf_s == (8000.0 - 1600.0) / 2


def test_factory_downtime_adds_up_its_machines():
    window = Span(0.0, 10_000.0)
    by_machine = {
        "saw-1": downtimes_from_changes(
            [
                _change("saw-1", 100.0, Availability.DOWN),
                _change("saw-1", 400.0, Availability.AVAILABLE),
            ]
        ),
        "edge-1": [],
    }

    factory, each = factory_downtime_stats(by_machine, window)

    assert factory.failures == 1 and factory.downtime_s == 300.0
    assert factory.mtbf_s == 20_000.0 - 300.0
    assert each["edge-1"].mtbf_s is None
