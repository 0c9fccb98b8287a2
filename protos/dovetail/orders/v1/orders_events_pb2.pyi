import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from dovetail.orders.v1 import orders_service_pb2 as _orders_service_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderPlaced(_message.Message):
    __slots__ = ("order_id", "channel", "external_id", "placed_at", "promised_date", "customer", "items", "total", "revision", "tenant")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    channel: str
    external_id: str
    placed_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    customer: _types_pb2.Customer
    items: _containers.RepeatedCompositeFieldContainer[_orders_service_pb2.OrderItem]
    total: _types_pb2.Money
    revision: int
    tenant: str
    def __init__(self, order_id: _Optional[str] = ..., channel: _Optional[str] = ..., external_id: _Optional[str] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., customer: _Optional[_Union[_types_pb2.Customer, _Mapping]] = ..., items: _Optional[_Iterable[_Union[_orders_service_pb2.OrderItem, _Mapping]]] = ..., total: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., revision: _Optional[int] = ..., tenant: _Optional[str] = ...) -> None: ...

class OrderAmended(_message.Message):
    __slots__ = ("order_id", "items", "promised_date", "reason", "revision", "customer")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    items: _containers.RepeatedCompositeFieldContainer[_orders_service_pb2.OrderItem]
    promised_date: _types_pb2.Date
    reason: str
    revision: int
    customer: _types_pb2.Customer
    def __init__(self, order_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[_orders_service_pb2.OrderItem, _Mapping]]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ..., revision: _Optional[int] = ..., customer: _Optional[_Union[_types_pb2.Customer, _Mapping]] = ...) -> None: ...

class OrderCancelled(_message.Message):
    __slots__ = ("order_id", "reason", "previous_status")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATUS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    previous_status: _orders_service_pb2.OrderStatus
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ..., previous_status: _Optional[_Union[_orders_service_pb2.OrderStatus, str]] = ...) -> None: ...

class OrderStatusChanged(_message.Message):
    __slots__ = ("order_id", "from_status", "to_status", "cause", "detail")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_STATUS_FIELD_NUMBER: _ClassVar[int]
    TO_STATUS_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    from_status: _orders_service_pb2.OrderStatus
    to_status: _orders_service_pb2.OrderStatus
    cause: str
    detail: str
    def __init__(self, order_id: _Optional[str] = ..., from_status: _Optional[_Union[_orders_service_pb2.OrderStatus, str]] = ..., to_status: _Optional[_Union[_orders_service_pb2.OrderStatus, str]] = ..., cause: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class OrderPlanningHeld(_message.Message):
    __slots__ = ("order_id", "reason", "cause", "reason_words")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    REASON_WORDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    cause: str
    reason_words: _types_pb2.Words
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ..., cause: _Optional[str] = ..., reason_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...
