"""ExplainOrder of a late order: what holds it up and what would help, as values, on the wire."""

from __future__ import annotations

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import i18n
from gateway.portal.explanation import explained
from services.kit.words_pb import words_pb
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.planning.planner import Planner
from services.scheduling.queries import LatenessReason, explain_order
from services.scheduling.rpc.servicer import _reason_pb, _suggestion_pb
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


async def late_order() -> tuple[NetworkState, str]:
    state = NetworkState()
    add_factory(state, "A")
    for i in range(24):  # 24 h of sawing on one saw, all promised for today
        order = PoolOrder(order_id=f"O-{i:02d}", tenant="t")
        order.configure(1, PLAIN, "2026-11-25")
        add_order(state, order)
    planner = Planner(RecordingApp(state), state, InstantFollower(), SETTINGS,
                      clock=lambda: NOW_MS / 1000)
    assert await planner.plan_once({"orders_added"}) is not None
    late = [o for o in state.orders.values() if o.risk == "LATE"]
    assert late
    return state, late[0].order_id


async def test_a_late_order_is_explained_by_its_bottleneck_with_suggestions():
    state, order_id = await late_order()
    e = explain_order(state, SETTINGS, NOW_MS, order_id)

    assert e.risk == "LATE" and e.tardiness_s > 0 and e.factory_id == "A"
    [reason] = e.reasons
    assert isinstance(reason, LatenessReason) and reason.cause == "BOTTLENECK"
    assert reason.machine_id == "A-panel_saw" and reason.window[0] < reason.window[1]
    wired = _reason_pb(reason)
    assert wired.cause == pb.LATENESS_CAUSE_BOTTLENECK and wired.machine_id == "A-panel_saw"
    assert wired.window.start_unix_ms == reason.window[0]
    assert e.suggestions and all(_suggestion_pb(s).message == s.message for s in e.suggestions)


async def test_a_chinese_reader_reads_what_holds_it_up_and_what_would_help():
    """Issue 19: the explanation's parts are words; the portal says them in Chinese, the
    order, machine and factory as named and every moment on the reader's clock."""
    state, order_id = await late_order()
    e = explain_order(state, SETTINGS, NOW_MS, order_id)
    assert e.summary == e.summary_words.english() and e.reasons[0].message == (
        e.reasons[0].words.english())
    reply = pb.ExplainOrderResponse(
        order_id=order_id, summary=e.summary, summary_words=words_pb(e.summary_words),
        reasons=[_reason_pb(r) for r in e.reasons],
        suggestions=[_suggestion_pb(s) for s in e.suggestions])
    with i18n.speaking("zh-CN"):
        shown = explained(reply)
    [why] = shown.late_because
    assert why.startswith(f"{order_id}（延误，") and "瓶颈是 A 的 开料锯。" in why
    assert "A-panel_saw" in why and "(Asia/Shanghai)" in why and "T0" not in why
    # the machine type as people call it, never the wire's code (the machine's id keeps its own)
    assert "panel_saw" not in why.replace("A-panel_saw", "") and all(
        "panel_saw" not in s.replace("A-panel_saw", "") for s in shown.would_help), shown
    assert any(s.startswith("改为承诺 ") and "（晚 " in s for s in shown.would_help)
    with i18n.speaking("en"):
        english = explained(reply)
    assert english.late_because[0].startswith(f"{order_id} (late, ends ")
