"""Waits per order, not per batch (issue 20, item 4): only the orders with parts on sheets that
are short wait, each until the day its own sheets come; receipts, counts and purchases re-check
the holding batches and give the ones whose waits changed a new revision."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from services.configurator.domain.board_stock import (
    STORED_VALUES,
    BatchSummary,
    BoardKind,
    BoardWait,
    FactoryStock,
    batch_effects,
    plan_batch,
)
from services.configurator.domain.board_waits import sheet_days, waits_of
from services.kit.stored_values import register_values

pytestmark = pytest.mark.unit

PB18 = BoardKind("particleboard-18", 18.0, "melamine-white", 2800, 2070)
WHITE = "particleboard-18/melamine-white"


def test_the_orders_needing_fewest_sheets_get_the_boards_on_hand_first():
    sheets = [("A",), ("A", "B"), ("B",), ("C",)]  # A two sheets, B two, C one
    [days] = sheet_days([sheets], 2, [("2026-12-09", 1)])
    assert days == ["", "2026-12-09", None, ""]  # C whole, A's first; A waits for the 9th
    assert waits_of(sheets, days) == [("2026-12-09", 1, ("A", "B")), (None, 1, ("B",))]


def test_earlier_batches_are_served_first_then_purchases_by_day():
    first, second = [("A",), ("A",)], [("B",), ("C",)]
    assert sheet_days([first, second], 3, [("2026-12-12", 5), ("2026-12-08", 0)]) == [
        ["", ""], ["", "2026-12-12"]]


def _nest(stock: FactoryStock, batch: str, sheets: list[tuple[str, ...]], at: str) -> None:
    effects = batch_effects(batch, [(WHITE, 18.0, (2800, 2070), None, [], orders)
                                    for orders in sheets])
    orders = tuple(sorted({o for s in sheets for o in s}))
    plan_batch(stock, BatchSummary(batch, orders, len(sheets), 0, 0, 80.0, at), effects, "p")


def test_only_the_orders_on_short_sheets_wait_each_until_its_own_boards():
    stock = FactoryStock("f1")
    stock.receive(PB18, 2, "", "clerk", "")
    stock.order("PO-1", PB18, 1, date(2026, 12, 9), "buyer")
    _nest(stock, "b1", [("A",), ("B",), ("B",), ("C",), ("C",)], "2026-12-06T01:00:00+00:00")
    summary = stock.batches["b1"]
    assert summary.waits == (BoardWait(PB18, 1, "2026-12-09", ("B",)),
                             BoardWait(PB18, 2, "", ("C",)))  # A is cut at once
    assert summary.revision == 0


def test_a_receipt_moves_the_wait_as_a_new_revision_of_the_batch():
    stock = FactoryStock("f1")
    stock.order("PO-1", PB18, 2, date(2026, 12, 9), "buyer")
    _nest(stock, "b1", [("A",), ("B",)], "2026-12-06T01:00:00+00:00")
    assert [w.until for w in stock.batches["b1"].waits] == ["2026-12-09"]
    stock.collect_events()
    stock.order("PO-1", PB18, 2, date(2026, 12, 8), "buyer")  # the supplier comes earlier
    assert stock.recheck_waits() == ["b1"]
    assert (stock.batches["b1"].waits[0].until, stock.batches["b1"].revision) == ("2026-12-08", 1)
    stock.receive(PB18, 1, "PO-1", "clerk", "")  # one sheet in: A (first served) is cut at once
    assert stock.recheck_waits() == ["b1"]
    assert stock.batches["b1"].waits == (BoardWait(PB18, 1, "2026-12-08", ("B",)),)
    assert stock.recheck_waits() == []  # nothing new: no revision
    stock.count(PB18, 2, "clerk", "", "2026-12-06T03:00:00+00:00")
    assert stock.recheck_waits() == ["b1"]
    assert (stock.batches["b1"].waits, stock.batches["b1"].revision) == ((), 3)
    changed = [e for e in stock.collect_events() if isinstance(e, FactoryStock.BatchWaitsChanged)]
    assert [e.summary.revision for e in changed] == [1, 2, 3]


def test_waits_per_order_are_stored_and_read_back():
    class App(Application):
        def register_transcodings(self, transcoder: JSONTranscoder) -> None:
            super().register_transcodings(transcoder)
            register_values(transcoder, STORED_VALUES)

    app = App(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    stock = FactoryStock("f1")
    _nest(stock, "b1", [("A",), ("B",)], "2026-12-06T01:00:00+00:00")
    stock.receive(PB18, 1, "", "clerk", "")
    stock.recheck_waits()
    app.save(stock)
    again: FactoryStock = app.repository.get(stock.id)
    assert again.batches["b1"] == stock.batches["b1"]
    assert again.batches["b1"].waits == (BoardWait(PB18, 1, "", ("B",)),)


def test_a_batch_released_or_cut_waits_for_nothing_any_more_and_frees_boards_for_the_next():
    stock = FactoryStock("f1")
    stock.receive(PB18, 1, "", "clerk", "")
    _nest(stock, "b1", [("A",), ("A",)], "2026-12-06T01:00:00+00:00")
    _nest(stock, "b2", [("B",)], "2026-12-06T02:00:00+00:00")
    assert [w.orders for w in stock.batches["b1"].waits] == [("A",)]
    assert [w.orders for w in stock.batches["b2"].waits] == [("B",)]
    stock.release("b1")  # b1 will not be cut: its sheet on hand goes to b2
    assert sorted(stock.recheck_waits()) == ["b1", "b2"]
    assert (stock.batches["b1"].waits, stock.batches["b1"].revision) == ((), 1)
    assert (stock.batches["b2"].waits, stock.batches["b2"].revision) == ((), 1)
    stock.receive(PB18, 5, "", "clerk", "")
    stock.consume("b2")
    assert stock.recheck_waits() == []  # cut with nothing waiting: nothing to say
