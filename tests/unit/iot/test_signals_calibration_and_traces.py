"""Labelled traces are reproducible; calibration finds each machine's levels in its own signal."""

import numpy as np
import pytest

from dovetail_factory.signals import traces
from dovetail_factory.signals.profiles import PROFILES
from dovetail_factory.signals.traces import generate_trace
from services.iot.signals import Calibration, CalibrationError, MachineState, learn_calibration

pytestmark = pytest.mark.unit


def test_trace_labels_are_the_classifiers_machine_states():
    # The SDK draws the traces without importing the server: its labels must stay the
    # classifier's, or every comparison of classifier output with a trace is off.
    labels = {"OFF": traces.OFF, "IDLE": traces.IDLE, "RUNNING": traces.RUNNING,
              "OVERLOAD": traces.OVERLOAD}

    assert labels == {state.name: int(state) for state in MachineState}


def test_a_trace_is_the_same_for_the_same_seed_and_differs_for_another():
    a = generate_trace("panel_saw", defects="all", seed=4, duration_s=900)
    b = generate_trace("panel_saw", defects="all", seed=4, duration_s=900)
    c = generate_trace("panel_saw", defects="all", seed=5, duration_s=900)

    assert np.array_equal(a.amps, b.amps) and np.array_equal(a.labels, b.labels)
    assert not np.array_equal(a.amps, c.amps)


def test_a_trace_visits_every_state_and_gaps_remove_samples():
    trace = generate_trace("sander", defects="gaps", seed=2, duration_s=7200)

    assert set(np.unique(trace.labels).tolist()) == {int(s) for s in MachineState}
    assert trace.samples_missing > 0
    assert trace.amps.size + trace.samples_missing == 7200
    assert np.all(np.diff(trace.timestamps) > 0)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_learnt_levels_are_near_the_nominal_ones(profile):
    nominal = PROFILES[profile]
    trace = generate_trace(profile, defects="noise", seed=8)

    cal = learn_calibration(trace.amps)

    assert cal.idle_amps == pytest.approx(nominal.idle_amps, rel=0.1)
    assert cal.running_amps == pytest.approx(nominal.running_amps, rel=0.1)
    assert cal.off_amps < 0.2 * nominal.idle_amps


def test_a_signal_with_one_working_level_is_calibrated_as_incomplete():
    rng = np.random.default_rng(0)
    amps = np.r_[np.zeros(100), 20.0 + rng.normal(0, 0.5, 900)]

    cal = learn_calibration(amps)

    assert not cal.complete
    assert cal.running_amps == pytest.approx(20.0, rel=0.05)


def test_rated_current_says_a_low_single_level_is_idle():
    amps = np.r_[np.zeros(100), np.full(900, 8.0)]

    cal = learn_calibration(amps, rated_amps=25.0)

    assert cal.idle_amps == pytest.approx(8.0, rel=0.05) and not cal.complete


def test_a_machine_that_never_ran_cannot_be_calibrated():
    with pytest.raises(CalibrationError):
        learn_calibration(np.zeros(500))


def test_levels_that_do_not_rise_are_refused():
    with pytest.raises(CalibrationError):
        Calibration.from_levels(0.1, 20.0, 8.0)
