"""The saw that wears in `make up` (issue 22, item 3): its blade dulls in compressed time and iot's
wear watch, given the demo's short windows, alarms within minutes of the start, before the blade
fails; the other machines, at one sample a second, are never judged in such windows. Its
maintenance runs on the same compressed hours: the stop fits before the failure, the saw gets
its new blade in it and is judged healthy again."""

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from demo.machines import telemetry
from demo.maintenance_crew import CrewPace
from demo.simulated_machine import MaintenanceStop, network
from demo.wear import DemoWear
from services.iot.domain.health import assessment_of
from services.iot.domain.telemetry import IntakeLimits
from services.iot.domain.tracker import MachineInfo, MachineTracker
from services.iot.signals import Calibration, LivenessPolicy, ShiftContext
from services.iot.signals.wear_capture import WearClock
from services.scheduling.maintenance import MaintenanceTimes, due_by

START = datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()  # a Monday
WORKING = ShiftContext(in_shift=True, has_work=True, planned_stop=False)


def tracker_of(sim, clock: WearClock) -> MachineTracker:
    """iot's tracker of a demo machine, calibrated as demo/factories.py registers it."""
    p = sim.profile
    info = MachineInfo(
        sim.machine.machine_id,
        sim.factory.factory_id,
        sim.machine.machine_type,
        False,
        sim.machine.rated_power_kw,
        400.0,
        0.85,
        True,
        1.0,
        Calibration.from_levels(p.off_amps, p.idle_amps, p.running_amps),
    )
    return MachineTracker(info, LivenessPolicy(), IntakeLimits(), wear=clock)


def run(seconds: int, watched: list[str]) -> dict[str, list]:
    """The demo floor for `seconds` from START, each watched machine's telemetry through iot's
    tracker with the demo's wear window; the healths that came out, per machine."""
    demo = DemoWear()
    env = demo.iot_env()
    clock = WearClock(
        float(env["DOVETAIL_IOT_WEAR_WINDOW_S"]), int(env["DOVETAIL_IOT_WEAR_CAPTURE_SAMPLES"])
    )
    floor = network(wear=demo, now=START)
    trackers = {m: tracker_of(floor.machines[m], clock) for m in watched}
    healths: dict[str, list] = {m: [] for m in watched}
    for second in range(seconds):
        now = START + second
        floor.step(now)
        for machine_id, tracker in trackers.items():
            batch = telemetry(floor.machines[machine_id], now)
            ts = np.array([s.timestamp_unix_ms for s in batch.current_samples], dtype=np.int64)
            amps = np.array([s.amperes for s in batch.current_samples])
            out = tracker.take_current(
                ts, amps, np.zeros(ts.size), np.zeros(ts.size), now + 0.01, WORKING
            )
            if out.health is not None:
                healths[machine_id].append((second, assessment_of(tracker.wear, out.health)))
    return healths


def test_the_demo_saw_alarms_within_minutes_before_its_blade_fails_and_no_other_machine_is_judged():
    demo = DemoWear()
    healths = run(
        int(demo.failure_windows * demo.window_s), [demo.machine_id, "F-DG-03-EB1", "F-GZ-01-SAW1"]
    )
    said = [(second, h) for second, h in healths[demo.machine_id] if h is not None]
    alarms = [second for second, h in said if h.alarm]
    assert alarms, [(s, h.score) for s, h in said][-5:]
    assert 120 <= alarms[0] <= 300  # baseline (~2 minutes), then a few minutes of dulling
    first = next(h for second, h in said if h.alarm)
    assert any("cutting current up" in words for words in first.explanation)
    # the failure it foresees comes before the blade gives out: time to plan the change
    assert alarms[0] + first.horizon_s <= demo.failure_windows * demo.window_s
    assert not any(h.alarm for second, h in said if second < demo.onset_windows * demo.window_s)
    assert healths["F-DG-03-EB1"] == healths["F-GZ-01-SAW1"] == []


