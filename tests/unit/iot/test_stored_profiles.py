"""Events and snapshots stored before iot's profiles and downtimes were value objects still read:
version 2 of the registry events and of the state log upcast what version 1 stored as plain JSON
objects (tests/unit/iot/stored/iot_events_v1.json, written by the code of that time)."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from services.iot import wire
from services.iot.application import IotApplication
from services.iot.domain.calendar import CalendarException, ShiftCalendar, WeeklyShift
from services.iot.domain.machine_state import Downtime, MachineStateLog, state_log_key
from services.iot.domain.profiles import (
    Address,
    FactoryProfile,
    Location,
    MachineProfile,
    SensorCalibration,
)
from services.iot.domain.registry import Factory, Machine
from services.iot.domain.tracker import RESUMED, Transition
from services.iot.domain.values import LiveState
from services.iot.published import to_integration

pytestmark = pytest.mark.unit

STORED_V1 = json.loads((Path(__file__).parent / "stored" / "iot_events_v1.json").read_text())


def _stored(record: dict) -> StoredEvent:
    return StoredEvent(originator_id=uuid.UUID(record["originator_id"]),
                       originator_version=record["originator_version"], topic=record["topic"],
                       state=json.dumps(record["state"]).encode())


@pytest.fixture
def app() -> IotApplication:
    """An iot application in memory holding what version 1 stored."""
    app = IotApplication(env={"IOT_PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.recorder.insert_events([_stored(r) for r in STORED_V1["events"]])
    app.snapshots.recorder.insert_events([_stored(r) for r in STORED_V1["snapshots"]])
    return app


def test_a_factory_stored_as_a_plain_object_reads_as_its_profile(app):
    factory = app.get_factory("F-OLD")

    assert factory.version == 2
    assert replace(factory.profile, registered_at="") == FactoryProfile(
        "F-OLD", name="Old Works 2",
        location=Location(23.1, 113.3, Address(city="Guangzhou", country="CN")),
        capacity_share_percent=60.0,
        shift_calendar=ShiftCalendar(
            weekly_shifts=(WeeklyShift(weekday=1, start_minute=480, end_minute=1020,
                                       name="day"),),
            exceptions=(CalendarException(date="2026-12-08", closed=True,
                                          reason="stocktake"),)),
        grid_emission_factor_kg_per_kwh=0.58, timezone="Asia/Shanghai")
    assert factory.profile.registered_at.startswith("2026-12-05T")
    assert wire.factory_to_pb(factory).shift_calendar.exceptions[0].reason == "stocktake"


def test_a_machine_stored_as_a_plain_object_keeps_its_learnt_levels(app):
    machine = app.get_machine("SAW-OLD")

    assert isinstance(machine.profile, MachineProfile)
    assert machine.profile.calibration == SensorCalibration(
        off_level_amperes=0.5, idle_level_amperes=8.0, running_level_amperes=30.0,
        learnt_at="2026-12-01T08:00:00+00:00")
    assert (machine.profile.speed_factor, machine.profile.sensor_kind) == (1.2, "current_sensor")


def test_each_version_1_registry_event_reads_with_a_profile_value(app):
    for record in STORED_V1["events"]:
        event = app.mapper.to_domain_event(_stored(record))
        if isinstance(event, Factory.Event | Machine.Event):
            assert isinstance(event.profile, FactoryProfile | MachineProfile), record["topic"]


def test_a_state_log_snapshot_of_version_1_reads_its_downtimes_as_values(app):
    log = app.repository.get(state_log_key("SAW-OLD"))

    assert log.version == 7 and log.state == "OFFLINE"
    closed = Downtime("d07f9af0-1ec9-5cd7-8a9e-464d6514c18d", "SAW-OLD", "F-OLD", "DOWN", 2000,
                      5000, "breakdown", "blade")
    assert list(log.downtimes.values()) == [
        closed, Downtime(log.open_downtime, "SAW-OLD", "F-OLD", "OFFLINE", 9000)]
    assert app.set_downtime_reason("SAW-OLD", log.open_downtime, "network", "switch") == Downtime(
        log.open_downtime, "SAW-OLD", "F-OLD", "OFFLINE", 9000, 0, "network", "switch")


def test_what_version_1_stored_can_be_changed_and_read_back_in_version_2(app):
    old = app.get_machine("SAW-OLD")
    again, duplicate = app.register_machine(replace(
        old.profile, calibration=SensorCalibration(), registered_at=""))
    app.update_machine("SAW-OLD", replace(old.profile, speed_factor=2.0), ["speed_factor"], 2)
    app.record_transitions([Transition("SAW-OLD", "F-OLD", "panel_saw", LiveState.OFFLINE,
                                       LiveState.IDLE, 12_000, RESUMED)])
    app.take_snapshot(state_log_key("SAW-OLD"))

    assert duplicate and again.version == 2  # learnt levels are not a different registration
    reread = IotApplication(env={"IOT_PERSISTENCE_MODULE": "eventsourcing.popo"})
    reread.recorder.insert_events(app.recorder.select_events(old.id))
    reread.snapshots.recorder.insert_events(
        app.snapshots.recorder.select_events(state_log_key("SAW-OLD")))
    assert reread.get_machine("SAW-OLD").profile == replace(old.profile, speed_factor=2.0)
    assert reread.repository.get(state_log_key("SAW-OLD")).downtimes == app.repository.get(
        state_log_key("SAW-OLD")).downtimes
    stored = app.recorder.select_events(old.id)[-1]
    assert json.loads(stored.state)["profile"]["_type_"] == "iot.machine_profile"
    assert MachineStateLog.class_version == 2


def test_a_state_change_stored_before_words_reads_its_reason_as_written(app):
    """Version 1 stored reasons as English only (here "r"): published as written, no words."""
    changes = [app.mapper.to_domain_event(_stored(r)) for r in STORED_V1["events"]
               if r["topic"].endswith("MachineStateLog.StateChanged")]

    published = [to_integration(e) for e in changes]

    assert [name for name, _ in published] == ["MachineStateChanged"] * 4
    assert all(b.reason == "r" and not b.HasField("reason_words") for _, b in published)
