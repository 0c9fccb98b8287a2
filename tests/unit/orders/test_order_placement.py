"""Placing orders: one construction for one order or many, repeats answered with the order
already placed, never a second order for one shop order (in-memory event store)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.order import Order, OrderIntake
from services.orders.domain.values import parse_order_content
from tests.helpers import order_payload

pytestmark = pytest.mark.unit


def request(external_id: str, channel: str = "dovetail") -> PlacementRequest:
    return PlacementRequest(channel, external_id, parse_order_content(order_payload(external_id)),
                            datetime(2026, 11, 25, 8, tzinfo=UTC), "t")


def stored(app: OrdersApplication) -> list[type]:
    """The aggregate class of every first event in the store (one per aggregate)."""
    events = app.recorder.select_notifications(1, 1000)
    return [Order if ":Order." in n.topic else OrderIntake
            for n in events if n.originator_version == 1]


@pytest.fixture
def app() -> OrdersApplication:
    return OrdersApplication()


def test_one_order_is_a_batch_of_one(app):
    [placed] = app.place_orders([request("S-1")])
    assert not placed.duplicate
    order = app.get_order(placed.order_id)
    assert (order.channel, order.external_id) == ("dovetail", "S-1")
    assert order.content.lines[0].product == "wardrobe"
    assert stored(app).count(Order) == 1 and stored(app).count(OrderIntake) == 1


def test_a_repeat_inside_one_batch_gets_the_first_ones_order(app):
    first, other, again = app.place_orders([request("S-1"), request("S-2"), request("S-1")])
    assert again.order_id == first.order_id and again.duplicate and not first.duplicate
    assert other.order_id != first.order_id and not other.duplicate
    assert stored(app).count(Order) == 2


def test_orders_placed_before_are_answered_as_duplicates_and_the_rest_are_placed(app):
    [before] = app.place_orders([request("S-1")])
    answers = app.place_orders([request("S-2"), request("S-1"), request("S-3")])
    assert answers[1].order_id == before.order_id and answers[1].duplicate
    assert not answers[0].duplicate and not answers[2].duplicate
    assert stored(app).count(Order) == 3 and stored(app).count(OrderIntake) == 3
    assert app.find_order("dovetail", "S-3").id == answers[2].order_id


def test_the_same_external_id_on_two_channels_is_two_orders(app):
    a, b = app.place_orders([request("S-1", "dovetail"), request("S-1", "othershop")])
    assert a.order_id != b.order_id and not a.duplicate and not b.duplicate


def test_a_duplicate_answer_carries_the_orders_current_status(app):
    [placed] = app.place_orders([request("S-1")])
    app.cancel_order(placed.order_id, "changed my mind")
    [again] = app.place_orders([request("S-1")])
    assert again.order_id == placed.order_id and again.status.value == "CANCELLED"


def test_an_intake_recorded_with_its_key_is_the_intake_its_natural_key_makes():
    from uuid import uuid4

    from services.orders.domain.order import intake_id

    order_id = uuid4()
    made = OrderIntake(channel="dovetail", external_id="SHOP-9", order_id=order_id)
    recorded = OrderIntake.record(intake_id("dovetail", "SHOP-9"), "dovetail", "SHOP-9", order_id)
    [a], [b] = made.collect_events(), recorded.collect_events()
    assert (recorded.id, type(b), b.channel, b.external_id, b.order_id) == (
        made.id, type(a), a.channel, a.external_id, a.order_id)
