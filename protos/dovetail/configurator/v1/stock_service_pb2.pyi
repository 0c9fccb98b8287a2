from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BoardKind(_message.Message):
    __slots__ = ("material", "thickness_mm", "decor", "length_mm", "width_mm")
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    DECOR_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    material: str
    thickness_mm: float
    decor: str
    length_mm: int
    width_mm: int
    def __init__(self, material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., decor: _Optional[str] = ..., length_mm: _Optional[int] = ..., width_mm: _Optional[int] = ...) -> None: ...

class StockLine(_message.Message):
    __slots__ = ("kind", "on_hand", "reserved", "on_order", "available", "short", "next_expected_date", "last_counted_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ON_HAND_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    ON_ORDER_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    SHORT_FIELD_NUMBER: _ClassVar[int]
    NEXT_EXPECTED_DATE_FIELD_NUMBER: _ClassVar[int]
    LAST_COUNTED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: BoardKind
    on_hand: int
    reserved: int
    on_order: int
    available: int
    short: int
    next_expected_date: str
    last_counted_at: str
    def __init__(self, kind: _Optional[_Union[BoardKind, _Mapping]] = ..., on_hand: _Optional[int] = ..., reserved: _Optional[int] = ..., on_order: _Optional[int] = ..., available: _Optional[int] = ..., short: _Optional[int] = ..., next_expected_date: _Optional[str] = ..., last_counted_at: _Optional[str] = ...) -> None: ...

class Purchase(_message.Message):
    __slots__ = ("ref", "kind", "quantity", "received", "expected_date")
    REF_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DATE_FIELD_NUMBER: _ClassVar[int]
    ref: str
    kind: BoardKind
    quantity: int
    received: int
    expected_date: str
    def __init__(self, ref: _Optional[str] = ..., kind: _Optional[_Union[BoardKind, _Mapping]] = ..., quantity: _Optional[int] = ..., received: _Optional[int] = ..., expected_date: _Optional[str] = ...) -> None: ...

class Offcut(_message.Message):
    __slots__ = ("offcut_id", "material", "thickness_mm", "decor", "length_mm", "width_mm", "batch", "source")
    OFFCUT_ID_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    DECOR_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    offcut_id: str
    material: str
    thickness_mm: float
    decor: str
    length_mm: float
    width_mm: float
    batch: str
    source: str
    def __init__(self, offcut_id: _Optional[str] = ..., material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., decor: _Optional[str] = ..., length_mm: _Optional[float] = ..., width_mm: _Optional[float] = ..., batch: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class FactoryStock(_message.Message):
    __slots__ = ("factory_id", "lines", "purchases", "offcuts", "version", "batches", "shortages", "time_zone")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    PURCHASES_FIELD_NUMBER: _ClassVar[int]
    OFFCUTS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    SHORTAGES_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    lines: _containers.RepeatedCompositeFieldContainer[StockLine]
    purchases: _containers.RepeatedCompositeFieldContainer[Purchase]
    offcuts: _containers.RepeatedCompositeFieldContainer[Offcut]
    version: int
    batches: _containers.RepeatedCompositeFieldContainer[BatchSummary]
    shortages: _containers.RepeatedCompositeFieldContainer[Shortage]
    time_zone: str
    def __init__(self, factory_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[StockLine, _Mapping]]] = ..., purchases: _Optional[_Iterable[_Union[Purchase, _Mapping]]] = ..., offcuts: _Optional[_Iterable[_Union[Offcut, _Mapping]]] = ..., version: _Optional[int] = ..., batches: _Optional[_Iterable[_Union[BatchSummary, _Mapping]]] = ..., shortages: _Optional[_Iterable[_Union[Shortage, _Mapping]]] = ..., time_zone: _Optional[str] = ...) -> None: ...

class Shortage(_message.Message):
    __slots__ = ("kind", "short", "needed_by", "covered_on", "to_order", "waits", "needed_at")
    KIND_FIELD_NUMBER: _ClassVar[int]
    SHORT_FIELD_NUMBER: _ClassVar[int]
    NEEDED_BY_FIELD_NUMBER: _ClassVar[int]
    COVERED_ON_FIELD_NUMBER: _ClassVar[int]
    TO_ORDER_FIELD_NUMBER: _ClassVar[int]
    WAITS_FIELD_NUMBER: _ClassVar[int]
    NEEDED_AT_FIELD_NUMBER: _ClassVar[int]
    kind: BoardKind
    short: int
    needed_by: str
    covered_on: str
    to_order: int
    waits: bool
    needed_at: str
    def __init__(self, kind: _Optional[_Union[BoardKind, _Mapping]] = ..., short: _Optional[int] = ..., needed_by: _Optional[str] = ..., covered_on: _Optional[str] = ..., to_order: _Optional[int] = ..., waits: _Optional[bool] = ..., needed_at: _Optional[str] = ...) -> None: ...

