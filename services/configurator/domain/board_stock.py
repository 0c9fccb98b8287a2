"""Board stock per factory (issue 20, items 1 and 3): one event-sourced `FactoryStock` per
factory. Boards are counted per kind (material, thickness, decor, sheet size): on hand, on order
with an expected date, reserved by planned cutting batches; offcuts are single pieces, each
recorded with the batch it came from, until a later batch uses it.

Pure: no I/O. Receipts and counts are what the factory enters; reservations, consumption and
offcuts are what planned batches do to stock. A reservation may exceed what is on hand: the
difference is a shortage (a batch waiting for boards), not a refusal.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventsourcing.domain import Aggregate, event

from services.configurator.domain.board_waits import sheet_days, waits_of
from services.kit.errors import DomainError, FieldViolation, InvalidArgument, Violations
from services.kit.words import N_, Words

STOCK_NAMESPACE = uuid.UUID("6f1c2a9e-3b7d-4d52-8e0a-91c4f7b25d13")
MAX_QUANTITY = 100_000  # sheets in one receipt, count or purchase
MAX_SHEET_MM = 6_000
MAX_NOTE = 300
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$")
# A batch's name is a segment of its papers' URLs (.../batches/<batch>/cut-list.pdf): no "/".
BATCH = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,79}$")
# The zone of a factory iot has not told us of: the chain's home. A factory's days - a
# purchase's expected day, the day a batch needs its boards - are days on its clock.
DEFAULT_ZONE = "Asia/Shanghai"


def factory_stock_id(factory_id: str) -> uuid.UUID:
    return uuid.uuid5(STOCK_NAMESPACE, f"factory-stock:{factory_id}")


@dataclass(frozen=True)
class BoardKind:
    """What a factory stocks: a catalogue board (material) of one thickness, a decor (a
    finish code, "" for a raw board), in one sheet size."""

    material: str
    thickness_mm: float
    decor: str
    length_mm: int
    width_mm: int

    @property
    def key(self) -> str:
        thickness = f"{self.thickness_mm:g}"
        return f"{self.material}/{thickness}/{self.decor or '-'}/{self.length_mm}x{self.width_mm}"


@dataclass(frozen=True)
class CatalogueBoards:
    """What the catalogue says a stocked board may be: thickness of each board code, the
    finish codes."""

    thickness_of: dict[str, float]
    finishes: frozenset[str]


def check_kind(v: Violations, kind: BoardKind, boards: CatalogueBoards,
               prefix: str = "", whole_sheet: bool = True) -> None:
    """Every bad field of a board kind, named (`prefix` before each field). A whole sheet's
    length is its longer side (the grain runs along it); an offcut's need not be."""
    thickness = boards.thickness_of.get(kind.material)
    if v.check(thickness is not None, f"{prefix}material",
               N_("'%(material)s' is not a board of the catalogue"), material=kind.material):
        v.check(kind.thickness_mm == thickness, f"{prefix}thickness_mm",
                N_("%(material)s is %(thickness)s mm thick, not %(thickness_mm)s"),
                material=kind.material, thickness=format(thickness, "g"),
                thickness_mm=format(kind.thickness_mm, "g"))
    v.check(not kind.decor or kind.decor in boards.finishes, f"{prefix}decor",
            N_("'%(decor)s' is not a finish of the catalogue ('' for a raw board)"),
            decor=kind.decor)
    for name, size in (("length_mm", kind.length_mm), ("width_mm", kind.width_mm)):
        v.check(0 < size <= MAX_SHEET_MM, f"{prefix}{name}", N_("must be 1 to %(n)s mm"),
                n=MAX_SHEET_MM)
    v.check(not whole_sheet or kind.width_mm <= kind.length_mm, f"{prefix}width_mm",
            N_("must not be more than length_mm (the length runs along the grain)"))


def check_quantity(v: Violations, quantity: int, field: str = "quantity",
                   allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    v.check(low <= quantity <= MAX_QUANTITY, field,
            N_("must be %(low)s to %(n)s sheets"),
            low=low, n=MAX_QUANTITY)


def check_ref(v: Violations, ref: str, field: str) -> None:
    v.check(bool(REF.match(ref)), field,
            N_("must be 1-80 letters, digits or . _ : / - (starting with a letter or digit)"))


def check_batch_name(v: Violations, batch: str) -> None:
    """A new batch's name: like a reference, without "/" (it is a segment of URLs)."""
    v.check(bool(BATCH.match(batch)), "batch",
            N_("must be 1-80 letters, digits or . _ : - (starting with a letter or digit)"))


def check_note(v: Violations, note: str) -> None:
    v.check(len(note) <= MAX_NOTE, "note", N_("must be at most %(n)s characters"),
            n=MAX_NOTE)


@dataclass(frozen=True)
class Purchase:
    """Boards on order: what, how many, when the supplier says they arrive."""

    ref: str
    kind: BoardKind
    quantity: int
    expected_date: str  # ISO date, the factory's local day
    received: int = 0

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.received, 0)


