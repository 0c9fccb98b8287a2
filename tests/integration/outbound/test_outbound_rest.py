"""The outbound admin API through the gateway: subscriptions with their delivery log, shop
links whose credentials never come back, the dead-letter list and its retry."""

from __future__ import annotations

import random

import httpx
import pytest

from dovetail.orders.v1 import orders_events_pb2 as orders
from gateway.app import create_app
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.gateway.conftest import serve
from tests.integration.outbound.conftest import new_order_id
from tests.integration.outbound.receivers import WOO_KEY

pytestmark = pytest.mark.integration
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


@pytest.fixture(scope="module")
async def rest(settings, orders_service, outbound_service):
    app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}",
                                "outbound": f"127.0.0.1:{outbound_service.port}"})
    server, task, base_url = await serve(app)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client
    server.should_exit = True
    await task


async def test_a_subscription_created_listed_logged_and_removed_over_rest(rest, receivers,
                                                                          upstream):
    created = await rest.post("/api/v1/admin/subscriptions", headers=ADMIN, json={
        "url": f"{receivers.url}/hooks/rest", "event_types": ["order.placed"],
        "description": "BI"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    sid = body["subscription"]["subscription_id"]
    receivers.world.secrets["rest"] = body["secret"]
    listed = await rest.get("/api/v1/admin/subscriptions", headers=ADMIN)
    assert sid in [s["subscription_id"] for s in listed.json()]
    assert body["secret"] not in listed.text

    order_id = new_order_id()
    await upstream.publish("orders", "placed", orders.OrderPlaced(
        order_id=order_id, channel="dovetail", external_id="X1"), order_id)

    async def logged():
        page = await rest.get(f"/api/v1/admin/subscriptions/{sid}/deliveries", headers=ADMIN)
        assert page.status_code == 200, page.text
        entries = [d for d in page.json()["deliveries"] if d["order_id"] == order_id]
        assert len(entries) == 1 and entries[0]["status"] == "delivered"
        return entries[0]

    entry = await eventually(logged, timeout=30)
    assert entry["attempts"][0]["status_code"] == 200 and entry["event_type"] == "order.placed"

    removed = await rest.delete(f"/api/v1/admin/subscriptions/{sid}", headers=ADMIN)
    assert removed.status_code == 200 and removed.json()["active"] is False


async def test_shop_credentials_go_in_and_never_come_back(rest):
    channel = f"woo-{random.randrange(10**9)}"
    secret = f"cs_{random.randrange(10**12)}"
    put = await rest.put(f"/api/v1/admin/shops/{channel}", headers=ADMIN, json={
        "platform": "woocommerce", "base_url": "https://shop.example.com",
        "consumer_key": WOO_KEY, "consumer_secret": secret})
    assert put.status_code == 200, put.text
    assert put.json()["credentials_set"] is True and put.json()["platform"] == "woocommerce"
    listed = await rest.get("/api/v1/admin/shops", headers=ADMIN)
    assert channel in [s["channel"] for s in listed.json()]
    for answer in (put, listed):
        assert secret not in answer.text and WOO_KEY not in answer.text


async def test_bad_input_is_a_422_naming_each_field_and_unknown_ids_404(rest):
    bad = await rest.post("/api/v1/admin/subscriptions", headers=ADMIN, json={
        "url": "http://erp.example.com/", "event_types": ["order.lost"]})
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {"url", "event_types[0]"}
    shop = await rest.put("/api/v1/admin/shops/shop1", headers=ADMIN, json={
        "platform": "shopify", "base_url": "https://s.example.com"})
    assert shop.status_code == 422
    assert [e["field"] for e in shop.json()["errors"]] == ["access_token"]
    unknown = await rest.post(
        "/api/v1/admin/dead-letters/7a0c6a3e-0000-4000-8000-000000000000/retry", headers=ADMIN)
    assert unknown.status_code == 404
    letters = await rest.get("/api/v1/admin/dead-letters", headers=ADMIN)
    assert letters.status_code == 200 and "deliveries" in letters.json()
    anonymous = await rest.get("/api/v1/admin/dead-letters")
    assert anonymous.status_code == 401
