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

class ShipmentStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHIPMENT_STATUS_UNSPECIFIED: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_AWAITING_PICKUP: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_PICKED_UP: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_IN_TRANSIT: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_OUT_FOR_DELIVERY: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_DELIVERED: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_FAILED_ATTEMPT: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_EXCEPTION: _ClassVar[ShipmentStatus]
    SHIPMENT_STATUS_RETURNED: _ClassVar[ShipmentStatus]

class CarrierEventCode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CARRIER_EVENT_CODE_UNSPECIFIED: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_PICKED_UP: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_IN_TRANSIT: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_OUT_FOR_DELIVERY: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_DELIVERED: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_FAILED_ATTEMPT: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_EXCEPTION: _ClassVar[CarrierEventCode]
    CARRIER_EVENT_CODE_RETURNED: _ClassVar[CarrierEventCode]

class MilestoneKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MILESTONE_KIND_UNSPECIFIED: _ClassVar[MilestoneKind]
    MILESTONE_KIND_ORDER_PLACED: _ClassVar[MilestoneKind]
    MILESTONE_KIND_IN_PRODUCTION: _ClassVar[MilestoneKind]
    MILESTONE_KIND_PRODUCED: _ClassVar[MilestoneKind]
    MILESTONE_KIND_PICKED_UP: _ClassVar[MilestoneKind]
    MILESTONE_KIND_IN_TRANSIT: _ClassVar[MilestoneKind]
    MILESTONE_KIND_OUT_FOR_DELIVERY: _ClassVar[MilestoneKind]
    MILESTONE_KIND_DELIVERED: _ClassVar[MilestoneKind]
    MILESTONE_KIND_RETURNED: _ClassVar[MilestoneKind]
SHIPMENT_STATUS_UNSPECIFIED: ShipmentStatus
SHIPMENT_STATUS_AWAITING_PICKUP: ShipmentStatus
SHIPMENT_STATUS_PICKED_UP: ShipmentStatus
SHIPMENT_STATUS_IN_TRANSIT: ShipmentStatus
SHIPMENT_STATUS_OUT_FOR_DELIVERY: ShipmentStatus
SHIPMENT_STATUS_DELIVERED: ShipmentStatus
SHIPMENT_STATUS_FAILED_ATTEMPT: ShipmentStatus
SHIPMENT_STATUS_EXCEPTION: ShipmentStatus
SHIPMENT_STATUS_RETURNED: ShipmentStatus
CARRIER_EVENT_CODE_UNSPECIFIED: CarrierEventCode
CARRIER_EVENT_CODE_PICKED_UP: CarrierEventCode
CARRIER_EVENT_CODE_IN_TRANSIT: CarrierEventCode
CARRIER_EVENT_CODE_OUT_FOR_DELIVERY: CarrierEventCode
CARRIER_EVENT_CODE_DELIVERED: CarrierEventCode
CARRIER_EVENT_CODE_FAILED_ATTEMPT: CarrierEventCode
CARRIER_EVENT_CODE_EXCEPTION: CarrierEventCode
CARRIER_EVENT_CODE_RETURNED: CarrierEventCode
MILESTONE_KIND_UNSPECIFIED: MilestoneKind
MILESTONE_KIND_ORDER_PLACED: MilestoneKind
MILESTONE_KIND_IN_PRODUCTION: MilestoneKind
MILESTONE_KIND_PRODUCED: MilestoneKind
MILESTONE_KIND_PICKED_UP: MilestoneKind
MILESTONE_KIND_IN_TRANSIT: MilestoneKind
MILESTONE_KIND_OUT_FOR_DELIVERY: MilestoneKind
MILESTONE_KIND_DELIVERED: MilestoneKind
MILESTONE_KIND_RETURNED: MilestoneKind

