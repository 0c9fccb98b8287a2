"""The live status a machine shows in the key-value bucket, built from its tracker."""

import time
from dataclasses import replace

import numpy as np
import pytest

from dovetail.iot.v1 import iot_service_pb2 as pb
from dovetail_factory.signals.profiles import PROFILES
from services.iot import wire
from services.iot.domain.calendar import (
    CalendarException,
    ShiftCalendar,
    WeeklyShift,
    in_shift,
)
from services.iot.domain.profiles import FactoryProfile
from services.iot.energy_ledger import EnergyLedger
from services.iot.intake import TelemetryIntake, _shift_at
from services.iot.settings import IotSettings
from tests.unit.iot.live_fleet import intake_with

pytestmark = pytest.mark.unit


def _intake() -> TelemetryIntake:
    return intake_with({"EB-1": "edge_bander"})


@pytest.mark.parametrize("offset_ms", [0, 1, 999, 12_345])
def test_a_running_machine_shows_its_state_since_and_figures(offset_ms):
    intake = _intake()
    tracker = intake.trackers["EB-1"]
    start = int(time.time() * 1000) - 90_000 + offset_ms
    running = PROFILES["edge_bander"].running_amps
    for i in range(30):
        batch = pb.TelemetryBatch(factory_id="F1", machine_id="EB-1", batch_id=f"b{i}")
        batch.current_samples.add(timestamp_unix_ms=start + 1000 * i, amperes=running)
        intake.take(tracker, batch, "F1")

    status = intake.status_of(tracker)

    assert status.state == pb.MACHINE_STATE_RUNNING and status.available
    assert status.machine_type == wire.machine_type_to_pb("edge_bander")
    assert status.since == wire.timestamp(tracker.since_ms / 1000)
    assert status.since.ToMilliseconds() == tracker.since_ms
    assert status.last_sample_unix_ms == start + 29_000
    assert status.current_amperes == pytest.approx(running, rel=1e-6)
    assert status.power_kw > 0


def test_a_machine_never_heard_shows_no_since():
    intake = _intake()

    status = intake.status_of(intake.trackers["EB-1"])

    assert not status.HasField("since")
    assert status.state == pb.MACHINE_STATE_UNSPECIFIED


def test_a_machine_gone_silent_shows_why_in_words_beside_the_english():
    intake = intake_with({"EB-1": "edge_bander"}, settings=IotSettings(offline_after_s=120.0))
    tracker = intake.trackers["EB-1"]
    assert intake.status_of(tracker).reason_words.template == "no telemetry yet"
    now = time.time()
    batch = pb.TelemetryBatch(factory_id="F1", machine_id="EB-1", batch_id="b1")
    batch.current_samples.add(timestamp_unix_ms=int(now * 1000) - 1000, amperes=0.0)
    intake.take(tracker, batch, "F1")

    tracker.evaluate(now + 121, intake.context(tracker, now + 121))
    status = intake.status_of(tracker)

    assert status.state == pb.MACHINE_STATE_OFFLINE
    assert status.reason == "silent for more than 120 s"
    assert status.reason_words.template == "silent for more than %(seconds)s s"
    assert dict(status.reason_words.args) == {"seconds": "120"}


def test_figures_go_to_the_bucket_within_the_put_budget_longest_waiting_first():
    intake = TelemetryIntake(None, None, EnergyLedger(None), None, None,
                             IotSettings(status_interval_s=1.0, status_puts_per_s=2.0))
    for name in ("A", "B", "C", "D"):
        intake._dirty.setdefault(name)

    first = intake._due({"B"}, 1.0)  # B's state changed: its status went with an acked put
    intake._dirty.setdefault("A")  # new samples while waiting
    second = intake._due(set(), 1.0)
    third = intake._due(set(), 1.0)

    assert first == ["A", "C"]
    assert second == ["D", "A"]
    assert third == []


def test_a_factory_is_known_in_or_out_of_its_shift_until_the_next_edge_of_its_calendar():
    calendar = ShiftCalendar(
        weekly_shifts=tuple(WeeklyShift(weekday=d, start_minute=480, end_minute=1020)
                            for d in range(1, 6)),
        exceptions=(CalendarException(date="2026-12-08", closed=True),))
    factory = FactoryProfile("F1", shift_calendar=calendar, timezone="Asia/Shanghai")
    rng = np.random.default_rng(7)
    at = 1_796_600_000.0  # early December 2026
    for step in rng.uniform(0, 1800, size=2000):
        at += float(step)
        until, working = _shift_at(factory, at)

        assert working == in_shift(calendar, "Asia/Shanghai", at)
        assert working == in_shift(calendar, "Asia/Shanghai", until - 1e-3)
        assert until == at + 3600 or working != in_shift(calendar, "Asia/Shanghai", until)
    assert _shift_at(replace(factory, active=False), at)[1] is False
