import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MachineState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MACHINE_STATE_UNSPECIFIED: _ClassVar[MachineState]
    MACHINE_STATE_OFF: _ClassVar[MachineState]
    MACHINE_STATE_IDLE: _ClassVar[MachineState]
    MACHINE_STATE_RUNNING: _ClassVar[MachineState]
    MACHINE_STATE_OVERLOAD: _ClassVar[MachineState]
    MACHINE_STATE_DOWN: _ClassVar[MachineState]
    MACHINE_STATE_OFFLINE: _ClassVar[MachineState]

class SensorKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SENSOR_KIND_UNSPECIFIED: _ClassVar[SensorKind]
    SENSOR_KIND_CNC_CONTROLLER: _ClassVar[SensorKind]
    SENSOR_KIND_CURRENT_SENSOR: _ClassVar[SensorKind]

class Weekday(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEEKDAY_UNSPECIFIED: _ClassVar[Weekday]
    WEEKDAY_MONDAY: _ClassVar[Weekday]
    WEEKDAY_TUESDAY: _ClassVar[Weekday]
    WEEKDAY_WEDNESDAY: _ClassVar[Weekday]
    WEEKDAY_THURSDAY: _ClassVar[Weekday]
    WEEKDAY_FRIDAY: _ClassVar[Weekday]
    WEEKDAY_SATURDAY: _ClassVar[Weekday]
    WEEKDAY_SUNDAY: _ClassVar[Weekday]

class TelemetryRejectionReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TELEMETRY_REJECTION_REASON_UNSPECIFIED: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_UNKNOWN_MACHINE: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_WRONG_FACTORY: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_OUT_OF_ORDER: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_IN_FUTURE: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_TOO_OLD: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_INVALID_VALUE: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_WRONG_SENSOR_KIND: _ClassVar[TelemetryRejectionReason]
    TELEMETRY_REJECTION_REASON_DUPLICATE_BATCH: _ClassVar[TelemetryRejectionReason]

class DowntimeCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOWNTIME_CATEGORY_UNSPECIFIED: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_BREAKDOWN: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_MAINTENANCE: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_CHANGEOVER: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_NO_OPERATOR: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_NO_MATERIAL: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_POWER_OUTAGE: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_NETWORK: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_PLANNED_STOP: _ClassVar[DowntimeCategory]
    DOWNTIME_CATEGORY_OTHER: _ClassVar[DowntimeCategory]

class MachineHealthState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MACHINE_HEALTH_STATE_UNSPECIFIED: _ClassVar[MachineHealthState]
    MACHINE_HEALTH_STATE_NOT_ENOUGH_DATA: _ClassVar[MachineHealthState]
    MACHINE_HEALTH_STATE_ASSESSED: _ClassVar[MachineHealthState]
    MACHINE_HEALTH_STATE_MAINTAINED: _ClassVar[MachineHealthState]
MACHINE_STATE_UNSPECIFIED: MachineState
MACHINE_STATE_OFF: MachineState
MACHINE_STATE_IDLE: MachineState
MACHINE_STATE_RUNNING: MachineState
MACHINE_STATE_OVERLOAD: MachineState
MACHINE_STATE_DOWN: MachineState
MACHINE_STATE_OFFLINE: MachineState
SENSOR_KIND_UNSPECIFIED: SensorKind
SENSOR_KIND_CNC_CONTROLLER: SensorKind
SENSOR_KIND_CURRENT_SENSOR: SensorKind
WEEKDAY_UNSPECIFIED: Weekday
WEEKDAY_MONDAY: Weekday
WEEKDAY_TUESDAY: Weekday
WEEKDAY_WEDNESDAY: Weekday
WEEKDAY_THURSDAY: Weekday
WEEKDAY_FRIDAY: Weekday
WEEKDAY_SATURDAY: Weekday
WEEKDAY_SUNDAY: Weekday
TELEMETRY_REJECTION_REASON_UNSPECIFIED: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_UNKNOWN_MACHINE: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_WRONG_FACTORY: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_OUT_OF_ORDER: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_IN_FUTURE: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_TOO_OLD: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_INVALID_VALUE: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_WRONG_SENSOR_KIND: TelemetryRejectionReason
TELEMETRY_REJECTION_REASON_DUPLICATE_BATCH: TelemetryRejectionReason
DOWNTIME_CATEGORY_UNSPECIFIED: DowntimeCategory
DOWNTIME_CATEGORY_BREAKDOWN: DowntimeCategory
DOWNTIME_CATEGORY_MAINTENANCE: DowntimeCategory
DOWNTIME_CATEGORY_CHANGEOVER: DowntimeCategory
DOWNTIME_CATEGORY_NO_OPERATOR: DowntimeCategory
DOWNTIME_CATEGORY_NO_MATERIAL: DowntimeCategory
DOWNTIME_CATEGORY_POWER_OUTAGE: DowntimeCategory
DOWNTIME_CATEGORY_NETWORK: DowntimeCategory
DOWNTIME_CATEGORY_PLANNED_STOP: DowntimeCategory
DOWNTIME_CATEGORY_OTHER: DowntimeCategory
MACHINE_HEALTH_STATE_UNSPECIFIED: MachineHealthState
MACHINE_HEALTH_STATE_NOT_ENOUGH_DATA: MachineHealthState
MACHINE_HEALTH_STATE_ASSESSED: MachineHealthState
MACHINE_HEALTH_STATE_MAINTAINED: MachineHealthState

class Location(_message.Message):
    __slots__ = ("latitude", "longitude", "address")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    address: _types_pb2.Address
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., address: _Optional[_Union[_types_pb2.Address, _Mapping]] = ...) -> None: ...

