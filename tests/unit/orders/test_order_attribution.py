"""A person's change to an order is kept with their name (issue 19): cancel and amend record
`by`, the history shows it, and events stored before `by` existed still load."""

from __future__ import annotations

import pytest

from services.kit.auth import ACTOR_METADATA, Principal, actor_of
from services.orders.application import OrdersApplication
from services.orders.domain.order import Order
from services.orders.domain.values import parse_order_content
from tests.helpers import order_payload
from tests.unit.orders.test_order_placement import request

pytestmark = pytest.mark.unit

CONTENT = parse_order_content(order_payload())


def test_cancel_and_amend_are_kept_with_who_asked():
    app = OrdersApplication()
    [placed] = app.place_orders([request("S-1")])
    lines = parse_order_content(order_payload("S-1")).lines
    app.amend_order(placed.order_id, 0, lines, None, "wider", by="pat@example.com")
    app.cancel_order(placed.order_id, "changed mind", by="sam@example.com")
    history = app.history(placed.order_id)
    assert [(e.type, e.by) for e in history] == [
        ("Placed", ""), ("Amended", "pat@example.com"), ("Cancelled", "sam@example.com")]


def test_an_event_stored_before_by_existed_still_loads():
    order = Order(channel="dovetail", external_id="S-2", tenant="t",
                  placed_at="2026-11-25T08:00:00+00:00", content=CONTENT)
    order.cancel("old reason", by="someone")
    events = order.collect_events()
    del events[-1].__dict__["by"]  # as an event stored before the field was recorded
    loaded = None
    for stored in events:
        loaded = stored.mutate(loaded)
    assert loaded.status.value == "CANCELLED" and loaded.cancellation_reason == "old reason"


def test_only_an_admin_caller_may_name_the_person_it_acts_for():
    named = [(ACTOR_METADATA, "pat@example.com"), ("authorization", "Bearer x")]
    assert actor_of(Principal("admin"), named) == "pat@example.com"
    assert actor_of(Principal("admin"), []) == "admin"
    assert actor_of(Principal("factory", "f1"), named) == "factory:f1"
    assert actor_of(Principal("channel", "shop"), [(ACTOR_METADATA, "  ")]) == "channel:shop"