@dataclass(frozen=True)
class Reserved:
    """Sheets of one kind a planned batch will cut."""

    kind: BoardKind
    quantity: int


@dataclass(frozen=True)
class StockOffcut:
    """A remnant kept from a batch: one piece, until a later batch uses it."""

    offcut_id: str
    material: str
    thickness_mm: float
    decor: str
    length_mm: float
    width_mm: float
    batch: str  # the batch it was cut in
    source: str  # the board of that batch it was cut from
    used_by: str = ""  # the batch that used it


@dataclass(frozen=True)
class StockLine:
    """One board kind at one factory, as people read it."""

    kind: BoardKind
    on_hand: int
    reserved: int
    on_order: int
    next_expected: str  # the earliest expected date of an outstanding purchase, or ""

    @property
    def available(self) -> int:
        """On hand and not reserved; negative when reservations are short."""
        return self.on_hand - self.reserved

    @property
    def short(self) -> int:
        return max(self.reserved - self.on_hand, 0)


STORED_VALUES = {BoardKind: "board_kind", Purchase: "board_purchase", Reserved: "board_reserved",
                 StockOffcut: "stock_offcut"}


class StockError(DomainError):
    """Base of board stock's named errors."""


class PurchaseUnknown(StockError):
    pass


class OffcutUnknown(StockError):
    pass


class OffcutAlreadyUsed(StockError):
    pass


class BatchAlreadyReserved(StockError):
    pass


class BatchNotReserved(StockError):
    pass


class NoSheetFits(StockError):
    """A batch's parts fit no sheet the factory has or the catalogue sells (or none is of
    their material)."""


class OrderNotReadyToCut(StockError):
    """The order is not configured (not yet, or rejected): it has no parts to nest."""


class StockBusy(StockError):
    """Others kept changing the factory's board stock while we tried; try again."""


