"""Board stock per factory on the configurator's application (issue 20, items 1 and 3):
load → act → save of `FactoryStock`, retried on a concurrent writer. Inputs are checked against
the latest catalogue (a board's code and thickness, a finish as decor); every bad field named.
No wire types here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.configurator.application import ConfiguratorApplication
from services.configurator.catalogue import NestingSettings, Part, SheetSize
from services.configurator.catalogue.cutting_batch import (
    CuttingBatch,
    NoSheetsForMaterial,
    Offcut,
    PartFitsNoSheet,
    nest_batch,
)
from services.configurator.domain.batch_layout import (
    BatchLayout,
    BatchUnknown,
    batch_layout_id,
    laid_boards,
)
from services.configurator.domain.board_stock import (
    BatchSummary,
    BoardKind,
    CatalogueBoards,
    FactoryStock,
    NoSheetFits,
    OrderNotReadyToCut,
    StockBusy,
    StockOffcut,
    batch_effects,
    check_batch_name,
    check_kind,
    check_note,
    check_quantity,
    check_ref,
    factory_stock_id,
    offcut_material,
    plan_batch,
    sheets_for,
)
from services.configurator.domain.order_configuration import ConfigurationStatus
from services.configurator.domain.order_plan import OrderPlan, order_ref, plan_order
from services.kit.errors import Violations
from services.kit.words import N_, Words

MAX_RETRIES = 5
MAX_BATCH_ORDERS = 200
MAX_FACTORY_ID = 64


def _check_factory(v: Violations, factory_id: str) -> None:
    v.check(0 < len(factory_id) <= MAX_FACTORY_ID, "factory_id",
            N_("must be 1 to %(n)s characters"), n=MAX_FACTORY_ID)


class BoardStock:
    """The stock of every factory, kept in the configurator's schema."""

    def __init__(self, app: ConfiguratorApplication) -> None:
        self.app = app

    def catalogue_boards(self) -> CatalogueBoards:
        catalogue = self.app.catalogue()
        return CatalogueBoards({code: float(b.thickness_mm) for code, b in catalogue.boards.items()},
                               frozenset(catalogue.finishes))

    def stock(self, factory_id: str) -> FactoryStock:
        """The factory's stock; an empty one when nothing was ever entered."""
        v = Violations()
        _check_factory(v, factory_id)
        v.raise_if_any()
        try:
            found: FactoryStock = self.app.repository.get(factory_stock_id(factory_id))
        except AggregateNotFoundError:
            return FactoryStock(factory_id)
        return found

    def learn_zone(self, factory_id: str, zone: str) -> FactoryStock | None:
        """iot's word of a factory's time zone, for a policy: the stock that learnt it, to be
        saved with the tracking record; None when it changes nothing."""
        stock = self.stock(factory_id)
        return stock if stock.learn_zone(zone) else None

    def receive(self, factory_id: str, kind: BoardKind, quantity: int, purchase_ref: str,
                by: str, note: str = "", key: str = "") -> FactoryStock:
        v = self._checked(factory_id, kind)
        check_quantity(v, quantity)
        if purchase_ref:
            check_ref(v, purchase_ref, "purchase_ref")
        check_note(v, note)
        v.check(len(key) <= 100, "key", N_("must be at most 100 characters"))
        v.raise_if_any()
        return self._change(factory_id, lambda s: s.receive(kind, quantity, purchase_ref, by, note,
                                                            key))

    def count(self, factory_id: str, kind: BoardKind, counted: int, by: str,
              note: str = "") -> tuple[FactoryStock, int]:
        v = self._checked(factory_id, kind)
        check_quantity(v, counted, "counted", allow_zero=True)
        check_note(v, note)
        v.raise_if_any()
        at = datetime.now(UTC).isoformat(timespec="seconds")
        difference: list[int] = []
        stock = self._change(factory_id, lambda s: difference.append(
            s.count(kind, counted, by, note, at)))
        return stock, difference[-1]

    def order(self, factory_id: str, ref: str, kind: BoardKind, quantity: int,
              expected_date: str, by: str) -> FactoryStock:
        v = self._checked(factory_id, kind)
        check_ref(v, ref, "ref")
        check_quantity(v, quantity)
        expected: date | None = None
        try:
            expected = date.fromisoformat(expected_date)
        except ValueError:
            v.add("expected_date", N_("'%(expected_date)s' is not a date (YYYY-MM-DD)"),
                  expected_date=expected_date)
        v.raise_if_any()
        assert expected is not None
        return self._change(factory_id, lambda s: s.order(ref, kind, quantity, expected, by))

    def record_offcut(self, factory_id: str, offcut: StockOffcut, by: str) -> FactoryStock:
        v = Violations()
        _check_factory(v, factory_id)
        boards = self.catalogue_boards()
        check_ref(v, offcut.offcut_id, "offcut.offcut_id")
        check_ref(v, offcut.batch, "offcut.batch")
        check_kind(v, BoardKind(offcut.material, offcut.thickness_mm, offcut.decor,
                                int(max(offcut.length_mm, 1)), int(max(offcut.width_mm, 1))),
                   boards, "offcut.", whole_sheet=False)
        for name, size in (("length_mm", offcut.length_mm), ("width_mm", offcut.width_mm)):
            v.check(size > 0, f"offcut.{name}", N_("must be more than 0 mm"))
        v.raise_if_any()
        return self._change(factory_id, lambda s: s.record_offcut(offcut, by))

    def nest_batch(self, factory_id: str, batch: str, order_ids: list[str],
                   by: str) -> tuple[FactoryStock, CuttingBatch]:
        """Nest the orders' parts as one cutting batch on the factory's sheet sizes, its
        offcuts first (`cutting_batch.nest_batch`), and record it on the stock in one save:
        its new sheets reserved per kind, the offcuts it cuts used, the remnants it keeps."""
        v = Violations()
        _check_factory(v, factory_id)
        check_batch_name(v, batch)
        v.check(0 < len(order_ids) <= MAX_BATCH_ORDERS, "order_ids",
                N_("must name 1 to %(n)s orders"), n=MAX_BATCH_ORDERS)
        v.check(len(set(order_ids)) == len(order_ids), "order_ids", N_("names an order twice"))
        v.raise_if_any()
        parts = [part for order_id in order_ids for part in self._parts(order_id)]
        ids = {order_ref(order_id): order_id for order_id in order_ids}  # labels carry refs
        catalogue = self.app.catalogue()
        catalogue_sheets = {code: [(s.length_mm, s.width_mm) for s in b.sheets]
                            for code, b in catalogue.boards.items()}
        settings = NestingSettings(catalogue.kerf_mm, catalogue.trim_mm)
        for _ in range(MAX_RETRIES):
            stock = self.stock(factory_id)
            sizes = sheets_for(stock, {(p.material, p.thickness_mm) for p in parts},
                               catalogue_sheets)
            offcuts = [Offcut(offcut_material(o), o.thickness_mm, o.length_mm, o.width_mm,
                              o.offcut_id) for o in stock.offcuts_in_stock()]
            try:
                cut = nest_batch(batch, parts, {m: [SheetSize(length, width)
                                                    for length, width in found]
                                                for m, found in sizes.items()},
                                 settings, offcuts)
            except (NoSheetsForMaterial, PartFitsNoSheet) as exc:
                raise NoSheetFits(exc.words, reason="NO_SHEET_FITS",
                                  domain="stock.dovetail", subject=batch) from None
            effects = batch_effects(batch, [
                (m.material, m.thickness_mm,
                 None if b.from_offcut else (b.layout.sheet.length_mm, b.layout.sheet.width_mm),
                 b.from_offcut.source if b.from_offcut else None,
                 [(o.source, o.length_mm, o.width_mm) for o in b.offcuts],
                 {ids[p.part.order] for p in b.layout.placements})  # who waits for it
                for m in cut.materials for b in m.boards])
            summary = BatchSummary(batch, tuple(order_ids), cut.new_boards,
                                   len(cut.offcuts_used), len(cut.offcuts),
                                   round(cut.yield_pct, 2),
                                   datetime.now(UTC).isoformat(timespec="seconds"))
            plan_batch(stock, summary, effects, by)
            layout = BatchLayout(factory_id, batch, summary.nested_at,
                                 laid_boards(cut, order_ids, order_ref))
            try:
                self.app.save(stock, layout)  # the layout kept with its reservation
                return stock, cut
            except IntegrityError:
                continue
        raise StockBusy(Words.of(N_("the board stock of %(factory_id)s is being changed by "
                                    "others; try again"),
            factory_id=factory_id))

    def batch_layout(self, factory_id: str, batch: str) -> BatchLayout:
        """The boards of a batch nested at the factory, as they were nested."""
        v = Violations()
        _check_factory(v, factory_id)
        check_ref(v, batch, "batch")
        v.raise_if_any()
        try:
            found: BatchLayout = self.app.repository.get(batch_layout_id(factory_id, batch))
        except AggregateNotFoundError:
            raise BatchUnknown(Words.of(N_("no batch %(batch)s was nested at factory "
                                           "%(factory_id)s"),
                batch=batch, factory_id=factory_id)) from None
        return found

    def consume(self, factory_id: str, batch: str) -> FactoryStock:
        """The batch was cut: its reserved sheets leave stock."""
        return self._change(factory_id, lambda s: s.consume(batch))

    def release(self, factory_id: str, batch: str) -> FactoryStock:
        """The batch will not be cut: its sheets are free again (its offcut records stay)."""
        return self._change(factory_id, lambda s: s.release(batch))

    def _parts(self, order_id: str) -> list[Part]:
        """The parts of a configured order, labelled as its cut list and labels are."""
        configuration = self.app.order_configuration(order_id)
        if configuration.status is not ConfigurationStatus.CONFIGURED:
            raise OrderNotReadyToCut(
                Words.of(N_("order %(order_id)s is %(status)s, not configured"),
                    order_id=order_id, status=configuration.status.said),
                reason="ORDER_NOT_CONFIGURED", domain="stock.dovetail", subject=order_id)
        plan = plan_order(self.app.catalogue(configuration.catalog_version), order_id,
                          list(configuration.requests), nesting_method="quick")
        assert isinstance(plan, OrderPlan), "a configured order plans again"
        return [p.part for b in plan.cut_plan.boards for p in b.placements]

    # -------------------------------------------------------------------------------------

    def _checked(self, factory_id: str, kind: BoardKind) -> Violations:
        v = Violations()
        _check_factory(v, factory_id)
        check_kind(v, kind, self.catalogue_boards(), "kind.")
        return v

    def _change(self, factory_id: str, act: Callable[[FactoryStock], Any]) -> FactoryStock:
        """Load → act → save, retried on a concurrent writer (never a lost update). The
        batches whose waits the change moves get their new waits in the same save."""
        for _ in range(MAX_RETRIES):
            stock = self.stock(factory_id)
            act(stock)
            stock.recheck_waits()
            if not stock.pending_events:
                return stock
            try:
                self.app.save(stock)
                return stock
            except IntegrityError:
                continue
        raise StockBusy(Words.of(N_("the board stock of %(factory_id)s is being changed by "
                                    "others; try again"),
            factory_id=factory_id))
