"""The demo telemetry follows the shop floor: RUNNING means work, broken means DOWN, lost news lapses."""

from datetime import UTC, datetime

import numpy as np
import pytest

from demo.machines import obey, telemetry, work_report
from demo.network import ROUND_THE_CLOCK, DemoFactory, DemoMachine
from demo.simulated_machine import (
    MIN_WORK_CAP_S,
    WORKING,
    SimulatedFloor,
    SimulatedMachine,
    WorkReport,
    network,
    work_cap_s,
)
from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from dovetail_factory.signals.profiles import PROFILES
from services.kit.envelope import wrap

pytestmark = pytest.mark.unit

T0 = 1_780_000_000.0  # any moment: the factories below never or always work
CAP = 600.0
SAW = PROFILES["panel_saw"]


def factory(shifts=()) -> DemoFactory:
    machines = (
        DemoMachine("F-T-SAW1", "panel_saw", 1.0, 18.0, cnc=False, rated_amps=32),
        DemoMachine("F-T-DRL1", "cnc_drill", 1.0, 9.0, cnc=True),
        DemoMachine("F-T-PNT1", "paint_line", 1.0, 22.0, cnc=False, rated_amps=40),
    )
    return DemoFactory("F-T", "Test Works", "Guangzhou", 23.1, 113.3, 50, 0.58, shifts, machines)


def floor(shifts=(), breakdowns_per_hour=0.0) -> SimulatedFloor:
    """A quiet floor: no chance breakdowns or dropouts unless asked for."""
    made = network(seed=3, cap_s=CAP, factories=(factory(shifts),))
    for sim in made.machines.values():
        sim.breakdowns_per_hour, sim.dropouts_per_hour = breakdowns_per_hour, 0.0
    return made


def walk(sim: SimulatedMachine, start: float, seconds: int) -> list[str]:
    states = []
    for t in range(seconds):
        sim.step(start + t)
        states.append(sim.state)
    return states


def started(machine_id="F-T-SAW1", operation_id="op-1", at=T0) -> WorkReport:
    return WorkReport(machine_id, operation_id, started=True, at=at)


def ended(machine_id="F-T-SAW1", operation_id="op-1", at=T0) -> WorkReport:
    return WorkReport(machine_id, operation_id, started=False, at=at)


def test_an_idle_machine_in_shift_stays_idle_until_work_is_reported():
    shop = floor(ROUND_THE_CLOCK)
    saw = shop.machines["F-T-SAW1"]
    assert set(walk(saw, T0, 4 * 3600)) == {"IDLE"}  # four hours, never a random run


def test_work_out_of_shift_runs_the_machine_and_its_end_switches_it_off():
    shop = floor()
    saw = shop.machines["F-T-SAW1"]
    assert set(walk(saw, T0, 60)) == {"OFF"}

    assert shop.record(started(at=T0 + 60), T0 + 60)
    states = walk(saw, T0 + 60, 300)
    assert set(states) <= set(WORKING) and states.count("RUNNING") > 0.8 * len(states)

    shop.record(ended(at=T0 + 360), T0 + 360)
    assert set(walk(saw, T0 + 360, 60)) == {"OFF"}


def test_work_in_shift_runs_and_the_machine_idles_again_when_it_is_scrapped():
    shop = floor(ROUND_THE_CLOCK)
    saw = shop.machines["F-T-SAW1"]
    walk(saw, T0, 10)
    shop.record(started(at=T0 + 10), T0 + 10)
    assert set(walk(saw, T0 + 10, 120)) <= set(WORKING)
    shop.record(ended(at=T0 + 130), T0 + 130)  # finished and scrapped both end it
    assert set(walk(saw, T0 + 130, 60)) == {"IDLE"}


def test_a_working_current_sensor_draws_its_running_current_after_the_start_inrush():
    shop = floor()
    saw = shop.machines["F-T-SAW1"]
    walk(saw, T0, 5)
    assert saw.current(T0 + 4) < 1.0  # off
    shop.record(started(at=T0 + 5), T0 + 5)
    saw.step(T0 + 5)
    assert saw.current(T0 + 5) > 3 * SAW.running_amps  # the motor starts

    amps = []
    for t in range(6, 600):
        saw.step(T0 + t)
        if saw.state == "RUNNING":
            amps.append(saw.current(T0 + t))
    assert len(amps) > 400
    assert np.median(amps) == pytest.approx(SAW.running_amps, rel=0.1)
    assert min(amps) > SAW.idle_amps * 1.2  # never read as idle


def test_a_working_cnc_reports_running_and_counts_parts():
    shop = floor()
    drill = shop.machines["F-T-DRL1"]
    walk(drill, T0, 5)
    assert telemetry(drill, T0 + 4).cnc_states[0].state == pb.MACHINE_STATE_OFF
    shop.record(started("F-T-DRL1", at=T0 + 5), T0 + 5)
    walk(drill, T0 + 5, 590)
    report = telemetry(drill, T0 + 594).cnc_states[0]
    assert report.state in (pb.MACHINE_STATE_RUNNING, pb.MACHINE_STATE_OVERLOAD)
    assert report.part_count >= 3  # one per running spell of about 90 s
    shop.record(ended("F-T-DRL1", at=T0 + 595), T0 + 595)
    parts = drill.parts
    walk(drill, T0 + 595, 60)
    assert telemetry(drill, T0 + 654).cnc_states[0].state == pb.MACHINE_STATE_OFF
    assert drill.parts == parts