class BatchSummary(_message.Message):
    __slots__ = ("batch", "order_ids", "new_boards", "offcuts_used", "offcuts_kept", "yield_percent", "nested_at", "holding")
    BATCH_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    NEW_BOARDS_FIELD_NUMBER: _ClassVar[int]
    OFFCUTS_USED_FIELD_NUMBER: _ClassVar[int]
    OFFCUTS_KEPT_FIELD_NUMBER: _ClassVar[int]
    YIELD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    NESTED_AT_FIELD_NUMBER: _ClassVar[int]
    HOLDING_FIELD_NUMBER: _ClassVar[int]
    batch: str
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    new_boards: int
    offcuts_used: int
    offcuts_kept: int
    yield_percent: float
    nested_at: str
    holding: bool
    def __init__(self, batch: _Optional[str] = ..., order_ids: _Optional[_Iterable[str]] = ..., new_boards: _Optional[int] = ..., offcuts_used: _Optional[int] = ..., offcuts_kept: _Optional[int] = ..., yield_percent: _Optional[float] = ..., nested_at: _Optional[str] = ..., holding: _Optional[bool] = ...) -> None: ...

class BatchBoard(_message.Message):
    __slots__ = ("material", "thickness_mm", "length_mm", "width_mm", "from_offcut_id", "yield_percent", "parts", "svg", "number", "offcuts_kept", "offcut_places")
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    FROM_OFFCUT_ID_FIELD_NUMBER: _ClassVar[int]
    YIELD_PERCENT_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    SVG_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    OFFCUTS_KEPT_FIELD_NUMBER: _ClassVar[int]
    OFFCUT_PLACES_FIELD_NUMBER: _ClassVar[int]
    material: str
    thickness_mm: float
    length_mm: int
    width_mm: int
    from_offcut_id: str
    yield_percent: float
    parts: int
    svg: str
    number: int
    offcuts_kept: _containers.RepeatedScalarFieldContainer[str]
    offcut_places: _containers.RepeatedCompositeFieldContainer[OffcutPlace]
    def __init__(self, material: _Optional[str] = ..., thickness_mm: _Optional[float] = ..., length_mm: _Optional[int] = ..., width_mm: _Optional[int] = ..., from_offcut_id: _Optional[str] = ..., yield_percent: _Optional[float] = ..., parts: _Optional[int] = ..., svg: _Optional[str] = ..., number: _Optional[int] = ..., offcuts_kept: _Optional[_Iterable[str]] = ..., offcut_places: _Optional[_Iterable[_Union[OffcutPlace, _Mapping]]] = ...) -> None: ...

class OffcutPlace(_message.Message):
    __slots__ = ("offcut_id", "x_mm", "y_mm", "length_mm", "width_mm")
    OFFCUT_ID_FIELD_NUMBER: _ClassVar[int]
    X_MM_FIELD_NUMBER: _ClassVar[int]
    Y_MM_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    offcut_id: str
    x_mm: float
    y_mm: float
    length_mm: float
    width_mm: float
    def __init__(self, offcut_id: _Optional[str] = ..., x_mm: _Optional[float] = ..., y_mm: _Optional[float] = ..., length_mm: _Optional[float] = ..., width_mm: _Optional[float] = ...) -> None: ...