class FactoryStock(Aggregate):
    """The boards of one factory."""

    zone = DEFAULT_ZONE  # its time zone (a class default: stocks opened before zones were learnt)

    @staticmethod
    def create_id(factory_id: str) -> uuid.UUID:
        return factory_stock_id(factory_id)

    @event("Opened")
    def __init__(self, factory_id: str) -> None:
        self.factory_id = factory_id
        self.kinds: dict[str, BoardKind] = {}
        self.on_hand: dict[str, int] = {}
        self.purchases: dict[str, Purchase] = {}
        self.reservations: dict[str, tuple[Reserved, ...]] = {}
        self.offcuts: dict[str, StockOffcut] = {}
        self.last_counted: dict[str, str] = {}  # kind key → ISO time of its last count
        self.receipt_keys: set[str] = set()  # receipts' idempotency keys
        self.batches: dict[str, BatchSummary] = {}  # cutting batches nested against stock

    # --- what the factory enters --------------------------------------------------------

    def receive(self, kind: BoardKind, quantity: int, purchase_ref: str, by: str,
                note: str, key: str = "") -> None:
        """Sheets arrived; against a purchase when `purchase_ref` names one. A `key` seen
        before (a double tap, a retry) changes nothing."""
        if key and key in self.receipt_keys:
            return
        if purchase_ref and purchase_ref not in self.purchases:
            raise PurchaseUnknown(Words.of(N_("no purchase %(purchase_ref)s at factory "
                                              "%(factory_id)s"),
                purchase_ref=repr(purchase_ref), factory_id=self.factory_id))
        if purchase_ref and self.purchases[purchase_ref].kind != kind:
            raise InvalidArgument(FieldViolation.of(
                "purchase_ref", N_("%(purchase_ref)s is for %(ordered)s, not %(kind)s"),
                purchase_ref=purchase_ref, ordered=self.purchases[purchase_ref].kind.key,
                kind=kind.key))
        self._received(kind, quantity, purchase_ref, by, note, key)

    @event("BoardsReceived")
    def _received(self, kind: BoardKind, quantity: int, purchase_ref: str, by: str,
                  note: str, key: str = "") -> None:
        self._know(kind)
        if key:
            self.receipt_keys.add(key)
        self.on_hand[kind.key] = self.on_hand.get(kind.key, 0) + quantity
        if purchase_ref:
            bought = self.purchases[purchase_ref]
            self.purchases[purchase_ref] = Purchase(bought.ref, bought.kind, bought.quantity,
                                                    bought.expected_date,
                                                    bought.received + quantity)

    def count(self, kind: BoardKind, counted: int, by: str, note: str, at: str) -> int:
        """A stocktake at `at` (ISO time): the sheets counted replace what stock thought; the
        difference back."""
        difference = counted - self.on_hand.get(kind.key, 0)
        self._counted(kind, counted, difference, by, note, at)
        return difference

    @event("BoardsCounted")
    def _counted(self, kind: BoardKind, counted: int, difference: int, by: str,
                 note: str, at: str) -> None:
        self._know(kind)
        self.on_hand[kind.key] = counted
        self.last_counted[kind.key] = at

    def order(self, ref: str, kind: BoardKind, quantity: int, expected_date: date,
              by: str) -> None:
        """Boards on order with the supplier; the same ref again changes it (not while part of
        it is received)."""
        known = self.purchases.get(ref)
        if known is not None and known.received:
            raise InvalidArgument(FieldViolation.of(
                "ref", N_("%(ref)s is already partly received; order the rest under a new ref"),
                ref=ref))
        self._ordered(Purchase(ref, kind, quantity, expected_date.isoformat()), by)

    @event("BoardsOrdered")
    def _ordered(self, purchase: Purchase, by: str) -> None:
        self._know(purchase.kind)
        self.purchases[purchase.ref] = purchase

    def learn_zone(self, zone: str) -> bool:
        """The factory's time zone, as iot's registry says it; True when it changed. A zone
        this process does not know leaves the one it had."""
        if not zone or zone == self.zone:
            return False
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            return False
        self._zone_learnt(zone)
        return True

    @event("ZoneLearnt")
    def _zone_learnt(self, zone: str) -> None:
        self.zone = zone

    def day_of(self, moment: str) -> str:
        """The factory's day (ISO) of an ISO moment ("" for "")."""
        if not moment:
            return ""
        return datetime.fromisoformat(moment).astimezone(ZoneInfo(self.zone)).date().isoformat()

    # --- what planned batches do ----------------------------------------------------------

    def reserve(self, batch: str, lines: list[Reserved]) -> None:
        if batch in self.reservations:
            raise BatchAlreadyReserved(Words.of(N_("batch %(batch)s already holds boards at "
                                                   "%(factory_id)s"),
                batch=batch, factory_id=self.factory_id))
        self._reserved(batch, tuple(lines))

    @event("BoardsReserved")
    def _reserved(self, batch: str, lines: tuple[Reserved, ...]) -> None:
        for line in lines:
            self._know(line.kind)
        self.reservations[batch] = tuple(lines)  # stored events give back a list

    def record_batch(self, summary: BatchSummary, by: str) -> None:
        self._batch_nested(summary, by, self.factory_id)

    @event("BatchNested")
    def _batch_nested(self, summary: BatchSummary, by: str, factory_id: str = "") -> None:
        """(`factory_id` rides in the event for its publication.)"""
        self.batches[summary.batch] = summary

    def release(self, batch: str) -> None:
        if batch not in self.reservations:
            raise BatchNotReserved(Words.of(N_("batch %(batch)s holds no boards at %(factory_id)s"),
                batch=batch, factory_id=self.factory_id))
        self._released(batch)

    @event("ReservationReleased")
    def _released(self, batch: str) -> None:
        del self.reservations[batch]

    def recheck_waits(self) -> list[str]:
        """After boards were received, counted, ordered or freed: every holding batch whose
        waits are no longer what it last said gets its new waits (earlier, later or none), as a
        new revision of the batch; a batch cut or released waits for nothing any more. The
        batches changed back."""
        changed = []
        holding = batch_waits(self)
        for batch, summary in list(self.batches.items()):
            waits = holding.get(batch, ())
            if waits != summary.waits:
                self._waits_changed(replace(summary, waits=waits, revision=summary.revision + 1),
                                    self.factory_id)
                changed.append(batch)
        return changed

    @event("BatchWaitsChanged")
    def _waits_changed(self, summary: BatchSummary, factory_id: str) -> None:
        """(`factory_id` rides in the event for its publication.)"""
        self.batches[summary.batch] = summary

    def consume(self, batch: str) -> None:
        """The batch was cut: its reserved sheets leave stock."""
        if batch not in self.reservations:
            raise BatchNotReserved(Words.of(N_("batch %(batch)s holds no boards at %(factory_id)s"),
                batch=batch, factory_id=self.factory_id))
        self._consumed(batch)

    @event("BatchConsumed")
    def _consumed(self, batch: str) -> None:
        for line in self.reservations.pop(batch):
            self.on_hand[line.kind.key] = self.on_hand.get(line.kind.key, 0) - line.quantity

    def record_offcut(self, offcut: StockOffcut, by: str) -> None:
        if offcut.offcut_id in self.offcuts:
            return  # the same remnant again: already in stock
        self._offcut_recorded(offcut, by)

    @event("OffcutRecorded")
    def _offcut_recorded(self, offcut: StockOffcut, by: str) -> None:
        self.offcuts[offcut.offcut_id] = offcut

    def use_offcut(self, offcut_id: str, batch: str) -> None:
        found = self.offcuts.get(offcut_id)
        if found is None:
            raise OffcutUnknown(Words.of(N_("no offcut %(offcut_id)s at factory %(factory_id)s"),
                offcut_id=offcut_id, factory_id=self.factory_id))
        if found.used_by and found.used_by != batch:
            raise OffcutAlreadyUsed(Words.of(N_("offcut %(offcut_id)s was used by batch "
                                                "%(used_by)s"),
                offcut_id=offcut_id, used_by=found.used_by))
        if not found.used_by:
            self._offcut_used(offcut_id, batch)

    @event("OffcutUsed")
    def _offcut_used(self, offcut_id: str, batch: str) -> None:
        found = self.offcuts[offcut_id]
        self.offcuts[offcut_id] = StockOffcut(
            found.offcut_id, found.material, found.thickness_mm, found.decor, found.length_mm,
            found.width_mm, found.batch, found.source, used_by=batch)

    # --- reads ------------------------------------------------------------------------------

    def _know(self, kind: BoardKind) -> None:
        self.kinds.setdefault(kind.key, kind)

    def lines(self) -> list[StockLine]:
        """Every board kind the factory has had, in key order."""
        reserved: dict[str, int] = {}
        for held in self.reservations.values():
            for line in held:
                reserved[line.kind.key] = reserved.get(line.kind.key, 0) + line.quantity
        on_order: dict[str, int] = {}
        expected: dict[str, str] = {}
        for purchase in self.purchases.values():
            if purchase.outstanding:
                key = purchase.kind.key
                on_order[key] = on_order.get(key, 0) + purchase.outstanding
                if not expected.get(key) or purchase.expected_date < expected[key]:
                    expected[key] = purchase.expected_date
        return [StockLine(kind, self.on_hand.get(key, 0), reserved.get(key, 0),
                          on_order.get(key, 0), expected.get(key, ""))
                for key, kind in sorted(self.kinds.items())]

    def open_purchases(self) -> list[Purchase]:
        return sorted((p for p in self.purchases.values() if p.outstanding),
                      key=lambda p: (p.expected_date, p.ref))

    def offcuts_in_stock(self) -> list[StockOffcut]:
        return sorted((o for o in self.offcuts.values() if not o.used_by),
                      key=lambda o: (o.material, -o.length_mm * o.width_mm, o.offcut_id))


