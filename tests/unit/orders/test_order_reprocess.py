"""An order configuration rejected is made again from what the shop sent, after a mapping or
catalogue fix: a new revision, published as an amendment, attributed to who asked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.errors import NotRejected
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import parse_order_content
from services.orders.published import to_integration
from tests.helpers import order_payload

pytestmark = pytest.mark.unit


@pytest.fixture
def app() -> OrdersApplication:
    return OrdersApplication()


def placed(app: OrdersApplication) -> tuple:
    content = parse_order_content(order_payload("S-9"))
    [placement] = app.place_orders([PlacementRequest(
        "shopify", "S-9", content, datetime(2026, 11, 25, 8, tzinfo=UTC), "t",
        source='{"id": 9}')])
    return placement.order_id, content.lines


def test_a_rejected_order_is_made_again_as_a_new_revision_by_who_asked(app):
    order_id, lines = placed(app)
    order = app.get_order(order_id)
    order.record_rejected(1, ["width_mm: 3000 is outside 400-1200"], "cfg")
    app.save(order)

    order = app.reprocess_order(order_id, lines, ("line 1: Engraving: Li",), "planner@example.com")
    assert order.status is OrderStatus.PLACED and order.revision == 2
    assert order.rejection_reasons == [] and order.notes == ("line 1: Engraving: Li",)
    assert order.source == '{"id": 9}'  # the shop's payload stays with the order
    last = list(app.events.get(order_id))[-1]
    subject, body = to_integration(last)
    assert subject == "amended" and body.revision == 2 and len(body.items) == len(lines)
    entry = app.history(order_id)[-1]
    assert entry.type == "Reprocessed" and entry.by == "planner@example.com"
    assert entry.status_after is OrderStatus.PLACED


@pytest.mark.parametrize("status", ["placed", "cancelled"])
def test_only_a_rejected_order_is_reprocessed(app, status):
    order_id, lines = placed(app)
    if status == "cancelled":
        app.cancel_order(order_id, "no longer wanted")
    with pytest.raises(NotRejected):
        app.reprocess_order(order_id, lines, (), "admin")
    assert app.get_order(order_id).revision == 1
