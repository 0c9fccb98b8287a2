"""Machine state from current: accuracy on labelled traces, hysteresis, debouncing, spikes, gaps."""

import numpy as np
import pytest

from dovetail_factory.signals.profiles import PROFILES
from dovetail_factory.signals.traces import DEFECT_SETS, generate_trace
from services.iot.signals import (
    UNKNOWN,
    Calibration,
    ClassifierConfig,
    InvalidSamples,
    MachineState,
    MachineStateClassifier,
    classify,
    labels_from_changes,
)

pytestmark = pytest.mark.unit

OFF, IDLE, RUNNING, OVERLOAD = MachineState
SAW = Calibration.from_levels(0.1, 8.0, 20.0)


def _stream(classifier, t, x, batch):
    changes = []
    for i in range(0, t.size, batch):
        changes += classifier.feed(t[i : i + batch], x[i : i + batch])
    return changes + classifier.flush()


@pytest.mark.parametrize("defects", sorted(DEFECT_SETS))
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_batch_classifier_agrees_with_labels_on_every_profile_and_defect(profile, defects):
    trace = generate_trace(profile, defects=defects, seed=11, duration_s=3600)

    result = classify(trace.timestamps, trace.amps)

    assert np.mean(result.labels == trace.labels) >= 0.97


def test_streaming_classifier_learns_its_calibration_and_stays_accurate():
    for profile in PROFILES:
        trace = generate_trace(profile, defects="all", seed=5, duration_s=3600)
        classifier = MachineStateClassifier(trace.machine_id)

        changes = _stream(classifier, trace.timestamps, trace.amps, batch=17)

        assert classifier.calibration is not None
        labels = labels_from_changes(trace.timestamps, changes)
        assert np.mean(labels == trace.labels) >= 0.97, profile


def test_a_stream_in_any_batch_size_reports_the_same_changes():
    trace = generate_trace("sander", defects="all", seed=3, duration_s=1800)
    runs = [
        _stream(MachineStateClassifier("s", SAW), trace.timestamps, trace.amps, batch)
        for batch in (1, 7, 100, trace.amps.size)
    ]
    onsets = [[(c.at, c.state) for c in run] for run in runs]
    assert onsets[0] == onsets[1] == onsets[2] == onsets[3]


def test_only_real_changes_are_emitted_with_their_onset():
    t = np.arange(0.0, 120.0)
    amps = np.where(t < 40, 8.0, np.where(t < 80, 20.0, 8.0))

    changes = MachineStateClassifier("saw", SAW).feed(t, amps)

    assert [(c.at, c.state, c.previous) for c in changes] == [
        (0.0, IDLE, None),
        (40.0, RUNNING, IDLE),
        (80.0, IDLE, RUNNING),
    ]
    assert all(c.detected_at >= c.at for c in changes)


def test_current_dithering_around_a_threshold_does_not_flap():
    classifier = MachineStateClassifier("saw", SAW)
    t = np.arange(0.0, 600.0)
    warm = np.full(60, 8.0)
    # Idle at first, then a slow dither across the IDLE/RUNNING decision point, inside the band.
    threshold = 0.5 * (classifier_up(SAW) + classifier_down(SAW))
    dither = threshold + 0.4 * (classifier_up(SAW) - threshold) * np.sign(np.sin(t[60:] / 3.0))
    changes = classifier.feed(t, np.r_[warm, dither])

    assert [c.state for c in changes] == [IDLE]


def classifier_up(cal):
    from services.iot.signals.thresholds import thresholds_for

    return float(thresholds_for(cal.levels, cal, ClassifierConfig()).up[1])


def classifier_down(cal):
    from services.iot.signals.thresholds import thresholds_for

    return float(thresholds_for(cal.levels, cal, ClassifierConfig()).down[1])


def test_a_blip_shorter_than_the_dwell_is_not_a_state():
    t = np.arange(0.0, 100.0)
    amps = np.full(t.size, 8.0)
    amps[50:53] = 20.0  # three samples of load: past the median filter, short of the dwell
    config = ClassifierConfig(min_dwell_s=(5.0, 5.0, 5.0, 5.0))

    changes = MachineStateClassifier("saw", SAW, config).feed(t, amps)

    assert [c.state for c in changes] == [IDLE]


