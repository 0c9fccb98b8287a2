"""A shop's signed webhook through the gateway to a stored order, and every refusal."""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, order_payload, placed_events_for
from tests.integration.conftest import CHANNEL_KEY
from webhook_signature import sign

pytestmark = pytest.mark.integration


def signed(settings, payload, channel: str = "dovetail", *, secret: str | None = None,
           timestamp: int | None = None) -> dict:
    body = json.dumps(payload).encode()
    signature = sign(secret or settings.webhook_secrets[channel], body, timestamp)
    return {"content": body, "headers": {"Dovetail-Signature": signature,
                                         "Content-Type": "application/json"}}


async def test_a_signed_webhook_places_an_order_once(gateway, settings):
    payload = order_payload()
    first = await gateway.post("/webhooks/dovetail/orders", **signed(settings, payload))
    assert first.status_code == 202, first.text
    assert first.json()["duplicate"] is False and first.json()["status"] == "PLACED"
    again = await gateway.post("/webhooks/dovetail/orders", **signed(settings, payload))
    assert again.status_code == 200 and again.json() == {**first.json(), "duplicate": True}

    order_id = first.json()["order_id"]
    read = await gateway.get(f"/api/v1/orders/{order_id}",
                             headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
    assert read.status_code == 200
    order = read.json()
    assert order["status"] == "PLACED" and order["external_id"] == payload["external_id"]
    assert order["items"][0]["options"]["doors"] == 2 and order["promised_date"] == "2026-12-20"
    events = await eventually(lambda: placed_events_for(settings.nats_url, order_id))
    assert len(events) == 1


async def test_wrong_stale_or_missing_signatures_are_refused(gateway, settings):
    payload = order_payload()
    wrong = await gateway.post("/webhooks/dovetail/orders",
                               **signed(settings, payload, secret="not-the-secret"))
    stale = await gateway.post("/webhooks/dovetail/orders",
                               **signed(settings, payload, timestamp=int(time.time()) - 301))
    missing = await gateway.post("/webhooks/dovetail/orders", json=payload)
    tampered = signed(settings, payload)
    tampered["content"] = tampered["content"].replace(b"5999.00", b"1.00")
    altered = await gateway.post("/webhooks/dovetail/orders", **tampered)
    assert [r.status_code for r in (wrong, stale, missing, altered)] == [401, 401, 401, 401]
    # None of them stored anything.
    listed = await gateway.get("/api/v1/orders", params={"q": payload["external_id"]},
                               headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
    assert listed.json()["items"] == []


async def test_the_channel_and_signature_are_checked_before_the_body_is_read(gateway, settings):
    """404 for a channel we do not have, then 401, whatever the body: an unsigned body that
    does not fit, is not JSON or has a key twice is not parsed for anyone."""
    bodies = [json.dumps({"external_id": ""}).encode(), b"not json", b'{"a": 1, "a": 2}']
    for body in bodies:
        unsigned = await gateway.post("/webhooks/dovetail/orders", content=body,
                                      headers={"Content-Type": "application/json"})
        assert unsigned.status_code == 401, unsigned.text
        elsewhere = await gateway.post("/webhooks/no-such-shop/orders", content=body, headers={
            "Content-Type": "application/json", "Dovetail-Signature": sign("x", body)})
        assert elsewhere.status_code == 404, elsewhere.text
    bad = signed(settings, {"external_id": ""})
    assert (await gateway.post("/webhooks/dovetail/orders", **bad)).status_code == 422


async def test_unknown_channel_is_not_found(gateway, settings):
    response = await gateway.post("/webhooks/nosuchshop/orders",
                                  **signed(settings, order_payload(), secret="x"))
    assert response.status_code == 404


@pytest.mark.parametrize("change, field", [
    (lambda p: p.pop("items"), "/items"),
    (lambda p: p.update(items=[]), "/items"),
    (lambda p: p["items"][0].update(quantity="two"), "/items/0/quantity"),
    (lambda p: p["items"][0].update(quantity=0), "/items/0/quantity"),
    (lambda p: p["customer"]["address"].update(country="China"), "/customer/address/country"),
    (lambda p: p.update(promised_date="20 December"), "/promised_date"),
    (lambda p: p.update(total={"amount": "59.999", "currency": "CNY"}), "/total/amount"),
    (lambda p: p.update(unexpected=True), "unexpected"),
])
async def test_a_body_that_does_not_fit_gets_422_with_the_field(gateway, settings, change, field):
    payload = order_payload()
    change(payload)
    response = await gateway.post("/webhooks/dovetail/orders", **signed(settings, payload))
    assert response.status_code == 422, response.text
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(field in f for f in fields), fields


async def test_a_body_with_many_problems_names_every_one_by_json_pointer(gateway, settings):
    payload = order_payload()
    del payload["customer"]["name"]
    payload["items"][0]["quantity"] = "two"
    payload["items"].append({"line_id": "2", "quantity": 0})
    payload["total"] = {"amount": 59}
    response = await gateway.post("/webhooks/dovetail/orders", **signed(settings, payload))
    assert response.status_code == 422, response.text
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"/customer/name", "/items/0/quantity", "/items/1/product", "/items/1/quantity",
            "/total/amount", "/total/currency"} <= fields, fields


async def test_not_json_at_all_is_422(gateway, settings):
    body = b"{not json"
    response = await gateway.post("/webhooks/dovetail/orders", content=body, headers={
        "Dovetail-Signature": sign(settings.webhook_secrets["dovetail"], body),
        "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.status_code == 422


async def test_orders_rest_needs_an_admin_key(gateway):
    assert (await gateway.get("/api/v1/orders")).status_code == 401
    channel = await gateway.get("/api/v1/orders", headers={"Authorization": f"Bearer {CHANNEL_KEY}"})
    assert channel.status_code == 403
    admin = await gateway.get("/api/v1/orders", headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
    assert admin.status_code == 200
    bad_id = await gateway.get("/api/v1/orders/not-a-uuid",
                               headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
    assert bad_id.status_code == 422


async def test_openapi_documents_the_webhook_and_health_reports_services(gateway):
    schema = (await gateway.get("/schema/openapi.json")).json()
    post = schema["paths"]["/webhooks/{channel}/orders"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "CanonicalOrder")
    health = await gateway.get("/healthz")
    assert health.status_code == 200 and health.json()["services"] == {"orders": "SERVING"}
