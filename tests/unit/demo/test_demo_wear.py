"""The saw that wears in `make up` (issue 22, item 3): its blade dulls in compressed time and iot's
wear watch, given the demo's short windows, alarms within minutes of the start, before the blade
fails; the other machines, at one sample a second, are never judged in such windows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from demo.machines import telemetry
from demo.simulated_machine import network
from demo.wear import DemoWear
from services.iot.domain.health import assessment_of
from services.iot.domain.telemetry import IntakeLimits
from services.iot.domain.tracker import MachineInfo, MachineTracker
from services.iot.signals import Calibration, LivenessPolicy, ShiftContext
from services.iot.signals.wear_capture import WearClock

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
