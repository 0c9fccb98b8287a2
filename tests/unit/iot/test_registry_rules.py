"""The registry's rules on factory and machine profiles, and its errors as the edge answers them."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest
from google.rpc import code_pb2

from services.iot.domain import errors as iot_errors
from services.iot.domain.calendar import (
    CalendarException,
    ShiftCalendar,
    ShiftWindow,
    WeeklyShift,
)
from services.iot.domain.profiles import (
    FactoryProfile,
    Location,
    MachineProfile,
    SensorCalibration,
)
from services.iot.domain.registry import Machine, validate_factory, validate_machine
from services.iot.rpc.servicer import ERRORS
from services.kit.errors import DomainError, InvalidArgument, categorised
from services.kit.rpc import status_for

pytestmark = pytest.mark.unit


def _fields(draft, validate) -> list[str]:
    with pytest.raises(InvalidArgument) as raised:
        validate(draft)
    return [v.field for v in raised.value.violations]


def test_a_factory_with_many_problems_hears_of_each_by_its_path():
    calendar = ShiftCalendar(
        weekly_shifts=(WeeklyShift(weekday=8, start_minute=600, end_minute=500),),
        exceptions=(CalendarException(date="2026-02-30",
                                      shifts=(ShiftWindow(1500, 1600),)),))
    draft = FactoryProfile("bad id", name=" ", location=Location(91.0, -181.0),
                           capacity_share_percent=101.0, shift_calendar=calendar,
                           grid_emission_factor_kg_per_kwh=-1.0, timezone="Mars/Olympus")

    assert _fields(draft, validate_factory) == [
        "factory_id", "name", "location.latitude", "location.longitude",
        "capacity_share_percent", "grid_emission_factor_kg_per_kwh", "timezone",
        "shift_calendar.weekly_shifts[0].weekday", "shift_calendar.weekly_shifts[0].end_minute",
        "shift_calendar.exceptions[0].date", "shift_calendar.exceptions[0].shifts[0].start_minute"]


def test_a_machine_with_many_problems_hears_of_each_by_its_path():
    draft = MachineProfile("M1", "", machine_type="laser", speed_factor=20.0, rated_power_kw=0.0,
                           sensor_kind="thermometer", batch_capacity=2000,
                           calibration=SensorCalibration(phases=2, off_level_amperes=5.0,
                                                         off_max_amperes=-1.0))

    assert _fields(draft, validate_machine) == [
        "factory_id", "machine_type", "speed_factor", "rated_power_kw", "sensor_kind",
        "batch_capacity", "calibration.phases", "calibration.off_max_amperes",
        "calibration.running_level_amperes", "calibration.idle_max_amperes"]


def test_a_valid_draft_is_completed_with_defaults():
    draft = MachineProfile("M1", "F1", machine_type="cnc_router", speed_factor=0.0,
                           rated_power_kw=7, calibration=SensorCalibration(
                               current_scale=0.0, nominal_voltage_v=0.0, phases=0,
                               default_power_factor=0.0))

    assert validate_machine(draft) == replace(
        draft, name="M1", speed_factor=1.0, rated_power_kw=7.0, sensor_kind="cnc_controller",
        calibration=SensorCalibration())
    factory = validate_factory(FactoryProfile("F1", name=" Works "))
    assert (factory.name, factory.timezone) == ("Works", "UTC")


def test_learnt_levels_are_kept_once_and_never_over_levels_a_factory_set():
    machine = Machine(machine_id="M1", profile=validate_machine(
        MachineProfile("M1", "F1", machine_type="sander", rated_power_kw=3.0)))

    assert machine.learn_levels(0.2, 2.0, 9.0, "2026-12-01T00:00:00+00:00")
    assert not machine.learn_levels(0.1, 1.0, 5.0, "2026-12-02T00:00:00+00:00")
    assert machine.profile.calibration.running_level_amperes == 9.0
    assert [type(e).__name__ for e in machine.collect_events()] == ["Registered", "Updated"]


def test_every_iot_domain_error_reaches_the_caller_with_a_status():
    named = {cls for _, cls in inspect.getmembers(iot_errors, inspect.isclass)
             if issubclass(cls, DomainError) and cls.__module__ == iot_errors.__name__}

    assert named and named == set(ERRORS)
    for cls in named:
        assert status_for(categorised(cls("x"), ERRORS)).code != code_pb2.INTERNAL
