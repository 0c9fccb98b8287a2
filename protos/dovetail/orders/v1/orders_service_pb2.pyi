import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_STATUS_UNSPECIFIED: _ClassVar[OrderStatus]
    ORDER_STATUS_PLACED: _ClassVar[OrderStatus]
    ORDER_STATUS_CONFIGURED: _ClassVar[OrderStatus]
    ORDER_STATUS_REJECTED: _ClassVar[OrderStatus]
    ORDER_STATUS_SCHEDULED: _ClassVar[OrderStatus]
    ORDER_STATUS_IN_PRODUCTION: _ClassVar[OrderStatus]
    ORDER_STATUS_PRODUCED: _ClassVar[OrderStatus]
    ORDER_STATUS_SHIPPED: _ClassVar[OrderStatus]
    ORDER_STATUS_DELIVERED: _ClassVar[OrderStatus]
    ORDER_STATUS_CANCELLED: _ClassVar[OrderStatus]
    ORDER_STATUS_AWAITING_MAPPING: _ClassVar[OrderStatus]
ORDER_STATUS_UNSPECIFIED: OrderStatus
ORDER_STATUS_PLACED: OrderStatus
ORDER_STATUS_CONFIGURED: OrderStatus
ORDER_STATUS_REJECTED: OrderStatus
ORDER_STATUS_SCHEDULED: OrderStatus
ORDER_STATUS_IN_PRODUCTION: OrderStatus
ORDER_STATUS_PRODUCED: OrderStatus
ORDER_STATUS_SHIPPED: OrderStatus
ORDER_STATUS_DELIVERED: OrderStatus
ORDER_STATUS_CANCELLED: OrderStatus
ORDER_STATUS_AWAITING_MAPPING: OrderStatus

class MappingNeed(_message.Message):
    __slots__ = ("kind", "key", "line_id", "detail")
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    kind: str
    key: str
    line_id: str
    detail: str
    def __init__(self, kind: _Optional[str] = ..., key: _Optional[str] = ..., line_id: _Optional[str] = ..., detail: _Optional[str] = ...) -> None: ...