class CarrierLocation(_message.Message):
    __slots__ = ("city", "region", "country", "description")
    CITY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    COUNTRY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    city: str
    region: str
    country: str
    description: str
    def __init__(self, city: _Optional[str] = ..., region: _Optional[str] = ..., country: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CarrierEvent(_message.Message):
    __slots__ = ("carrier_event_id", "code", "event_time", "recorded_at", "location", "note", "applied")
    CARRIER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    RECORDED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    carrier_event_id: str
    code: CarrierEventCode
    event_time: _timestamp_pb2.Timestamp
    recorded_at: _timestamp_pb2.Timestamp
    location: CarrierLocation
    note: str
    applied: bool
    def __init__(self, carrier_event_id: _Optional[str] = ..., code: _Optional[_Union[CarrierEventCode, str]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recorded_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[CarrierLocation, _Mapping]] = ..., note: _Optional[str] = ..., applied: _Optional[bool] = ...) -> None: ...

class Milestone(_message.Message):
    __slots__ = ("kind", "reached_at", "location")
    KIND_FIELD_NUMBER: _ClassVar[int]
    REACHED_AT_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    kind: MilestoneKind
    reached_at: _timestamp_pb2.Timestamp
    location: CarrierLocation
    def __init__(self, kind: _Optional[_Union[MilestoneKind, str]] = ..., reached_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[CarrierLocation, _Mapping]] = ...) -> None: ...

class Package(_message.Message):
    __slots__ = ("package_id", "description", "weight_kg", "length_mm", "width_mm", "height_mm", "volume_m3")
    PACKAGE_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_MM_FIELD_NUMBER: _ClassVar[int]
    VOLUME_M3_FIELD_NUMBER: _ClassVar[int]
    package_id: str
    description: str
    weight_kg: float
    length_mm: float
    width_mm: float
    height_mm: float
    volume_m3: float
    def __init__(self, package_id: _Optional[str] = ..., description: _Optional[str] = ..., weight_kg: _Optional[float] = ..., length_mm: _Optional[float] = ..., width_mm: _Optional[float] = ..., height_mm: _Optional[float] = ..., volume_m3: _Optional[float] = ...) -> None: ...

class Shipment(_message.Message):
    __slots__ = ("shipment_id", "order_id", "factory_id", "carrier", "tracking_number", "status", "packages", "destination", "planned_pickup", "eta", "promised_date", "late", "at_risk", "milestones", "events", "last_exception", "opened_at", "delivered_at", "tracking_token", "version", "order_reference", "items")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_FIELD_NUMBER: _ClassVar[int]
    PLANNED_PICKUP_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    AT_RISK_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    LAST_EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    OPENED_AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_AT_FIELD_NUMBER: _ClassVar[int]
    TRACKING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    ORDER_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    factory_id: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    packages: _containers.RepeatedCompositeFieldContainer[Package]
    destination: _types_pb2.Address
    planned_pickup: _timestamp_pb2.Timestamp
    eta: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    late: bool
    at_risk: bool
    milestones: _containers.RepeatedCompositeFieldContainer[Milestone]
    events: _containers.RepeatedCompositeFieldContainer[CarrierEvent]
    last_exception: str
    opened_at: _timestamp_pb2.Timestamp
    delivered_at: _timestamp_pb2.Timestamp
    tracking_token: str
    version: int
    order_reference: str
    items: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., factory_id: _Optional[str] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., packages: _Optional[_Iterable[_Union[Package, _Mapping]]] = ..., destination: _Optional[_Union[_types_pb2.Address, _Mapping]] = ..., planned_pickup: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., late: _Optional[bool] = ..., at_risk: _Optional[bool] = ..., milestones: _Optional[_Iterable[_Union[Milestone, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[CarrierEvent, _Mapping]]] = ..., last_exception: _Optional[str] = ..., opened_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tracking_token: _Optional[str] = ..., version: _Optional[int] = ..., order_reference: _Optional[str] = ..., items: _Optional[_Iterable[str]] = ...) -> None: ...

class GetShipmentRequest(_message.Message):
    __slots__ = ("shipment_id", "order_id")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class GetShipmentResponse(_message.Message):
    __slots__ = ("shipment",)
    SHIPMENT_FIELD_NUMBER: _ClassVar[int]
    shipment: Shipment
    def __init__(self, shipment: _Optional[_Union[Shipment, _Mapping]] = ...) -> None: ...

