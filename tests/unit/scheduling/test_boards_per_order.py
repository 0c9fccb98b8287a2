"""Waits per order, not per batch (issue 20, item 4): only the orders a batch's waits hold
wait, each until its own boards (the factory's midnight, the zone named); a later revision of
the batch moves the wait, an older one is ignored; the explanation says which batch cuts it."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gateway.reads import words_read
from services.kit.words_pb import words_pb
from services.scheduling.domain.boards import BoardsDue, OrderWait, order_waits
from services.scheduling.domain.network import CAPACITY, NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.planning.planner import Planner
from services.scheduling.queries import explain_order
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_scheduling_left_out import (
    NOW_MS,
    PLAIN,
    SETTINGS,
    InstantFollower,
    add_factory,
    add_order,
)

pytestmark = pytest.mark.unit

DAY_MS = 86_400_000
SHANGHAI = "Asia/Shanghai"
MDF = "mdf-18 2440×1220"
WHITE = "particleboard-18 melamine-white 2800×2070"


def midnight(day: str, zone: str = SHANGHAI) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)


def test_only_the_orders_a_wait_holds_wait_each_until_its_latest_boards():
    waits = [BoardsDue(MDF, "2026-12-09", ("A", "B")), BoardsDue(MDF, "2026-12-11", ("B",)),
             BoardsDue(WHITE, "2026-12-10", ("A",)), BoardsDue(WHITE, "", ("C",))]
    each = order_waits(["A", "B", "C", "D"], waits, "F1", SHANGHAI, NOW_MS, 3)
    assert each["A"] == OrderWait(midnight("2026-12-10"), (
        f"waits for board {MDF} at factory F1 until 2026-12-09 (Asia/Shanghai); "
        f"waits for board {WHITE} at factory F1 until 2026-12-10 (Asia/Shanghai)"))
    assert each["B"] == OrderWait(midnight("2026-12-11"),
                                  f"waits for board {MDF} at factory F1 until 2026-12-11 "
                                  "(Asia/Shanghai)")
    assert each["C"] == OrderWait(NOW_MS + 3 * DAY_MS,  # none on order: the assumed lead time
                                  f"waits for board {WHITE} at factory F1 (none on order)")
    assert each["D"] == OrderWait(0, "")  # its sheets are in stock: cut at once


def test_a_wait_naming_no_orders_holds_every_order_of_the_batch():
    each = order_waits(["A", "B"], [BoardsDue(MDF, "2026-12-09")], "F1", "UTC", NOW_MS, 3)
    assert {o: w.from_ms for o, w in each.items()} == {"A": midnight("2026-12-09", "UTC"),
                                                       "B": midnight("2026-12-09", "UTC")}


def test_an_older_revision_of_the_batch_is_ignored_a_newer_one_moves_the_wait():
    order = PoolOrder(order_id="A", tenant="t")
    order.configure(1, PLAIN, "2026-12-20")
    assert order.await_boards("F1", "B-1", 5_000, "waits", revision=2, batch_orders=3)
    assert not order.await_boards("F1", "B-1", 9_000, "waits longer", revision=1, batch_orders=3)
    assert not order.await_boards("F1", "B-1", 5_000, "waits", revision=2, batch_orders=3)
    assert order.await_boards("F1", "B-1", 0, "", revision=3, batch_orders=3)
    assert (order.boards_from_ms, order.boards_wait, order.boards_batch) == (0, "", ("B-1", 3, 3))
    assert order.await_boards("F1", "B-2", 7_000, "again", revision=0, batch_orders=1)  # re-batched


def saw_start(state: NetworkState, order_id: str) -> int:
    return min(row.start_ms for row in state.plan_rows.values() if row.order_id == order_id)


async def test_the_order_on_short_sheets_waits_its_batch_mate_is_cut_at_once():
    state = NetworkState()
    add_factory(state, "A")  # a factory on UTC
    kept = {}
    for order_id in ("WAITS", "FREE"):
        order = kept[order_id] = PoolOrder(order_id=order_id, tenant="t")
        order.configure(1, PLAIN, "2026-12-20")
        add_order(state, order)
    day = "2026-11-28"
    each = order_waits(["WAITS", "FREE"], [BoardsDue(MDF, day, ("WAITS",))], "A", "UTC",
                       NOW_MS, 3)
    for order_id, wait in each.items():
        kept[order_id].await_boards("A", "B-1", wait.from_ms, wait.words, 0, 2)
        add_order(state, kept[order_id])
    planner = Planner(RecordingApp(state), state, InstantFollower(), SETTINGS,
                      clock=lambda: NOW_MS / 1000)
    assert await planner.plan_once({"orders_added"}) is not None
    assert saw_start(state, "WAITS") >= midnight(day, "UTC")
    assert saw_start(state, "FREE") < midnight(day, "UTC")
    waits = explain_order(state, SETTINGS, NOW_MS, "WAITS").summary
    assert waits.startswith(f"waits for board {MDF} at factory A until {day} (UTC); "
                            "cut in batch B-1 with 1 other order; ")
    free = explain_order(state, SETTINGS, NOW_MS, "FREE").summary
    assert free.startswith("cut in batch B-1 with 1 other order; FREE is planned at A")

    # boards received: revision 1 of the batch holds nobody, the order is planned at once
    waiting = copy.deepcopy(state.orders["WAITS"])  # as the application loads it
    assert waiting.await_boards("A", "B-1", 0, "", 1, 2)
    assert [state.apply(e) for e in waiting.collect_events()] == [CAPACITY]  # plan again
    assert await planner.plan_once({CAPACITY}) is not None
    assert saw_start(state, "WAITS") < midnight(day, "UTC")
    assert "waits" not in explain_order(state, SETTINGS, NOW_MS, "WAITS").summary


def test_news_of_a_batch_nested_before_the_one_it_is_in_changes_nothing():
    order = PoolOrder(order_id="A", tenant="t")
    order.configure(1, PLAIN, "2026-12-20")
    assert order.await_boards("F1", "B-2", 7_000, "waits for B-2", 0, 2, nested_ms=2_000)
    # B-1 (nested earlier, then released) says late that it holds nothing any more
    assert not order.await_boards("F1", "B-1", 0, "", 1, 2, nested_ms=1_000)
    assert (order.boards_wait, order.boards_batch[0]) == ("waits for B-2", "B-2")
    assert order.await_boards("F1", "B-3", 0, "", 0, 1, nested_ms=3_000)  # a later batch


def test_each_wait_is_words_a_chinese_reader_reads_with_the_day_as_they_write_it():
    """Issue 19: what an order waits for is kept as words too, said in the reader's language
    (the board and factory as named, the day 2026年12月9日)."""
    from gateway import i18n
    from gateway.portal.words import with_local_times

    waits = [BoardsDue(MDF, "2026-12-09", ("A",)), BoardsDue(WHITE, "", ("A",))]
    said = order_waits(["A"], waits, "F1", SHANGHAI, NOW_MS, 3)["A"].said
    assert "; ".join(w.english() for w in said) == order_waits(
        ["A"], waits, "F1", SHANGHAI, NOW_MS, 3)["A"].words
    with i18n.speaking("zh-CN"):
        shown = [with_local_times("", words=words_read(words_pb(w))) for w in said]
    assert shown == [f"等待工厂 F1 的板材 {MDF}，直到 2026年12月9日（Asia/Shanghai）",
                     f"等待工厂 F1 的板材 {WHITE}：没有在途采购"]
