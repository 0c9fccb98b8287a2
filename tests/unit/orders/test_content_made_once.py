"""A placed order's content becomes protobuf once for the relay and the order list, which map
the same event moments apart (issue 16, item 1), and both carry the same content."""

from __future__ import annotations

import base64

import pytest

from dovetail.orders.v1 import orders_service_pb2 as pb
from services.orders import projections, published, wire
from services.orders.application import OrdersApplication
from tests.unit.orders.test_order_placement import request

pytestmark = pytest.mark.unit


def test_the_relay_and_the_order_list_make_the_content_once(monkeypatch):
    app = OrdersApplication()
    app.place_orders([request("SHOP-ONCE")])
    [placed] = [
        e
        for e in map(app.mapper.to_domain_event, app.recorder.select_notifications(1, 10))
        if type(e).__name__ == "Placed"
    ]
    made = []

    def counted(content):
        made.append(content)
        return wire.content_to_pb.__wrapped__(content)

    counted.__wrapped__ = wire.content_to_pb  # type: ignore[attr-defined]
    monkeypatch.setattr(wire, "content_to_pb", counted)
    for module in (published, projections):  # wherever it is called from
        monkeypatch.setattr(module, "content_to_pb", counted, raising=False)
    name, body = published.to_integration(placed)
    row = projections._placed_row(placed)
    assert len(made) == 1
    listed = pb.Order.FromString(base64.b64decode(row["content_pb"]))
    assert name == "placed" and list(body.items) == list(listed.items)
    assert body.customer == listed.customer and body.total == listed.total
    assert body.items[0].options["width_mm"] == 2000
