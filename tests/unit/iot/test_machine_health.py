"""A machine's health from its live samples (issue 22): when an assessment is worth keeping, the
machine keeping it (and forgetting it when serviced), and the live wear watch bounded, fed sample
by sample, and learning afresh after maintenance."""

import math

import numpy as np

from demo.wear import DAY_S, Effect, LoadChange, WearScenario, window
from services.iot.domain.health import (
    HealthAssessment,
    Maintenance,
    assessment_of,
    worth_recording,
)
from services.iot.domain.profiles import MachineProfile
from services.iot.domain.registry import Machine
from services.iot.signals.wear_capture import MachineWear, WearClock

START = 1_793_000_000.0 - 1_793_000_000.0 % 3600


def health(score=100.0, horizon_s=math.inf, alarm=False, at_ms=1, since_ms=0):
    return HealthAssessment(
        at_ms, score, horizon_s, 0.5, alarm, ("cutting current up 9 %",), since_ms
    )


def test_the_first_assessment_an_alarm_and_real_moves_are_worth_keeping_noise_is_not():
    first = health(96.0)
    assert worth_recording(None, first)
    assert not worth_recording(first, health(92.0))  # 4 points: noise
    assert worth_recording(first, health(91.0))  # 5 points
    assert worth_recording(first, health(96.0, alarm=True))
    assert worth_recording(health(alarm=True), health())  # cleared
    foreseen = health(80.0, horizon_s=5 * DAY_S)
    assert worth_recording(first, health(96.0, horizon_s=5 * DAY_S))  # a horizon appears
    assert worth_recording(foreseen, health(80.0))  # and goes away
    assert not worth_recording(foreseen, health(80.0, horizon_s=5 * DAY_S - 7 * 3600))
    assert worth_recording(foreseen, health(80.0, horizon_s=5 * DAY_S - 8 * 3600))  # a shift


def test_a_machine_keeps_what_is_new_and_an_alarm_until_maintenance():
    machine = Machine("saw-1", MachineProfile(machine_id="saw-1", factory_id="f-1"))
    assert machine.health is None
    assert machine.assess_health(health(97.0))
    assert not machine.assess_health(health(95.0))
    raised = health(70.0, horizon_s=3 * DAY_S, alarm=True, at_ms=5000)
    assert machine.assess_health(raised)
    assert machine.health == raised
    assert raised.failure_expected_by_ms == 5000 + int(3 * DAY_S * 1000)
    # a wear watch restarted on the worn machine says "healthy": the alarm stands
    assert not machine.assess_health(health(100.0))
    assert machine.health.alarm
    events = [type(e).__name__ for e in machine.collect_events()]
    assert events.count("HealthAssessed") == 2


def test_maintenance_clears_the_alarm_and_only_a_baseline_learnt_since_says_again():
    machine = Machine("saw-1", MachineProfile(machine_id="saw-1", factory_id="f-1"))
    machine.assess_health(health(70.0, horizon_s=3 * DAY_S, alarm=True, at_ms=5000))
    assert machine.maintained("task-1", 9000, "li@gz")
    assert machine.health is None and machine.maintenance == Maintenance("task-1", 9000, "li@gz")
    assert not machine.maintained("task-1", 9500, "wang@gz")  # the same report, replayed
    assert not machine.maintained("task-0", 8000, "li@gz")  # an older one, late
    # the watch that had not heard judges the changed blade: not kept, alarm or not
    stale = health(60.0, horizon_s=DAY_S, alarm=True, at_ms=9800, since_ms=0)
    assert stale.before(machine.maintenance) and not machine.assess_health(stale)
    fresh = health(99.0, at_ms=99_000, since_ms=9000)
    assert machine.assess_health(fresh) and machine.health == fresh
    events = machine.collect_events()
    assert [type(e).__name__ for e in events][-2:] == ["Maintained", "HealthAssessed"]
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert (replayed.health, replayed.maintenance) == (machine.health, machine.maintenance)


def feed(wear: MachineWear, scenario: WearScenario, days: float, start: float = START) -> list:
    """Every sample of every hour in shift, one at a time, as live telemetry comes (each hour's
    trace drawn from the machine's window start: a drawn hour starts afresh)."""
    healths = []
    for hour in range(int(days * 24)):
        trace = window(scenario, start + wear.phase + hour * 3600.0, 3600.0)
        if trace is None:
            continue
        for t, x, s in zip(
            trace.timestamps.tolist(), trace.amps.tolist(), trace.labels.tolist(), strict=True
        ):
            if (h := wear.take(t, x, s)) is not None:
                healths.append(h)
    return healths


