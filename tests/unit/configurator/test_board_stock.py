"""Board stock per factory (issue 20, items 1 and 3): receipts, counts, purchases,
reservations by batches, offcuts; stored and read back through the configurator's
transcodings; every bad field of a board kind named."""

from __future__ import annotations

from datetime import date

import pytest
from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder

from services.configurator.domain.board_stock import (
    STORED_VALUES,
    BatchNotReserved,
    BoardKind,
    CatalogueBoards,
    FactoryStock,
    OffcutAlreadyUsed,
    PurchaseUnknown,
    Reserved,
    StockOffcut,
    check_batch_name,
    check_kind,
)
from services.kit.errors import InvalidArgument, Violations
from services.kit.stored_values import register_values

pytestmark = pytest.mark.unit

PB18 = BoardKind("particleboard-18", 18.0, "melamine-white", 2800, 2070)
MDF18 = BoardKind("mdf-18", 18.0, "", 2440, 1220)
BOARDS = CatalogueBoards({"particleboard-18": 18.0, "mdf-18": 18.0},
                         frozenset({"melamine-white"}))


def _line(stock: FactoryStock, kind: BoardKind):
    return next(line for line in stock.lines() if line.kind == kind)


def test_receipts_purchases_reservations_and_consumption_add_up():
    stock = FactoryStock("f1")
    stock.order("PO-1", PB18, 30, date(2026, 12, 9), "buyer")
    stock.order("PO-2", PB18, 10, date(2026, 12, 8), "buyer")
    stock.receive(PB18, 20, "", "clerk", "opening")
    stock.receive(PB18, 12, "PO-1", "clerk", "")
    stock.reserve("batch-1", [Reserved(PB18, 25), Reserved(MDF18, 3)])
    line = _line(stock, PB18)
    assert (line.on_hand, line.reserved, line.on_order, line.available) == (32, 25, 28, 7)
    assert line.next_expected == "2026-12-08"  # the earliest purchase still to come
    mdf = _line(stock, MDF18)
    assert (mdf.on_hand, mdf.short, mdf.available) == (0, 3, -3)  # a batch waiting for boards
    stock.consume("batch-1")
    assert (_line(stock, PB18).on_hand, _line(stock, PB18).reserved) == (7, 0)
    with pytest.raises(BatchNotReserved):
        stock.consume("batch-1")
    assert [p.ref for p in stock.open_purchases()] == ["PO-2", "PO-1"]


def test_a_count_replaces_what_stock_thought_and_says_the_difference():
    stock = FactoryStock("f1")
    stock.receive(PB18, 20, "", "clerk", "")
    assert stock.count(PB18, 17, "clerk", "two damaged, one missing", "2026-12-06T02:00:00+00:00") == -3
    assert _line(stock, PB18).on_hand == 17
    assert stock.last_counted[PB18.key] == "2026-12-06T02:00:00+00:00"


def test_a_receipt_against_an_unknown_or_other_purchase_is_refused():
    stock = FactoryStock("f1")
    with pytest.raises(PurchaseUnknown):
        stock.receive(PB18, 1, "PO-9", "clerk", "")
    stock.order("PO-1", PB18, 5, date(2026, 12, 9), "buyer")
    with pytest.raises(InvalidArgument) as refused:
        stock.receive(MDF18, 1, "PO-1", "clerk", "")
    assert refused.value.violations[0].field == "purchase_ref"
    stock.receive(PB18, 2, "PO-1", "clerk", "")
    with pytest.raises(InvalidArgument):  # partly received: not changed under the same ref
        stock.order("PO-1", PB18, 9, date(2026, 12, 10), "buyer")


def test_offcuts_are_in_stock_until_a_batch_uses_them():
    stock = FactoryStock("f1")
    piece = StockOffcut("b1/pb/1/o1", "particleboard-18", 18.0, "melamine-white", 1200.0, 640.0,
                        "b1", "b1/pb/1")
    stock.record_offcut(piece, "planner")
    stock.record_offcut(piece, "planner")  # again: still one piece
    assert [o.offcut_id for o in stock.offcuts_in_stock()] == ["b1/pb/1/o1"]
    stock.use_offcut("b1/pb/1/o1", "b2")
    stock.use_offcut("b1/pb/1/o1", "b2")  # the same batch again changes nothing
    assert stock.offcuts_in_stock() == []
    with pytest.raises(OffcutAlreadyUsed):
        stock.use_offcut("b1/pb/1/o1", "b3")