# --- a shift's cutting batch against stock (issue 20, items 2 and 3) ---------------------------

@dataclass(frozen=True)
class BoardWait:
    """Sheets of one kind a batch reserved beyond on hand, the expected day of the purchase
    that brings them ("" when nothing on order does), and the orders with parts on them (the
    orders that wait; () in batches nested before waits were per order: all of them)."""

    kind: BoardKind
    short: int
    until: str
    orders: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetUse:
    """A new sheet of a batch: its kind and the orders with parts on it."""

    kind: BoardKind
    orders: tuple[str, ...]


@dataclass(frozen=True)
class BatchSummary:
    """What a nested batch holds, as the stock keeps it."""

    batch: str
    orders: tuple[str, ...]
    new_boards: int
    offcuts_used: int
    offcuts_kept: int
    yield_pct: float
    nested_at: str  # ISO time
    waits: tuple[BoardWait, ...] = ()  # the boards its saw work waits for, as last checked
    sheets: tuple[SheetUse, ...] = ()  # its new sheets in cutting order (() before issue 20's waits)
    revision: int = 0  # 0 when nested; one more each time stock changes its waits


STORED_VALUES[BatchSummary] = "batch_summary"
STORED_VALUES[BoardWait] = "board_wait"
STORED_VALUES[SheetUse] = "batch_sheet"