class TrackingView(_message.Message):
    __slots__ = ("order_reference", "status", "milestones", "eta", "eta_date", "late", "carrier", "tracking_number", "destination_city", "items", "updated_at", "at_risk", "promised_date", "destination_time_zone", "order_id")
    ORDER_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    MILESTONES_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    ETA_DATE_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_CITY_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    AT_RISK_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_reference: str
    status: ShipmentStatus
    milestones: _containers.RepeatedCompositeFieldContainer[Milestone]
    eta: _timestamp_pb2.Timestamp
    eta_date: _types_pb2.Date
    late: bool
    carrier: str
    tracking_number: str
    destination_city: str
    items: _containers.RepeatedScalarFieldContainer[str]
    updated_at: _timestamp_pb2.Timestamp
    at_risk: bool
    promised_date: _types_pb2.Date
    destination_time_zone: str
    order_id: str
    def __init__(self, order_reference: _Optional[str] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., milestones: _Optional[_Iterable[_Union[Milestone, _Mapping]]] = ..., eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eta_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., late: _Optional[bool] = ..., carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., destination_city: _Optional[str] = ..., items: _Optional[_Iterable[str]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., at_risk: _Optional[bool] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., destination_time_zone: _Optional[str] = ..., order_id: _Optional[str] = ...) -> None: ...

class TrackOrderRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class TrackOrderResponse(_message.Message):
    __slots__ = ("tracking",)
    TRACKING_FIELD_NUMBER: _ClassVar[int]
    tracking: TrackingView
    def __init__(self, tracking: _Optional[_Union[TrackingView, _Mapping]] = ...) -> None: ...

class ListShipmentsRequest(_message.Message):
    __slots__ = ("page", "late", "exception", "carrier", "factory_id", "statuses", "at_risk")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    LATE_FIELD_NUMBER: _ClassVar[int]
    EXCEPTION_FIELD_NUMBER: _ClassVar[int]
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    AT_RISK_FIELD_NUMBER: _ClassVar[int]
    page: _types_pb2.PageRequest
    late: bool
    exception: bool
    carrier: str
    factory_id: str
    statuses: _containers.RepeatedScalarFieldContainer[ShipmentStatus]
    at_risk: bool
    def __init__(self, page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ..., late: _Optional[bool] = ..., exception: _Optional[bool] = ..., carrier: _Optional[str] = ..., factory_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[ShipmentStatus, str]]] = ..., at_risk: _Optional[bool] = ...) -> None: ...

class ListShipmentsResponse(_message.Message):
    __slots__ = ("shipments", "next_page_token")
    SHIPMENTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    shipments: _containers.RepeatedCompositeFieldContainer[Shipment]
    next_page_token: str
    def __init__(self, shipments: _Optional[_Iterable[_Union[Shipment, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RecordCarrierEventRequest(_message.Message):
    __slots__ = ("carrier", "tracking_number", "carrier_event_id", "code", "event_time", "location", "note", "delay_minutes")
    CARRIER_FIELD_NUMBER: _ClassVar[int]
    TRACKING_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CARRIER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DELAY_MINUTES_FIELD_NUMBER: _ClassVar[int]
    carrier: str
    tracking_number: str
    carrier_event_id: str
    code: CarrierEventCode
    event_time: _timestamp_pb2.Timestamp
    location: CarrierLocation
    note: str
    delay_minutes: int
    def __init__(self, carrier: _Optional[str] = ..., tracking_number: _Optional[str] = ..., carrier_event_id: _Optional[str] = ..., code: _Optional[_Union[CarrierEventCode, str]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[_Union[CarrierLocation, _Mapping]] = ..., note: _Optional[str] = ..., delay_minutes: _Optional[int] = ...) -> None: ...

class RecordCarrierEventResponse(_message.Message):
    __slots__ = ("shipment_id", "order_id", "duplicate", "applied", "status", "eta")
    SHIPMENT_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    ETA_FIELD_NUMBER: _ClassVar[int]
    shipment_id: str
    order_id: str
    duplicate: bool
    applied: bool
    status: ShipmentStatus
    eta: _timestamp_pb2.Timestamp
    def __init__(self, shipment_id: _Optional[str] = ..., order_id: _Optional[str] = ..., duplicate: _Optional[bool] = ..., applied: _Optional[bool] = ..., status: _Optional[_Union[ShipmentStatus, str]] = ..., eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
