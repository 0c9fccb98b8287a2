"""Board stock as a factory program works with it (issue 20): what is on hand, on order and
reserved, offcuts, cutting batches with their diagrams and cut lists, and which batches belong
to this shift. Plain values; protobuf stays behind the SDK."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dovetail.configurator.v1 import stock_service_pb2 as stock_pb
from dovetail_factory.models import Factory

DEFAULT_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class BoardKind:
    """A stocked board: the catalogue's board code (`particleboard-18`), its thickness, a
    decor (a finish code, "" for raw) and the sheet size, length along the grain."""

    material: str
    thickness_mm: float
    decor: str
    length_mm: int
    width_mm: int

    @classmethod
    def parse_size(cls, material: str, thickness_mm: float, decor: str, size: str) -> BoardKind:
        """A kind from a size as people write it: `2800x2070` (× works too)."""
        length, _x, width = size.strip().lower().replace("×", "x").partition("x")
        if not (length.strip().isdigit() and width.strip().isdigit()):
            raise ValueError(f"{size!r} is not a sheet size such as 2800x2070")
        return cls(material.strip(), thickness_mm, decor.strip(), int(length), int(width))

    @classmethod
    def from_pb(cls, k: stock_pb.BoardKind) -> BoardKind:
        return cls(k.material, k.thickness_mm, k.decor, k.length_mm, k.width_mm)

    def to_pb(self) -> stock_pb.BoardKind:
        return stock_pb.BoardKind(
            material=self.material,
            thickness_mm=self.thickness_mm,
            decor=self.decor,
            length_mm=self.length_mm,
            width_mm=self.width_mm,
        )

    def __str__(self) -> str:
        decor = f" {self.decor}" if self.decor else ""
        return f"{self.material}{decor} {self.length_mm}×{self.width_mm}"


@dataclass(frozen=True)
class StockLine:
    kind: BoardKind
    on_hand: int
    reserved: int
    available: int
    on_order: int
    next_expected: str  # YYYY-MM-DD or ""
    last_counted_at: str  # RFC 3339 or ""


@dataclass(frozen=True)
class Batch:
    """A cutting batch as the stock keeps it; `holding` while its sheets are reserved."""

    batch: str
    order_ids: tuple[str, ...]
    new_boards: int
    offcuts_used: int
    offcuts_kept: int
    yield_percent: float
    nested_at: datetime | None
    holding: bool

    @classmethod
    def from_pb(cls, b: stock_pb.BatchSummary) -> Batch:
        at = datetime.fromisoformat(b.nested_at) if b.nested_at else None
        return cls(
            b.batch,
            tuple(b.order_ids),
            b.new_boards,
            b.offcuts_used,
            b.offcuts_kept,
            b.yield_percent,
            at,
            b.holding,
        )


@dataclass(frozen=True)
class Shortage:
    """Boards the planned batches need beyond on hand: sheets short, the day first needed,
    the day boards on order cover it ("" none), sheets still to buy, whether a batch waits."""

    kind: BoardKind
    short: int
    needed_by: str
    covered_on: str
    to_order: int
    waits: bool


@dataclass(frozen=True)
class Offcut:
    offcut_id: str
    material: str
    thickness_mm: float
    decor: str
    length_mm: float
    width_mm: float
    batch: str


@dataclass(frozen=True)
class Stock:
    factory_id: str
    lines: list[StockLine]
    offcuts: list[Offcut]
    batches: list[Batch]
    shortages: list[Shortage]
    version: int

    @classmethod
    def from_pb(cls, s: stock_pb.FactoryStock) -> Stock:
        return cls(
            s.factory_id,
            [
                StockLine(
                    BoardKind.from_pb(li.kind),
                    li.on_hand,
                    li.reserved,
                    li.available,
                    li.on_order,
                    li.next_expected_date,
                    li.last_counted_at,
                )
                for li in s.lines
            ],
            [
                Offcut(
                    o.offcut_id,
                    o.material,
                    o.thickness_mm,
                    o.decor,
                    o.length_mm,
                    o.width_mm,
                    o.batch,
                )
                for o in s.offcuts
            ],
            [Batch.from_pb(b) for b in s.batches],
            [
                Shortage(
                    BoardKind.from_pb(x.kind),
                    x.short,
                    x.needed_by,
                    x.covered_on,
                    x.to_order,
                    x.waits,
                )
                for x in s.shortages
            ],
            s.version,
        )


@dataclass(frozen=True)
class BatchBoard:
    number: int
    material: str
    length_mm: int
    width_mm: int
    from_offcut: str
    yield_percent: float
    parts: int
    offcuts_kept: tuple[str, ...]
    svg: str


@dataclass(frozen=True)
class BatchPart:
    board: int
    label: str
    order_id: str
    panel: str
    length_mm: float
    width_mm: float
    material: str
    edges: str


@dataclass(frozen=True)
class BatchDetail:
    """A batch as it was nested: its boards (with their cutting diagrams as SVG), every part
    with its order, and the cut list as CSV."""

    batch: Batch | None
    boards: list[BatchBoard]
    parts: list[BatchPart]
    cut_list_csv: str

    @classmethod
    def from_pb(cls, r: stock_pb.GetBatchResponse) -> BatchDetail:
        return cls(
            Batch.from_pb(r.summary) if r.HasField("summary") else None,
            [
                BatchBoard(
                    b.number,
                    b.material,
                    b.length_mm,
                    b.width_mm,
                    b.from_offcut_id,
                    b.yield_percent,
                    b.parts,
                    tuple(b.offcuts_kept),
                    b.svg,
                )
                for b in r.boards
            ],
            [
                BatchPart(
                    p.board,
                    p.label,
                    p.order_id,
                    p.panel,
                    p.length_mm,
                    p.width_mm,
                    p.material,
                    p.edges,
                )
                for p in r.parts
            ],
            r.cut_list_csv,
        )


@dataclass(frozen=True)
class ShiftWindow:
    start: datetime
    end: datetime


def current_shift(factory: Factory, now: datetime) -> ShiftWindow:
    """The factory's shift running at `now`, else the next within a week; its local day when
    it has no calendar (as the workspace counts it)."""
    try:
        zone = ZoneInfo(factory.timezone or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_ZONE)
    local = now.astimezone(zone)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    windows = []
    for offset in range(-1, 8):  # yesterday's night shift may still run
        day = (local + timedelta(days=offset)).date()
        midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
        for s in factory.shifts:
            if s.weekday == day.isoweekday():
                end = midnight + timedelta(minutes=max(s.end_minute, s.start_minute + 1))
                if end > local:
                    windows.append(ShiftWindow(midnight + timedelta(minutes=s.start_minute), end))
    running = [w for w in windows if w.start <= local]
    if running or windows:
        return min(running or windows, key=lambda w: w.start)
    return ShiftWindow(day_start, day_start + timedelta(days=1))


def in_shift(batch: Batch, shift: ShiftWindow) -> bool:
    """A batch is the shift's when it was nested for it: during it, or named after its local
    start (`2026-12-06-0800`, as the workspace names a shift's batch)."""
    if batch.batch.startswith(shift.start.strftime("%Y-%m-%d-%H%M")):
        return True
    return batch.nested_at is not None and shift.start <= batch.nested_at < shift.end