def split_material(material: str) -> tuple[str, str]:
    """A part's material "board/decor" as (board, decor)."""
    board, _, decor = material.partition("/")
    return board, decor


def sheets_for(stock: FactoryStock, materials: set[tuple[str, float]],
               catalogue_sheets: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[int, int]]]:
    """The sheet sizes a batch may cut per part material ("board/decor"): the sizes the factory
    stocks of that board and decor (on hand or on order), largest first; the catalogue's sizes
    of the board when it stocks none."""
    out: dict[str, list[tuple[int, int]]] = {}
    lines = stock.lines()
    for material, thickness in materials:
        board, decor = split_material(material)
        stocked = sorted({(line.kind.length_mm, line.kind.width_mm) for line in lines
                          if line.kind.material == board and line.kind.decor == decor
                          and line.kind.thickness_mm == thickness
                          and line.on_hand + line.on_order > 0}, reverse=True)
        out[material] = stocked or list(catalogue_sheets.get(board, []))
    return out


def offcut_material(offcut: StockOffcut) -> str:
    return f"{offcut.material}/{offcut.decor}" if offcut.decor else offcut.material


@dataclass(frozen=True)
class BatchEffects:
    """What a nested batch does to stock: whole sheets reserved per kind, offcuts of stock it
    cuts, remnants it keeps."""

    reserved: tuple[Reserved, ...]
    offcuts_used: tuple[str, ...]
    offcuts_kept: tuple[StockOffcut, ...]
    sheets: tuple[SheetUse, ...] = ()


def batch_effects(batch: str, boards: list[tuple]) -> BatchEffects:
    """From the batch's boards - (material, thickness, sheet size of a new sheet or None,
    the stock offcut id it was cut from or None, [(board source, length, width) of each
    remnant kept], and optionally the orders with parts on it) - the reservations, the
    offcuts used, the offcuts kept and which orders each new sheet serves."""
    counts: dict[BoardKind, int] = {}
    used: list[str] = []
    kept: list[StockOffcut] = []
    sheets: list[SheetUse] = []
    for material, thickness, sheet, from_offcut, remnants, *orders in boards:
        board, decor = split_material(material)
        if from_offcut is not None:
            used.append(from_offcut)
        elif sheet is not None:
            kind = BoardKind(board, thickness, decor, sheet[0], sheet[1])
            counts[kind] = counts.get(kind, 0) + 1
            if orders:
                sheets.append(SheetUse(kind, tuple(sorted(set(orders[0])))))
        for source, length, width in remnants:
            kept.append(StockOffcut(f"{batch}/o{len(kept) + 1}", board, thickness, decor,
                                    round(length, 1), round(width, 1), batch, source))
    return BatchEffects(tuple(Reserved(k, n) for k, n in sorted(counts.items(),
                                                                  key=lambda kv: kv[0].key)),
                        tuple(used), tuple(kept),
                        tuple(sheets) if len(sheets) == sum(counts.values()) else ())


def plan_batch(stock: FactoryStock, summary: BatchSummary, effects: BatchEffects, by: str) -> None:
    """Record a nested batch on the factory's stock: its boards reserved, the offcuts it cuts
    used, the remnants it keeps in stock."""
    if summary.batch in stock.reservations or summary.batch in stock.batches:
        raise BatchAlreadyReserved(Words.of(N_("batch %(batch)s is already planned at "
                                               "%(factory_id)s"),
            batch=summary.batch, factory_id=stock.factory_id))
    for offcut_id in effects.offcuts_used:
        if offcut_id not in stock.offcuts:
            raise OffcutUnknown(Words.of(N_("no offcut %(offcut_id)s at factory %(factory_id)s"),
                offcut_id=offcut_id, factory_id=stock.factory_id))
        if stock.offcuts[offcut_id].used_by:
            raise OffcutAlreadyUsed(Words.of(N_("offcut %(offcut_id)s was used by batch "
                                                "%(used_by)s"),
                offcut_id=offcut_id, used_by=stock.offcuts[offcut_id].used_by))
    stock.reserve(summary.batch, list(effects.reserved))
    for offcut_id in effects.offcuts_used:
        stock.use_offcut(offcut_id, summary.batch)
    for offcut in effects.offcuts_kept:
        stock.record_offcut(offcut, by)
    summary = replace(summary, sheets=effects.sheets)
    waits = batch_waits(stock, {**stock.batches, summary.batch: summary}).get(summary.batch, ())
    stock.record_batch(replace(summary, waits=waits), by)
    stock.recheck_waits()  # a batch nested out of turn takes boards others counted on