def test_a_spell_as_long_as_the_dwell_is_a_state():
    t = np.arange(0.0, 100.0)
    amps = np.full(t.size, 8.0)
    amps[50:56] = 20.0
    config = ClassifierConfig(min_dwell_s=(5.0, 5.0, 5.0, 5.0))

    changes = MachineStateClassifier("saw", SAW, config).feed(t, amps)

    assert [c.state for c in changes] == [IDLE, RUNNING, IDLE]


def test_spikes_and_dropouts_are_ignored():
    rng = np.random.default_rng(1)
    t = np.arange(0.0, 3600.0)
    amps = 20.0 + rng.normal(0.0, 0.5, t.size)
    hits = rng.choice(t.size, 80, replace=False)
    amps[hits] = np.where(rng.random(80) < 0.5, 0.0, 90.0)  # EMI spikes and sensor dropouts

    result = classify(t, amps, calibration=SAW)

    assert [c.state for c in result.changes] == [RUNNING]


def test_start_up_inrush_is_not_an_overload():
    t = np.arange(0.0, 60.0)
    amps = np.r_[np.zeros(20), [120.0, 44.0], np.full(38, 8.0)]

    result = classify(t, amps, calibration=SAW)

    assert [(c.at, c.state) for c in result.changes] == [(0.0, OFF), (20.0, IDLE)]


def test_gaps_invent_no_transition_and_are_counted():
    t = np.r_[np.arange(0.0, 100.0), np.arange(400.0, 500.0)]
    amps = np.full(t.size, 20.0)

    result = classify(t, amps, calibration=SAW)

    assert [c.state for c in result.changes] == [RUNNING]
    assert result.samples_missing == 300


def test_a_change_during_a_gap_is_dated_at_the_first_sample_after_it():
    t = np.r_[np.arange(0.0, 100.0), np.arange(400.0, 500.0)]
    amps = np.r_[np.full(100, 20.0), np.full(100, 8.0)]

    result = classify(t, amps, calibration=SAW)

    assert [(c.at, c.state) for c in result.changes] == [(0.0, RUNNING), (400.0, IDLE)]


def test_levels_follow_slow_sensor_drift():
    t = np.arange(0.0, 4 * 3600.0)
    on = (t // 600) % 2 == 1
    true = np.where(on, 20.0, 8.0)
    amps = true * (1.0 + 0.2 * t / t[-1])  # gain creeps up 20 % over four hours
    classifier = MachineStateClassifier("saw", SAW)

    labels = labels_from_changes(t, _stream(classifier, t, amps, batch=60))

    assert np.mean(labels == np.where(on, RUNNING, IDLE)) > 0.99
    assert classifier.levels[2] > 22.0


def test_an_explicit_overload_threshold_is_honoured():
    cal = Calibration.from_levels(0.1, 8.0, 20.0, overload_amps=23.0)
    t = np.arange(0.0, 60.0)

    result = classify(t, np.full(t.size, 24.0), calibration=cal)

    assert result.changes[-1].state == OVERLOAD


def test_labels_before_the_first_confirmed_state_are_unknown():
    t = np.arange(0.0, 2.0)
    result = classify(
        t,
        np.full(2, 20.0),
        calibration=SAW,
        config=ClassifierConfig(min_dwell_s=(9.0, 9.0, 9.0, 9.0)),
    )
    assert set(result.labels.tolist()) == {UNKNOWN}


@pytest.mark.parametrize(
    ("t", "amps"),
    [
        (np.array([0.0, 1.0, 1.0]), np.zeros(3)),
        (np.array([0.0, 1.0]), np.array([1.0, np.nan])),
        (np.array([0.0, 1.0]), np.zeros(3)),
    ],
)
def test_bad_samples_are_refused_and_change_nothing(t, amps):
    classifier = MachineStateClassifier("saw", SAW)
    with pytest.raises(InvalidSamples):
        classifier.feed(t, amps)
    assert classifier.samples_seen == 0


def test_samples_older_than_the_last_batch_are_refused():
    classifier = MachineStateClassifier("saw", SAW)
    classifier.feed(np.arange(0.0, 10.0), np.full(10, 8.0))
    with pytest.raises(InvalidSamples):
        classifier.feed(np.array([5.0]), np.array([8.0]))