def test_a_broken_machine_stays_down_with_work_on_it_and_follows_the_work_once_repaired():
    shop = floor(ROUND_THE_CLOCK)
    saw, drill = shop.machines["F-T-SAW1"], shop.machines["F-T-DRL1"]
    for machine_id in ("F-T-SAW1", "F-T-DRL1"):
        obey(shop, {"action": "break", "machine_id": machine_id}, T0)
        shop.record(started(machine_id, at=T0), T0)
    assert set(walk(saw, T0, 300)) == {"BROKEN"} and saw.current(T0 + 299) < 0.5
    walk(drill, T0, 300)
    report = telemetry(drill, T0 + 299).cnc_states[0]
    assert report.state == pb.MACHINE_STATE_DOWN and report.alarm_code

    obey(shop, {"action": "repair", "machine_id": "F-T-SAW1"}, T0 + 300)
    assert set(walk(saw, T0 + 300, 100)) <= set(WORKING)


def test_a_chance_breakdown_beats_reported_work_out_of_shift():
    shop = floor(breakdowns_per_hour=3600.0)  # a breakdown every time it is powered
    saw = shop.machines["F-T-SAW1"]
    assert set(walk(saw, T0, 30)) == {"OFF"}  # switched off: nothing to break
    shop.record(started(at=T0 + 30), T0 + 30)
    assert set(walk(saw, T0 + 30, 30)) == {"BROKEN"}


def test_a_machine_runs_until_the_last_of_its_operations_ends():
    shop = floor()
    paint = shop.machines["F-T-PNT1"]  # a paint line takes two batches at once
    shop.record(started("F-T-PNT1", "op-a", T0), T0)
    shop.record(started("F-T-PNT1", "op-b", T0 + 10), T0 + 10)
    shop.record(ended("F-T-PNT1", "op-a", T0 + 60), T0 + 60)
    assert set(walk(paint, T0, 120)) <= set(WORKING)
    shop.record(ended("F-T-PNT1", "op-b", T0 + 120), T0 + 120)
    assert walk(paint, T0 + 120, 1) == ["OFF"]


def test_work_lapses_after_the_cap_when_its_end_is_never_heard():
    shop = floor()
    saw = shop.machines["F-T-SAW1"]
    shop.record(started(at=T0), T0)
    saw.step(T0 + CAP - 1)
    assert saw.state in WORKING
    saw.step(T0 + CAP)
    assert saw.state == "OFF"


def test_a_start_heard_late_lapses_from_when_it_started():
    shop = floor()
    saw = shop.machines["F-T-SAW1"]
    shop.record(started(at=T0 - CAP + 100), T0)  # replayed after a restart of the simulator
    saw.step(T0 + 99)
    assert saw.state in WORKING
    saw.step(T0 + 100)
    assert saw.state == "OFF"


def test_a_start_replayed_after_its_end_does_not_run_the_machine_again():
    shop = floor()
    saw = shop.machines["F-T-SAW1"]
    shop.record(started(at=T0), T0)
    shop.record(ended(at=T0 + 30), T0 + 30)
    shop.record(started(at=T0), T0 + 31)
    assert walk(saw, T0 + 31, 1) == ["OFF"]


def test_work_on_a_machine_the_floor_does_not_simulate_is_ignored():
    shop = floor()
    assert not shop.record(started("F-ELSEWHERE-SAW1"), T0)


def test_the_work_cap_is_twice_a_long_operation_at_the_shop_floor_pace_and_ten_minutes_at_least():
    assert work_cap_s(60) == MIN_WORK_CAP_S == 600.0
    assert work_cap_s(1) == 8 * 3600.0
    assert work_cap_s(0) == work_cap_s(1)


def test_silence_drops_the_uplink_for_a_while():
    shop = floor(ROUND_THE_CLOCK)
    obey(shop, {"action": "silence", "machine_id": "F-T-SAW1", "seconds": 30}, T0)
    saw = shop.machines["F-T-SAW1"]
    assert saw.silent(T0 + 29) and not saw.silent(T0 + 30)
    with pytest.raises(KeyError):
        obey(shop, {"action": "break", "machine_id": "F-NOWHERE"}, T0)


def envelope(body, notification_id: int = 1) -> bytes:
    return wrap(
        service="scheduling",
        body=body,
        aggregate_id="agg-1",
        version=1,
        occurred_at=datetime.now(UTC),
        tenant="default",
        notification_id=notification_id,
    ).SerializeToString()


def test_scheduling_events_read_as_work_reports():
    common = dict(operation_id="op-9", order_id="o-1", factory_id="F-T", machine_id="F-T-SAW1")
    start = scheduling.OperationStarted(**common)
    start.started_at.FromMilliseconds(int(T0 * 1000) + 500)
    finish = scheduling.OperationFinished(**common, planned_duration_seconds=60)
    finish.finished_at.FromMilliseconds(int(T0 * 1000) + 60_000)
    scrap = scheduling.OperationScrapped(**common, scrap_quantity=1)

    assert work_report(envelope(start)) == WorkReport("F-T-SAW1", "op-9", True, T0 + 0.5)
    assert work_report(envelope(finish)) == WorkReport("F-T-SAW1", "op-9", False, T0 + 60)
    assert work_report(envelope(scrap)) == WorkReport("F-T-SAW1", "op-9", False, 0.0)
    assert work_report(envelope(scheduling.OrderProduced(order_id="o-1"))) is None
    assert work_report(envelope(scheduling.OperationStarted(operation_id="op-9"))) is None
    assert work_report(b"not an envelope") is None


def test_the_demo_network_is_reproducible():
    a, b = network(seed=7), network(seed=7)
    assert a.machines.keys() == b.machines.keys() and len(a.machines) > 20
    for sim_a, sim_b in zip(a.machines.values(), b.machines.values(), strict=True):
        assert isinstance(sim_a, SimulatedMachine)
        assert sim_a.rng.random() == sim_b.rng.random()