class OrderItem(_message.Message):
    __slots__ = ("line_id", "product", "quantity", "options")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    product: str
    quantity: int
    options: _struct_pb2.Struct
    def __init__(self, line_id: _Optional[str] = ..., product: _Optional[str] = ..., quantity: _Optional[int] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class Order(_message.Message):
    __slots__ = ("order_id", "channel", "external_id", "status", "placed_at", "promised_date", "customer", "items", "total", "version", "updated_at", "factory_id", "planned_start", "planned_end", "rejection_reasons", "cancellation_reason", "tenant", "catalog_version", "tracking_token", "planning_issue", "mapping_needs", "notes", "source_payload", "planning_issue_words", "rejection_reason_words")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    PLANNED_START_FIELD_NUMBER: _ClassVar[int]
    PLANNED_END_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASONS_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    TRACKING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    PLANNING_ISSUE_FIELD_NUMBER: _ClassVar[int]
    MAPPING_NEEDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PLANNING_ISSUE_WORDS_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASON_WORDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    channel: str
    external_id: str
    status: OrderStatus
    placed_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    customer: _types_pb2.Customer
    items: _containers.RepeatedCompositeFieldContainer[OrderItem]
    total: _types_pb2.Money
    version: int
    updated_at: _timestamp_pb2.Timestamp
    factory_id: str
    planned_start: _timestamp_pb2.Timestamp
    planned_end: _timestamp_pb2.Timestamp
    rejection_reasons: _containers.RepeatedScalarFieldContainer[str]
    cancellation_reason: str
    tenant: str
    catalog_version: int
    tracking_token: str
    planning_issue: str
    mapping_needs: _containers.RepeatedCompositeFieldContainer[MappingNeed]
    notes: _containers.RepeatedScalarFieldContainer[str]
    source_payload: bytes
    planning_issue_words: _types_pb2.Words
    rejection_reason_words: _containers.RepeatedCompositeFieldContainer[_types_pb2.Words]
    def __init__(self, order_id: _Optional[str] = ..., channel: _Optional[str] = ..., external_id: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., customer: _Optional[_Union[_types_pb2.Customer, _Mapping]] = ..., items: _Optional[_Iterable[_Union[OrderItem, _Mapping]]] = ..., total: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., version: _Optional[int] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., factory_id: _Optional[str] = ..., planned_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., rejection_reasons: _Optional[_Iterable[str]] = ..., cancellation_reason: _Optional[str] = ..., tenant: _Optional[str] = ..., catalog_version: _Optional[int] = ..., tracking_token: _Optional[str] = ..., planning_issue: _Optional[str] = ..., mapping_needs: _Optional[_Iterable[_Union[MappingNeed, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ..., source_payload: _Optional[bytes] = ..., planning_issue_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ..., rejection_reason_words: _Optional[_Iterable[_Union[_types_pb2.Words, _Mapping]]] = ...) -> None: ...

class PlaceOrderRequest(_message.Message):
    __slots__ = ("channel", "external_id", "placed_at", "promised_date", "customer", "items", "total", "mapping_needs", "notes", "source_payload", "source_fingerprint")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    PLACED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    MAPPING_NEEDS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    channel: str
    external_id: str
    placed_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    customer: _types_pb2.Customer
    items: _containers.RepeatedCompositeFieldContainer[OrderItem]
    total: _types_pb2.Money
    mapping_needs: _containers.RepeatedCompositeFieldContainer[MappingNeed]
    notes: _containers.RepeatedScalarFieldContainer[str]
    source_payload: bytes
    source_fingerprint: str
    def __init__(self, channel: _Optional[str] = ..., external_id: _Optional[str] = ..., placed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., customer: _Optional[_Union[_types_pb2.Customer, _Mapping]] = ..., items: _Optional[_Iterable[_Union[OrderItem, _Mapping]]] = ..., total: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., mapping_needs: _Optional[_Iterable[_Union[MappingNeed, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ..., source_payload: _Optional[bytes] = ..., source_fingerprint: _Optional[str] = ...) -> None: ...

class PlaceOrderResponse(_message.Message):
    __slots__ = ("order_id", "status", "duplicate")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    status: OrderStatus
    duplicate: bool
    def __init__(self, order_id: _Optional[str] = ..., status: _Optional[_Union[OrderStatus, str]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class PlaceOrdersRequest(_message.Message):
    __slots__ = ("orders",)
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[PlaceOrderRequest]
    def __init__(self, orders: _Optional[_Iterable[_Union[PlaceOrderRequest, _Mapping]]] = ...) -> None: ...

class FieldViolation(_message.Message):
    __slots__ = ("field", "description", "words")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    WORDS_FIELD_NUMBER: _ClassVar[int]
    field: str
    description: str
    words: _types_pb2.Words
    def __init__(self, field: _Optional[str] = ..., description: _Optional[str] = ..., words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class PlaceOrderRefusal(_message.Message):
    __slots__ = ("code", "message", "field_violations")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_VIOLATIONS_FIELD_NUMBER: _ClassVar[int]
    code: int
    message: str
    field_violations: _containers.RepeatedCompositeFieldContainer[FieldViolation]
    def __init__(self, code: _Optional[int] = ..., message: _Optional[str] = ..., field_violations: _Optional[_Iterable[_Union[FieldViolation, _Mapping]]] = ...) -> None: ...

class PlaceOrderOutcome(_message.Message):
    __slots__ = ("placed", "refused")
    PLACED_FIELD_NUMBER: _ClassVar[int]
    REFUSED_FIELD_NUMBER: _ClassVar[int]
    placed: PlaceOrderResponse
    refused: PlaceOrderRefusal
    def __init__(self, placed: _Optional[_Union[PlaceOrderResponse, _Mapping]] = ..., refused: _Optional[_Union[PlaceOrderRefusal, _Mapping]] = ...) -> None: ...

class PlaceOrdersResponse(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[PlaceOrderOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[PlaceOrderOutcome, _Mapping]]] = ...) -> None: ...

class GetOrderRequest(_message.Message):
    __slots__ = ("order_id", "channel", "external_id")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    EXTERNAL_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    channel: str
    external_id: str
    def __init__(self, order_id: _Optional[str] = ..., channel: _Optional[str] = ..., external_id: _Optional[str] = ...) -> None: ...

class GetOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class ListOrdersRequest(_message.Message):
    __slots__ = ("page", "statuses", "channel", "placed_after", "placed_before", "query")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PLACED_AFTER_FIELD_NUMBER: _ClassVar[int]
    PLACED_BEFORE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page: _types_pb2.PageRequest
    statuses: _containers.RepeatedScalarFieldContainer[OrderStatus]
    channel: str
    placed_after: _timestamp_pb2.Timestamp
    placed_before: _timestamp_pb2.Timestamp
    query: str
    def __init__(self, page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ..., statuses: _Optional[_Iterable[_Union[OrderStatus, str]]] = ..., channel: _Optional[str] = ..., placed_after: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., placed_before: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., query: _Optional[str] = ...) -> None: ...

class ListOrdersResponse(_message.Message):
    __slots__ = ("orders", "next_page_token")
    ORDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    orders: _containers.RepeatedCompositeFieldContainer[Order]
    next_page_token: str
    def __init__(self, orders: _Optional[_Iterable[_Union[Order, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelOrderRequest(_message.Message):
    __slots__ = ("order_id", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class AmendOrderRequest(_message.Message):
    __slots__ = ("order_id", "expected_version", "items", "promised_date", "reason")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    expected_version: int
    items: _containers.RepeatedCompositeFieldContainer[OrderItem]
    promised_date: _types_pb2.Date
    reason: str
    def __init__(self, order_id: _Optional[str] = ..., expected_version: _Optional[int] = ..., items: _Optional[_Iterable[_Union[OrderItem, _Mapping]]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AmendOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...

class GetOrderHistoryRequest(_message.Message):
    __slots__ = ("order_id",)
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    def __init__(self, order_id: _Optional[str] = ...) -> None: ...

class OrderHistoryEntry(_message.Message):
    __slots__ = ("version", "type", "occurred_at", "status_after", "summary", "by", "by_role", "summary_words")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_AFTER_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    BY_ROLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_WORDS_FIELD_NUMBER: _ClassVar[int]
    version: int
    type: str
    occurred_at: _timestamp_pb2.Timestamp
    status_after: OrderStatus
    summary: str
    by: str
    by_role: str
    summary_words: _types_pb2.Words
    def __init__(self, version: _Optional[int] = ..., type: _Optional[str] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status_after: _Optional[_Union[OrderStatus, str]] = ..., summary: _Optional[str] = ..., by: _Optional[str] = ..., by_role: _Optional[str] = ..., summary_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class GetOrderHistoryResponse(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[OrderHistoryEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[OrderHistoryEntry, _Mapping]]] = ...) -> None: ...

class ResolveOrderMappingRequest(_message.Message):
    __slots__ = ("order_id", "items", "notes", "mapping_needs")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    MAPPING_NEEDS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    items: _containers.RepeatedCompositeFieldContainer[OrderItem]
    notes: _containers.RepeatedScalarFieldContainer[str]
    mapping_needs: _containers.RepeatedCompositeFieldContainer[MappingNeed]
    def __init__(self, order_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[OrderItem, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ..., mapping_needs: _Optional[_Iterable[_Union[MappingNeed, _Mapping]]] = ...) -> None: ...

class ResolveOrderMappingResponse(_message.Message):
    __slots__ = ("order", "released")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    order: Order
    released: bool
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ..., released: _Optional[bool] = ...) -> None: ...

class ListMappingNeedsRequest(_message.Message):
    __slots__ = ("channel",)
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    channel: str
    def __init__(self, channel: _Optional[str] = ...) -> None: ...

class MappingNeedGroup(_message.Message):
    __slots__ = ("channel", "kind", "key", "order_count", "order_ids", "example")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_COUNT_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    channel: str
    kind: str
    key: str
    order_count: int
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    example: str
    def __init__(self, channel: _Optional[str] = ..., kind: _Optional[str] = ..., key: _Optional[str] = ..., order_count: _Optional[int] = ..., order_ids: _Optional[_Iterable[str]] = ..., example: _Optional[str] = ...) -> None: ...

class ListMappingNeedsResponse(_message.Message):
    __slots__ = ("groups", "waiting_orders")
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    WAITING_ORDERS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[MappingNeedGroup]
    waiting_orders: int
    def __init__(self, groups: _Optional[_Iterable[_Union[MappingNeedGroup, _Mapping]]] = ..., waiting_orders: _Optional[int] = ...) -> None: ...

class ReprocessOrderRequest(_message.Message):
    __slots__ = ("order_id", "items", "notes")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    items: _containers.RepeatedCompositeFieldContainer[OrderItem]
    notes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, order_id: _Optional[str] = ..., items: _Optional[_Iterable[_Union[OrderItem, _Mapping]]] = ..., notes: _Optional[_Iterable[str]] = ...) -> None: ...

class ReprocessOrderResponse(_message.Message):
    __slots__ = ("order",)
    ORDER_FIELD_NUMBER: _ClassVar[int]
    order: Order
    def __init__(self, order: _Optional[_Union[Order, _Mapping]] = ...) -> None: ...
