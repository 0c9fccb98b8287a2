"""Live telemetry comes one sample per machine per message: the plain-float path that takes such a
sample must decide exactly what the numpy path decides (same changes, onsets, levels, energy,
refusals), whatever the signal does: noise, spikes, drift, gaps, drops, learning."""

import numpy as np
import pytest

from dovetail_factory.signals.profiles import PROFILES
from dovetail_factory.signals.traces import DEFECT_SETS, generate_trace
from services.iot.domain.profiles import MachineProfile, SensorCalibration
from services.iot.domain.telemetry import IntakeLimits
from services.iot.domain.tracker import MachineInfo, MachineTracker
from services.iot.signals import Calibration, LivenessPolicy, MachineStateClassifier, ShiftContext
from services.iot.signals.filtering import SpikeFilter

pytestmark = pytest.mark.unit

WORKING = ShiftContext(in_shift=True, has_work=True)


@pytest.mark.parametrize("window", [1, 3, 5, 7])
def test_one_sample_filter_releases_the_same_medians_as_the_batch_filter(window):
    rng = np.random.default_rng(window)
    t = np.cumsum(rng.choice([1.0, 1.0, 1.0, 2.0, 5.0], size=400))
    x = rng.exponential(5.0, size=t.size)
    batch, single = SpikeFilter(window, 1.0, 3.5), SpikeFilter(window, 1.0, 3.5)
    expected = batch.push(t, x)
    got_t, got_x = [], []
    for ti, xi in zip(t.tolist(), x.tolist(), strict=True):
        released = single.push_one(ti, xi)
        rt, rx = (np.array([released[0]]), np.array([released[1]])) if released else (
            single.push(np.array([ti]), np.array([xi])))
        got_t += rt.tolist()
        got_x += rx.tolist()
    end_t, end_x = single.finish()
    tail_t, tail_x = batch.finish()

    assert got_t + end_t.tolist() == expected[0].tolist() + tail_t.tolist()
    assert got_x + end_x.tolist() == expected[1].tolist() + tail_x.tolist()
    assert single.samples_missing == batch.samples_missing


@pytest.mark.parametrize("defects", sorted(DEFECT_SETS))
@pytest.mark.parametrize("profile", ["panel_saw", "edge_bander", "paint_line"])
@pytest.mark.parametrize("calibrated", [True, False])
def test_one_sample_classifier_confirms_what_the_array_path_confirms(profile, defects,
                                                                     calibrated):
    trace = generate_trace(profile, defects=defects, seed=5, duration_s=5400)
    p = PROFILES[profile]
    calibration = Calibration.from_levels(p.off_amps, p.idle_amps, p.running_amps) if (
        calibrated) else None
    batch = MachineStateClassifier("m", calibration)
    single = MachineStateClassifier("m", calibration)

    expected, got = [], []
    for ti, xi in zip(trace.timestamps.tolist(), trace.amps.tolist(), strict=True):
        expected += batch.feed(np.array([ti]), np.array([xi]))
        got += single.feed_one(ti, xi)

    assert len(got) > 5
    assert got == expected
    assert np.array_equal(single.levels, batch.levels)
    assert single.calibration == batch.calibration
    assert got + single.flush() == expected + batch.flush()


def _profile(calibrated: bool, scale: float = 1.0) -> MachineProfile:
    p = PROFILES["panel_saw"]
    levels = {"off_level_amperes": p.off_amps, "idle_level_amperes": p.idle_amps,
              "running_level_amperes": p.running_amps} if calibrated else {}
    return MachineProfile("M1", "F1", machine_type="panel_saw", sensor_kind="current_sensor",
                          rated_power_kw=18.0,
                          calibration=SensorCalibration(current_scale=scale, **levels))


def _awkward_samples(seed: int, now_ms: int):
    """A live stream with what real links do: gaps, repeats, reordering, bad values, a voltage
    and power factor now and then, samples from the future and from long ago."""
    trace = generate_trace("panel_saw", defects="all", seed=seed, duration_s=3000)
    rng = np.random.default_rng(seed)
    t_ms = now_ms - 3_100_000 + (trace.timestamps * 1000).astype(np.int64)
    rows = []
    for ts, amps in zip(t_ms.tolist(), trace.amps.tolist(), strict=True):
        volts = float(rng.choice([0.0, 0.0, 0.0, 398.0, -5.0, 2e6], p=[.5, .2, .2, .08, .01, .01]))
        pf = float(rng.choice([0.0, 0.0, 0.83, 1.5], p=[.6, .2, .19, .01]))
        roll = rng.random()
        if roll < 0.01:
            amps = float("nan")
        elif roll < 0.02:
            amps = -1.0
        elif roll < 0.03:
            ts = rows[-1][0] if rows else ts  # a repeat of the last time
        elif roll < 0.035:
            ts = now_ms + 60_000  # ahead of the server clock
        elif roll < 0.04:
            ts = now_ms - 7_200_000  # older than an hour
        rows.append((ts, amps, volts, pf))
    return rows


@pytest.mark.parametrize("calibrated", [True, False])
@pytest.mark.parametrize("scale", [1.0, 2.5])
def test_one_sample_tracker_takes_what_the_batch_tracker_takes(calibrated, scale):
    now = 1_800_000_000.0
    info = MachineInfo.from_profile(_profile(calibrated, scale))
    batch = MachineTracker(info, LivenessPolicy(), IntakeLimits(), now=now)
    single = MachineTracker(info, LivenessPolicy(), IntakeLimits(), now=now)

    expected, got = [], []
    for ts, amps, volts, pf in _awkward_samples(int(scale * 10) + calibrated, int(now * 1000)):
        expected.append(batch.take_current(np.array([ts], dtype=np.int64), np.array([amps]),
                                           np.array([volts]), np.array([pf]), now, WORKING))
        got.append(single.take_sample(ts, amps, volts, pf, now, WORKING))

    assert sum(len(o.transitions) for o in got) > 5
    assert sum(o.accepted for o in got) > 2000
    assert [o.transitions for o in got] == [o.transitions for o in expected]
    assert [o.accepted for o in got] == [o.accepted for o in expected]
    assert [o.refusals.counts for o in got] == [o.refusals.counts for o in expected]
    assert [o.energy_kwh for o in got] == [o.energy_kwh for o in expected]
    assert [o.learnt for o in got] == [o.learnt for o in expected]
    assert (single.amps, single.power_kw, single.live, single.since_ms) == (
        batch.amps, batch.power_kw, batch.live, batch.since_ms)
