"""The Order aggregate: every state, every transition, stale facts ignored."""

from __future__ import annotations

import pytest

from services.orders.domain.errors import OrderAlreadyCancelled, ProductionStarted
from services.orders.domain.order import Order, OrderIntake, intake_id
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import parse_order_content
from tests.helpers import order_payload

pytestmark = pytest.mark.unit

CONTENT = parse_order_content(order_payload())


def new_order() -> Order:
    return Order(channel="dovetail", external_id="SHOP-1", tenant="t",
                 placed_at="2026-11-25T08:00:00+00:00", content=CONTENT)


def test_an_order_moves_from_placed_to_delivered():
    order = new_order()
    assert order.record_configured(1, 3, "c:1")
    assert order.record_scheduled(None, "F-1", "2026-12-01T08:00:00+00:00",
                                  "2026-12-02T17:00:00+00:00", "s:1")
    assert order.record_production_started(None, "s:2")
    assert order.record_produced(None, "s:3")
    assert order.record_shipped("tok", "d:1")
    assert order.record_delivered("d:2")
    assert order.status is OrderStatus.DELIVERED
    assert [type(e).__name__ for e in order.collect_events()] == [
        "Placed", "Configured", "Scheduled", "ProductionStarted", "Produced", "Shipped",
        "Delivered"]


def test_facts_arriving_out_of_order_still_move_the_order_forward_once():
    order = new_order()
    assert order.record_scheduled(None, "F-1", "a", "b", "s:1")  # before "configured"
    assert not order.record_configured(1, 3, "c:1")  # late: the order is already past it
    assert order.status is OrderStatus.SCHEDULED


def test_a_replan_changes_the_dates_but_an_identical_one_records_nothing():
    order = new_order()
    order.record_configured(1, 3, "c")
    assert order.record_scheduled(None, "F-1", "a", "b", "s:1")
    assert order.record_scheduled(None, "F-2", "c", "d", "s:2")
    assert not order.record_scheduled(None, "F-2", "c", "d", "s:3")
    assert order.factory_id == "F-2"


def test_a_configuration_of_an_earlier_revision_is_ignored_after_an_amendment():
    order = new_order()
    order.amend({"lines": [1]}, "wider")
    assert order.revision == 2
    assert not order.record_configured(1, 3, "c:old")
    assert order.record_configured(2, 3, "c:new")


def test_rejected_orders_can_be_amended_and_go_through_configuration_again():
    order = new_order()
    order.record_rejected(1, ["shelf span too long"], "c")
    assert order.status is OrderStatus.REJECTED and order.rejection_reasons
    order.amend({"lines": []}, "fixed")
    assert order.status is OrderStatus.PLACED and order.rejection_reasons == []


@pytest.mark.parametrize("act", ["cancel", "amend"])
def test_once_production_started_an_order_cannot_be_cancelled_or_amended(act):
    order = new_order()
    order.record_production_started(None, "s")
    with pytest.raises(ProductionStarted, match="production has started"):
        order.cancel("x") if act == "cancel" else order.amend({}, "x")


def test_cancelling_twice_is_harmless_and_cancelled_orders_ignore_later_facts():
    order = new_order()
    assert order.cancel("changed mind")
    assert not order.cancel("again")
    assert not order.record_configured(1, 3, "c")
    assert order.status is OrderStatus.CANCELLED
    with pytest.raises(OrderAlreadyCancelled):
        order.amend({}, "x")


def test_the_intake_index_id_is_the_same_for_the_same_shop_order_only():
    assert intake_id("shop", "A") == intake_id("shop", "A")
    assert intake_id("shop", "A") != intake_id("shop2", "A")
    assert intake_id("a", "b\x1fc") != intake_id("a\x1fb", "c")
    order = new_order()
    assert OrderIntake(channel="shop", external_id="A", order_id=order.id).id == intake_id("shop", "A")
