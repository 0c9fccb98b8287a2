"""Carriers post signed events through the gateway; customers follow along without logging in."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.conftest import CHANNEL_KEY, auth
from tests.integration.delivery.conftest import (
    carrier_event,
    carrier_post,
    opened,
    post_event,
)
from tests.integration.test_orders_service import place_request
from webhook_signature import sign

pytestmark = pytest.mark.integration


async def test_signed_carrier_events_are_recorded_once_and_in_event_time_order(
        bus, delivery_stub, site, delivery_settings):
    shipment = await opened(delivery_stub, await bus.ship())
    now = datetime.now(UTC)
    event = carrier_event(shipment, "picked_up", now - timedelta(hours=3), "SF-EV-1",
                          location={"city": "Foshan", "region": "Guangdong", "country": "CN",
                                    "description": "Foshan Nanhai depot"})
    first = await site.post("/webhooks/carriers/sf-express",
                            **carrier_post(delivery_settings, "sf-express", event))
    again = await site.post("/webhooks/carriers/sf-express",
                            **carrier_post(delivery_settings, "sf-express", event))
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "PICKED_UP" and first.json()["applied"] is True
    assert again.status_code == 200 and again.json()["duplicate"] is True

    delivered = await post_event(site, delivery_settings, shipment, "delivered",
                                 at=now - timedelta(hours=1))
    late = await post_event(site, delivery_settings, shipment, "in_transit", at=now)
    assert delivered.json()["status"] == "DELIVERED"
    assert late.status_code == 202 and late.json() == {
        "duplicate": False, "applied": False, "status": "DELIVERED", "eta": late.json()["eta"]}


async def test_carrier_webhooks_refuse_what_does_not_fit(bus, delivery_stub, site,
                                                         delivery_settings):
    shipment = await opened(delivery_stub, await bus.ship())
    event = carrier_event(shipment, "in_transit")

    async def post(carrier="sf-express", payload=None, **signing):
        return await site.post(f"/webhooks/carriers/{carrier}", **carrier_post(
            delivery_settings, carrier if carrier in ("sf-express", "deppon") else "sf-express",
            payload or event, **signing))

    wrong = await post(secret="not-the-secret")
    stale = await post(timestamp=int(time.time()) - 301)
    unsigned = await site.post("/webhooks/carriers/sf-express", json=event)
    other_carrier = await post("deppon")  # signed by deppon, but not deppon's shipment
    unknown_carrier = await post("pigeon-post")
    unknown_number = await post(payload={**event, "tracking_number": "SF999999999999"})
    assert [r.status_code for r in (wrong, stale, unsigned)] == [401, 401, 401]
    assert other_carrier.status_code == 404 and unknown_carrier.status_code == 404
    assert unknown_number.status_code == 404 and "SF999999999999" in unknown_number.text

    for change, field in [
        ({"code": "teleported"}, "code"),
        ({"event_time": "yesterday"}, "event_time"),
        ({"event_time": "2026-12-01T08:00:00"}, "event_time"),  # no zone
        ({"event_time": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "event_time"),
        ({"event_id": ""}, "event_id"),
        ({"delay_minutes": -5}, "delay_minutes"),
        ({"surprise": True}, "surprise"),
    ]:
        response = await post(payload={**event, **change})
        assert response.status_code == 422, (change, response.text)
        fields = [e["field"] for e in response.json()["errors"]]
        assert any(field in f for f in fields), (change, fields)
    body = b"{not json"
    garbage = await site.post("/webhooks/carriers/sf-express", content=body, headers={
        "Dovetail-Signature": sign(delivery_settings.webhook_secrets["carrier-sf-express"], body),
        "Content-Type": "application/json"})
    assert garbage.status_code == 422
    got = await delivery_stub.GetShipment(
        pb.GetShipmentRequest(shipment_id=shipment.shipment_id), metadata=auth(TEST_ADMIN_KEY))
    assert list(got.shipment.events) == []  # none of it changed anything


async def test_the_tracking_page_needs_no_login_and_shows_no_personal_data(
        bus, delivery_stub, site, delivery_settings):
    shipment = await opened(delivery_stub, await bus.ship(reference="SHOP-TRACK-1"))
    await post_event(site, delivery_settings, shipment, "picked_up",
                     location={"city": "Foshan", "country": "CN"})

    page = await site.get(f"/track/{shipment.tracking_token}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    html = page.text
    assert "SHOP-TRACK-1" in html and "Guangzhou" in html and "Picked up by the carrier" in html
    assert 'name="viewport"' in html and "<script" not in html and "http" not in html.lower()
    for personal in ("Li Wei", "li.wei@example.com", "5555", "Tianhe", "510000"):
        assert personal not in html

    twin = await site.get(f"/track/{shipment.tracking_token}.json")
    api = await site.get(f"/api/v1/track/{shipment.tracking_token}")
    assert twin.status_code == api.status_code == 200
    view = twin.json()
    assert view == api.json()
    assert view["status"] == "PICKED_UP" and view["destination_city"] == "Guangzhou"
    assert view["eta"] and view["items"] == ["Wardrobe x 1"]
    assert [m["kind"] for m in view["milestones"] if m["reached"]] == [
        "ORDER_PLACED", "IN_PRODUCTION", "PRODUCED", "PICKED_UP"]
    for personal in ("Li Wei", "li.wei", "Tianhe", "510000", shipment.order_id):
        assert personal not in twin.text


async def test_guessing_tokens_gets_the_same_404_whatever_was_guessed(
        bus, delivery_stub, site):
    shipment = await opened(delivery_stub, await bus.ship())
    real = shipment.tracking_token
    near = real[:-1] + ("A" if real[-1] != "A" else "B")
    guesses = [near, "1", "abc", "x" * 43, "..%20admin", "%3Cscript%3E", "y" * 300, shipment.order_id,
               shipment.tracking_number]
    pages = [await site.get(f"/track/{g}") for g in guesses]
    assert {p.status_code for p in pages} == {404}
    assert len({p.text for p in pages}) == 1 and "not found" in pages[0].text.lower()
    twins = [await site.get(f"/api/v1/track/{g}") for g in guesses] + [
        await site.get(f"/track/{g}.json") for g in guesses]
    assert {t.status_code for t in twins} == {404}
    assert len({t.text for t in twins}) == 1


async def test_from_produced_to_delivered_the_order_follows(
        bus, delivery_stub, site, delivery_settings, orders_channel):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    placed = await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    order_id = placed.order_id  # orders publishes OrderPlaced itself: delivery hears it
    await bus.configured(order_id)
    await bus.scheduled(order_id, "f1", datetime.now(UTC) + timedelta(minutes=5))
    await bus.produced(order_id, "f1")

    async def order_status(status):
        got = await orders.GetOrder(orders_pb.GetOrderRequest(order_id=order_id),
                                    metadata=auth(TEST_ADMIN_KEY))
        return got.order if got.order.status == status else None

    shipment = await opened(delivery_stub, order_id)
    shipped = await eventually(lambda: order_status(orders_pb.ORDER_STATUS_SHIPPED))
    assert shipped.tracking_token == shipment.tracking_token

    start = datetime.now(UTC) - timedelta(hours=3)
    for i, code in enumerate(("picked_up", "in_transit", "out_for_delivery", "delivered")):
        response = await post_event(site, delivery_settings, shipment, code,
                                    at=start + timedelta(minutes=30 * i))
        assert response.status_code == 202, response.text
    await eventually(lambda: order_status(orders_pb.ORDER_STATUS_DELIVERED))

    view = (await site.get(f"/track/{shipment.tracking_token}.json")).json()
    assert view["status"] == "DELIVERED" and all(m["reached"] for m in view["milestones"])
    page = await site.get(f"/track/{shipment.tracking_token}")
    assert "Delivered" in page.text
