"""Orders' events stored while an order's content was a plain object (v1:
data/orders_events_v1.json, as that code wrote them: placed awaiting mapping, mapped, amended;
placed without a total or promised date, rejected, re-processed) load with the content as an
`OrderContent`, read and publish as before, and carry on with v2 events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from eventsourcing.persistence import StoredEvent

from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import OrderContent, parse_order_content
from services.orders.published import to_integration
from services.orders.wire import order_to_pb
from tests.helpers import order_payload

pytestmark = pytest.mark.unit

V1 = json.loads((Path(__file__).parent / "data" / "orders_events_v1.json").read_text())
MAPPED, REJECTED = (uuid.UUID(V1[i]["originator_id"]) for i in (0, 3))


@pytest.fixture
def app() -> OrdersApplication:
    app = OrdersApplication()
    app.recorder.insert_events([
        StoredEvent(uuid.UUID(e["originator_id"]), e["originator_version"], e["topic"],
                    json.dumps(e["state"]).encode()) for e in V1])
    return app


def test_the_stored_events_are_v1_with_a_plain_content():
    assert all("class_version" not in e["state"] and isinstance(e["state"]["content"], dict)
               for e in V1 if "content" in e["state"])


def test_a_mapped_and_amended_order_loads_its_content_as_a_value(app):
    order = app.get_order(MAPPED)

    assert isinstance(order.content, OrderContent)
    assert order.status is OrderStatus.PLACED and order.revision == 2
    expected = parse_order_content(order_payload("V1-MAPPED"))
    assert order.content.customer == expected.customer
    assert order.content.total == expected.total and order.content.total.amount == Decimal("5999.00")
    assert order.content.promised_date == date(2026, 12, 20)
    assert [line.options["width_mm"] for line in order.content.lines] == [2200]
    assert order.content.lines[0].options["board"] == "particleboard-18"
    assert order_to_pb(order).items[0].options["width_mm"] == 2200
    assert [e.summary for e in app.history(MAPPED)][-1] == "Amended: wider"


def test_stored_v1_events_publish_what_they_published(app):
    events = list(app.events.get(MAPPED))
    subjects = [to_integration(e) for e in events]
    assert subjects[0] is None  # waiting for mapping
    (placed, body), (amended, changed) = subjects[1], subjects[2]
    assert placed == "placed" and body.items[0].product == "wardrobe"
    assert body.total.amount == "5999.00" and body.customer.address.city == "Guangzhou"
    assert amended == "amended" and changed.items[0].options["width_mm"] == 2200


def test_an_order_without_total_or_promised_date_reloads_and_is_reprocessed_again(app):
    order = app.get_order(REJECTED)
    assert order.content.total is None and order.content.promised_date is None
    assert order.revision == 2 and order.status is OrderStatus.PLACED

    order.record_rejected(2, ["still too wide"], "configurator:8")
    app.save(order)
    app.reprocess_order(REJECTED, order.content.lines, (), "admin")
    [new] = app.recorder.select_events(REJECTED, gt=order.version)
    state = json.loads(new.state)
    assert state["class_version"] == 2 and state["content"]["_type_"] == "orders.content"
    assert state["content"]["_data_"]["total"] is None
    again = app.get_order(REJECTED)
    assert again.revision == 3 and again.content == order.content


def test_a_new_order_is_stored_as_v2_with_its_content_as_one_object(app):
    content = parse_order_content(order_payload("V2-NEW"))
    [placed] = app.place_orders([PlacementRequest("dovetail", "V2-NEW", content,
                                                  datetime(2026, 11, 25, 8, tzinfo=UTC), "t")])
    [stored] = app.recorder.select_events(placed.order_id, limit=1)
    state = json.loads(stored.state)
    assert state["class_version"] == 2 and state["content"]["_type_"] == "orders.content"
    assert state["content"]["_data_"]["total"] == {"amount": "5999.00", "currency": "CNY"}
    assert app.get_order(placed.order_id).content == content