class WeeklyShift(_message.Message):
    __slots__ = ("weekday", "start_minute", "end_minute", "name")
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    weekday: Weekday
    start_minute: int
    end_minute: int
    name: str
    def __init__(self, weekday: _Optional[_Union[Weekday, str]] = ..., start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ..., name: _Optional[str] = ...) -> None: ...

class ShiftWindow(_message.Message):
    __slots__ = ("start_minute", "end_minute")
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    start_minute: int
    end_minute: int
    def __init__(self, start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ...) -> None: ...

class CalendarException(_message.Message):
    __slots__ = ("date", "closed", "shifts", "reason")
    DATE_FIELD_NUMBER: _ClassVar[int]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    SHIFTS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    date: _types_pb2.Date
    closed: bool
    shifts: _containers.RepeatedCompositeFieldContainer[ShiftWindow]
    reason: str
    def __init__(self, date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., closed: _Optional[bool] = ..., shifts: _Optional[_Iterable[_Union[ShiftWindow, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...

class ShiftCalendar(_message.Message):
    __slots__ = ("weekly_shifts", "exceptions")
    WEEKLY_SHIFTS_FIELD_NUMBER: _ClassVar[int]
    EXCEPTIONS_FIELD_NUMBER: _ClassVar[int]
    weekly_shifts: _containers.RepeatedCompositeFieldContainer[WeeklyShift]
    exceptions: _containers.RepeatedCompositeFieldContainer[CalendarException]
    def __init__(self, weekly_shifts: _Optional[_Iterable[_Union[WeeklyShift, _Mapping]]] = ..., exceptions: _Optional[_Iterable[_Union[CalendarException, _Mapping]]] = ...) -> None: ...

class Factory(_message.Message):
    __slots__ = ("factory_id", "name", "location", "capacity_share_percent", "shift_calendar", "grid_emission_factor_kg_per_kwh", "timezone", "active", "version", "registered_at", "updated_at")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_SHARE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SHIFT_CALENDAR_FIELD_NUMBER: _ClassVar[int]
    GRID_EMISSION_FACTOR_KG_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    name: str
    location: Location
    capacity_share_percent: float
    shift_calendar: ShiftCalendar
    grid_emission_factor_kg_per_kwh: float
    timezone: str
    active: bool
    version: int
    registered_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, factory_id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., capacity_share_percent: _Optional[float] = ..., shift_calendar: _Optional[_Union[ShiftCalendar, _Mapping]] = ..., grid_emission_factor_kg_per_kwh: _Optional[float] = ..., timezone: _Optional[str] = ..., active: _Optional[bool] = ..., version: _Optional[int] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SensorCalibration(_message.Message):
    __slots__ = ("current_scale", "nominal_voltage_v", "phases", "default_power_factor", "off_max_amperes", "idle_max_amperes", "overload_min_amperes", "learnt_at", "off_level_amperes", "idle_level_amperes", "running_level_amperes")
    CURRENT_SCALE_FIELD_NUMBER: _ClassVar[int]
    NOMINAL_VOLTAGE_V_FIELD_NUMBER: _ClassVar[int]
    PHASES_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_POWER_FACTOR_FIELD_NUMBER: _ClassVar[int]
    OFF_MAX_AMPERES_FIELD_NUMBER: _ClassVar[int]
    IDLE_MAX_AMPERES_FIELD_NUMBER: _ClassVar[int]
    OVERLOAD_MIN_AMPERES_FIELD_NUMBER: _ClassVar[int]
    LEARNT_AT_FIELD_NUMBER: _ClassVar[int]
    OFF_LEVEL_AMPERES_FIELD_NUMBER: _ClassVar[int]
    IDLE_LEVEL_AMPERES_FIELD_NUMBER: _ClassVar[int]
    RUNNING_LEVEL_AMPERES_FIELD_NUMBER: _ClassVar[int]
    current_scale: float
    nominal_voltage_v: float
    phases: int
    default_power_factor: float
    off_max_amperes: float
    idle_max_amperes: float
    overload_min_amperes: float
    learnt_at: _timestamp_pb2.Timestamp
    off_level_amperes: float
    idle_level_amperes: float
    running_level_amperes: float
    def __init__(self, current_scale: _Optional[float] = ..., nominal_voltage_v: _Optional[float] = ..., phases: _Optional[int] = ..., default_power_factor: _Optional[float] = ..., off_max_amperes: _Optional[float] = ..., idle_max_amperes: _Optional[float] = ..., overload_min_amperes: _Optional[float] = ..., learnt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., off_level_amperes: _Optional[float] = ..., idle_level_amperes: _Optional[float] = ..., running_level_amperes: _Optional[float] = ...) -> None: ...

class Machine(_message.Message):
    __slots__ = ("machine_id", "factory_id", "name", "machine_type", "speed_factor", "rated_power_kw", "sensor_kind", "calibration", "batch_capacity", "active", "version", "registered_at", "updated_at")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    RATED_POWER_KW_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    BATCH_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    name: str
    machine_type: _types_pb2.MachineType
    speed_factor: float
    rated_power_kw: float
    sensor_kind: SensorKind
    calibration: SensorCalibration
    batch_capacity: int
    active: bool
    version: int
    registered_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., name: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., speed_factor: _Optional[float] = ..., rated_power_kw: _Optional[float] = ..., sensor_kind: _Optional[_Union[SensorKind, str]] = ..., calibration: _Optional[_Union[SensorCalibration, _Mapping]] = ..., batch_capacity: _Optional[int] = ..., active: _Optional[bool] = ..., version: _Optional[int] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RegisterFactoryRequest(_message.Message):
    __slots__ = ("factory_id", "name", "location", "capacity_share_percent", "shift_calendar", "grid_emission_factor_kg_per_kwh", "timezone")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_SHARE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    SHIFT_CALENDAR_FIELD_NUMBER: _ClassVar[int]
    GRID_EMISSION_FACTOR_KG_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    TIMEZONE_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    name: str
    location: Location
    capacity_share_percent: float
    shift_calendar: ShiftCalendar
    grid_emission_factor_kg_per_kwh: float
    timezone: str
    def __init__(self, factory_id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[_Union[Location, _Mapping]] = ..., capacity_share_percent: _Optional[float] = ..., shift_calendar: _Optional[_Union[ShiftCalendar, _Mapping]] = ..., grid_emission_factor_kg_per_kwh: _Optional[float] = ..., timezone: _Optional[str] = ...) -> None: ...

class RegisterFactoryResponse(_message.Message):
    __slots__ = ("factory", "duplicate")
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    factory: Factory
    duplicate: bool
    def __init__(self, factory: _Optional[_Union[Factory, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class UpdateFactoryRequest(_message.Message):
    __slots__ = ("factory", "update_mask", "expected_version")
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    factory: Factory
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, factory: _Optional[_Union[Factory, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateFactoryResponse(_message.Message):
    __slots__ = ("factory",)
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    factory: Factory
    def __init__(self, factory: _Optional[_Union[Factory, _Mapping]] = ...) -> None: ...

class ListFactoriesRequest(_message.Message):
    __slots__ = ("page", "include_inactive")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    page: _types_pb2.PageRequest
    include_inactive: bool
    def __init__(self, page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ..., include_inactive: _Optional[bool] = ...) -> None: ...

class ListFactoriesResponse(_message.Message):
    __slots__ = ("factories", "next_page_token")
    FACTORIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    factories: _containers.RepeatedCompositeFieldContainer[Factory]
    next_page_token: str
    def __init__(self, factories: _Optional[_Iterable[_Union[Factory, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RegisterMachineRequest(_message.Message):
    __slots__ = ("factory_id", "machine_id", "name", "machine_type", "speed_factor", "rated_power_kw", "sensor_kind", "calibration", "batch_capacity")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    RATED_POWER_KW_FIELD_NUMBER: _ClassVar[int]
    SENSOR_KIND_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_FIELD_NUMBER: _ClassVar[int]
    BATCH_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    machine_id: str
    name: str
    machine_type: _types_pb2.MachineType
    speed_factor: float
    rated_power_kw: float
    sensor_kind: SensorKind
    calibration: SensorCalibration
    batch_capacity: int
    def __init__(self, factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., name: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., speed_factor: _Optional[float] = ..., rated_power_kw: _Optional[float] = ..., sensor_kind: _Optional[_Union[SensorKind, str]] = ..., calibration: _Optional[_Union[SensorCalibration, _Mapping]] = ..., batch_capacity: _Optional[int] = ...) -> None: ...

class RegisterMachineResponse(_message.Message):
    __slots__ = ("machine", "duplicate")
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    machine: Machine
    duplicate: bool
    def __init__(self, machine: _Optional[_Union[Machine, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class UpdateMachineRequest(_message.Message):
    __slots__ = ("machine", "update_mask", "expected_version")
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    machine: Machine
    update_mask: _field_mask_pb2.FieldMask
    expected_version: int
    def __init__(self, machine: _Optional[_Union[Machine, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UpdateMachineResponse(_message.Message):
    __slots__ = ("machine",)
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    machine: Machine
    def __init__(self, machine: _Optional[_Union[Machine, _Mapping]] = ...) -> None: ...

class ListMachinesRequest(_message.Message):
    __slots__ = ("factory_id", "machine_types", "states", "page", "include_inactive")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPES_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    machine_types: _containers.RepeatedScalarFieldContainer[_types_pb2.MachineType]
    states: _containers.RepeatedScalarFieldContainer[MachineState]
    page: _types_pb2.PageRequest
    include_inactive: bool
    def __init__(self, factory_id: _Optional[str] = ..., machine_types: _Optional[_Iterable[_Union[_types_pb2.MachineType, str]]] = ..., states: _Optional[_Iterable[_Union[MachineState, str]]] = ..., page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ..., include_inactive: _Optional[bool] = ...) -> None: ...

class ListMachinesResponse(_message.Message):
    __slots__ = ("machines", "statuses", "next_page_token")
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    machines: _containers.RepeatedCompositeFieldContainer[Machine]
    statuses: _containers.RepeatedCompositeFieldContainer[MachineStatus]
    next_page_token: str
    def __init__(self, machines: _Optional[_Iterable[_Union[Machine, _Mapping]]] = ..., statuses: _Optional[_Iterable[_Union[MachineStatus, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MachineStatus(_message.Message):
    __slots__ = ("machine_id", "factory_id", "machine_type", "state", "since", "available", "reason", "last_sample_unix_ms", "current_amperes", "power_kw", "in_planned_stop", "reason_words")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LAST_SAMPLE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    CURRENT_AMPERES_FIELD_NUMBER: _ClassVar[int]
    POWER_KW_FIELD_NUMBER: _ClassVar[int]
    IN_PLANNED_STOP_FIELD_NUMBER: _ClassVar[int]
    REASON_WORDS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    machine_type: _types_pb2.MachineType
    state: MachineState
    since: _timestamp_pb2.Timestamp
    available: bool
    reason: str
    last_sample_unix_ms: int
    current_amperes: float
    power_kw: float
    in_planned_stop: bool
    reason_words: _types_pb2.Words
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., state: _Optional[_Union[MachineState, str]] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., available: _Optional[bool] = ..., reason: _Optional[str] = ..., last_sample_unix_ms: _Optional[int] = ..., current_amperes: _Optional[float] = ..., power_kw: _Optional[float] = ..., in_planned_stop: _Optional[bool] = ..., reason_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class GetMachineStatusRequest(_message.Message):
    __slots__ = ("machine_id",)
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    def __init__(self, machine_id: _Optional[str] = ...) -> None: ...

class GetMachineStatusResponse(_message.Message):
    __slots__ = ("status",)
    STATUS_FIELD_NUMBER: _ClassVar[int]
    status: MachineStatus
    def __init__(self, status: _Optional[_Union[MachineStatus, _Mapping]] = ...) -> None: ...

class WatchMachineStatusRequest(_message.Message):
    __slots__ = ("factory_id", "machine_ids")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_IDS_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    machine_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, factory_id: _Optional[str] = ..., machine_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class WatchMachineStatusResponse(_message.Message):
    __slots__ = ("status", "snapshot")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    status: MachineStatus
    snapshot: bool
    def __init__(self, status: _Optional[_Union[MachineStatus, _Mapping]] = ..., snapshot: _Optional[bool] = ...) -> None: ...

class CurrentSample(_message.Message):
    __slots__ = ("timestamp_unix_ms", "amperes", "voltage_v", "power_factor")
    TIMESTAMP_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    AMPERES_FIELD_NUMBER: _ClassVar[int]
    VOLTAGE_V_FIELD_NUMBER: _ClassVar[int]
    POWER_FACTOR_FIELD_NUMBER: _ClassVar[int]
    timestamp_unix_ms: int
    amperes: float
    voltage_v: float
    power_factor: float
    def __init__(self, timestamp_unix_ms: _Optional[int] = ..., amperes: _Optional[float] = ..., voltage_v: _Optional[float] = ..., power_factor: _Optional[float] = ...) -> None: ...

class CncStateReport(_message.Message):
    __slots__ = ("timestamp_unix_ms", "state", "program", "alarm_code", "power_kw", "part_count")
    TIMESTAMP_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PROGRAM_FIELD_NUMBER: _ClassVar[int]
    ALARM_CODE_FIELD_NUMBER: _ClassVar[int]
    POWER_KW_FIELD_NUMBER: _ClassVar[int]
    PART_COUNT_FIELD_NUMBER: _ClassVar[int]
    timestamp_unix_ms: int
    state: MachineState
    program: str
    alarm_code: str
    power_kw: float
    part_count: int
    def __init__(self, timestamp_unix_ms: _Optional[int] = ..., state: _Optional[_Union[MachineState, str]] = ..., program: _Optional[str] = ..., alarm_code: _Optional[str] = ..., power_kw: _Optional[float] = ..., part_count: _Optional[int] = ...) -> None: ...

class TelemetryBatch(_message.Message):
    __slots__ = ("factory_id", "machine_id", "batch_id", "current_samples", "cnc_states")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_ID_FIELD_NUMBER: _ClassVar[int]
    CURRENT_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    CNC_STATES_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    machine_id: str
    batch_id: str
    current_samples: _containers.RepeatedCompositeFieldContainer[CurrentSample]
    cnc_states: _containers.RepeatedCompositeFieldContainer[CncStateReport]
    def __init__(self, factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., batch_id: _Optional[str] = ..., current_samples: _Optional[_Iterable[_Union[CurrentSample, _Mapping]]] = ..., cnc_states: _Optional[_Iterable[_Union[CncStateReport, _Mapping]]] = ...) -> None: ...

class StreamTelemetryRequest(_message.Message):
    __slots__ = ("batch",)
    BATCH_FIELD_NUMBER: _ClassVar[int]
    batch: TelemetryBatch
    def __init__(self, batch: _Optional[_Union[TelemetryBatch, _Mapping]] = ...) -> None: ...

class TelemetryRejection(_message.Message):
    __slots__ = ("reason", "machine_id", "count", "message")
    REASON_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: TelemetryRejectionReason
    machine_id: str
    count: int
    message: str
    def __init__(self, reason: _Optional[_Union[TelemetryRejectionReason, str]] = ..., machine_id: _Optional[str] = ..., count: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class StreamTelemetryResponse(_message.Message):
    __slots__ = ("batches_received", "samples_accepted", "samples_rejected", "rejections")
    BATCHES_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_REJECTED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    batches_received: int
    samples_accepted: int
    samples_rejected: int
    rejections: _containers.RepeatedCompositeFieldContainer[TelemetryRejection]
    def __init__(self, batches_received: _Optional[int] = ..., samples_accepted: _Optional[int] = ..., samples_rejected: _Optional[int] = ..., rejections: _Optional[_Iterable[_Union[TelemetryRejection, _Mapping]]] = ...) -> None: ...

class DeclarePlannedStopRequest(_message.Message):
    __slots__ = ("factory_id", "machine_ids", "window", "reason", "idempotency_key")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_IDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    machine_ids: _containers.RepeatedScalarFieldContainer[str]
    window: _types_pb2.TimeWindow
    reason: str
    idempotency_key: str
    def __init__(self, factory_id: _Optional[str] = ..., machine_ids: _Optional[_Iterable[str]] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class DeclarePlannedStopResponse(_message.Message):
    __slots__ = ("stop_id", "duplicate")
    STOP_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    stop_id: str
    duplicate: bool
    def __init__(self, stop_id: _Optional[str] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class Downtime(_message.Message):
    __slots__ = ("downtime_id", "machine_id", "factory_id", "state", "start_unix_ms", "end_unix_ms", "category", "note", "planned")
    DOWNTIME_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    downtime_id: str
    machine_id: str
    factory_id: str
    state: MachineState
    start_unix_ms: int
    end_unix_ms: int
    category: DowntimeCategory
    note: str
    planned: bool
    def __init__(self, downtime_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., state: _Optional[_Union[MachineState, str]] = ..., start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., category: _Optional[_Union[DowntimeCategory, str]] = ..., note: _Optional[str] = ..., planned: _Optional[bool] = ...) -> None: ...

class SetDowntimeReasonRequest(_message.Message):
    __slots__ = ("machine_id", "downtime_id", "category", "note")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    DOWNTIME_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    downtime_id: str
    category: DowntimeCategory
    note: str
    def __init__(self, machine_id: _Optional[str] = ..., downtime_id: _Optional[str] = ..., category: _Optional[_Union[DowntimeCategory, str]] = ..., note: _Optional[str] = ...) -> None: ...

class SetDowntimeReasonResponse(_message.Message):
    __slots__ = ("downtime",)
    DOWNTIME_FIELD_NUMBER: _ClassVar[int]
    downtime: Downtime
    def __init__(self, downtime: _Optional[_Union[Downtime, _Mapping]] = ...) -> None: ...

class GetEnergyRequest(_message.Message):
    __slots__ = ("machine_id", "factory_id", "order_id", "window", "bucket_seconds")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    BUCKET_SECONDS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    order_id: str
    window: _types_pb2.TimeWindow
    bucket_seconds: int
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., order_id: _Optional[str] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., bucket_seconds: _Optional[int] = ...) -> None: ...

class EnergyBucket(_message.Message):
    __slots__ = ("start_unix_ms", "kwh", "kg_co2e")
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    KWH_FIELD_NUMBER: _ClassVar[int]
    KG_CO2E_FIELD_NUMBER: _ClassVar[int]
    start_unix_ms: int
    kwh: float
    kg_co2e: float
    def __init__(self, start_unix_ms: _Optional[int] = ..., kwh: _Optional[float] = ..., kg_co2e: _Optional[float] = ...) -> None: ...

class EnergyShare(_message.Message):
    __slots__ = ("machine_id", "operation_id", "kwh", "kg_co2e")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    KWH_FIELD_NUMBER: _ClassVar[int]
    KG_CO2E_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    operation_id: str
    kwh: float
    kg_co2e: float
    def __init__(self, machine_id: _Optional[str] = ..., operation_id: _Optional[str] = ..., kwh: _Optional[float] = ..., kg_co2e: _Optional[float] = ...) -> None: ...

class GetEnergyResponse(_message.Message):
    __slots__ = ("kwh", "kg_co2e", "buckets", "shares")
    KWH_FIELD_NUMBER: _ClassVar[int]
    KG_CO2E_FIELD_NUMBER: _ClassVar[int]
    BUCKETS_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    kwh: float
    kg_co2e: float
    buckets: _containers.RepeatedCompositeFieldContainer[EnergyBucket]
    shares: _containers.RepeatedCompositeFieldContainer[EnergyShare]
    def __init__(self, kwh: _Optional[float] = ..., kg_co2e: _Optional[float] = ..., buckets: _Optional[_Iterable[_Union[EnergyBucket, _Mapping]]] = ..., shares: _Optional[_Iterable[_Union[EnergyShare, _Mapping]]] = ...) -> None: ...

class GetOeeRequest(_message.Message):
    __slots__ = ("machine_id", "factory_id", "day", "end_day")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    END_DAY_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    day: _types_pb2.Date
    end_day: _types_pb2.Date
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., day: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., end_day: _Optional[_Union[_types_pb2.Date, _Mapping]] = ...) -> None: ...

class OeeReport(_message.Message):
    __slots__ = ("machine_id", "factory_id", "day", "availability", "performance", "quality", "oee", "planned_production_seconds", "run_seconds", "downtime_seconds", "ideal_run_seconds", "good_count", "scrap_count")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_FIELD_NUMBER: _ClassVar[int]
    QUALITY_FIELD_NUMBER: _ClassVar[int]
    OEE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_PRODUCTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RUN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DOWNTIME_SECONDS_FIELD_NUMBER: _ClassVar[int]
    IDEAL_RUN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    GOOD_COUNT_FIELD_NUMBER: _ClassVar[int]
    SCRAP_COUNT_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    day: _types_pb2.Date
    availability: float
    performance: float
    quality: float
    oee: float
    planned_production_seconds: int
    run_seconds: int
    downtime_seconds: int
    ideal_run_seconds: int
    good_count: int
    scrap_count: int
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., day: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., availability: _Optional[float] = ..., performance: _Optional[float] = ..., quality: _Optional[float] = ..., oee: _Optional[float] = ..., planned_production_seconds: _Optional[int] = ..., run_seconds: _Optional[int] = ..., downtime_seconds: _Optional[int] = ..., ideal_run_seconds: _Optional[int] = ..., good_count: _Optional[int] = ..., scrap_count: _Optional[int] = ...) -> None: ...

class GetOeeResponse(_message.Message):
    __slots__ = ("days", "machines")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    days: _containers.RepeatedCompositeFieldContainer[OeeReport]
    machines: _containers.RepeatedCompositeFieldContainer[OeeReport]
    def __init__(self, days: _Optional[_Iterable[_Union[OeeReport, _Mapping]]] = ..., machines: _Optional[_Iterable[_Union[OeeReport, _Mapping]]] = ...) -> None: ...

class GetDowntimeRequest(_message.Message):
    __slots__ = ("machine_id", "factory_id", "window", "page")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    window: _types_pb2.TimeWindow
    page: _types_pb2.PageRequest
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class DowntimeByCategory(_message.Message):
    __slots__ = ("category", "count", "seconds")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    category: DowntimeCategory
    count: int
    seconds: int
    def __init__(self, category: _Optional[_Union[DowntimeCategory, str]] = ..., count: _Optional[int] = ..., seconds: _Optional[int] = ...) -> None: ...

class DowntimeByMachine(_message.Message):
    __slots__ = ("machine_id", "count", "seconds")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    count: int
    seconds: int
    def __init__(self, machine_id: _Optional[str] = ..., count: _Optional[int] = ..., seconds: _Optional[int] = ...) -> None: ...

class DowntimeAnalytics(_message.Message):
    __slots__ = ("count", "total_seconds", "mean_time_between_failures_seconds", "mean_time_to_repair_seconds", "by_category", "by_machine")
    COUNT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MEAN_TIME_BETWEEN_FAILURES_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MEAN_TIME_TO_REPAIR_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BY_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    BY_MACHINE_FIELD_NUMBER: _ClassVar[int]
    count: int
    total_seconds: int
    mean_time_between_failures_seconds: int
    mean_time_to_repair_seconds: int
    by_category: _containers.RepeatedCompositeFieldContainer[DowntimeByCategory]
    by_machine: _containers.RepeatedCompositeFieldContainer[DowntimeByMachine]
    def __init__(self, count: _Optional[int] = ..., total_seconds: _Optional[int] = ..., mean_time_between_failures_seconds: _Optional[int] = ..., mean_time_to_repair_seconds: _Optional[int] = ..., by_category: _Optional[_Iterable[_Union[DowntimeByCategory, _Mapping]]] = ..., by_machine: _Optional[_Iterable[_Union[DowntimeByMachine, _Mapping]]] = ...) -> None: ...

class GetDowntimeResponse(_message.Message):
    __slots__ = ("intervals", "analytics", "next_page_token")
    INTERVALS_FIELD_NUMBER: _ClassVar[int]
    ANALYTICS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    intervals: _containers.RepeatedCompositeFieldContainer[Downtime]
    analytics: DowntimeAnalytics
    next_page_token: str
    def __init__(self, intervals: _Optional[_Iterable[_Union[Downtime, _Mapping]]] = ..., analytics: _Optional[_Union[DowntimeAnalytics, _Mapping]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetFactoryKpisRequest(_message.Message):
    __slots__ = ("day", "end_day", "energy_window", "page", "include_inactive")
    DAY_FIELD_NUMBER: _ClassVar[int]
    END_DAY_FIELD_NUMBER: _ClassVar[int]
    ENERGY_WINDOW_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    day: _types_pb2.Date
    end_day: _types_pb2.Date
    energy_window: _types_pb2.TimeWindow
    page: _types_pb2.PageRequest
    include_inactive: bool
    def __init__(self, day: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., end_day: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., energy_window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ..., include_inactive: _Optional[bool] = ...) -> None: ...

class FactoryKpis(_message.Message):
    __slots__ = ("factory_id", "name", "utilisation", "oee", "kwh", "kg_co2e", "planned_production_seconds", "run_seconds", "days_with_planned_time")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UTILISATION_FIELD_NUMBER: _ClassVar[int]
    OEE_FIELD_NUMBER: _ClassVar[int]
    KWH_FIELD_NUMBER: _ClassVar[int]
    KG_CO2E_FIELD_NUMBER: _ClassVar[int]
    PLANNED_PRODUCTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    RUN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DAYS_WITH_PLANNED_TIME_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    name: str
    utilisation: float
    oee: float
    kwh: float
    kg_co2e: float
    planned_production_seconds: int
    run_seconds: int
    days_with_planned_time: int
    def __init__(self, factory_id: _Optional[str] = ..., name: _Optional[str] = ..., utilisation: _Optional[float] = ..., oee: _Optional[float] = ..., kwh: _Optional[float] = ..., kg_co2e: _Optional[float] = ..., planned_production_seconds: _Optional[int] = ..., run_seconds: _Optional[int] = ..., days_with_planned_time: _Optional[int] = ...) -> None: ...

class GetFactoryKpisResponse(_message.Message):
    __slots__ = ("factories", "next_page_token")
    FACTORIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    factories: _containers.RepeatedCompositeFieldContainer[FactoryKpis]
    next_page_token: str
    def __init__(self, factories: _Optional[_Iterable[_Union[FactoryKpis, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class MachineHealth(_message.Message):
    __slots__ = ("machine_id", "factory_id", "state", "assessed_at", "score", "horizon_hours", "confidence", "alarm", "failure_expected_by", "explanation", "windows_seen", "windows_needed", "window_seconds", "maintained_at", "maintained_by", "maintenance_task_id", "explanation_words")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_AT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    HORIZON_HOURS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ALARM_FIELD_NUMBER: _ClassVar[int]
    FAILURE_EXPECTED_BY_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_SEEN_FIELD_NUMBER: _ClassVar[int]
    WINDOWS_NEEDED_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAINTAINED_AT_FIELD_NUMBER: _ClassVar[int]
    MAINTAINED_BY_FIELD_NUMBER: _ClassVar[int]
    MAINTENANCE_TASK_ID_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_WORDS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    state: MachineHealthState
    assessed_at: _timestamp_pb2.Timestamp
    score: float
    horizon_hours: float
    confidence: float
    alarm: bool
    failure_expected_by: _timestamp_pb2.Timestamp
    explanation: _containers.RepeatedScalarFieldContainer[str]
    windows_seen: int
    windows_needed: int
    window_seconds: float
    maintained_at: _timestamp_pb2.Timestamp
    maintained_by: str
    maintenance_task_id: str
    explanation_words: _containers.RepeatedCompositeFieldContainer[_types_pb2.Words]
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., state: _Optional[_Union[MachineHealthState, str]] = ..., assessed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ..., horizon_hours: _Optional[float] = ..., confidence: _Optional[float] = ..., alarm: _Optional[bool] = ..., failure_expected_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., explanation: _Optional[_Iterable[str]] = ..., windows_seen: _Optional[int] = ..., windows_needed: _Optional[int] = ..., window_seconds: _Optional[float] = ..., maintained_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., maintained_by: _Optional[str] = ..., maintenance_task_id: _Optional[str] = ..., explanation_words: _Optional[_Iterable[_Union[_types_pb2.Words, _Mapping]]] = ...) -> None: ...

class GetMachineHealthRequest(_message.Message):
    __slots__ = ("machine_id",)
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    def __init__(self, machine_id: _Optional[str] = ...) -> None: ...

class GetMachineHealthResponse(_message.Message):
    __slots__ = ("health",)
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    health: MachineHealth
    def __init__(self, health: _Optional[_Union[MachineHealth, _Mapping]] = ...) -> None: ...

class ListMachineHealthRequest(_message.Message):
    __slots__ = ("factory_ids",)
    FACTORY_IDS_FIELD_NUMBER: _ClassVar[int]
    factory_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, factory_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListMachineHealthResponse(_message.Message):
    __slots__ = ("healths",)
    HEALTHS_FIELD_NUMBER: _ClassVar[int]
    healths: _containers.RepeatedCompositeFieldContainer[MachineHealth]
    def __init__(self, healths: _Optional[_Iterable[_Union[MachineHealth, _Mapping]]] = ...) -> None: ...
