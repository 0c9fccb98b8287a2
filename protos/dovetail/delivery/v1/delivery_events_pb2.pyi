import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from dovetail.delivery.v1 import delivery_service_pb2 as _delivery_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShipmentOpened(_message.Message):
    __slots__ = ("shipment_id", "order_id", "factory_id", "carrier", "tracking_number", "packages", "planned_pickup", "eta", "promised_date", "tracking_token", "opened_at")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    PLANNED_PICKUP_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    TRACKING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    factory_id: str
    carrier: str
    tracking_number: str
    packages: _containers.RepeatedCompositeFieldContainer[_delivery_service_pb2.Package]
    planned_pickup: _timestamp_pb2.Timestamp
    eta: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    tracking_token: str
    opened_at: _timestamp_pb2.Timestamp
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., packages: _Optional[_Iterable[_Union[_delivery_service_pb2.Package, _Mapping]]] = ..., planned_pickup: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., tracking_token: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CarrierEventRecorded(_message.Message):
    __slots__ = ("shipment_id", "order_id", "carrier", "tracking_number", "carrier_event_id", "code", "event_time", "location", "note", "applied", "status_after")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARRIER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    STATUS_AFTER_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    carrier: str
    tracking_number: str
    carrier_event_id: str
    code: _delivery_service_pb2.CarrierEventCode
    event_time: _timestamp_pb2.Timestamp
    location: _delivery_service_pb2.CarrierLocation
    note: str
    applied: bool
    status_after: _delivery_service_pb2.ShipmentStatus
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., carrier_event_id: _Optional[str] = ..., code: _Optional[_Union[_delivery_service_pb2.CarrierEventCode, str]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[_delivery_service_pb2.CarrierLocation, _Mapping]] = ..., note: _Optional[str] = ..., applied: _Optional[bool] = ..., status_after: _Optional[_Union[_delivery_service_pb2.ShipmentStatus, str]] = ...) -> None: ...

class MilestoneReached(_message.Message):
    __slots__ = ("shipment_id", "order_id", "milestone", "reached_at", "location")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    MILESTONE_FIELD_NUMBER: _ClassVar[int]
    REACHED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    milestone: _delivery_service_pb2.MilestoneKind
    reached_at: _timestamp_pb2.Timestamp
    location: _delivery_service_pb2.CarrierLocation
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., milestone: _Optional[_Union[_delivery_service_pb2.MilestoneKind, str]] = ..., reached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[_delivery_service_pb2.CarrierLocation, _Mapping]] = ...) -> None: ...

class EtaChanged(_message.Message):
    __slots__ = ("shipment_id", "order_id", "previous_eta", "eta", "reason", "late", "at_risk")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_ETA_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    AT_RISK_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    previous_eta: _timestamp_pb2.Timestamp
    eta: _timestamp_pb2.Timestamp
    reason: str
    late: bool
    at_risk: bool
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., previous_eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., late: _Optional[bool] = ..., at_risk: _Optional[bool] = ...) -> None: ...

class ShipmentDelivered(_message.Message):
    __slots__ = ("shipment_id", "order_id", "delivered_at", "promised_date", "on_time", "transit_seconds")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    ON_TIME_FIELD_NUMBER: _ClassVar[int]
    TRANSIT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    delivered_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    on_time: bool
    transit_seconds: int
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., on_time: _Optional[bool] = ..., transit_seconds: _Optional[int] = ...) -> None: ...

class ShipmentException(_message.Message):
    __slots__ = ("shipment_id", "order_id", "code", "occurred_at", "message", "location")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    code: _delivery_service_pb2.CarrierEventCode
    occurred_at: _timestamp_pb2.Timestamp
    message: str
    location: _delivery_service_pb2.CarrierLocation
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., code: _Optional[_Union[_delivery_service_pb2.CarrierEventCode, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., message: _Optional[str] = ..., location: _Optional[_Union[_delivery_service_pb2.CarrierLocation, _Mapping]] = ...) -> None: ...
