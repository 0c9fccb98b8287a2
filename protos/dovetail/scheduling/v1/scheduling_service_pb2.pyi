import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScheduleRisk(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULE_RISK_UNSPECIFIED: _ClassVar[ScheduleRisk]
    SCHEDULE_RISK_ON_TIME: _ClassVar[ScheduleRisk]
    SCHEDULE_RISK_AT_RISK: _ClassVar[ScheduleRisk]
    SCHEDULE_RISK_LATE: _ClassVar[ScheduleRisk]

class OperationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_STATUS_UNSPECIFIED: _ClassVar[OperationStatus]
    OPERATION_STATUS_PLANNED: _ClassVar[OperationStatus]
    OPERATION_STATUS_STARTED: _ClassVar[OperationStatus]
    OPERATION_STATUS_FINISHED: _ClassVar[OperationStatus]
    OPERATION_STATUS_SCRAPPED: _ClassVar[OperationStatus]

class PlanStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PLAN_STATUS_UNSPECIFIED: _ClassVar[PlanStatus]
    PLAN_STATUS_OPTIMAL: _ClassVar[PlanStatus]
    PLAN_STATUS_FEASIBLE: _ClassVar[PlanStatus]
    PLAN_STATUS_INFEASIBLE: _ClassVar[PlanStatus]
    PLAN_STATUS_INVALID: _ClassVar[PlanStatus]

class AssignmentChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ASSIGNMENT_CHANGE_KIND_UNSPECIFIED: _ClassVar[AssignmentChangeKind]
    ASSIGNMENT_CHANGE_KIND_ASSIGNED: _ClassVar[AssignmentChangeKind]
    ASSIGNMENT_CHANGE_KIND_RESCHEDULED: _ClassVar[AssignmentChangeKind]
    ASSIGNMENT_CHANGE_KIND_WITHDRAWN: _ClassVar[AssignmentChangeKind]
    ASSIGNMENT_CHANGE_KIND_PROGRESSED: _ClassVar[AssignmentChangeKind]

class OperationReportKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_REPORT_KIND_UNSPECIFIED: _ClassVar[OperationReportKind]
    OPERATION_REPORT_KIND_STARTED: _ClassVar[OperationReportKind]
    OPERATION_REPORT_KIND_FINISHED: _ClassVar[OperationReportKind]
    OPERATION_REPORT_KIND_SCRAPPED: _ClassVar[OperationReportKind]

class UnavailabilityReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UNAVAILABILITY_REASON_UNSPECIFIED: _ClassVar[UnavailabilityReason]
    UNAVAILABILITY_REASON_OFF_SHIFT: _ClassVar[UnavailabilityReason]
    UNAVAILABILITY_REASON_PLANNED_STOP: _ClassVar[UnavailabilityReason]
    UNAVAILABILITY_REASON_DOWN: _ClassVar[UnavailabilityReason]
    UNAVAILABILITY_REASON_OFFLINE: _ClassVar[UnavailabilityReason]

class MaintenanceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MAINTENANCE_STATUS_UNSPECIFIED: _ClassVar[MaintenanceStatus]
    MAINTENANCE_STATUS_PROPOSED: _ClassVar[MaintenanceStatus]
    MAINTENANCE_STATUS_ACCEPTED: _ClassVar[MaintenanceStatus]
    MAINTENANCE_STATUS_DONE: _ClassVar[MaintenanceStatus]

class LatenessCause(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LATENESS_CAUSE_UNSPECIFIED: _ClassVar[LatenessCause]
    LATENESS_CAUSE_BOTTLENECK: _ClassVar[LatenessCause]
    LATENESS_CAUSE_WAITING_FOR_PREDECESSOR: _ClassVar[LatenessCause]
    LATENESS_CAUSE_WAITING_FOR_RELEASE: _ClassVar[LatenessCause]
    LATENESS_CAUSE_DRYING: _ClassVar[LatenessCause]
    LATENESS_CAUSE_MACHINE_DOWN: _ClassVar[LatenessCause]
    LATENESS_CAUSE_OFF_SHIFT: _ClassVar[LatenessCause]
    LATENESS_CAUSE_SETUP: _ClassVar[LatenessCause]
    LATENESS_CAUSE_CAPACITY_SHARE: _ClassVar[LatenessCause]
    LATENESS_CAUSE_PROMISE_TOO_SHORT: _ClassVar[LatenessCause]

class SuggestionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SUGGESTION_KIND_UNSPECIFIED: _ClassVar[SuggestionKind]
    SUGGESTION_KIND_MOVE_TO_FACTORY: _ClassVar[SuggestionKind]
    SUGGESTION_KIND_OVERTIME: _ClassVar[SuggestionKind]
    SUGGESTION_KIND_LATER_PROMISE: _ClassVar[SuggestionKind]
    SUGGESTION_KIND_RAISE_CAPACITY_SHARE: _ClassVar[SuggestionKind]
    SUGGESTION_KIND_PRIORITISE: _ClassVar[SuggestionKind]

class TariffBand(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TARIFF_BAND_UNSPECIFIED: _ClassVar[TariffBand]
    TARIFF_BAND_CRITICAL: _ClassVar[TariffBand]
    TARIFF_BAND_PEAK: _ClassVar[TariffBand]
    TARIFF_BAND_FLAT: _ClassVar[TariffBand]
    TARIFF_BAND_VALLEY: _ClassVar[TariffBand]

class EnergyVerdict(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENERGY_VERDICT_UNSPECIFIED: _ClassVar[EnergyVerdict]
    ENERGY_VERDICT_CHEAPER: _ClassVar[EnergyVerdict]
    ENERGY_VERDICT_SAME: _ClassVar[EnergyVerdict]
    ENERGY_VERDICT_DEARER: _ClassVar[EnergyVerdict]

class EnergyReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ENERGY_REASON_UNSPECIFIED: _ClassVar[EnergyReason]
    ENERGY_REASON_LESS_LATE: _ClassVar[EnergyReason]
    ENERGY_REASON_ENERGY_STEP_PENDING: _ClassVar[EnergyReason]
SCHEDULE_RISK_UNSPECIFIED: ScheduleRisk
SCHEDULE_RISK_ON_TIME: ScheduleRisk
SCHEDULE_RISK_AT_RISK: ScheduleRisk
SCHEDULE_RISK_LATE: ScheduleRisk
OPERATION_STATUS_UNSPECIFIED: OperationStatus
OPERATION_STATUS_PLANNED: OperationStatus
OPERATION_STATUS_STARTED: OperationStatus
OPERATION_STATUS_FINISHED: OperationStatus
OPERATION_STATUS_SCRAPPED: OperationStatus
PLAN_STATUS_UNSPECIFIED: PlanStatus
PLAN_STATUS_OPTIMAL: PlanStatus
PLAN_STATUS_FEASIBLE: PlanStatus
PLAN_STATUS_INFEASIBLE: PlanStatus
PLAN_STATUS_INVALID: PlanStatus
ASSIGNMENT_CHANGE_KIND_UNSPECIFIED: AssignmentChangeKind
ASSIGNMENT_CHANGE_KIND_ASSIGNED: AssignmentChangeKind
ASSIGNMENT_CHANGE_KIND_RESCHEDULED: AssignmentChangeKind
ASSIGNMENT_CHANGE_KIND_WITHDRAWN: AssignmentChangeKind
ASSIGNMENT_CHANGE_KIND_PROGRESSED: AssignmentChangeKind
OPERATION_REPORT_KIND_UNSPECIFIED: OperationReportKind
OPERATION_REPORT_KIND_STARTED: OperationReportKind
OPERATION_REPORT_KIND_FINISHED: OperationReportKind
OPERATION_REPORT_KIND_SCRAPPED: OperationReportKind
UNAVAILABILITY_REASON_UNSPECIFIED: UnavailabilityReason
UNAVAILABILITY_REASON_OFF_SHIFT: UnavailabilityReason
UNAVAILABILITY_REASON_PLANNED_STOP: UnavailabilityReason
UNAVAILABILITY_REASON_DOWN: UnavailabilityReason
UNAVAILABILITY_REASON_OFFLINE: UnavailabilityReason
MAINTENANCE_STATUS_UNSPECIFIED: MaintenanceStatus
MAINTENANCE_STATUS_PROPOSED: MaintenanceStatus
MAINTENANCE_STATUS_ACCEPTED: MaintenanceStatus
MAINTENANCE_STATUS_DONE: MaintenanceStatus
LATENESS_CAUSE_UNSPECIFIED: LatenessCause
LATENESS_CAUSE_BOTTLENECK: LatenessCause
LATENESS_CAUSE_WAITING_FOR_PREDECESSOR: LatenessCause
LATENESS_CAUSE_WAITING_FOR_RELEASE: LatenessCause
LATENESS_CAUSE_DRYING: LatenessCause
LATENESS_CAUSE_MACHINE_DOWN: LatenessCause
LATENESS_CAUSE_OFF_SHIFT: LatenessCause
LATENESS_CAUSE_SETUP: LatenessCause
LATENESS_CAUSE_CAPACITY_SHARE: LatenessCause
LATENESS_CAUSE_PROMISE_TOO_SHORT: LatenessCause
SUGGESTION_KIND_UNSPECIFIED: SuggestionKind
SUGGESTION_KIND_MOVE_TO_FACTORY: SuggestionKind
SUGGESTION_KIND_OVERTIME: SuggestionKind
SUGGESTION_KIND_LATER_PROMISE: SuggestionKind
SUGGESTION_KIND_RAISE_CAPACITY_SHARE: SuggestionKind
SUGGESTION_KIND_PRIORITISE: SuggestionKind
TARIFF_BAND_UNSPECIFIED: TariffBand
TARIFF_BAND_CRITICAL: TariffBand
TARIFF_BAND_PEAK: TariffBand
TARIFF_BAND_FLAT: TariffBand
TARIFF_BAND_VALLEY: TariffBand
ENERGY_VERDICT_UNSPECIFIED: EnergyVerdict
ENERGY_VERDICT_CHEAPER: EnergyVerdict
ENERGY_VERDICT_SAME: EnergyVerdict
ENERGY_VERDICT_DEARER: EnergyVerdict
ENERGY_REASON_UNSPECIFIED: EnergyReason
ENERGY_REASON_LESS_LATE: EnergyReason
ENERGY_REASON_ENERGY_STEP_PENDING: EnergyReason

class OperationSpec(_message.Message):
    __slots__ = ("operation_id", "seq", "machine_type", "duration_seconds", "setup_family", "setup_key", "min_wait_after_seconds", "batch_key", "description")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SETUP_FAMILY_FIELD_NUMBER: _ClassVar[int]
    SETUP_KEY_FIELD_NUMBER: _ClassVar[int]
    MIN_WAIT_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BATCH_KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    seq: int
    machine_type: _types_pb2.MachineType
    duration_seconds: int
    setup_family: str
    setup_key: str
    min_wait_after_seconds: int
    batch_key: str
    description: str
    def __init__(self, operation_id: _Optional[str] = ..., seq: _Optional[int] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., duration_seconds: _Optional[int] = ..., setup_family: _Optional[str] = ..., setup_key: _Optional[str] = ..., min_wait_after_seconds: _Optional[int] = ..., batch_key: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ObjectiveValues(_message.Message):
    __slots__ = ("weighted_tardiness", "makespan_seconds", "operations_moved", "total_tardiness_seconds")
    WEIGHTED_TARDINESS_FIELD_NUMBER: _ClassVar[int]
    MAKESPAN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_MOVED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TARDINESS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    weighted_tardiness: float
    makespan_seconds: int
    operations_moved: int
    total_tardiness_seconds: int
    def __init__(self, weighted_tardiness: _Optional[float] = ..., makespan_seconds: _Optional[int] = ..., operations_moved: _Optional[int] = ..., total_tardiness_seconds: _Optional[int] = ...) -> None: ...

class Assignment(_message.Message):
    __slots__ = ("operation_id", "order_id", "seq", "factory_id", "machine_id", "machine_type", "planned_start", "planned_end", "duration_seconds", "setup_seconds", "setup_key", "min_wait_after_seconds", "description", "status", "plan_id", "promised_date", "risk")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SETUP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SETUP_KEY_FIELD_NUMBER: _ClassVar[int]
    MIN_WAIT_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    seq: int
    factory_id: str
    machine_id: str
    machine_type: _types_pb2.MachineType
    planned_start: _timestamp_pb2.Timestamp
    planned_end: _timestamp_pb2.Timestamp
    duration_seconds: int
    setup_seconds: int
    setup_key: str
    min_wait_after_seconds: int
    description: str
    status: OperationStatus
    plan_id: str
    promised_date: _types_pb2.Date
    risk: ScheduleRisk
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., seq: _Optional[int] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., planned_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., duration_seconds: _Optional[int] = ..., setup_seconds: _Optional[int] = ..., setup_key: _Optional[str] = ..., min_wait_after_seconds: _Optional[int] = ..., description: _Optional[str] = ..., status: _Optional[_Union[OperationStatus, str]] = ..., plan_id: _Optional[str] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., risk: _Optional[_Union[ScheduleRisk, str]] = ...) -> None: ...

class SubscribeAssignmentsRequest(_message.Message):
    __slots__ = ("factory_id", "resume_after_sequence", "machine_ids")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    RESUME_AFTER_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    MACHINE_IDS_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    resume_after_sequence: int
    machine_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, factory_id: _Optional[str] = ..., resume_after_sequence: _Optional[int] = ..., machine_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SubscribeAssignmentsResponse(_message.Message):
    __slots__ = ("sequence", "kind", "assignment", "live", "changed_at")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_AT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    kind: AssignmentChangeKind
    assignment: Assignment
    live: bool
    changed_at: _timestamp_pb2.Timestamp
    def __init__(self, sequence: _Optional[int] = ..., kind: _Optional[_Union[AssignmentChangeKind, str]] = ..., assignment: _Optional[_Union[Assignment, _Mapping]] = ..., live: _Optional[bool] = ..., changed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReportOperationRequest(_message.Message):
    __slots__ = ("operation_id", "kind", "idempotency_key", "machine_id", "occurred_at", "scrap_quantity", "scrap_reason", "note")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    SCRAP_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    SCRAP_REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    kind: OperationReportKind
    idempotency_key: str
    machine_id: str
    occurred_at: _timestamp_pb2.Timestamp
    scrap_quantity: int
    scrap_reason: str
    note: str
    def __init__(self, operation_id: _Optional[str] = ..., kind: _Optional[_Union[OperationReportKind, str]] = ..., idempotency_key: _Optional[str] = ..., machine_id: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scrap_quantity: _Optional[int] = ..., scrap_reason: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class ReportOperationResponse(_message.Message):
    __slots__ = ("operation_id", "order_id", "status", "duplicate")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    status: OperationStatus
    duplicate: bool
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., status: _Optional[_Union[OperationStatus, str]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class UnavailableWindow(_message.Message):
    __slots__ = ("start_unix_ms", "end_unix_ms", "reason", "note", "note_words")
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    NOTE_WORDS_FIELD_NUMBER: _ClassVar[int]
    start_unix_ms: int
    end_unix_ms: int
    reason: UnavailabilityReason
    note: str
    note_words: _types_pb2.Words
    def __init__(self, start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., reason: _Optional[_Union[UnavailabilityReason, str]] = ..., note: _Optional[str] = ..., note_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class GanttBar(_message.Message):
    __slots__ = ("operation_id", "order_id", "seq", "start_unix_ms", "end_unix_ms", "setup_seconds", "setup_key", "status", "risk", "frozen", "label", "label_words")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SETUP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SETUP_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    LABEL_WORDS_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    seq: int
    start_unix_ms: int
    end_unix_ms: int
    setup_seconds: int
    setup_key: str
    status: OperationStatus
    risk: ScheduleRisk
    frozen: bool
    label: str
    label_words: _types_pb2.Words
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., seq: _Optional[int] = ..., start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., setup_seconds: _Optional[int] = ..., setup_key: _Optional[str] = ..., status: _Optional[_Union[OperationStatus, str]] = ..., risk: _Optional[_Union[ScheduleRisk, str]] = ..., frozen: _Optional[bool] = ..., label: _Optional[str] = ..., label_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class MachineLane(_message.Message):
    __slots__ = ("machine_id", "factory_id", "machine_type", "available", "bars", "unavailable")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    BARS_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    factory_id: str
    machine_type: _types_pb2.MachineType
    available: bool
    bars: _containers.RepeatedCompositeFieldContainer[GanttBar]
    unavailable: _containers.RepeatedCompositeFieldContainer[UnavailableWindow]
    def __init__(self, machine_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., available: _Optional[bool] = ..., bars: _Optional[_Iterable[_Union[GanttBar, _Mapping]]] = ..., unavailable: _Optional[_Iterable[_Union[UnavailableWindow, _Mapping]]] = ...) -> None: ...

class GetScheduleRequest(_message.Message):
    __slots__ = ("factory_id", "machine_ids", "window", "plan_id")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_IDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    machine_ids: _containers.RepeatedScalarFieldContainer[str]
    window: _types_pb2.TimeWindow
    plan_id: str
    def __init__(self, factory_id: _Optional[str] = ..., machine_ids: _Optional[_Iterable[str]] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., plan_id: _Optional[str] = ...) -> None: ...

class GetScheduleResponse(_message.Message):
    __slots__ = ("plan_id", "published_at", "objective", "lanes")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    LANES_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    published_at: _timestamp_pb2.Timestamp
    objective: ObjectiveValues
    lanes: _containers.RepeatedCompositeFieldContainer[MachineLane]
    def __init__(self, plan_id: _Optional[str] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., objective: _Optional[_Union[ObjectiveValues, _Mapping]] = ..., lanes: _Optional[_Iterable[_Union[MachineLane, _Mapping]]] = ...) -> None: ...

class MaintenanceTask(_message.Message):
    __slots__ = ("task_id", "factory_id", "machine_id", "reason", "detail", "explanation", "start", "end", "due_by", "displaces", "status", "proposed_at", "decided_by", "decided_at", "stop_id", "stop_reason", "done_by", "done_at", "explanation_words", "stop_reason_words")
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DUE_BY_FIELD_NUMBER: _ClassVar[int]
    DISPLACES_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_AT_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    STOP_ID_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_FIELD_NUMBER: _ClassVar[int]
    DONE_BY_FIELD_NUMBER: _ClassVar[int]
    DONE_AT_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_WORDS_FIELD_NUMBER: _ClassVar[int]
    STOP_REASON_WORDS_FIELD_NUMBER: _ClassVar[int]
    task_id: str
    factory_id: str
    machine_id: str
    reason: str
    detail: str
    explanation: _containers.RepeatedScalarFieldContainer[str]
    start: _timestamp_pb2.Timestamp
    end: _timestamp_pb2.Timestamp
    due_by: _timestamp_pb2.Timestamp
    displaces: _containers.RepeatedScalarFieldContainer[str]
    status: MaintenanceStatus
    proposed_at: _timestamp_pb2.Timestamp
    decided_by: str
    decided_at: _timestamp_pb2.Timestamp
    stop_id: str
    stop_reason: str
    done_by: str
    done_at: _timestamp_pb2.Timestamp
    explanation_words: _containers.RepeatedCompositeFieldContainer[_types_pb2.Words]
    stop_reason_words: _types_pb2.Words
    def __init__(self, task_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., reason: _Optional[str] = ..., detail: _Optional[str] = ..., explanation: _Optional[_Iterable[str]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_by: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., displaces: _Optional[_Iterable[str]] = ..., status: _Optional[_Union[MaintenanceStatus, str]] = ..., proposed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., decided_by: _Optional[str] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., stop_id: _Optional[str] = ..., stop_reason: _Optional[str] = ..., done_by: _Optional[str] = ..., done_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., explanation_words: _Optional[_Iterable[_Union[_types_pb2.Words, _Mapping]]] = ..., stop_reason_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class ListMaintenanceRequest(_message.Message):
    __slots__ = ("factory_id",)
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    def __init__(self, factory_id: _Optional[str] = ...) -> None: ...

class ListMaintenanceResponse(_message.Message):
    __slots__ = ("tasks",)
    TASKS_FIELD_NUMBER: _ClassVar[int]
    tasks: _containers.RepeatedCompositeFieldContainer[MaintenanceTask]
    def __init__(self, tasks: _Optional[_Iterable[_Union[MaintenanceTask, _Mapping]]] = ...) -> None: ...

class AcceptMaintenanceRequest(_message.Message):
    __slots__ = ("factory_id", "task_id")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    task_id: str
    def __init__(self, factory_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class AcceptMaintenanceResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: MaintenanceTask
    def __init__(self, task: _Optional[_Union[MaintenanceTask, _Mapping]] = ...) -> None: ...

class MoveMaintenanceRequest(_message.Message):
    __slots__ = ("factory_id", "task_id", "start")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    task_id: str
    start: _timestamp_pb2.Timestamp
    def __init__(self, factory_id: _Optional[str] = ..., task_id: _Optional[str] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MoveMaintenanceResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: MaintenanceTask
    def __init__(self, task: _Optional[_Union[MaintenanceTask, _Mapping]] = ...) -> None: ...

class ReportMaintenanceDoneRequest(_message.Message):
    __slots__ = ("factory_id", "task_id")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    TASK_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    task_id: str
    def __init__(self, factory_id: _Optional[str] = ..., task_id: _Optional[str] = ...) -> None: ...

class ReportMaintenanceDoneResponse(_message.Message):
    __slots__ = ("task",)
    TASK_FIELD_NUMBER: _ClassVar[int]
    task: MaintenanceTask
    def __init__(self, task: _Optional[_Union[MaintenanceTask, _Mapping]] = ...) -> None: ...

class ToolLimit(_message.Message):
    __slots__ = ("tool_type", "machine_type", "unit", "life", "warn_shifts")
    TOOL_TYPE_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    LIFE_FIELD_NUMBER: _ClassVar[int]
    WARN_SHIFTS_FIELD_NUMBER: _ClassVar[int]
    tool_type: str
    machine_type: _types_pb2.MachineType
    unit: str
    life: float
    warn_shifts: float
    def __init__(self, tool_type: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., unit: _Optional[str] = ..., life: _Optional[float] = ..., warn_shifts: _Optional[float] = ...) -> None: ...

class ToolUse(_message.Message):
    __slots__ = ("machine_id", "tool_type", "used", "life")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    TOOL_TYPE_FIELD_NUMBER: _ClassVar[int]
    USED_FIELD_NUMBER: _ClassVar[int]
    LIFE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    tool_type: str
    used: float
    life: float
    def __init__(self, machine_id: _Optional[str] = ..., tool_type: _Optional[str] = ..., used: _Optional[float] = ..., life: _Optional[float] = ...) -> None: ...

class FactoryTools(_message.Message):
    __slots__ = ("factory_id", "limits", "uses", "set_by", "set_at")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    USES_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    limits: _containers.RepeatedCompositeFieldContainer[ToolLimit]
    uses: _containers.RepeatedCompositeFieldContainer[ToolUse]
    set_by: str
    set_at: _timestamp_pb2.Timestamp
    def __init__(self, factory_id: _Optional[str] = ..., limits: _Optional[_Iterable[_Union[ToolLimit, _Mapping]]] = ..., uses: _Optional[_Iterable[_Union[ToolUse, _Mapping]]] = ..., set_by: _Optional[str] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetToolLimitsRequest(_message.Message):
    __slots__ = ("factory_id",)
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    def __init__(self, factory_id: _Optional[str] = ...) -> None: ...

class GetToolLimitsResponse(_message.Message):
    __slots__ = ("tools",)
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    tools: FactoryTools
    def __init__(self, tools: _Optional[_Union[FactoryTools, _Mapping]] = ...) -> None: ...

class SetToolLimitsRequest(_message.Message):
    __slots__ = ("factory_id", "limits")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    limits: _containers.RepeatedCompositeFieldContainer[ToolLimit]
    def __init__(self, factory_id: _Optional[str] = ..., limits: _Optional[_Iterable[_Union[ToolLimit, _Mapping]]] = ...) -> None: ...

class SetToolLimitsResponse(_message.Message):
    __slots__ = ("tools",)
    TOOLS_FIELD_NUMBER: _ClassVar[int]
    tools: FactoryTools
    def __init__(self, tools: _Optional[_Union[FactoryTools, _Mapping]] = ...) -> None: ...

class ProblemMachine(_message.Message):
    __slots__ = ("machine_id", "machine_type", "speed_factor", "batch_capacity", "available", "unavailable")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SPEED_FACTOR_FIELD_NUMBER: _ClassVar[int]
    BATCH_CAPACITY_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    UNAVAILABLE_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    machine_type: _types_pb2.MachineType
    speed_factor: float
    batch_capacity: int
    available: _containers.RepeatedCompositeFieldContainer[_types_pb2.TimeWindow]
    unavailable: _containers.RepeatedCompositeFieldContainer[_types_pb2.TimeWindow]
    def __init__(self, machine_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., speed_factor: _Optional[float] = ..., batch_capacity: _Optional[int] = ..., available: _Optional[_Iterable[_Union[_types_pb2.TimeWindow, _Mapping]]] = ..., unavailable: _Optional[_Iterable[_Union[_types_pb2.TimeWindow, _Mapping]]] = ...) -> None: ...

class ProblemFactory(_message.Message):
    __slots__ = ("factory_id", "capacity_share_percent", "machines")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_SHARE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    capacity_share_percent: float
    machines: _containers.RepeatedCompositeFieldContainer[ProblemMachine]
    def __init__(self, factory_id: _Optional[str] = ..., capacity_share_percent: _Optional[float] = ..., machines: _Optional[_Iterable[_Union[ProblemMachine, _Mapping]]] = ...) -> None: ...

class ProblemOrder(_message.Message):
    __slots__ = ("order_id", "release_unix_ms", "due_unix_ms", "weight", "operations", "eligible_factory_ids")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    RELEASE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    DUE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FACTORY_IDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    release_unix_ms: int
    due_unix_ms: int
    weight: float
    operations: _containers.RepeatedCompositeFieldContainer[OperationSpec]
    eligible_factory_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[str] = ..., release_unix_ms: _Optional[int] = ..., due_unix_ms: _Optional[int] = ..., weight: _Optional[float] = ..., operations: _Optional[_Iterable[_Union[OperationSpec, _Mapping]]] = ..., eligible_factory_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SetupRule(_message.Message):
    __slots__ = ("machine_type", "setup_family", "changeover_seconds")
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    SETUP_FAMILY_FIELD_NUMBER: _ClassVar[int]
    CHANGEOVER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    machine_type: _types_pb2.MachineType
    setup_family: str
    changeover_seconds: int
    def __init__(self, machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., setup_family: _Optional[str] = ..., changeover_seconds: _Optional[int] = ...) -> None: ...

class PlannedOperation(_message.Message):
    __slots__ = ("operation_id", "order_id", "factory_id", "machine_id", "start_unix_ms", "end_unix_ms", "setup_seconds", "frozen")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    SETUP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    order_id: str
    factory_id: str
    machine_id: str
    start_unix_ms: int
    end_unix_ms: int
    setup_seconds: int
    frozen: bool
    def __init__(self, operation_id: _Optional[str] = ..., order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., setup_seconds: _Optional[int] = ..., frozen: _Optional[bool] = ...) -> None: ...

class OrderPlan(_message.Message):
    __slots__ = ("order_id", "factory_id", "planned_start_unix_ms", "planned_end_unix_ms", "risk", "tardiness_seconds")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    TARDINESS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    factory_id: str
    planned_start_unix_ms: int
    planned_end_unix_ms: int
    risk: ScheduleRisk
    tardiness_seconds: int
    def __init__(self, order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., planned_start_unix_ms: _Optional[int] = ..., planned_end_unix_ms: _Optional[int] = ..., risk: _Optional[_Union[ScheduleRisk, str]] = ..., tardiness_seconds: _Optional[int] = ...) -> None: ...

class SchedulingProblem(_message.Message):
    __slots__ = ("horizon_start_unix_ms", "factories", "orders", "setup_rules", "frozen", "previous_plan")
    HORIZON_START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    FACTORIES_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    SETUP_RULES_FIELD_NUMBER: _ClassVar[int]
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PLAN_FIELD_NUMBER: _ClassVar[int]
    horizon_start_unix_ms: int
    factories: _containers.RepeatedCompositeFieldContainer[ProblemFactory]
    orders: _containers.RepeatedCompositeFieldContainer[ProblemOrder]
    setup_rules: _containers.RepeatedCompositeFieldContainer[SetupRule]
    frozen: _containers.RepeatedCompositeFieldContainer[PlannedOperation]
    previous_plan: _containers.RepeatedCompositeFieldContainer[PlannedOperation]
    def __init__(self, horizon_start_unix_ms: _Optional[int] = ..., factories: _Optional[_Iterable[_Union[ProblemFactory, _Mapping]]] = ..., orders: _Optional[_Iterable[_Union[ProblemOrder, _Mapping]]] = ..., setup_rules: _Optional[_Iterable[_Union[SetupRule, _Mapping]]] = ..., frozen: _Optional[_Iterable[_Union[PlannedOperation, _Mapping]]] = ..., previous_plan: _Optional[_Iterable[_Union[PlannedOperation, _Mapping]]] = ...) -> None: ...

class SolverOptions(_message.Message):
    __slots__ = ("time_limit_seconds", "workers", "seed")
    TIME_LIMIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    time_limit_seconds: float
    workers: int
    seed: int
    def __init__(self, time_limit_seconds: _Optional[float] = ..., workers: _Optional[int] = ..., seed: _Optional[int] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("plan_id", "status", "objective", "makespan_lower_bound_seconds", "solve_seconds", "operations", "orders", "violations")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    MAKESPAN_LOWER_BOUND_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SOLVE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    status: PlanStatus
    objective: ObjectiveValues
    makespan_lower_bound_seconds: int
    solve_seconds: float
    operations: _containers.RepeatedCompositeFieldContainer[PlannedOperation]
    orders: _containers.RepeatedCompositeFieldContainer[OrderPlan]
    violations: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, plan_id: _Optional[str] = ..., status: _Optional[_Union[PlanStatus, str]] = ..., objective: _Optional[_Union[ObjectiveValues, _Mapping]] = ..., makespan_lower_bound_seconds: _Optional[int] = ..., solve_seconds: _Optional[float] = ..., operations: _Optional[_Iterable[_Union[PlannedOperation, _Mapping]]] = ..., orders: _Optional[_Iterable[_Union[OrderPlan, _Mapping]]] = ..., violations: _Optional[_Iterable[str]] = ...) -> None: ...

class SimulateRequest(_message.Message):
    __slots__ = ("problem", "options", "include_live_state")
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_LIVE_STATE_FIELD_NUMBER: _ClassVar[int]
    problem: SchedulingProblem
    options: SolverOptions
    include_live_state: bool
    def __init__(self, problem: _Optional[_Union[SchedulingProblem, _Mapping]] = ..., options: _Optional[_Union[SolverOptions, _Mapping]] = ..., include_live_state: _Optional[bool] = ...) -> None: ...

class SimulateResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class QuoteRequest(_message.Message):
    __slots__ = ("operations", "release_at", "promised_date", "eligible_factory_ids", "quantity")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    RELEASE_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    ELIGIBLE_FACTORY_IDS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[OperationSpec]
    release_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    eligible_factory_ids: _containers.RepeatedScalarFieldContainer[str]
    quantity: int
    def __init__(self, operations: _Optional[_Iterable[_Union[OperationSpec, _Mapping]]] = ..., release_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., eligible_factory_ids: _Optional[_Iterable[str]] = ..., quantity: _Optional[int] = ...) -> None: ...

class QuoteResponse(_message.Message):
    __slots__ = ("earliest_completion", "earliest_completion_date", "factory_id", "confidence", "meets_promise", "explanation", "plan_id", "time_zone", "beyond_horizon", "parts", "explanation_words")
    EARLIEST_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    EARLIEST_COMPLETION_DATE_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    MEETS_PROMISE_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    BEYOND_HORIZON_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    EXPLANATION_WORDS_FIELD_NUMBER: _ClassVar[int]
    earliest_completion: _timestamp_pb2.Timestamp
    earliest_completion_date: _types_pb2.Date
    factory_id: str
    confidence: float
    meets_promise: bool
    explanation: str
    plan_id: str
    time_zone: str
    beyond_horizon: bool
    parts: _containers.RepeatedCompositeFieldContainer[QuotePart]
    explanation_words: _types_pb2.Words
    def __init__(self, earliest_completion: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., earliest_completion_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., factory_id: _Optional[str] = ..., confidence: _Optional[float] = ..., meets_promise: _Optional[bool] = ..., explanation: _Optional[str] = ..., plan_id: _Optional[str] = ..., time_zone: _Optional[str] = ..., beyond_horizon: _Optional[bool] = ..., parts: _Optional[_Iterable[_Union[QuotePart, _Mapping]]] = ..., explanation_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class QuotePart(_message.Message):
    __slots__ = ("units", "factory_id", "completion", "completion_date")
    UNITS_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_DATE_FIELD_NUMBER: _ClassVar[int]
    units: int
    factory_id: str
    completion: _timestamp_pb2.Timestamp
    completion_date: _types_pb2.Date
    def __init__(self, units: _Optional[int] = ..., factory_id: _Optional[str] = ..., completion: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completion_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ...) -> None: ...

class LatenessReason(_message.Message):
    __slots__ = ("cause", "factory_id", "machine_type", "machine_id", "window", "waits_for_operation_id", "waits_for_order_id", "delay_seconds", "message", "message_words")
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    WAITS_FOR_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    WAITS_FOR_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DELAY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_WORDS_FIELD_NUMBER: _ClassVar[int]
    cause: LatenessCause
    factory_id: str
    machine_type: _types_pb2.MachineType
    machine_id: str
    window: _types_pb2.TimeWindow
    waits_for_operation_id: str
    waits_for_order_id: str
    delay_seconds: int
    message: str
    message_words: _types_pb2.Words
    def __init__(self, cause: _Optional[_Union[LatenessCause, str]] = ..., factory_id: _Optional[str] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., machine_id: _Optional[str] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., waits_for_operation_id: _Optional[str] = ..., waits_for_order_id: _Optional[str] = ..., delay_seconds: _Optional[int] = ..., message: _Optional[str] = ..., message_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class Suggestion(_message.Message):
    __slots__ = ("kind", "factory_id", "machine_id", "window", "promised_date", "saves_seconds", "message", "message_words")
    KIND_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    SAVES_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_WORDS_FIELD_NUMBER: _ClassVar[int]
    kind: SuggestionKind
    factory_id: str
    machine_id: str
    window: _types_pb2.TimeWindow
    promised_date: _types_pb2.Date
    saves_seconds: int
    message: str
    message_words: _types_pb2.Words
    def __init__(self, kind: _Optional[_Union[SuggestionKind, str]] = ..., factory_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., window: _Optional[_Union[_types_pb2.TimeWindow, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., saves_seconds: _Optional[int] = ..., message: _Optional[str] = ..., message_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class ExplainOrderRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class ExplainOrderResponse(_message.Message):
    __slots__ = ("order_id", "factory_id", "risk", "planned_end", "promised_date", "tardiness_seconds", "reasons", "suggestions", "summary", "plan_id", "summary_words", "board_waits")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    TARDINESS_SECONDS_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_WORDS_FIELD_NUMBER: _ClassVar[int]
    BOARD_WAITS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    factory_id: str
    risk: ScheduleRisk
    planned_end: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    tardiness_seconds: int
    reasons: _containers.RepeatedCompositeFieldContainer[LatenessReason]
    suggestions: _containers.RepeatedCompositeFieldContainer[Suggestion]
    summary: str
    plan_id: str
    summary_words: _types_pb2.Words
    board_waits: _containers.RepeatedCompositeFieldContainer[_types_pb2.Words]
    def __init__(self, order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., risk: _Optional[_Union[ScheduleRisk, str]] = ..., planned_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., tardiness_seconds: _Optional[int] = ..., reasons: _Optional[_Iterable[_Union[LatenessReason, _Mapping]]] = ..., suggestions: _Optional[_Iterable[_Union[Suggestion, _Mapping]]] = ..., summary: _Optional[str] = ..., plan_id: _Optional[str] = ..., summary_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ..., board_waits: _Optional[_Iterable[_Union[_types_pb2.Words, _Mapping]]] = ...) -> None: ...

class BandPrice(_message.Message):
    __slots__ = ("band", "cny_per_kwh")
    BAND_FIELD_NUMBER: _ClassVar[int]
    CNY_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    band: TariffBand
    cny_per_kwh: float
    def __init__(self, band: _Optional[_Union[TariffBand, str]] = ..., cny_per_kwh: _Optional[float] = ...) -> None: ...

class TariffPeriod(_message.Message):
    __slots__ = ("band", "start_minute", "end_minute", "weekdays", "months")
    BAND_FIELD_NUMBER: _ClassVar[int]
    START_MINUTE_FIELD_NUMBER: _ClassVar[int]
    END_MINUTE_FIELD_NUMBER: _ClassVar[int]
    WEEKDAYS_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    band: TariffBand
    start_minute: int
    end_minute: int
    weekdays: _containers.RepeatedScalarFieldContainer[int]
    months: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, band: _Optional[_Union[TariffBand, str]] = ..., start_minute: _Optional[int] = ..., end_minute: _Optional[int] = ..., weekdays: _Optional[_Iterable[int]] = ..., months: _Optional[_Iterable[int]] = ...) -> None: ...

class Tariff(_message.Message):
    __slots__ = ("prices", "periods", "default_band", "demand_limit_kw", "time_zone", "source")
    PRICES_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_BAND_FIELD_NUMBER: _ClassVar[int]
    DEMAND_LIMIT_KW_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    prices: _containers.RepeatedCompositeFieldContainer[BandPrice]
    periods: _containers.RepeatedCompositeFieldContainer[TariffPeriod]
    default_band: TariffBand
    demand_limit_kw: float
    time_zone: str
    source: str
    def __init__(self, prices: _Optional[_Iterable[_Union[BandPrice, _Mapping]]] = ..., periods: _Optional[_Iterable[_Union[TariffPeriod, _Mapping]]] = ..., default_band: _Optional[_Union[TariffBand, str]] = ..., demand_limit_kw: _Optional[float] = ..., time_zone: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class FactoryTariff(_message.Message):
    __slots__ = ("factory_id", "tariff", "set_at", "set_by")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    TARIFF_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    tariff: Tariff
    set_at: _timestamp_pb2.Timestamp
    set_by: str
    def __init__(self, factory_id: _Optional[str] = ..., tariff: _Optional[_Union[Tariff, _Mapping]] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., set_by: _Optional[str] = ...) -> None: ...

class GetFactoryTariffRequest(_message.Message):
    __slots__ = ("factory_id",)
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    def __init__(self, factory_id: _Optional[str] = ...) -> None: ...

class GetFactoryTariffResponse(_message.Message):
    __slots__ = ("factory_tariff",)
    FACTORY_TARIFF_FIELD_NUMBER: _ClassVar[int]
    factory_tariff: FactoryTariff
    def __init__(self, factory_tariff: _Optional[_Union[FactoryTariff, _Mapping]] = ...) -> None: ...

class SetFactoryTariffRequest(_message.Message):
    __slots__ = ("factory_id", "tariff")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    TARIFF_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    tariff: Tariff
    def __init__(self, factory_id: _Optional[str] = ..., tariff: _Optional[_Union[Tariff, _Mapping]] = ...) -> None: ...

class SetFactoryTariffResponse(_message.Message):
    __slots__ = ("factory_tariff",)
    FACTORY_TARIFF_FIELD_NUMBER: _ClassVar[int]
    factory_tariff: FactoryTariff
    def __init__(self, factory_tariff: _Optional[_Union[FactoryTariff, _Mapping]] = ...) -> None: ...

class GetEnergyPlanRequest(_message.Message):
    __slots__ = ("factory_id", "day")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    day: str
    def __init__(self, factory_id: _Optional[str] = ..., day: _Optional[str] = ...) -> None: ...

class BandSpan(_message.Message):
    __slots__ = ("start_unix_ms", "end_unix_ms", "band", "cny_per_kwh")
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    END_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    BAND_FIELD_NUMBER: _ClassVar[int]
    CNY_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    start_unix_ms: int
    end_unix_ms: int
    band: TariffBand
    cny_per_kwh: float
    def __init__(self, start_unix_ms: _Optional[int] = ..., end_unix_ms: _Optional[int] = ..., band: _Optional[_Union[TariffBand, str]] = ..., cny_per_kwh: _Optional[float] = ...) -> None: ...

class LoadStep(_message.Message):
    __slots__ = ("start_unix_ms", "kw")
    START_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    KW_FIELD_NUMBER: _ClassVar[int]
    start_unix_ms: int
    kw: float
    def __init__(self, start_unix_ms: _Optional[int] = ..., kw: _Optional[float] = ...) -> None: ...

class EnergyFigures(_message.Message):
    __slots__ = ("kwh", "cny", "valley_kwh", "peak_kw", "kg_co2e", "weighted_tardiness_minutes")
    KWH_FIELD_NUMBER: _ClassVar[int]
    CNY_FIELD_NUMBER: _ClassVar[int]
    VALLEY_KWH_FIELD_NUMBER: _ClassVar[int]
    PEAK_KW_FIELD_NUMBER: _ClassVar[int]
    KG_CO2E_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_TARDINESS_MINUTES_FIELD_NUMBER: _ClassVar[int]
    kwh: float
    cny: float
    valley_kwh: float
    peak_kw: float
    kg_co2e: float
    weighted_tardiness_minutes: int
    def __init__(self, kwh: _Optional[float] = ..., cny: _Optional[float] = ..., valley_kwh: _Optional[float] = ..., peak_kw: _Optional[float] = ..., kg_co2e: _Optional[float] = ..., weighted_tardiness_minutes: _Optional[int] = ...) -> None: ...

class EnergyComparison(_message.Message):
    __slots__ = ("verdict", "cny_saved", "percent_saved", "less_late_minutes", "unsettled_cny", "reasons")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    CNY_SAVED_FIELD_NUMBER: _ClassVar[int]
    PERCENT_SAVED_FIELD_NUMBER: _ClassVar[int]
    LESS_LATE_MINUTES_FIELD_NUMBER: _ClassVar[int]
    UNSETTLED_CNY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    verdict: EnergyVerdict
    cny_saved: float
    percent_saved: float
    less_late_minutes: int
    unsettled_cny: float
    reasons: _containers.RepeatedScalarFieldContainer[EnergyReason]
    def __init__(self, verdict: _Optional[_Union[EnergyVerdict, str]] = ..., cny_saved: _Optional[float] = ..., percent_saved: _Optional[float] = ..., less_late_minutes: _Optional[int] = ..., unsettled_cny: _Optional[float] = ..., reasons: _Optional[_Iterable[_Union[EnergyReason, str]]] = ...) -> None: ...

class GetEnergyPlanResponse(_message.Message):
    __slots__ = ("factory_id", "day", "time_zone", "has_tariff", "demand_limit_kw", "bands", "planned", "blind", "plan_figures", "blind_figures", "grid_kg_co2e_per_kwh", "grid_factor_source", "plan_id", "orders", "hourly_carbon", "carbon_profile_source", "comparison", "plan_made_unix_ms")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    DAY_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    HAS_TARIFF_FIELD_NUMBER: _ClassVar[int]
    DEMAND_LIMIT_KW_FIELD_NUMBER: _ClassVar[int]
    BANDS_FIELD_NUMBER: _ClassVar[int]
    PLANNED_FIELD_NUMBER: _ClassVar[int]
    BLIND_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIGURES_FIELD_NUMBER: _ClassVar[int]
    BLIND_FIGURES_FIELD_NUMBER: _ClassVar[int]
    GRID_KG_CO2E_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    GRID_FACTOR_SOURCE_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    HOURLY_CARBON_FIELD_NUMBER: _ClassVar[int]
    CARBON_PROFILE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    COMPARISON_FIELD_NUMBER: _ClassVar[int]
    PLAN_MADE_UNIX_MS_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    day: str
    time_zone: str
    has_tariff: bool
    demand_limit_kw: float
    bands: _containers.RepeatedCompositeFieldContainer[BandSpan]
    planned: _containers.RepeatedCompositeFieldContainer[LoadStep]
    blind: _containers.RepeatedCompositeFieldContainer[LoadStep]
    plan_figures: EnergyFigures
    blind_figures: EnergyFigures
    grid_kg_co2e_per_kwh: float
    grid_factor_source: str
    plan_id: str
    orders: int
    hourly_carbon: bool
    carbon_profile_source: str
    comparison: EnergyComparison
    plan_made_unix_ms: int
    def __init__(self, factory_id: _Optional[str] = ..., day: _Optional[str] = ..., time_zone: _Optional[str] = ..., has_tariff: _Optional[bool] = ..., demand_limit_kw: _Optional[float] = ..., bands: _Optional[_Iterable[_Union[BandSpan, _Mapping]]] = ..., planned: _Optional[_Iterable[_Union[LoadStep, _Mapping]]] = ..., blind: _Optional[_Iterable[_Union[LoadStep, _Mapping]]] = ..., plan_figures: _Optional[_Union[EnergyFigures, _Mapping]] = ..., blind_figures: _Optional[_Union[EnergyFigures, _Mapping]] = ..., grid_kg_co2e_per_kwh: _Optional[float] = ..., grid_factor_source: _Optional[str] = ..., plan_id: _Optional[str] = ..., orders: _Optional[int] = ..., hourly_carbon: _Optional[bool] = ..., carbon_profile_source: _Optional[str] = ..., comparison: _Optional[_Union[EnergyComparison, _Mapping]] = ..., plan_made_unix_ms: _Optional[int] = ...) -> None: ...

class GetOrderEnergyRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class GetOrderEnergyResponse(_message.Message):
    __slots__ = ("order_id", "factory_id", "kwh", "cny", "kg_co2e", "has_tariff", "estimate", "cny_per_kwh")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    KWH_FIELD_NUMBER: _ClassVar[int]
    CNY_FIELD_NUMBER: _ClassVar[int]
    KG_CO2E_FIELD_NUMBER: _ClassVar[int]
    HAS_TARIFF_FIELD_NUMBER: _ClassVar[int]
    ESTIMATE_FIELD_NUMBER: _ClassVar[int]
    CNY_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    factory_id: str
    kwh: float
    cny: float
    kg_co2e: float
    has_tariff: bool
    estimate: bool
    cny_per_kwh: float
    def __init__(self, order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., kwh: _Optional[float] = ..., cny: _Optional[float] = ..., kg_co2e: _Optional[float] = ..., has_tariff: _Optional[bool] = ..., estimate: _Optional[bool] = ..., cny_per_kwh: _Optional[float] = ...) -> None: ...

class CarbonSeason(_message.Message):
    __slots__ = ("kg_per_kwh", "months")
    KG_PER_KWH_FIELD_NUMBER: _ClassVar[int]
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    kg_per_kwh: _containers.RepeatedScalarFieldContainer[float]
    months: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, kg_per_kwh: _Optional[_Iterable[float]] = ..., months: _Optional[_Iterable[int]] = ...) -> None: ...

class CarbonProfile(_message.Message):
    __slots__ = ("seasons", "time_zone", "source")
    SEASONS_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    seasons: _containers.RepeatedCompositeFieldContainer[CarbonSeason]
    time_zone: str
    source: str
    def __init__(self, seasons: _Optional[_Iterable[_Union[CarbonSeason, _Mapping]]] = ..., time_zone: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class FactoryCarbonProfile(_message.Message):
    __slots__ = ("factory_id", "profile", "set_at", "set_by")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    profile: CarbonProfile
    set_at: _timestamp_pb2.Timestamp
    set_by: str
    def __init__(self, factory_id: _Optional[str] = ..., profile: _Optional[_Union[CarbonProfile, _Mapping]] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., set_by: _Optional[str] = ...) -> None: ...

class GetCarbonProfileRequest(_message.Message):
    __slots__ = ("factory_id",)
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    def __init__(self, factory_id: _Optional[str] = ...) -> None: ...

class GetCarbonProfileResponse(_message.Message):
    __slots__ = ("factory_profile",)
    FACTORY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    factory_profile: FactoryCarbonProfile
    def __init__(self, factory_profile: _Optional[_Union[FactoryCarbonProfile, _Mapping]] = ...) -> None: ...

class SetCarbonProfileRequest(_message.Message):
    __slots__ = ("factory_id", "profile")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    PROFILE_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    profile: CarbonProfile
    def __init__(self, factory_id: _Optional[str] = ..., profile: _Optional[_Union[CarbonProfile, _Mapping]] = ...) -> None: ...

class SetCarbonProfileResponse(_message.Message):
    __slots__ = ("factory_profile",)
    FACTORY_PROFILE_FIELD_NUMBER: _ClassVar[int]
    factory_profile: FactoryCarbonProfile
    def __init__(self, factory_profile: _Optional[_Union[FactoryCarbonProfile, _Mapping]] = ...) -> None: ...