def test_a_dulling_blade_alarms_days_before_it_breaks_a_load_change_does_not():
    saw = WearScenario(
        "saw-7",
        "panel_saw",
        START,
        mode="blade_dulling",
        onset_s=START + 5 * DAY_S,
        failure_s=START + 12 * DAY_S,
        at_failure=Effect(running=1.4, cycle=1.2),
        seed=3,
    )
    wear = MachineWear("saw-7", WearClock())
    healths = feed(wear, saw, 12)
    first = next(h for h in healths if h.alarm)
    assert wear.at_s(first) <= saw.failure_s - DAY_S
    said = assessment_of(wear, first)
    assert said.alarm and said.explanation and said.score < 100
    assert 0 < said.horizon_s < math.inf
    # the monitor keeps only what it can still read: 120 hours of points, not 12 days
    assert all(len(track.t) <= 121 for track in wear.monitor.tracks.values())

    thicker = WearScenario(
        "saw-2",
        "panel_saw",
        START,
        seed=6,
        load_changes=(
            LoadChange("thicker_board", START + 6 * DAY_S, Effect(running=1.2, cycle=1.1)),
        ),
    )
    calm = MachineWear("saw-2", WearClock())
    assert not any(h.alarm for h in feed(calm, thicker, 12))


def test_before_its_baseline_a_watch_says_nothing():
    calm = WearScenario("saw-3", "panel_saw", START, seed=5)
    wear = MachineWear("saw-3", WearClock())
    healths = feed(wear, calm, 1)
    assert healths and all(assessment_of(wear, h) is None for h in healths)
    assert wear.windows == len(healths)


def test_batches_go_in_as_their_samples_would_one_by_one():
    saw = WearScenario(
        "saw-8",
        "panel_saw",
        START,
        mode="blade_dulling",
        onset_s=START + 2 * DAY_S,
        failure_s=START + 5 * DAY_S,
        at_failure=Effect(running=1.4, cycle=1.2),
        seed=8,
    )
    one, many = MachineWear("saw-8", WearClock()), MachineWear("saw-8", WearClock())
    singles, batched = feed(one, saw, 4), []
    for hour in range(4 * 24):
        trace = window(saw, START + many.phase + hour * 3600.0, 3600.0)
        if trace is None:
            continue
        labels = trace.labels.astype(np.int8)
        for i in range(0, trace.amps.size, 25):
            cut = slice(i, i + 25)
            if not many.wants(float(trace.timestamps[cut][-1])):
                continue
            h = many.take_many(trace.timestamps[cut], trace.amps[cut], labels[cut])
            if h is not None:
                batched.append(h)
    assert [(h.at, h.score, h.alarm) for h in batched] == [
        (h.at, h.score, h.alarm) for h in singles
    ]
    assert any(h.trends for h in batched)


def test_a_watch_told_of_maintenance_learns_a_new_baseline_from_then():
    saw = WearScenario(
        "saw-9",
        "panel_saw",
        START,
        mode="blade_dulling",
        onset_s=START + 3 * DAY_S,
        failure_s=START + 8 * DAY_S,
        at_failure=Effect(running=1.4, cycle=1.2),
        seed=9,
    )
    wear = MachineWear("saw-9", WearClock())
    worn = feed(wear, saw, 7)
    assert any(h.alarm for h in worn)
    first_sample = assessment_of(wear, worn[-1]).baseline_from_ms / 1000
    assert START <= first_sample < START + DAY_S  # the watch's baseline: from its first sample
    serviced = START + 7 * DAY_S
    wear.maintained(serviced)
    assert (wear.since_s, wear.windows, wear.monitor.alarm) == (serviced, 0, False)
    new_blade = WearScenario("saw-9", "panel_saw", serviced, seed=10)  # as healthy as new
    after = feed(wear, new_blade, 4, start=serviced)
    said = [a for h in after if (a := assessment_of(wear, h)) is not None]
    assert said and not any(a.alarm for a in said)  # the old wear is not judged again
    assert all(a.baseline_from_ms == int(serviced * 1000) for a in said)
    assert np.median([a.score for a in said]) == 100  # a noisy cycle time may dip it now and then
