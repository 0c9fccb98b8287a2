import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as _configurator_service_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ConfiguredLineSummary(_message.Message):
    __slots__ = ("line_id", "product", "quantity", "options", "summary", "panel_count", "hardware_count", "price", "summary_words")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PANEL_COUNT_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_COUNT_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_WORDS_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    product: str
    quantity: int
    options: _struct_pb2.Struct
    summary: str
    panel_count: int
    hardware_count: int
    price: _types_pb2.Money
    summary_words: _types_pb2.Words
    def __init__(self, line_id: _Optional[str] = ..., product: _Optional[str] = ..., quantity: _Optional[int] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., summary: _Optional[str] = ..., panel_count: _Optional[int] = ..., hardware_count: _Optional[int] = ..., price: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., summary_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class OrderConfigured(_message.Message):
    __slots__ = ("order_id", "catalog_version", "order_version", "configured_at", "promised_date", "lines", "routing", "price", "nesting", "packages", "total_weight_kg", "total_volume_m3")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    ORDER_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIGURED_AT_FIELD_NUMBER: _ClassVar[int]
    PROMISED_DATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    NESTING_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_WEIGHT_KG_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VOLUME_M3_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    catalog_version: int
    order_version: int
    configured_at: _timestamp_pb2.Timestamp
    promised_date: _types_pb2.Date
    lines: _containers.RepeatedCompositeFieldContainer[ConfiguredLineSummary]
    routing: _containers.RepeatedCompositeFieldContainer[_configurator_service_pb2.RoutingOperation]
    price: _configurator_service_pb2.Price
    nesting: _configurator_service_pb2.NestingSummary
    packages: _containers.RepeatedCompositeFieldContainer[_configurator_service_pb2.Package]
    total_weight_kg: float
    total_volume_m3: float
    def __init__(self, order_id: _Optional[str] = ..., catalog_version: _Optional[int] = ..., order_version: _Optional[int] = ..., configured_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., promised_date: _Optional[_Union[_types_pb2.Date, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[ConfiguredLineSummary, _Mapping]]] = ..., routing: _Optional[_Iterable[_Union[_configurator_service_pb2.RoutingOperation, _Mapping]]] = ..., price: _Optional[_Union[_configurator_service_pb2.Price, _Mapping]] = ..., nesting: _Optional[_Union[_configurator_service_pb2.NestingSummary, _Mapping]] = ..., packages: _Optional[_Iterable[_Union[_configurator_service_pb2.Package, _Mapping]]] = ..., total_weight_kg: _Optional[float] = ..., total_volume_m3: _Optional[float] = ...) -> None: ...

class ConfigurationRejected(_message.Message):
    __slots__ = ("order_id", "catalog_version", "order_version", "rejected_at", "reasons")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    ORDER_VERSION_FIELD_NUMBER: _ClassVar[int]
    REJECTED_AT_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    catalog_version: int
    order_version: int
    rejected_at: _timestamp_pb2.Timestamp
    reasons: _containers.RepeatedCompositeFieldContainer[_configurator_service_pb2.RejectionReason]
    def __init__(self, order_id: _Optional[str] = ..., catalog_version: _Optional[int] = ..., order_version: _Optional[int] = ..., rejected_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reasons: _Optional[_Iterable[_Union[_configurator_service_pb2.RejectionReason, _Mapping]]] = ...) -> None: ...

class CatalogVersionPublished(_message.Message):
    __slots__ = ("catalog_version", "previous_version", "published_at", "published_by", "note", "product_codes")
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_BY_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODES_FIELD_NUMBER: _ClassVar[int]
    catalog_version: int
    previous_version: int
    published_at: _timestamp_pb2.Timestamp
    published_by: str
    note: str
    product_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, catalog_version: _Optional[int] = ..., previous_version: _Optional[int] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., published_by: _Optional[str] = ..., note: _Optional[str] = ..., product_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class BoardWait(_message.Message):
    __slots__ = ("material", "thickness_mm", "decor", "length_mm", "width_mm", "short", "until_date", "order_ids")
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    DECOR_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    SHORT_FIELD_NUMBER: _ClassVar[int]
    UNTIL_DATE_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    material: str
    thickness_mm: float
    decor: str
    length_mm: int
    width_mm: int
    short: int
    until_date: str
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., decor: _Optional[str] = ..., length_mm: _Optional[int] = ..., width_mm: _Optional[int] = ..., short: _Optional[int] = ..., until_date: _Optional[str] = ..., order_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class BoardBatchPlanned(_message.Message):
    __slots__ = ("factory_id", "batch", "order_ids", "nested_at", "new_boards", "waits", "revision")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    NESTED_AT_FIELD_NUMBER: _ClassVar[int]
    NEW_BOARDS_FIELD_NUMBER: _ClassVar[int]
    WAITS_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    batch: str
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    nested_at: _timestamp_pb2.Timestamp
    new_boards: int
    waits: _containers.RepeatedCompositeFieldContainer[BoardWait]
    revision: int
    def __init__(self, factory_id: _Optional[str] = ..., batch: _Optional[str] = ..., order_ids: _Optional[_Iterable[str]] = ..., nested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., new_boards: _Optional[int] = ..., waits: _Optional[_Iterable[_Union[BoardWait, _Mapping]]] = ..., revision: _Optional[int] = ...) -> None: ...
