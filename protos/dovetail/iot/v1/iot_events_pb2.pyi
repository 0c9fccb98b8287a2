import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from dovetail.iot.v1 import iot_service_pb2 as _iot_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FactoryRegistered(_message.Message):
    __slots__ = ("factory",)
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    factory: _iot_service_pb2.Factory
    def __init__(self, factory: _Optional[_Union[_iot_service_pb2.Factory, _Mapping]] = ...) -> None: ...

class FactoryUpdated(_message.Message):
    __slots__ = ("factory", "changed_fields")
    FACTORY_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    factory: _iot_service_pb2.Factory
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, factory: _Optional[_Union[_iot_service_pb2.Factory, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class MachineRegistered(_message.Message):
    __slots__ = ("machine",)
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    machine: _iot_service_pb2.Machine
    def __init__(self, machine: _Optional[_Union[_iot_service_pb2.Machine, _Mapping]] = ...) -> None: ...

class MachineUpdated(_message.Message):
    __slots__ = ("machine", "changed_fields")
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELDS_FIELD_NUMBER: _ClassVar[int]
    machine: _iot_service_pb2.Machine
    changed_fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, machine: _Optional[_Union[_iot_service_pb2.Machine, _Mapping]] = ..., changed_fields: _Optional[_Iterable[str]] = ...) -> None: ...

class MachineStateChanged(_message.Message):
    __slots__ = ("machine_id", "factory_id", "machine_type", "from_state", "to_state", "at", "reason", "available", "previous_state_ms", "reason_words")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FROM_STATE_FIELD_NUMBER: _ClassVar[int]
    TO_STATE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_WORDS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    machine_type: _types_pb2.MachineType
    from_state: _iot_service_pb2.MachineState
    to_state: _iot_service_pb2.MachineState
    at: _timestamp_pb2.Timestamp
    reason: str
    available: bool
    previous_state_ms: int
    reason_words: _types_pb2.Words
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., from_state: _Optional[_Union[_iot_service_pb2.MachineState, str]] = ..., to_state: _Optional[_Union[_iot_service_pb2.MachineState, str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., available: _Optional[bool] = ..., previous_state_ms: _Optional[int] = ..., reason_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class PlannedStopDeclared(_message.Message):
    __slots__ = ("stop_id", "factory_id", "machine_ids", "window", "reason")
    STOP_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_IDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    stop_id: str
    factory_id: str
    machine_ids: _containers.RepeatedScalarFieldContainer[str]
    window: _types_pb2.TimeWindow
    reason: str
    def __init__(self, stop_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_ids: _Optional[_Iterable[str]] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DowntimeRecorded(_message.Message):
    __slots__ = ("downtime",)
    DOWNTIME_FIELD_NUMBER: _ClassVar[int]
    downtime: _iot_service_pb2.Downtime
    def __init__(self, downtime: _Optional[_Union[_iot_service_pb2.Downtime, _Mapping]] = ...) -> None: ...

class DowntimeReasonSet(_message.Message):
    __slots__ = ("downtime_id", "machine_id", "factory_id", "category", "note")
    DOWNTIME_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    downtime_id: str
    machine_id: str
    factory_id: str
    category: _iot_service_pb2.DowntimeCategory
    note: str
    def __init__(self, downtime_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., category: _Optional[_Union[_iot_service_pb2.DowntimeCategory, str]] = ..., note: _Optional[str] = ...) -> None: ...

class MachinePowerLearnt(_message.Message):
    __slots__ = ("machine_id", "factory_id", "machine_type", "running_kw", "running_hours", "learnt_at")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RUNNING_KW_FIELD_NUMBER: _ClassVar[int]
    RUNNING_HOURS_FIELD_NUMBER: _ClassVar[int]
    LEARNT_AT_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    machine_type: _types_pb2.MachineType
    running_kw: float
    running_hours: float
    learnt_at: _timestamp_pb2.Timestamp
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., running_kw: _Optional[float] = ..., running_hours: _Optional[float] = ..., learnt_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MachineHealthAssessed(_message.Message):
    __slots__ = ("machine_id", "factory_id", "assessed_at", "score", "horizon_hours", "confidence", "alarm", "failure_expected_by", "explanation", "baseline_since", "explanation_words")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    ASSESSED_AT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    HORIZON_HOURS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    ALARM_FIELD_NUMBER: _ClassVar[int]
    FAILURE_EXPECTED_BY_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    BASELINE_SINCE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_WORDS_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    assessed_at: _timestamp_pb2.Timestamp
    score: float
    horizon_hours: float
    confidence: float
    alarm: bool
    failure_expected_by: _timestamp_pb2.Timestamp
    explanation: _containers.RepeatedScalarFieldContainer[str]
    baseline_since: _timestamp_pb2.Timestamp
    explanation_words: _containers.RepeatedCompositeFieldContainer[_types_pb2.Words]
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., assessed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ..., horizon_hours: _Optional[float] = ..., confidence: _Optional[float] = ..., alarm: _Optional[bool] = ..., failure_expected_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., explanation: _Optional[_Iterable[str]] = ..., baseline_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., explanation_words: _Optional[_Iterable[_Union[_types_pb2.Words, _Mapping]]] = ...) -> None: ...