class BatchPart(_message.Message):
    __slots__ = ("board", "label", "order_id", "order_ref", "panel", "length_mm", "width_mm", "thickness_mm", "material", "grain", "edges", "x_mm", "y_mm", "rotated", "along_mm", "across_mm")
    BOARD_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ORDER_REF_FIELD_NUMBER: _ClassVar[int]
    PANEL_FIELD_NUMBER: _ClassVar[int]
    LENGTH_MM_FIELD_NUMBER: _ClassVar[int]
    WIDTH_MM_FIELD_NUMBER: _ClassVar[int]
    THICKNESS_MM_FIELD_NUMBER: _ClassVar[int]
    MATERIAL_FIELD_NUMBER: _ClassVar[int]
    GRAIN_FIELD_NUMBER: _ClassVar[int]
    EDGES_FIELD_NUMBER: _ClassVar[int]
    X_MM_FIELD_NUMBER: _ClassVar[int]
    Y_MM_FIELD_NUMBER: _ClassVar[int]
    ROTATED_FIELD_NUMBER: _ClassVar[int]
    ALONG_MM_FIELD_NUMBER: _ClassVar[int]
    ACROSS_MM_FIELD_NUMBER: _ClassVar[int]
    board: int
    label: str
    order_id: str
    order_ref: str
    panel: str
    length_mm: float
    width_mm: float
    thickness_mm: float
    material: str
    grain: str
    edges: str
    x_mm: float
    y_mm: float
    rotated: bool
    along_mm: float
    across_mm: float
    def __init__(self, board: _Optional[int] = ..., label: _Optional[str] = ..., order_id: _Optional[str] = ..., order_ref: _Optional[str] = ..., panel: _Optional[str] = ..., length_mm: _Optional[float] = ..., width_mm: _Optional[float] = ..., thickness_mm: _Optional[float] = ..., material: _Optional[str] = ..., grain: _Optional[str] = ..., edges: _Optional[str] = ..., x_mm: _Optional[float] = ..., y_mm: _Optional[float] = ..., rotated: _Optional[bool] = ..., along_mm: _Optional[float] = ..., across_mm: _Optional[float] = ...) -> None: ...

class BatchShare(_message.Message):
    __slots__ = ("order_ref", "panel_m2", "boards")
    ORDER_REF_FIELD_NUMBER: _ClassVar[int]
    PANEL_M2_FIELD_NUMBER: _ClassVar[int]
    BOARDS_FIELD_NUMBER: _ClassVar[int]
    order_ref: str
    panel_m2: float
    boards: float
    def __init__(self, order_ref: _Optional[str] = ..., panel_m2: _Optional[float] = ..., boards: _Optional[float] = ...) -> None: ...

class GetStockRequest(_message.Message):
    __slots__ = ("factory_id",)
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    def __init__(self, factory_id: _Optional[str] = ...) -> None: ...

class GetStockResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ...) -> None: ...

class ReceiveBoardsRequest(_message.Message):
    __slots__ = ("factory_id", "kind", "quantity", "purchase_ref", "note", "key")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_REF_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    kind: BoardKind
    quantity: int
    purchase_ref: str
    note: str
    key: str
    def __init__(self, factory_id: _Optional[str] = ..., kind: _Optional[_Union[BoardKind, _Mapping]] = ..., quantity: _Optional[int] = ..., purchase_ref: _Optional[str] = ..., note: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class ReceiveBoardsResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ...) -> None: ...

class CountBoardsRequest(_message.Message):
    __slots__ = ("factory_id", "kind", "counted", "note")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    COUNTED_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    kind: BoardKind
    counted: int
    note: str
    def __init__(self, factory_id: _Optional[str] = ..., kind: _Optional[_Union[BoardKind, _Mapping]] = ..., counted: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class CountBoardsResponse(_message.Message):
    __slots__ = ("stock", "difference")
    STOCK_FIELD_NUMBER: _ClassVar[int]
    DIFFERENCE_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    difference: int
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ..., difference: _Optional[int] = ...) -> None: ...

class OrderBoardsRequest(_message.Message):
    __slots__ = ("factory_id", "ref", "kind", "quantity", "expected_date")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_DATE_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    ref: str
    kind: BoardKind
    quantity: int
    expected_date: str
    def __init__(self, factory_id: _Optional[str] = ..., ref: _Optional[str] = ..., kind: _Optional[_Union[BoardKind, _Mapping]] = ..., quantity: _Optional[int] = ..., expected_date: _Optional[str] = ...) -> None: ...

class OrderBoardsResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ...) -> None: ...

class RecordOffcutRequest(_message.Message):
    __slots__ = ("factory_id", "offcut")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    OFFCUT_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    offcut: Offcut
    def __init__(self, factory_id: _Optional[str] = ..., offcut: _Optional[_Union[Offcut, _Mapping]] = ...) -> None: ...

class RecordOffcutResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ...) -> None: ...

class NestBatchRequest(_message.Message):
    __slots__ = ("factory_id", "batch", "order_ids", "include_svg")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SVG_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    batch: str
    order_ids: _containers.RepeatedScalarFieldContainer[str]
    include_svg: bool
    def __init__(self, factory_id: _Optional[str] = ..., batch: _Optional[str] = ..., order_ids: _Optional[_Iterable[str]] = ..., include_svg: _Optional[bool] = ...) -> None: ...