def test_the_demo_saw_breaks_when_its_blade_gives_out_and_a_repair_fits_a_new_one():
    demo = DemoWear()
    floor = network(wear=demo, now=START)
    saw = floor.machines[demo.machine_id]
    failing = START + demo.failure_windows * demo.window_s
    floor.step(failing - 1)
    assert saw.state != "BROKEN"
    floor.step(failing + 1)
    assert saw.state == "BROKEN"
    saw.repair(failing + 2)
    floor.step(failing + 3)
    assert saw.state != "BROKEN" and saw.wear.effect(failing + 3).running == 1.0


def test_demo_wear_is_a_setting_of_the_demo():
    assert DemoWear.from_env({"DOVETAIL_DEMO_WEAR_MACHINE": ""}) is None
    short = DemoWear.from_env({"DOVETAIL_DEMO_WEAR_WINDOW_S": "5"})
    assert short.window_s == 5 and short.iot_env() == {
        "DOVETAIL_IOT_WEAR_WINDOW_S": "5",
        "DOVETAIL_IOT_WEAR_CAPTURE_SAMPLES": "100",
    }


def test_the_demo_maintenance_fits_before_the_blade_fails_and_the_saw_is_healthy_again():
    """One time scale (demo/wear.py): iot alarms, scheduling's stop (2 demo hours, due a margin
    before the failure) is accepted by the crew within a demo hour and ends before the blade
    would fail; the saw stops in it and gets a new blade; once reported done, iot's watch learns
    afresh and the saw is judged healthy, the old wear not again."""
    demo = DemoWear()
    times = MaintenanceTimes.from_env(demo.scheduling_env())
    pace = CrewPace.of_demo_hour(demo.window_s)
    env = demo.iot_env()
    clock = WearClock(
        float(env["DOVETAIL_IOT_WEAR_WINDOW_S"]), int(env["DOVETAIL_IOT_WEAR_CAPTURE_SAMPLES"])
    )
    floor = network(wear=demo, now=START)
    saw = floor.machines[demo.machine_id]
    tracker = tracker_of(saw, clock)
    failure = START + demo.failure_windows * demo.window_s
    stop = done = None
    states, after = [], []
    for second in range(int(demo.failure_windows * demo.window_s) + 200):
        now = START + second
        if stop is not None and done is None and now >= stop.end + pace.poll_s:
            done = now  # the crew reports it done
            tracker.wear.maintained(done)  # iot, told by scheduling's MaintenanceDone
        floor.step(now)
        states.append((now, saw.state))
        batch = telemetry(saw, now)
        ts = np.array([s.timestamp_unix_ms for s in batch.current_samples], dtype=np.int64)
        amps = np.array([s.amperes for s in batch.current_samples])
        out = tracker.take_current(ts, amps, np.zeros(ts.size), np.zeros(ts.size), now, WORKING)
        said = assessment_of(tracker.wear, out.health) if out.health is not None else None
        if said is not None and said.alarm and stop is None:
            due = due_by(said.at_ms, said.failure_expected_by_ms, 0, times)
            assert said.failure_expected_by_ms <= failure * 1000  # foreseen before it happens
            start = said.at_ms / 1000 + pace.accept_after_s  # at once (no planned work), taken
            stop = MaintenanceStop(demo.machine_id, "t1", start, start + times.stop_ms / 1000)
            assert stop.end * 1000 <= due < failure * 1000
            assert floor.plan_stop(stop, now)
        if done is not None and said is not None:
            after.append(said)
    assert stop is not None and done is not None
    assert all(s == "OFF" for t, s in states if stop.start < t < stop.end)  # stopped in it
    assert "BROKEN" not in [s for _, s in states]  # serviced before the blade gave out
    assert all(h.baseline_from_ms == done * 1000 for h in after)
    # the new blade judged on its own baseline: healthy until it dulls in its turn (the loop
    # goes round again: its alarm comes about as long after the fit as the first did)
    alarms = [h.at_ms / 1000 - done for h in after if h.alarm]
    healthy = [h for h in after if h.at_ms / 1000 < done + demo.onset_windows * demo.window_s]
    assert healthy and not any(h.alarm for h in healthy) and min(h.score for h in healthy) > 80
    assert not alarms or alarms[0] > 120
