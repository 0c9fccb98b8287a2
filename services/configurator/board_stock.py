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
from services.configurator.domain.board_stock import (
    BoardKind,
    CatalogueBoards,
    FactoryStock,
    StockOffcut,
    check_kind,
    check_note,
    check_quantity,
    check_ref,
    factory_stock_id,
)
from services.kit.errors import Conflict, Violations

MAX_RETRIES = 5
MAX_FACTORY_ID = 64


def _check_factory(v: Violations, factory_id: str) -> None:
    v.check(0 < len(factory_id) <= MAX_FACTORY_ID, "factory_id",
            f"must be 1 to {MAX_FACTORY_ID} characters")


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

    def receive(self, factory_id: str, kind: BoardKind, quantity: int, purchase_ref: str,
                by: str, note: str = "", key: str = "") -> FactoryStock:
        v = self._checked(factory_id, kind)
        check_quantity(v, quantity)
        if purchase_ref:
            check_ref(v, purchase_ref, "purchase_ref")
        check_note(v, note)
        v.check(len(key) <= 100, "key", "must be at most 100 characters")
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
            v.add("expected_date", f"{expected_date!r} is not a date (YYYY-MM-DD)")
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
            v.check(size > 0, f"offcut.{name}", "must be more than 0 mm")
        v.raise_if_any()
        return self._change(factory_id, lambda s: s.record_offcut(offcut, by))

    # -------------------------------------------------------------------------------------

    def _checked(self, factory_id: str, kind: BoardKind) -> Violations:
        v = Violations()
        _check_factory(v, factory_id)
        check_kind(v, kind, self.catalogue_boards(), "kind.")
        return v

    def _change(self, factory_id: str, act: Callable[[FactoryStock], Any]) -> FactoryStock:
        """Load → act → save, retried on a concurrent writer (never a lost update)."""
        for _ in range(MAX_RETRIES):
            stock = self.stock(factory_id)
            act(stock)
            if not stock.pending_events:
                return stock
            try:
                self.app.save(stock)
                return stock
            except IntegrityError:
                continue
        raise Conflict(f"the board stock of {factory_id} is being changed by others; try again")
