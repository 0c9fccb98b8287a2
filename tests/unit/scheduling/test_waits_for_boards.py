"""An order whose cutting batch waits for boards (issue 20, item 4): its saw work starts no
earlier than the boards, and its explanation says what it waits for, where and until when."""

from __future__ import annotations

import pytest

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
WORDS = "waits for board mdf-18 2440×1220 at factory A until 2026-11-28"


def saw_start(state: NetworkState, order_id: str) -> int:
    return min(row.start_ms for row in state.plan_rows.values() if row.order_id == order_id)


async def test_the_saw_waits_for_the_boards_and_the_explanation_says_so():
    state = NetworkState()
    add_factory(state, "A")
    kept = {}
    for order_id in ("WAITS", "FREE"):
        order = kept[order_id] = PoolOrder(order_id=order_id, tenant="t")
        order.configure(1, PLAIN, "2026-12-20")
        add_order(state, order)
    waiting = kept["WAITS"]  # as the application holds it; the state replays its events
    boards_ms = NOW_MS + 2 * DAY_MS - 8 * 3_600_000  # 2026-11-28 00:00 UTC
    assert waiting.await_boards("A", "B-1", boards_ms, WORDS)
    assert not waiting.await_boards("A", "B-1", boards_ms, WORDS)  # a repeat: no change
    assert [state.apply(e) for e in waiting.collect_events()] == [CAPACITY]  # plan again
    planner = Planner(RecordingApp(state), state, InstantFollower(), SETTINGS,
                      clock=lambda: NOW_MS / 1000)
    assert await planner.plan_once({"orders_added"}) is not None
    assert saw_start(state, "WAITS") >= boards_ms
    assert saw_start(state, "FREE") < boards_ms  # the other order does not wait
    summary = explain_order(state, SETTINGS, NOW_MS, "WAITS").summary
    assert summary.startswith(WORDS)
    assert not explain_order(state, SETTINGS, NOW_MS, "FREE").summary.startswith("waits")