def test_stock_is_stored_and_read_back():
    class App(Application):
        def register_transcodings(self, transcoder: JSONTranscoder) -> None:
            super().register_transcodings(transcoder)
            register_values(transcoder, STORED_VALUES)

    app = App(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    stock = FactoryStock("f1")
    stock.order("PO-1", PB18, 30, date(2026, 12, 9), "buyer")
    stock.receive(PB18, 12, "PO-1", "clerk", "")
    stock.count(MDF18, 4, "clerk", "", "2026-12-06T02:00:00+00:00")
    stock.reserve("batch-1", [Reserved(PB18, 5)])
    stock.record_offcut(StockOffcut("o1", "mdf-18", 18.0, "", 900.0, 400.0, "b0", "b0/1"), "p")
    stock.learn_zone("Europe/Berlin")
    app.save(stock)
    again: FactoryStock = app.repository.get(stock.id)
    assert again.zone == "Europe/Berlin"
    assert again.lines() == stock.lines()
    assert again.open_purchases() == stock.open_purchases()
    assert again.offcuts_in_stock() == stock.offcuts_in_stock()
    assert again.reservations == {"batch-1": (Reserved(PB18, 5),)}


def test_every_bad_field_of_a_board_kind_is_named():
    v = Violations()
    check_kind(v, BoardKind("chipboard-99", 18.0, "purple", 0, 7000), BOARDS, "kind.")
    assert {item.field for item in v.items} == {
        "kind.material", "kind.decor", "kind.length_mm", "kind.width_mm"}
    v = Violations()
    check_kind(v, BoardKind("mdf-18", 25.0, "", 2440, 1220), BOARDS, "kind.")
    assert [item.field for item in v.items] == ["kind.thickness_mm"]
    v = Violations()
    check_kind(v, MDF18, BOARDS)
    assert v.items == []


def test_a_receipt_with_a_key_seen_before_is_recorded_once():
    stock = FactoryStock("f1")
    stock.receive(PB18, 5, "", "clerk", "", key="tap-1")
    stock.receive(PB18, 5, "", "clerk", "", key="tap-1")
    stock.receive(PB18, 5, "", "clerk", "", key="tap-2")
    assert _line(stock, PB18).on_hand == 10


def test_a_batch_reserves_its_new_sheets_per_kind_and_keeps_its_remnants():
    from services.configurator.domain.board_stock import (
        BatchAlreadyReserved,
        BatchSummary,
        batch_effects,
        plan_batch,
        sheets_for,
    )

    stock = FactoryStock("f1")
    stock.receive(PB18, 10, "", "clerk", "")
    stock.record_offcut(StockOffcut("o1", "particleboard-18", 18.0, "melamine-white", 1500.0,
                                    700.0, "b0", "b0/1"), "p")
    sizes = sheets_for(stock, {("particleboard-18/melamine-white", 18.0), ("mdf-18", 18.0)},
                       {"mdf-18": [(2440, 1220)], "particleboard-18": [(2440, 1220)]})
    assert sizes == {"particleboard-18/melamine-white": [(2800, 2070)],  # what it stocks
                     "mdf-18": [(2440, 1220)]}  # none stocked: the catalogue's
    effects = batch_effects("b1", [
        ("particleboard-18/melamine-white", 18.0, (2800, 2070), None, [("b1/1", 900.0, 400.0)]),
        ("particleboard-18/melamine-white", 18.0, (2800, 2070), None, []),
        ("particleboard-18/melamine-white", 18.0, None, "o1", []),
        ("mdf-18", 18.0, (2440, 1220), None, [])])
    assert effects.reserved == (Reserved(MDF18, 1), Reserved(PB18, 2))
    assert effects.offcuts_used == ("o1",)
    assert [(o.offcut_id, o.batch, o.source, o.decor) for o in effects.offcuts_kept] == [
        ("b1/o1", "b1", "b1/1", "melamine-white")]
    summary = BatchSummary("b1", ("A", "B"), 3, 1, 1, 81.5, "2026-12-06T02:00:00+00:00")
    plan_batch(stock, summary, effects, "planner")
    assert (_line(stock, PB18).reserved, _line(stock, MDF18).short) == (2, 1)
    assert [o.offcut_id for o in stock.offcuts_in_stock()] == ["b1/o1"]
    with pytest.raises(BatchAlreadyReserved):
        plan_batch(stock, summary, effects, "planner")


def test_a_shortage_says_when_it_is_needed_what_covers_it_and_what_to_buy():
    from services.configurator.domain.board_stock import BatchSummary, shortages

    stock = FactoryStock("f1")
    stock.receive(PB18, 4, "", "clerk", "")
    stock.order("PO-1", PB18, 3, date(2026, 12, 9), "buyer")
    stock.order("PO-2", PB18, 2, date(2026, 12, 12), "buyer")
    stock.record_batch(BatchSummary("b1", ("A",), 3, 0, 0, 80.0, "2026-12-06T00:30:00+00:00"), "p")
    stock.reserve("b1", [Reserved(PB18, 3)])
    stock.record_batch(BatchSummary("b2", ("B",), 5, 0, 0, 80.0, "2026-12-07T00:30:00+00:00"), "p")
    stock.reserve("b2", [Reserved(PB18, 5), Reserved(MDF18, 2)])
    by_kind = {s.kind: s for s in shortages(stock)}
    pb = by_kind[PB18]  # 8 reserved, 4 on hand: b2 goes short on the 7th; PO-1 and PO-2 cover 4
    assert (pb.short, pb.needed_by, pb.covered_on, pb.to_order, pb.waits) == (
        4, "2026-12-07", "2026-12-12", 0, True)
    mdf = by_kind[MDF18]  # nothing on hand or on order
    assert (mdf.short, mdf.needed_by, mdf.covered_on, mdf.to_order) == (2, "2026-12-07", "", 2)
    assert pb.needed_at == "2026-12-07T00:30:00+00:00"  # the moment: its day is the reader's
    stock.receive(PB18, 4, "PO-1", "clerk", "")  # not all of PO-1, but enough with what is left
    assert PB18 not in {s.kind for s in shortages(stock)}


def test_a_batch_name_is_a_url_segment_so_it_has_no_slash():
    """A batch's papers are at .../batches/<batch>/...: a "/" in its name would make them
    unreachable, so a new batch may not have one (other references may)."""
    v = Violations()
    check_batch_name(v, "F-1/day")
    check_batch_name(v, "F-1:2026-12-06.day_1")
    assert [f.field for f in v.items] == ["batch"]
    assert "/" not in v.items[0].description


def _short_batch_nested_at(stock: FactoryStock, moment: str) -> None:
    """A batch nested at `moment` (ISO, UTC) that needs 3 sheets the factory has on order for
    7 Dec, its own day."""
    from services.configurator.domain.board_stock import BatchSummary

    stock.order("PO-1", PB18, 3, date(2026, 12, 7), "buyer")
    stock.record_batch(BatchSummary("b1", ("A",), 3, 0, 0, 80.0, moment), "p")
    stock.reserve("b1", [Reserved(PB18, 3)])


def test_boards_due_on_the_factorys_day_of_the_batch_are_in_time_after_utc_midnight():
    """17:30 UTC on 6 Dec is 01:30 on 7 Dec in Shanghai (the default zone): the batch needs its
    boards on the 7th, the day the purchase brings them, so it does not wait (compared with
    the batch's UTC day, the 6th, it did)."""
    from services.configurator.domain.board_stock import shortages

    stock = FactoryStock("f1")
    _short_batch_nested_at(stock, "2026-12-06T17:30:00+00:00")
    [short] = shortages(stock)
    assert (short.needed_by, short.covered_on, short.waits) == ("2026-12-07", "2026-12-07", False)


def test_the_batchs_day_is_on_the_clock_iot_says_the_factory_keeps():
    """The same moment is still 6 Dec in Berlin: boards due on the 7th come a day late."""
    from services.configurator.domain.board_stock import shortages

    stock = FactoryStock("f1")
    assert stock.learn_zone("Europe/Berlin") and not stock.learn_zone("Europe/Berlin")
    assert not stock.learn_zone("Mars/Olympus_Mons")  # unknown here: the zone it had stays
    _short_batch_nested_at(stock, "2026-12-06T17:30:00+00:00")
    [short] = shortages(stock)
    assert (short.needed_by, short.covered_on, short.waits) == ("2026-12-06", "2026-12-07", True)
