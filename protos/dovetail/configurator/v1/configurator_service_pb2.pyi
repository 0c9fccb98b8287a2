import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ParameterKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PARAMETER_KIND_UNSPECIFIED: _ClassVar[ParameterKind]
    PARAMETER_KIND_INTEGER: _ClassVar[ParameterKind]
    PARAMETER_KIND_DECIMAL: _ClassVar[ParameterKind]
    PARAMETER_KIND_CHOICE: _ClassVar[ParameterKind]
    PARAMETER_KIND_BOOLEAN: _ClassVar[ParameterKind]

class GrainDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GRAIN_DIRECTION_UNSPECIFIED: _ClassVar[GrainDirection]
    GRAIN_DIRECTION_NONE: _ClassVar[GrainDirection]
    GRAIN_DIRECTION_LENGTH: _ClassVar[GrainDirection]
    GRAIN_DIRECTION_WIDTH: _ClassVar[GrainDirection]

class PanelEdge(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PANEL_EDGE_UNSPECIFIED: _ClassVar[PanelEdge]
    PANEL_EDGE_LENGTH_1: _ClassVar[PanelEdge]
    PANEL_EDGE_LENGTH_2: _ClassVar[PanelEdge]
    PANEL_EDGE_WIDTH_1: _ClassVar[PanelEdge]
    PANEL_EDGE_WIDTH_2: _ClassVar[PanelEdge]

class HardwareKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HARDWARE_KIND_UNSPECIFIED: _ClassVar[HardwareKind]
    HARDWARE_KIND_HINGE: _ClassVar[HardwareKind]
    HARDWARE_KIND_SLIDE: _ClassVar[HardwareKind]
    HARDWARE_KIND_HANDLE: _ClassVar[HardwareKind]
    HARDWARE_KIND_CONNECTOR: _ClassVar[HardwareKind]
    HARDWARE_KIND_SHELF_PIN: _ClassVar[HardwareKind]
    HARDWARE_KIND_SLIDING_DOOR_TRACK: _ClassVar[HardwareKind]
    HARDWARE_KIND_HANGING_RAIL: _ClassVar[HardwareKind]
    HARDWARE_KIND_LEG: _ClassVar[HardwareKind]
    HARDWARE_KIND_OTHER: _ClassVar[HardwareKind]

class PriceComponent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRICE_COMPONENT_UNSPECIFIED: _ClassVar[PriceComponent]
    PRICE_COMPONENT_BOARD: _ClassVar[PriceComponent]
    PRICE_COMPONENT_EDGE_BANDING: _ClassVar[PriceComponent]
    PRICE_COMPONENT_HARDWARE: _ClassVar[PriceComponent]
    PRICE_COMPONENT_FINISH: _ClassVar[PriceComponent]
    PRICE_COMPONENT_MACHINE_TIME: _ClassVar[PriceComponent]
    PRICE_COMPONENT_LABOUR: _ClassVar[PriceComponent]
    PRICE_COMPONENT_PACKAGING: _ClassVar[PriceComponent]
    PRICE_COMPONENT_MARGIN: _ClassVar[PriceComponent]

class ConfigurationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONFIGURATION_STATUS_UNSPECIFIED: _ClassVar[ConfigurationStatus]
    CONFIGURATION_STATUS_CONFIGURED: _ClassVar[ConfigurationStatus]
    CONFIGURATION_STATUS_REJECTED: _ClassVar[ConfigurationStatus]
    CONFIGURATION_STATUS_CANCELLED: _ClassVar[ConfigurationStatus]

class CutListFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUT_LIST_FORMAT_UNSPECIFIED: _ClassVar[CutListFormat]
    CUT_LIST_FORMAT_CSV: _ClassVar[CutListFormat]
    CUT_LIST_FORMAT_DXF: _ClassVar[CutListFormat]
PARAMETER_KIND_UNSPECIFIED: ParameterKind
PARAMETER_KIND_INTEGER: ParameterKind
PARAMETER_KIND_DECIMAL: ParameterKind
PARAMETER_KIND_CHOICE: ParameterKind
PARAMETER_KIND_BOOLEAN: ParameterKind
GRAIN_DIRECTION_UNSPECIFIED: GrainDirection
GRAIN_DIRECTION_NONE: GrainDirection
GRAIN_DIRECTION_LENGTH: GrainDirection
GRAIN_DIRECTION_WIDTH: GrainDirection
PANEL_EDGE_UNSPECIFIED: PanelEdge
PANEL_EDGE_LENGTH_1: PanelEdge
PANEL_EDGE_LENGTH_2: PanelEdge
PANEL_EDGE_WIDTH_1: PanelEdge
PANEL_EDGE_WIDTH_2: PanelEdge
HARDWARE_KIND_UNSPECIFIED: HardwareKind
HARDWARE_KIND_HINGE: HardwareKind
HARDWARE_KIND_SLIDE: HardwareKind
HARDWARE_KIND_HANDLE: HardwareKind
HARDWARE_KIND_CONNECTOR: HardwareKind
HARDWARE_KIND_SHELF_PIN: HardwareKind
HARDWARE_KIND_SLIDING_DOOR_TRACK: HardwareKind
HARDWARE_KIND_HANGING_RAIL: HardwareKind
HARDWARE_KIND_LEG: HardwareKind
HARDWARE_KIND_OTHER: HardwareKind
PRICE_COMPONENT_UNSPECIFIED: PriceComponent
PRICE_COMPONENT_BOARD: PriceComponent
PRICE_COMPONENT_EDGE_BANDING: PriceComponent
PRICE_COMPONENT_HARDWARE: PriceComponent
PRICE_COMPONENT_FINISH: PriceComponent
PRICE_COMPONENT_MACHINE_TIME: PriceComponent
PRICE_COMPONENT_LABOUR: PriceComponent
PRICE_COMPONENT_PACKAGING: PriceComponent
PRICE_COMPONENT_MARGIN: PriceComponent
CONFIGURATION_STATUS_UNSPECIFIED: ConfigurationStatus
CONFIGURATION_STATUS_CONFIGURED: ConfigurationStatus
CONFIGURATION_STATUS_REJECTED: ConfigurationStatus
CONFIGURATION_STATUS_CANCELLED: ConfigurationStatus
CUT_LIST_FORMAT_UNSPECIFIED: CutListFormat
CUT_LIST_FORMAT_CSV: CutListFormat
CUT_LIST_FORMAT_DXF: CutListFormat

class ParameterChoice(_message.Message):
    __slots__ = ("value", "label", "description")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    value: str
    label: str
    description: str
    def __init__(self, value: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class Parameter(_message.Message):
    __slots__ = ("name", "label", "kind", "unit", "min", "max", "step", "default_value", "choices", "required", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_VALUE_FIELD_NUMBER: _ClassVar[int]
    CHOICES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    kind: ParameterKind
    unit: str
    min: float
    max: float
    step: float
    default_value: _struct_pb2.Value
    choices: _containers.RepeatedCompositeFieldContainer[ParameterChoice]
    required: bool
    description: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., kind: _Optional[_Union[ParameterKind, str]] = ..., unit: _Optional[str] = ..., min: _Optional[float] = ..., max: _Optional[float] = ..., step: _Optional[float] = ..., default_value: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., choices: _Optional[_Iterable[_Union[ParameterChoice, _Mapping]]] = ..., required: _Optional[bool] = ..., description: _Optional[str] = ...) -> None: ...

class ProductRule(_message.Message):
    __slots__ = ("rule_id", "parameters", "description")
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    rule_id: str
    parameters: _containers.RepeatedScalarFieldContainer[str]
    description: str
    def __init__(self, rule_id: _Optional[str] = ..., parameters: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ...) -> None: ...

class Product(_message.Message):
    __slots__ = ("code", "name", "category", "description", "catalog_version", "parameters", "rules")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    category: str
    description: str
    catalog_version: int
    parameters: _containers.RepeatedCompositeFieldContainer[Parameter]
    rules: _containers.RepeatedCompositeFieldContainer[ProductRule]
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., category: _Optional[str] = ..., description: _Optional[str] = ..., catalog_version: _Optional[int] = ..., parameters: _Optional[_Iterable[_Union[Parameter, _Mapping]]] = ..., rules: _Optional[_Iterable[_Union[ProductRule, _Mapping]]] = ...) -> None: ...

class ListProductsRequest(_message.Message):
    __slots__ = ("catalog_version", "category", "page")
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    catalog_version: int
    category: str
    page: _types_pb2.PageRequest
    def __init__(self, catalog_version: _Optional[int] = ..., category: _Optional[str] = ..., page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListProductsResponse(_message.Message):
    __slots__ = ("catalog_version", "products", "next_page_token")
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    PRODUCTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    catalog_version: int
    products: _containers.RepeatedCompositeFieldContainer[Product]
    next_page_token: str
    def __init__(self, catalog_version: _Optional[int] = ..., products: _Optional[_Iterable[_Union[Product, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProductRequest(_message.Message):
    __slots__ = ("code", "catalog_version")
    CODE_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    code: str
    catalog_version: int
    def __init__(self, code: _Optional[str] = ..., catalog_version: _Optional[int] = ...) -> None: ...

class GetProductResponse(_message.Message):
    __slots__ = ("product",)
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    product: Product
    def __init__(self, product: _Optional[_Union[Product, _Mapping]] = ...) -> None: ...

class EdgeBanding(_message.Message):
    __slots__ = ("edge", "material", "thickness_mm", "colour")
    EDGE_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    COLOUR_FIELD_NUMBER: _ClassVar[int]
    edge: PanelEdge
    material: str
    thickness_mm: float
    colour: str
    def __init__(self, edge: _Optional[_Union[PanelEdge, str]] = ..., material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., colour: _Optional[str] = ...) -> None: ...

class Panel(_message.Message):
    __slots__ = ("panel_id", "line_id", "name", "quantity", "length_mm", "width_mm", "thickness_mm", "material", "finish", "grain", "edge_banding", "hole_count")
    PANEL_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    FINISH_FIELD_NUMBER: _ClassVar[int]
    GRAIN_FIELD_NUMBER: _ClassVar[int]
    EDGE_BANDING_FIELD_NUMBER: _ClassVar[int]
    HOLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    panel_id: str
    line_id: str
    name: str
    quantity: int
    length_mm: float
    width_mm: float
    thickness_mm: float
    material: str
    finish: str
    grain: GrainDirection
    edge_banding: _containers.RepeatedCompositeFieldContainer[EdgeBanding]
    hole_count: int
    def __init__(self, panel_id: _Optional[str] = ..., line_id: _Optional[str] = ..., name: _Optional[str] = ..., quantity: _Optional[int] = ..., length_mm: _Optional[float] = ..., width_mm: _Optional[float] = ..., thickness_mm: _Optional[float] = ..., material: _Optional[str] = ..., finish: _Optional[str] = ..., grain: _Optional[_Union[GrainDirection, str]] = ..., edge_banding: _Optional[_Iterable[_Union[EdgeBanding, _Mapping]]] = ..., hole_count: _Optional[int] = ...) -> None: ...

class HardwareLine(_message.Message):
    __slots__ = ("sku", "name", "kind", "quantity", "unit_cost", "total_cost")
    SKU_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_COST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_COST_FIELD_NUMBER: _ClassVar[int]
    sku: str
    name: str
    kind: HardwareKind
    quantity: int
    unit_cost: _types_pb2.Money
    total_cost: _types_pb2.Money
    def __init__(self, sku: _Optional[str] = ..., name: _Optional[str] = ..., kind: _Optional[_Union[HardwareKind, str]] = ..., quantity: _Optional[int] = ..., unit_cost: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., total_cost: _Optional[_Union[_types_pb2.Money, _Mapping]] = ...) -> None: ...

class PanelPlacement(_message.Message):
    __slots__ = ("panel_id", "x_mm", "y_mm", "length_mm", "width_mm", "rotated")
    PANEL_ID_FIELD_NUMBER: _ClassVar[int]
    X_MM_FIELD_NUMBER: _ClassVar[int]
    Y_MM_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    ROTATED_FIELD_NUMBER: _ClassVar[int]
    panel_id: str
    x_mm: float
    y_mm: float
    length_mm: float
    width_mm: float
    rotated: bool
    def __init__(self, panel_id: _Optional[str] = ..., x_mm: _Optional[float] = ..., y_mm: _Optional[float] = ..., length_mm: _Optional[float] = ..., width_mm: _Optional[float] = ..., rotated: _Optional[bool] = ...) -> None: ...

class BoardLayout(_message.Message):
    __slots__ = ("board_index", "material", "thickness_mm", "stock_length_mm", "stock_width_mm", "yield_percent", "placements", "cut_count", "svg", "material_words")
    BOARD_INDEX_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    STOCK_LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    STOCK_WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    YIELD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    PLACEMENTS_FIELD_NUMBER: _ClassVar[int]
    CUT_COUNT_FIELD_NUMBER: _ClassVar[int]
    SVG_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_WORDS_FIELD_NUMBER: _ClassVar[int]
    board_index: int
    material: str
    thickness_mm: float
    stock_length_mm: float
    stock_width_mm: float
    yield_percent: float
    placements: _containers.RepeatedCompositeFieldContainer[PanelPlacement]
    cut_count: int
    svg: str
    material_words: _types_pb2.Words
    def __init__(self, board_index: _Optional[int] = ..., material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., stock_length_mm: _Optional[float] = ..., stock_width_mm: _Optional[float] = ..., yield_percent: _Optional[float] = ..., placements: _Optional[_Iterable[_Union[PanelPlacement, _Mapping]]] = ..., cut_count: _Optional[int] = ..., svg: _Optional[str] = ..., material_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class MaterialNesting(_message.Message):
    __slots__ = ("material", "thickness_mm", "stock_length_mm", "stock_width_mm", "boards_used", "yield_percent")
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    STOCK_LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    STOCK_WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    BOARDS_USED_FIELD_NUMBER: _ClassVar[int]
    YIELD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    material: str
    thickness_mm: float
    stock_length_mm: float
    stock_width_mm: float
    boards_used: int
    yield_percent: float
    def __init__(self, material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., stock_length_mm: _Optional[float] = ..., stock_width_mm: _Optional[float] = ..., boards_used: _Optional[int] = ..., yield_percent: _Optional[float] = ...) -> None: ...

class NestingSummary(_message.Message):
    __slots__ = ("boards_used", "yield_percent", "kerf_mm", "trim_mm", "panel_area_m2", "board_area_m2", "materials", "boards")
    BOARDS_USED_FIELD_NUMBER: _ClassVar[int]
    YIELD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    KERF_MM_FIELD_NUMBER: _ClassVar[int]
    TRIM_MM_FIELD_NUMBER: _ClassVar[int]
    PANEL_AREA_M2_FIELD_NUMBER: _ClassVar[int]
    BOARD_AREA_M2_FIELD_NUMBER: _ClassVar[int]
    MATERIALS_FIELD_NUMBER: _ClassVar[int]
    BOARDS_FIELD_NUMBER: _ClassVar[int]
    boards_used: int
    yield_percent: float
    kerf_mm: float
    trim_mm: float
    panel_area_m2: float
    board_area_m2: float
    materials: _containers.RepeatedCompositeFieldContainer[MaterialNesting]
    boards: _containers.RepeatedCompositeFieldContainer[BoardLayout]
    def __init__(self, boards_used: _Optional[int] = ..., yield_percent: _Optional[float] = ..., kerf_mm: _Optional[float] = ..., trim_mm: _Optional[float] = ..., panel_area_m2: _Optional[float] = ..., board_area_m2: _Optional[float] = ..., materials: _Optional[_Iterable[_Union[MaterialNesting, _Mapping]]] = ..., boards: _Optional[_Iterable[_Union[BoardLayout, _Mapping]]] = ...) -> None: ...

class RoutingOperation(_message.Message):
    __slots__ = ("operation_id", "seq", "machine_type", "duration_seconds", "setup_family", "setup_key", "min_wait_after_seconds", "batch_key", "description", "line_ids", "setup_seconds", "description_words")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    MACHINE_TYPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SETUP_FAMILY_FIELD_NUMBER: _ClassVar[int]
    SETUP_KEY_FIELD_NUMBER: _ClassVar[int]
    MIN_WAIT_AFTER_SECONDS_FIELD_NUMBER: _ClassVar[int]
    BATCH_KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LINE_IDS_FIELD_NUMBER: _ClassVar[int]
    SETUP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_WORDS_FIELD_NUMBER: _ClassVar[int]
    operation_id: str
    seq: int
    machine_type: _types_pb2.MachineType
    duration_seconds: int
    setup_family: str
    setup_key: str
    min_wait_after_seconds: int
    batch_key: str
    description: str
    line_ids: _containers.RepeatedScalarFieldContainer[str]
    setup_seconds: int
    description_words: _types_pb2.Words
    def __init__(self, operation_id: _Optional[str] = ..., seq: _Optional[int] = ..., machine_type: _Optional[_Union[_types_pb2.MachineType, str]] = ..., duration_seconds: _Optional[int] = ..., setup_family: _Optional[str] = ..., setup_key: _Optional[str] = ..., min_wait_after_seconds: _Optional[int] = ..., batch_key: _Optional[str] = ..., description: _Optional[str] = ..., line_ids: _Optional[_Iterable[str]] = ..., setup_seconds: _Optional[int] = ..., description_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class PriceLine(_message.Message):
    __slots__ = ("component", "description", "quantity", "unit", "unit_price", "amount", "description_words")
    COMPONENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_WORDS_FIELD_NUMBER: _ClassVar[int]
    component: PriceComponent
    description: str
    quantity: str
    unit: str
    unit_price: _types_pb2.Money
    amount: _types_pb2.Money
    description_words: _types_pb2.Words
    def __init__(self, component: _Optional[_Union[PriceComponent, str]] = ..., description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit: _Optional[str] = ..., unit_price: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., amount: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., description_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class Price(_message.Message):
    __slots__ = ("total", "lines")
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    total: _types_pb2.Money
    lines: _containers.RepeatedCompositeFieldContainer[PriceLine]
    def __init__(self, total: _Optional[_Union[_types_pb2.Money, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[PriceLine, _Mapping]]] = ...) -> None: ...

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

class LineSpec(_message.Message):
    __slots__ = ("line_id", "product", "quantity", "options", "summary", "panels", "hardware", "nesting", "routing", "price", "packages", "summary_words")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PANELS_FIELD_NUMBER: _ClassVar[int]
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    NESTING_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_WORDS_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    product: str
    quantity: int
    options: _struct_pb2.Struct
    summary: str
    panels: _containers.RepeatedCompositeFieldContainer[Panel]
    hardware: _containers.RepeatedCompositeFieldContainer[HardwareLine]
    nesting: NestingSummary
    routing: _containers.RepeatedCompositeFieldContainer[RoutingOperation]
    price: Price
    packages: _containers.RepeatedCompositeFieldContainer[Package]
    summary_words: _types_pb2.Words
    def __init__(self, line_id: _Optional[str] = ..., product: _Optional[str] = ..., quantity: _Optional[int] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., summary: _Optional[str] = ..., panels: _Optional[_Iterable[_Union[Panel, _Mapping]]] = ..., hardware: _Optional[_Iterable[_Union[HardwareLine, _Mapping]]] = ..., nesting: _Optional[_Union[NestingSummary, _Mapping]] = ..., routing: _Optional[_Iterable[_Union[RoutingOperation, _Mapping]]] = ..., price: _Optional[_Union[Price, _Mapping]] = ..., packages: _Optional[_Iterable[_Union[Package, _Mapping]]] = ..., summary_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class RejectionReason(_message.Message):
    __slots__ = ("line_id", "parameter", "rule_id", "message", "suggestion", "message_words", "suggestion_words")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_WORDS_FIELD_NUMBER: _ClassVar[int]
    SUGGESTION_WORDS_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    parameter: str
    rule_id: str
    message: str
    suggestion: str
    message_words: _types_pb2.Words
    suggestion_words: _types_pb2.Words
    def __init__(self, line_id: _Optional[str] = ..., parameter: _Optional[str] = ..., rule_id: _Optional[str] = ..., message: _Optional[str] = ..., suggestion: _Optional[str] = ..., message_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ..., suggestion_words: _Optional[_Union[_types_pb2.Words, _Mapping]] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("reasons",)
    REASONS_FIELD_NUMBER: _ClassVar[int]
    reasons: _containers.RepeatedCompositeFieldContainer[RejectionReason]
    def __init__(self, reasons: _Optional[_Iterable[_Union[RejectionReason, _Mapping]]] = ...) -> None: ...

class ConfigureRequest(_message.Message):
    __slots__ = ("product", "catalog_version", "options", "quantity", "include_board_svg")
    PRODUCT_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_BOARD_SVG_FIELD_NUMBER: _ClassVar[int]
    product: str
    catalog_version: int
    options: _struct_pb2.Struct
    quantity: int
    include_board_svg: bool
    def __init__(self, product: _Optional[str] = ..., catalog_version: _Optional[int] = ..., options: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., quantity: _Optional[int] = ..., include_board_svg: _Optional[bool] = ...) -> None: ...

class ConfigureResponse(_message.Message):
    __slots__ = ("catalog_version", "spec", "rejection")
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REJECTION_FIELD_NUMBER: _ClassVar[int]
    catalog_version: int
    spec: LineSpec
    rejection: Rejection
    def __init__(self, catalog_version: _Optional[int] = ..., spec: _Optional[_Union[LineSpec, _Mapping]] = ..., rejection: _Optional[_Union[Rejection, _Mapping]] = ...) -> None: ...

class CutListFile(_message.Message):
    __slots__ = ("material", "thickness_mm", "format", "filename", "media_type", "content")
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    material: str
    thickness_mm: float
    format: CutListFormat
    filename: str
    media_type: str
    content: bytes
    def __init__(self, material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., format: _Optional[_Union[CutListFormat, str]] = ..., filename: _Optional[str] = ..., media_type: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class PanelLabel(_message.Message):
    __slots__ = ("panel_id", "order_id", "line_id", "name", "size", "edges", "barcode")
    PANEL_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    BARCODE_FIELD_NUMBER: _ClassVar[int]
    panel_id: str
    order_id: str
    line_id: str
    name: str
    size: str
    edges: str
    barcode: str
    def __init__(self, panel_id: _Optional[str] = ..., order_id: _Optional[str] = ..., line_id: _Optional[str] = ..., name: _Optional[str] = ..., size: _Optional[str] = ..., edges: _Optional[str] = ..., barcode: _Optional[str] = ...) -> None: ...

class OrderConfiguration(_message.Message):
    __slots__ = ("order_id", "status", "catalog_version", "order_version", "configured_at", "lines", "nesting", "routing", "price", "packages", "rejection_reasons", "cut_lists", "labels", "cancellation_reason", "nesting_method")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    ORDER_VERSION_FIELD_NUMBER: _ClassVar[int]
    CONFIGURED_AT_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    NESTING_FIELD_NUMBER: _ClassVar[int]
    ROUTING_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    PACKAGES_FIELD_NUMBER: _ClassVar[int]
    REJECTION_REASONS_FIELD_NUMBER: _ClassVar[int]
    CUT_LISTS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CANCELLATION_REASON_FIELD_NUMBER: _ClassVar[int]
    NESTING_METHOD_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    status: ConfigurationStatus
    catalog_version: int
    order_version: int
    configured_at: _timestamp_pb2.Timestamp
    lines: _containers.RepeatedCompositeFieldContainer[LineSpec]
    nesting: NestingSummary
    routing: _containers.RepeatedCompositeFieldContainer[RoutingOperation]
    price: Price
    packages: _containers.RepeatedCompositeFieldContainer[Package]
    rejection_reasons: _containers.RepeatedCompositeFieldContainer[RejectionReason]
    cut_lists: _containers.RepeatedCompositeFieldContainer[CutListFile]
    labels: _containers.RepeatedCompositeFieldContainer[PanelLabel]
    cancellation_reason: str
    nesting_method: str
    def __init__(self, order_id: _Optional[str] = ..., status: _Optional[_Union[ConfigurationStatus, str]] = ..., catalog_version: _Optional[int] = ..., order_version: _Optional[int] = ..., configured_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[LineSpec, _Mapping]]] = ..., nesting: _Optional[_Union[NestingSummary, _Mapping]] = ..., routing: _Optional[_Iterable[_Union[RoutingOperation, _Mapping]]] = ..., price: _Optional[_Union[Price, _Mapping]] = ..., packages: _Optional[_Iterable[_Union[Package, _Mapping]]] = ..., rejection_reasons: _Optional[_Iterable[_Union[RejectionReason, _Mapping]]] = ..., cut_lists: _Optional[_Iterable[_Union[CutListFile, _Mapping]]] = ..., labels: _Optional[_Iterable[_Union[PanelLabel, _Mapping]]] = ..., cancellation_reason: _Optional[str] = ..., nesting_method: _Optional[str] = ...) -> None: ...

class GetOrderConfigurationRequest(_message.Message):
    __slots__ = ("order_id", "include_board_svg", "include_cut_lists", "include_labels")
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_BOARD_SVG_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CUT_LISTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_LABELS_FIELD_NUMBER: _ClassVar[int]
    order_id: str
    include_board_svg: bool
    include_cut_lists: bool
    include_labels: bool
    def __init__(self, order_id: _Optional[str] = ..., include_board_svg: _Optional[bool] = ..., include_cut_lists: _Optional[bool] = ..., include_labels: _Optional[bool] = ...) -> None: ...

class GetOrderConfigurationResponse(_message.Message):
    __slots__ = ("configuration",)
    CONFIGURATION_FIELD_NUMBER: _ClassVar[int]
    configuration: OrderConfiguration
    def __init__(self, configuration: _Optional[_Union[OrderConfiguration, _Mapping]] = ...) -> None: ...

class PublishCatalogVersionRequest(_message.Message):
    __slots__ = ("catalog", "expected_latest_version", "note")
    CATALOG_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_LATEST_VERSION_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    catalog: _struct_pb2.Struct
    expected_latest_version: int
    note: str
    def __init__(self, catalog: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., expected_latest_version: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class PublishCatalogVersionResponse(_message.Message):
    __slots__ = ("catalog_version", "published_at", "product_codes")
    CATALOG_VERSION_FIELD_NUMBER: _ClassVar[int]
    PUBLISHED_AT_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODES_FIELD_NUMBER: _ClassVar[int]
    catalog_version: int
    published_at: _timestamp_pb2.Timestamp
    product_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, catalog_version: _Optional[int] = ..., published_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., product_codes: _Optional[_Iterable[str]] = ...) -> None: ...