def batch_waits(stock: FactoryStock, batches: dict[str, BatchSummary] | None = None
                ) -> dict[str, tuple[BoardWait, ...]]:
    """What each holding batch of `batches` (default: the stock's) waits for, per kind and
    day, with the orders each wait holds (`board_waits.sheet_days`): stock goes to the batches
    in the order they were nested, on hand first, then purchases by expected day."""
    batches = stock.batches if batches is None else batches
    holding = sorted(stock.reservations, key=lambda b: (batches[b].nested_at if b in batches
                                                        else "", b))
    out: dict[str, list[BoardWait]] = {b: [] for b in holding if b in batches}
    for key, kind in sorted(stock.kinds.items()):
        uses = [_sheets_of(stock.reservations[b], batches.get(b), key) for b in holding]
        if not any(uses):
            continue
        coming = [(p.expected_date, p.outstanding) for p in sorted(
            stock.purchases.values(), key=lambda p: (p.expected_date, p.ref))
            if p.outstanding and p.kind.key == key]
        for batch, sheets, days in zip(holding, uses, sheet_days(uses, stock.on_hand.get(key, 0),
                                                                 coming), strict=True):
            if batch in out:
                out[batch] += [BoardWait(kind, count, day or "", orders)
                               for day, count, orders in waits_of(sheets, days)]
    return {b: tuple(w) for b, w in out.items()}


def _sheets_of(held: tuple[Reserved, ...], summary: BatchSummary | None, key: str
               ) -> list[tuple[str, ...]]:
    """The sheets of kind `key` a batch holds, each as the orders with parts on it (every
    order of the batch on each when the batch did not say)."""
    quantity = sum(r.quantity for r in held if r.kind.key == key)
    known = [s.orders for s in summary.sheets if s.kind.key == key] if summary else []
    if len(known) == quantity:
        return known
    return [summary.orders if summary else ()] * quantity


# --- what to buy (issue 20, item 4) ------------------------------------------------------------

@dataclass(frozen=True)
class Shortage:
    """Sheets of one kind the factory's planned batches need beyond what it has: when they are
    first needed, when boards on order cover them, and how many to buy besides."""

    kind: BoardKind
    short: int
    # the factory's day (ISO) of the first batch that goes short, or "": a day of the same
    # clock as covered_on, so that the two compare
    needed_by: str
    covered_on: str  # the expected day of the purchase that covers the shortage, or ""
    to_order: int  # sheets to buy beyond what is on order
    needed_at: str = ""  # when that batch was nested (ISO time)

    @property
    def waits(self) -> bool:
        """The first batch short of this kind waits for boards (none on order in time): the
        purchase covering it comes after the factory's day the batch needs them."""
        return bool(self.to_order) or (bool(self.needed_by) and self.covered_on > self.needed_by)


def shortages(stock: FactoryStock) -> list[Shortage]:
    """Every kind the holding batches reserve beyond on hand, in key order."""
    out = []
    on_order = {key: sorted((p for p in stock.purchases.values()
                             if p.outstanding and p.kind.key == key),
                            key=lambda p: (p.expected_date, p.ref))
                for key in stock.kinds}
    for line in stock.lines():
        if not line.short:
            continue
        key = line.kind.key
        needed_at, held = "", 0
        for batch, lines in sorted(stock.reservations.items(),
                                   key=lambda kv: (stock.batches[kv[0]].nested_at
                                                   if kv[0] in stock.batches else "", kv[0])):
            held += sum(r.quantity for r in lines if r.kind.key == key)
            if held > line.on_hand:
                summary = stock.batches.get(batch)
                needed_at = summary.nested_at if summary else ""
                break
        covered_on, coming = "", 0
        for purchase in on_order[key]:
            coming += purchase.outstanding
            if coming >= line.short:
                covered_on = purchase.expected_date
                break
        out.append(Shortage(line.kind, line.short, stock.day_of(needed_at), covered_on,
                            max(line.short - line.on_order, 0), needed_at))
    return out
