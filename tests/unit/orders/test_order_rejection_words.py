"""Why configuration rejected an order, as words (issue 19, item 3): the orders service keeps
each reason's words beside its English, sends them with the order and says them in the
order's history; a rejection recorded before words keeps its English only."""

from __future__ import annotations

import pytest

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from gateway import i18n
from services.kit.words import N_, Words
from services.kit.words_pb import words_pb
from services.orders.policies import _record_rejected
from services.orders.timeline import summary
from services.orders.wire import order_to_pb
from tests.unit.orders.test_order_planning_held import placed_order

pytestmark = pytest.mark.unit

SPAN = Words.of(N_("shelf span %(span)s is over the %(limit)s allowed for %(board)s"),
                span="1,964 mm", limit="800 mm", board="18 mm particleboard")
FIX = Words.of(N_("add a divider (dividers: %(n)s)"), n=1)


def rejection(worded: bool) -> configurator.ConfigurationRejected:
    reason = cfg.RejectionReason(line_id="1", parameter="dividers", message=SPAN.english(),
                                 suggestion=FIX.english())
    if worded:
        reason.message_words.CopyFrom(words_pb(SPAN))
        reason.suggestion_words.CopyFrom(words_pb(FIX))
    return configurator.ConfigurationRejected(order_id="o", order_version=1, reasons=[reason])


ENGLISH = ("dividers: shelf span 1,964 mm is over the 800 mm allowed for 18 mm particleboard "
           "(add a divider (dividers: 1))")
CHINESE = "dividers：层板跨度 1,964 mm 超过18 mm 刨花板允许的 800 mm（加一块中隔板（dividers: 1））"


def test_the_order_keeps_the_words_beside_the_english_and_sends_them():
    order = placed_order()
    assert _record_rejected(order, rejection(worded=True), "configurator:3")
    assert order.rejection_reasons == [ENGLISH]
    [said] = order.rejection_reason_words
    assert said.english() == ENGLISH
    wire = order_to_pb(order)
    assert list(wire.rejection_reasons) == [ENGLISH]
    with i18n.speaking("zh-CN"):
        assert i18n.said_words(wire.rejection_reason_words[0]) == CHINESE
    [event] = [e for e in order.collect_events() if type(e).__name__ == "ConfigurationRejected"]
    history = summary("ConfigurationRejected", event.__dict__)
    with i18n.speaking("zh-CN"):
        assert i18n.said_words(words_pb(history)).endswith(CHINESE)
    assert history.english() == f"Rejected: {ENGLISH}"


def test_a_rejection_without_words_reads_as_written():
    order = placed_order()
    assert _record_rejected(order, rejection(worded=False), "configurator:3")
    assert order.rejection_reasons == [ENGLISH]
    assert order.rejection_reason_words == []
    assert list(order_to_pb(order).rejection_reason_words) == []
