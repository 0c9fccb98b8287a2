"""Board stock shapes (issue 20): a factory's boards on hand, on order and reserved, offcuts;
receipts, counts and purchases as a factory or planner enters them."""

from __future__ import annotations

from typing import Annotated

import msgspec

Material = Annotated[str, msgspec.Meta(min_length=1, max_length=64, description=(
    "a board code of the catalogue, e.g. particleboard-18"))]
Thickness = Annotated[float, msgspec.Meta(gt=0, le=100, description="the board's thickness, mm")]
Decor = Annotated[str, msgspec.Meta(max_length=64, description=(
    "a finish code of the catalogue (melamine-white), or empty for a raw board"))]
SheetMm = Annotated[int, msgspec.Meta(ge=1, le=6000)]
Sheets = Annotated[int, msgspec.Meta(ge=0, le=100_000, description="sheets")]
Note = Annotated[str, msgspec.Meta(max_length=300)]
Ref = Annotated[str, msgspec.Meta(max_length=80, description=(
    "the factory's purchase reference: letters, digits and . _ : / -"))]


class BoardKindBody(msgspec.Struct, forbid_unknown_fields=True):
    material: Material
    thickness_mm: Thickness
    length_mm: SheetMm
    width_mm: SheetMm
    decor: Decor = ""


class ReceiptBody(BoardKindBody, forbid_unknown_fields=True):
    quantity: Sheets = 0
    purchase_ref: Ref = ""
    note: Note = ""
    key: Annotated[str, msgspec.Meta(max_length=100, description=(
        "optional: the same key again records the receipt once (a retry)"))] = ""


class CountBody(BoardKindBody, forbid_unknown_fields=True):
    counted: Sheets = 0
    note: Note = ""


class PurchaseBody(BoardKindBody, forbid_unknown_fields=True):
    ref: Ref = ""
    quantity: Sheets = 0
    expected_date: Annotated[str, msgspec.Meta(max_length=10, description="YYYY-MM-DD")] = ""


class BoardKindRead(msgspec.Struct):
    material: str
    thickness_mm: float
    decor: str
    length_mm: int
    width_mm: int


class StockLineRead(msgspec.Struct):
    kind: BoardKindRead
    on_hand: int
    reserved: int
    available: int
    short: int
    on_order: int
    next_expected_date: str | None
    last_counted_at: str | None


class PurchaseRead(msgspec.Struct):
    ref: str
    kind: BoardKindRead
    quantity: int
    received: int
    expected_date: str


class OffcutRead(msgspec.Struct):
    offcut_id: str
    material: str
    thickness_mm: float
    decor: str
    length_mm: float
    width_mm: float
    batch: str
    source: str


class BatchSummaryRead(msgspec.Struct):
    batch: str
    order_ids: list[str]
    new_boards: int
    offcuts_used: int
    offcuts_kept: int
    yield_percent: float
    nested_at: str
    holding: bool  # its sheets are still reserved (not yet cut or released)


class ShortageRead(msgspec.Struct):
    """Sheets the holding batches need beyond on hand (the purchase proposal)."""

    kind: BoardKindRead
    short: int
    needed_by: str | None  # the day of the first batch that goes short
    covered_on: str | None  # the expected day of the purchase that covers it
    to_order: int  # sheets to buy beyond what is on order
    waits: bool  # that batch waits for boards
    explanation: str


class StockRead(msgspec.Struct):
    factory_id: str
    lines: list[StockLineRead]
    purchases: list[PurchaseRead]
    offcuts: list[OffcutRead]
    batches: list[BatchSummaryRead]
    shortages: list[ShortageRead]
    version: int


BatchId = Annotated[str, msgspec.Meta(min_length=1, max_length=80, description=(
    "the batch's id at the factory, e.g. 2026-12-06-0800: letters, digits and . _ : / -"))]


class BatchBody(msgspec.Struct, forbid_unknown_fields=True):
    batch: BatchId
    order_ids: Annotated[list[Annotated[str, msgspec.Meta(max_length=64)]],
                         msgspec.Meta(min_length=1, max_length=200)]
    include_svg: bool = False


class BatchBoardRead(msgspec.Struct):
    material: str
    thickness_mm: float
    length_mm: int
    width_mm: int
    from_offcut_id: str | None
    yield_percent: float
    parts: int
    svg: str | None


class BatchPartRead(msgspec.Struct):
    """One part of a batch, in saw order: the board it comes off, its label (beginning with
    its order's reference), its order."""

    board: int
    label: str
    order_id: str
    panel: str
    length_mm: float
    width_mm: float
    material: str
    edges: str
    rotated: bool


class BatchSheetsRead(msgspec.Struct):
    """A nested batch as it was nested, and the addresses of its papers."""

    summary: BatchSummaryRead
    boards: list[BatchBoardRead]
    parts: list[BatchPartRead]
    diagrams: list[str]  # one SVG per board, in board order
    cut_list_csv: str
    cut_list_pdf: str
    labels_pdf: str
    diagrams_pdf: str  # every board's diagram, a page each


class BatchShareRead(msgspec.Struct):
    order_ref: str
    panel_m2: float
    boards: float


class BatchRead(msgspec.Struct):
    summary: BatchSummaryRead
    boards: list[BatchBoardRead]
    shares: list[BatchShareRead]
    offcuts_kept: list[OffcutRead]
    stock: StockRead


class CountRead(msgspec.Struct):
    difference: int
    stock: StockRead
