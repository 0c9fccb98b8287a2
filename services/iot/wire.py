"""Wire (protobuf) ↔ domain for the iot service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, timestamp_pb2

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as pb
from services.iot.domain.calendar import (
    CalendarException,
    ShiftCalendar,
    ShiftWindow,
    WeeklyShift,
)
from services.iot.domain.health import HealthAssessment, Maintenance
from services.iot.domain.machine_state import Downtime
from services.iot.domain.profiles import (
    Address,
    FactoryProfile,
    Location,
    MachineProfile,
    SensorCalibration,
)
from services.iot.domain.registry import CALIBRATION_OPTIONAL, Factory, Machine
from services.iot.domain.values import LiveState, as_plain, from_plain
from services.iot.signals.wear_capture import WearClock
from services.kit.errors import InvalidArgument, Violations
from services.kit.words import N_, Words
from services.kit.words_pb import words_pb


def timestamp(value: datetime | str | float | None) -> timestamp_pb2.Timestamp | None:
    """A Timestamp from an aware datetime, ISO text or epoch seconds."""
    if value in (None, ""):
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, int | float):
        value = datetime.fromtimestamp(value, UTC)
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return ts


def state_to_pb(state: LiveState | str) -> int:
    return pb.MachineState.Value(f"MACHINE_STATE_{LiveState(state).value}")


def state_from_pb(value: int) -> LiveState:
    return LiveState(pb.MachineState.Name(value).removeprefix("MACHINE_STATE_"))


def reason_to_pb(reason: Words) -> tuple[str, types_pb2.Words]:
    """Why a machine is in its live state, on the wire: the English and the words."""
    return reason.english(), words_pb(reason)


def machine_type_to_pb(name: str) -> int:
    return types_pb2.MachineType.Value(f"MACHINE_TYPE_{name.upper()}")


def machine_type_from_pb(value: int) -> str:
    name = types_pb2.MachineType.Name(value).removeprefix("MACHINE_TYPE_").lower()
    return "" if name == "unspecified" else name


def category_to_pb(name: str) -> int:
    return pb.DowntimeCategory.Value(f"DOWNTIME_CATEGORY_{name.upper()}")


def category_from_pb(value: int) -> str:
    return pb.DowntimeCategory.Name(value).removeprefix("DOWNTIME_CATEGORY_").lower()


# ---- factories -------------------------------------------------------------------------

def _date_text(d: types_pb2.Date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _window(w: pb.ShiftWindow) -> ShiftWindow:
    return ShiftWindow(start_minute=w.start_minute, end_minute=w.end_minute)


def calendar_from_pb(c: pb.ShiftCalendar) -> ShiftCalendar:
    return ShiftCalendar(
        weekly_shifts=tuple(WeeklyShift(weekday=s.weekday, start_minute=s.start_minute,
                                        end_minute=s.end_minute, name=s.name)
                            for s in c.weekly_shifts),
        exceptions=tuple(CalendarException(date=_date_text(e.date), closed=e.closed,
                                           reason=e.reason,
                                           shifts=tuple(_window(w) for w in e.shifts))
                         for e in c.exceptions))


def calendar_to_pb(c: ShiftCalendar) -> pb.ShiftCalendar:
    exceptions = []
    for e in c.exceptions:
        year, month, day = (int(x) for x in e.date.split("-"))
        exceptions.append(pb.CalendarException(
            date=types_pb2.Date(year=year, month=month, day=day), closed=e.closed,
            reason=e.reason, shifts=[pb.ShiftWindow(**as_plain(w)) for w in e.shifts]))
    return pb.ShiftCalendar(weekly_shifts=[pb.WeeklyShift(**as_plain(s)) for s in c.weekly_shifts],
                            exceptions=exceptions)


def location_from_pb(loc: pb.Location) -> Location:
    return Location(latitude=loc.latitude, longitude=loc.longitude, address=from_plain(
        Address, json_format.MessageToDict(loc.address, preserving_proto_field_name=True)))


def factory_from_pb(m: pb.RegisterFactoryRequest | pb.Factory) -> FactoryProfile:
    """The factory a request describes, as sent (validate_factory checks and completes it)."""
    return FactoryProfile(
        factory_id=m.factory_id, name=m.name, location=location_from_pb(m.location),
        capacity_share_percent=m.capacity_share_percent,
        shift_calendar=calendar_from_pb(m.shift_calendar),
        grid_emission_factor_kg_per_kwh=m.grid_emission_factor_kg_per_kwh,
        timezone=m.timezone, active=m.active if isinstance(m, pb.Factory) else True)


def factory_profile_to_pb(p: FactoryProfile, version: int, updated_at: Any) -> pb.Factory:
    loc = p.location
    return pb.Factory(
        factory_id=p.factory_id, name=p.name,
        location=pb.Location(latitude=loc.latitude, longitude=loc.longitude,
                             address=types_pb2.Address(**as_plain(loc.address))),
        capacity_share_percent=p.capacity_share_percent,
        shift_calendar=calendar_to_pb(p.shift_calendar),
        grid_emission_factor_kg_per_kwh=p.grid_emission_factor_kg_per_kwh,
        timezone=p.timezone, active=p.active, version=version,
        registered_at=timestamp(p.registered_at), updated_at=timestamp(updated_at))


def factory_to_pb(f: Factory) -> pb.Factory:
    return factory_profile_to_pb(f.profile, f.version, f.modified_on)


def factory_row_to_pb(row: dict[str, Any]) -> pb.Factory:
    """A factory from its read model row (its profile stored as plain data)."""
    return factory_profile_to_pb(from_plain(FactoryProfile, row["profile"]), row["version"],
                                 row["updated_at"])


# ---- machines --------------------------------------------------------------------------

def calibration_from_pb(c: pb.SensorCalibration) -> SensorCalibration:
    optional = {k: getattr(c, k) if c.HasField(k) else None for k in CALIBRATION_OPTIONAL}
    return SensorCalibration(
        current_scale=c.current_scale, nominal_voltage_v=c.nominal_voltage_v, phases=c.phases,
        default_power_factor=c.default_power_factor,
        learnt_at=c.learnt_at.ToDatetime(tzinfo=UTC).isoformat() if c.HasField("learnt_at")
        else "", **optional)


def calibration_to_pb(c: SensorCalibration) -> pb.SensorCalibration:
    optional = {k: getattr(c, k) for k in CALIBRATION_OPTIONAL if getattr(c, k) is not None}
    return pb.SensorCalibration(
        current_scale=c.current_scale, nominal_voltage_v=c.nominal_voltage_v, phases=c.phases,
        default_power_factor=c.default_power_factor, learnt_at=timestamp(c.learnt_at),
        **optional)


def machine_from_pb(m: pb.RegisterMachineRequest | pb.Machine) -> MachineProfile:
    """The machine a request describes, as sent (validate_machine checks and completes it)."""
    kind = pb.SensorKind.Name(m.sensor_kind).removeprefix("SENSOR_KIND_").lower()
    return MachineProfile(
        machine_id=m.machine_id, factory_id=m.factory_id, name=m.name,
        machine_type=machine_type_from_pb(m.machine_type), speed_factor=m.speed_factor,
        rated_power_kw=m.rated_power_kw, sensor_kind="" if kind == "unspecified" else kind,
        calibration=calibration_from_pb(m.calibration), batch_capacity=m.batch_capacity,
        active=m.active if isinstance(m, pb.Machine) else True)


def machine_profile_to_pb(p: MachineProfile, version: int, updated_at: Any) -> pb.Machine:
    return pb.Machine(
        machine_id=p.machine_id, factory_id=p.factory_id, name=p.name,
        machine_type=machine_type_to_pb(p.machine_type), speed_factor=p.speed_factor,
        rated_power_kw=p.rated_power_kw,
        sensor_kind=pb.SensorKind.Value(f"SENSOR_KIND_{p.sensor_kind.upper()}"),
        calibration=calibration_to_pb(p.calibration), batch_capacity=p.batch_capacity,
        active=p.active, version=version, registered_at=timestamp(p.registered_at),
        updated_at=timestamp(updated_at))


def machine_to_pb(m: Machine) -> pb.Machine:
    return machine_profile_to_pb(m.profile, m.version, m.modified_on)


def machine_row_to_pb(row: dict[str, Any]) -> pb.Machine:
    """A machine from its read model row (its profile stored as plain data)."""
    return machine_profile_to_pb(from_plain(MachineProfile, row["profile"]), row["version"],
                                 row["updated_at"])


def mask_fields(paths, allowed: tuple[str, ...]) -> list[str]:
    """Top-level fields named by an update mask ("location.latitude" → "location")."""
    fields = []
    for path in paths:
        top = path.split(".", 1)[0]
        if top not in allowed:
            raise InvalidArgument(Violations.one(
                "update_mask", N_("'%(path)s' cannot be changed; use %(allowed)s"),
                path=path, allowed=', '.join(allowed)))
        if top not in fields:
            fields.append(top)
    if not fields:
        raise InvalidArgument(Violations.one("update_mask", N_("must name the fields to change")))
    return fields


def downtime_to_pb(d: Downtime) -> pb.Downtime:
    return pb.Downtime(
        downtime_id=d.downtime_id, machine_id=d.machine_id, factory_id=d.factory_id,
        state=state_to_pb(d.state), start_unix_ms=d.start_ms, end_unix_ms=d.end_ms,
        category=category_to_pb(d.category), note=d.note, planned=d.planned)


def downtime_row_to_pb(row: dict[str, Any]) -> pb.Downtime:
    """A downtime from its read model row (end_ms NULL while it lasts)."""
    return downtime_to_pb(from_plain(Downtime, {**row, "end_ms": row["end_ms"] or 0}))


def health_to_pb(machine_id: str, factory_id: str, health: HealthAssessment | None,
                 windows_seen: int, clock: WearClock,
                 maintenance: Maintenance | None = None) -> pb.MachineHealth:
    """A machine's recorded health (issue 22): NOT_ENOUGH_DATA while none was recorded,
    MAINTAINED after maintenance until the wear watch has its new baseline; its last
    maintenance with it."""
    out = pb.MachineHealth(
        machine_id=machine_id, factory_id=factory_id,
        state=pb.MACHINE_HEALTH_STATE_NOT_ENOUGH_DATA, windows_seen=windows_seen,
        windows_needed=clock.config.baseline_points, window_seconds=clock.window_s)
    if maintenance is not None:
        out.maintained_at.CopyFrom(timestamp(maintenance.at_ms / 1000))
        out.maintained_by, out.maintenance_task_id = maintenance.by, maintenance.task_id
    if health is None:
        if maintenance is not None:
            out.state = pb.MACHINE_HEALTH_STATE_MAINTAINED
        return out
    out.state = pb.MACHINE_HEALTH_STATE_ASSESSED
    out.assessed_at.CopyFrom(timestamp(health.at_ms / 1000))
    out.score, out.confidence, out.alarm = health.score, health.confidence, health.alarm
    out.explanation.extend(health.explanation)
    out.explanation_words.extend(words_pb(w) for w in health.explanation_words)
    expected = health.failure_expected_by_ms
    if expected is not None:
        out.horizon_hours = health.horizon_s / 3600
        out.failure_expected_by.CopyFrom(timestamp(expected / 1000))
    return out
