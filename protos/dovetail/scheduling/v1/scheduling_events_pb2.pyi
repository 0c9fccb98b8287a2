import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from dovetail.scheduling.v1 import scheduling_service_pb2 as _scheduling_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PlanOverrideKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_OVERRIDE_KIND_UNSPECIFIED: _ClassVar[PlanOverrideKind]
    PLAN_OVERRIDE_KIND_PINNED: _ClassVar[PlanOverrideKind]
    PLAN_OVERRIDE_KIND_UNPINNED: _ClassVar[PlanOverrideKind]
    PLAN_OVERRIDE_KIND_HELD: _ClassVar[PlanOverrideKind]
    PLAN_OVERRIDE_KIND_RELEASED: _ClassVar[PlanOverrideKind]
    PLAN_OVERRIDE_KIND_PRIORITISED: _ClassVar[PlanOverrideKind]
PLAN_OVERRIDE_KIND_UNSPECIFIED: PlanOverrideKind
PLAN_OVERRIDE_KIND_PINNED: PlanOverrideKind
PLAN_OVERRIDE_KIND_UNPINNED: PlanOverrideKind
PLAN_OVERRIDE_KIND_HELD: PlanOverrideKind
PLAN_OVERRIDE_KIND_RELEASED: PlanOverrideKind
PLAN_OVERRIDE_KIND_PRIORITISED: PlanOverrideKind

class SchedulePublished(_message.Message):
    __slots__ = ("plan_id", "previous_plan_id", "published_at", "status", "objective", "order_count", "operation_count", "on_time_count", "at_risk_count", "late_count", "trigger", "solve_ms", "moved_operation_ids", "affected_factory_ids")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    ORDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_COUNT_FIELD_NUMBER: _ClassVar[int]
    AT_RISK_COUNT_FIELD_NUMBER: _ClassVar[int]
    LATE_COUNT_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    SOLVE_MS_FIELD_NUMBER: _ClassVar[int]
    MOVED_OPERATION_IDS_FIELD_NUMBER: _ClassVar[int]
    AFFECTED_FACTORY_IDS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    previous_plan_id: str
    published_at: _timestamp_pb2.Timestamp
    status: _scheduling_service_pb2.PlanStatus
    objective: _scheduling_service_pb2.ObjectiveValues
    order_count: int
    operation_count: int
    on_time_count: int
    at_risk_count: int
    late_count: int
    trigger: str
    solve_ms: int
    moved_operation_ids: _containers.RepeatedScalarFieldContainer[str]
    affected_factory_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plan_id: _Optional[str] = ..., previous_plan_id: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_scheduling_service_pb2.PlanStatus, str]] = ..., objective: _Optional[_Union[_scheduling_service_pb2.ObjectiveValues, _Mapping]] = ..., order_count: _Optional[int] = ..., operation_count: _Optional[int] = ..., on_time_count: _Optional[int] = ..., at_risk_count: _Optional[int] = ..., late_count: _Optional[int] = ..., trigger: _Optional[str] = ..., solve_ms: _Optional[int] = ..., moved_operation_ids: _Optional[_Iterable[str]] = ..., affected_factory_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class OrderScheduled(_message.Message):
    __slots__ = ("order_id", "plan_id", "factory_id", "planned_start", "planned_end", "promised_date", "risk", "tardiness_seconds")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    TARDINESS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    plan_id: str
    factory_id: str
    planned_start: _timestamp_pb2.Timestamp
    planned_end: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    risk: _scheduling_service_pb2.ScheduleRisk
    tardiness_seconds: int
    def __init__(self, order_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., planned_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., risk: _Optional[_Union[_scheduling_service_pb2.ScheduleRisk, str]] = ..., tardiness_seconds: _Optional[int] = ...) -> None: ...

class OrderUnscheduled(_message.Message):
    __slots__ = ("order_id", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class OrderUnplannable(_message.Message):
    __slots__ = ("order_id", "reason", "plan_id", "revision", "reason_words")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    REASON_WORDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    plan_id: str
    revision: int
    reason_words: _types_pb2.Words
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ..., plan_id: _Optional[str] = ..., revision: _Optional[int] = ..., reason_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class OperationStarted(_message.Message):
    __slots__ = ("operation_id", "order_id", "factory_id", "machine_id", "machine_type", "started_at", "idempotency_key")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    factory_id: str
    machine_id: str
    machine_type: _types_pb2.MachineType
    started_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class OperationFinished(_message.Message):
    __slots__ = ("operation_id", "order_id", "factory_id", "machine_id", "machine_type", "finished_at", "idempotency_key", "planned_duration_seconds")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    PLANNED_DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    factory_id: str
    machine_id: str
    machine_type: _types_pb2.MachineType
    finished_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    planned_duration_seconds: int
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., planned_duration_seconds: _Optional[int] = ...) -> None: ...

class OperationScrapped(_message.Message):
    __slots__ = ("operation_id", "order_id", "factory_id", "machine_id", "machine_type", "scrapped_at", "idempotency_key", "scrap_quantity", "reason")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SCRAPPED_AT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    SCRAP_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    factory_id: str
    machine_id: str
    machine_type: _types_pb2.MachineType
    scrapped_at: _timestamp_pb2.Timestamp
    idempotency_key: str
    scrap_quantity: int
    reason: str
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., scrapped_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., scrap_quantity: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class OrderProductionStarted(_message.Message):
    __slots__ = ("order_id", "factory_id", "started_at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    factory_id: str
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OrderProduced(_message.Message):
    __slots__ = ("order_id", "factory_id", "produced_at", "promised_date")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    factory_id: str
    produced_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    def __init__(self, order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., produced_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ...) -> None: ...

class MaintenanceProposed(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _scheduling_service_pb2.MaintenanceTask
    def __init__(self, task: _Optional[_Union[_scheduling_service_pb2.MaintenanceTask, _Mapping]] = ...) -> None: ...

class MaintenanceAccepted(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _scheduling_service_pb2.MaintenanceTask
    def __init__(self, task: _Optional[_Union[_scheduling_service_pb2.MaintenanceTask, _Mapping]] = ...) -> None: ...

class MaintenanceDone(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: _scheduling_service_pb2.MaintenanceTask
    def __init__(self, task: _Optional[_Union[_scheduling_service_pb2.MaintenanceTask, _Mapping]] = ...) -> None: ...

class OrderPlanOverridden(_message.Message):
    __slots__ = ("order_id", "kind", "factory_id", "weight", "reason", "by", "by_role", "at")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    kind: PlanOverrideKind
    factory_id: str
    weight: int
    reason: str
    by: str
    by_role: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, order_id: _Optional[str] = ..., kind: _Optional[_Union[PlanOverrideKind, str]] = ..., factory_id: _Optional[str] = ..., weight: _Optional[int] = ..., reason: _Optional[str] = ..., by: _Optional[str] = ..., by_role: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