class NestBatchResponse(_message.Message):
    __slots__ = ("stock", "summary", "boards", "shares", "offcuts_kept")
    STOCK_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    BOARDS_FIELD_NUMBER: _ClassVar[int]
    SHARES_FIELD_NUMBER: _ClassVar[int]
    OFFCUTS_KEPT_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    summary: BatchSummary
    boards: _containers.RepeatedCompositeFieldContainer[BatchBoard]
    shares: _containers.RepeatedCompositeFieldContainer[BatchShare]
    offcuts_kept: _containers.RepeatedCompositeFieldContainer[Offcut]
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ..., summary: _Optional[_Union[BatchSummary, _Mapping]] = ..., boards: _Optional[_Iterable[_Union[BatchBoard, _Mapping]]] = ..., shares: _Optional[_Iterable[_Union[BatchShare, _Mapping]]] = ..., offcuts_kept: _Optional[_Iterable[_Union[Offcut, _Mapping]]] = ...) -> None: ...

class ConsumeBatchRequest(_message.Message):
    __slots__ = ("factory_id", "batch")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    batch: str
    def __init__(self, factory_id: _Optional[str] = ..., batch: _Optional[str] = ...) -> None: ...

class ConsumeBatchResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ...) -> None: ...

class ReleaseBatchRequest(_message.Message):
    __slots__ = ("factory_id", "batch")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    batch: str
    def __init__(self, factory_id: _Optional[str] = ..., batch: _Optional[str] = ...) -> None: ...

class ReleaseBatchResponse(_message.Message):
    __slots__ = ("stock",)
    STOCK_FIELD_NUMBER: _ClassVar[int]
    stock: FactoryStock
    def __init__(self, stock: _Optional[_Union[FactoryStock, _Mapping]] = ...) -> None: ...

class GetBatchRequest(_message.Message):
    __slots__ = ("factory_id", "batch", "include_svg")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    BATCH_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SVG_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    batch: str
    include_svg: bool
    def __init__(self, factory_id: _Optional[str] = ..., batch: _Optional[str] = ..., include_svg: _Optional[bool] = ...) -> None: ...

class GetBatchResponse(_message.Message):
    __slots__ = ("summary", "boards", "parts", "cut_list_csv")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    BOARDS_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    CUT_LIST_CSV_FIELD_NUMBER: _ClassVar[int]
    summary: BatchSummary
    boards: _containers.RepeatedCompositeFieldContainer[BatchBoard]
    parts: _containers.RepeatedCompositeFieldContainer[BatchPart]
    cut_list_csv: str
    def __init__(self, summary: _Optional[_Union[BatchSummary, _Mapping]] = ..., boards: _Optional[_Iterable[_Union[BatchBoard, _Mapping]]] = ..., parts: _Optional[_Iterable[_Union[BatchPart, _Mapping]]] = ..., cut_list_csv: _Optional[str] = ...) -> None: ...

class ListPurchaseProposalsRequest(_message.Message):
    __slots__ = ("factory_ids",)
    FACTORY_IDS_FIELD_NUMBER: _ClassVar[int]
    factory_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, factory_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PurchaseProposal(_message.Message):
    __slots__ = ("factory_id", "shortage", "waiting_order_ids", "batches")
    FACTORY_ID_FIELD_NUMBER: _ClassVar[int]
    SHORTAGE_FIELD_NUMBER: _ClassVar[int]
    WAITING_ORDER_IDS_FIELD_NUMBER: _ClassVar[int]
    BATCHES_FIELD_NUMBER: _ClassVar[int]
    factory_id: str
    shortage: Shortage
    waiting_order_ids: _containers.RepeatedScalarFieldContainer[str]
    batches: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, factory_id: _Optional[str] = ..., shortage: _Optional[_Union[Shortage, _Mapping]] = ..., waiting_order_ids: _Optional[_Iterable[str]] = ..., batches: _Optional[_Iterable[str]] = ...) -> None: ...

class ListPurchaseProposalsResponse(_message.Message):
    __slots__ = ("proposals",)
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    proposals: _containers.RepeatedCompositeFieldContainer[PurchaseProposal]
    def __init__(self, proposals: _Optional[_Iterable[_Union[PurchaseProposal, _Mapping]]] = ...) -> None: ...
