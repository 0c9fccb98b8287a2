"""Shopify and WooCommerce webhooks, exactly as those platforms send them, through the gateway."""

from __future__ import annotations

import random

import pytest

from tests.helpers import eventually, order_payload, ref
from tests.integration.gateway.conftest import fixture, shopify, woocommerce
from webhook_signature import sign

pytestmark = pytest.mark.integration


def shop_order_id() -> int:
    return random.randrange(10**15, 10**18)


async def read_order(gw, order_id: str) -> dict:
    response = await gw.client.get(f"/api/v1/orders/{order_id}", headers=gw.as_("admin"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_shopify_order_is_placed_with_its_options_mapped_and_resends_are_duplicates(
        gw, settings):
    payload = fixture("shopify_orders_create.json")
    payload["id"] = shop_order_id()
    webhook_id = ref("shopify-webhook")
    first = await gw.client.post("/webhooks/shopify/orders",
                                 **shopify(settings, payload, webhook_id=webhook_id))
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "PLACED" and first.json()["duplicate"] is False

    order = await read_order(gw, first.json()["order_id"])
    assert (order["channel"], order["external_id"]) == ("shopify", str(payload["id"]))
    assert order["customer"]["name"] == "Li Wei" and order["customer"]["address"]["country"] == "CN"
    assert order["customer"]["email"] == "jon@example.com"
    assert order["total"] == {"amount": "5999.00", "currency": "CNY"}
    [item] = order["items"]
    assert item["product"] == "wardrobe" and item["quantity"] == 1
    assert item["options"] == {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600,
                               "board": "particleboard-18", "finish": "melamine-white",
                               "doors": 2}

    same_delivery = await gw.client.post("/webhooks/shopify/orders",
                                         **shopify(settings, payload, webhook_id=webhook_id))
    new_delivery = await gw.client.post("/webhooks/shopify/orders",
                                        **shopify(settings, payload, webhook_id=ref("again")))
    for resend in (same_delivery, new_delivery):
        assert resend.status_code == 200, resend.text
        assert resend.json()["order_id"] == first.json()["order_id"]
        assert resend.json()["duplicate"] is True


async def test_tampered_or_unsigned_shop_webhooks_are_refused(gw, settings):
    payload = fixture("shopify_orders_create.json")
    payload["id"] = shop_order_id()
    tampered = shopify(settings, payload, webhook_id=ref("w"))
    tampered["content"] = tampered["content"].replace(b"5999.00", b"1.00")
    wrong = shopify(settings, payload, webhook_id=ref("w"), secret="not-the-shop-secret")
    unsigned = shopify(settings, payload, webhook_id=ref("w"))
    del unsigned["headers"]["X-Shopify-Hmac-Sha256"]
    woo = fixture("woocommerce_order_created.json")
    woo_tampered = woocommerce(settings, woo, delivery_id=ref("d"))
    woo_tampered["content"] = woo_tampered["content"].replace(b'"quantity": 1', b'"quantity": 9')
    answers = [await gw.client.post("/webhooks/shopify/orders", **r)
               for r in (tampered, wrong, unsigned)]
    answers.append(await gw.client.post("/webhooks/woocommerce/orders", **woo_tampered))
    assert [a.status_code for a in answers] == [401, 401, 401, 401], [a.text for a in answers]
    listed = await gw.client.get("/api/v1/orders", params={"q": str(payload["id"])},
                                 headers=gw.as_("admin"))
    assert listed.json()["items"] == []


async def needed(gw, channel: str) -> dict[str, dict]:
    answer = await gw.client.get("/api/v1/mappings/needed", params={"channel": channel},
                                 headers=gw.as_("admin"))
    assert answer.status_code == 200, answer.text
    return {f"{g['kind']} {g['key']}": g for g in answer.json()["needs"]}


async def test_an_unmapped_sku_or_option_is_taken_and_waits_naming_it(gw, settings):
    payload = fixture("shopify_orders_create.json")
    payload["id"] = shop_order_id()
    payload["line_items"][0]["sku"] = "SOFA-3000"
    response = await gw.client.post("/webhooks/shopify/orders",
                                    **shopify(settings, payload, webhook_id=ref("w")))
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "AWAITING_MAPPING"
    assert "SOFA-3000" in response.json()["note"]

    woo = fixture("woocommerce_order_created.json")
    woo["id"] = shop_order_id()
    woo["line_items"][0]["meta_data"].append({"id": 1, "key": "Colour", "value": "teal"})
    response = await gw.client.post("/webhooks/woocommerce/orders",
                                    **woocommerce(settings, woo, delivery_id=ref("d")))
    assert response.status_code == 202, response.text
    waiting = response.json()["order_id"]
    order = await read_order(gw, waiting)
    assert order["status"] == "AWAITING_MAPPING"

    async def listed():
        found = await needed(gw, "woocommerce")
        return found if waiting in found.get("option Colour", {}).get("order_ids", []) else None

    colour = (await eventually(listed))["option Colour"]
    assert "teal" in colour["example"] and colour["channel"] == "woocommerce"
    assert waiting not in (await needed(gw, "shopify")).get("option Colour", {}).get(
        "order_ids", [])


async def test_a_body_that_does_not_fit_names_the_field(gw, settings):
    payload = fixture("shopify_orders_create.json")
    payload["line_items"][0]["quantity"] = "one"
    response = await gw.client.post("/webhooks/shopify/orders",
                                    **shopify(settings, payload, webhook_id=ref("w")))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "/line_items/0/quantity"


async def test_an_update_before_its_create_is_acknowledged_and_the_create_still_places(
        gw, settings):
    payload = fixture("shopify_orders_create.json")
    payload["id"] = shop_order_id()
    early = await gw.client.post("/webhooks/shopify/orders", **shopify(
        settings, payload, topic="orders/updated", webhook_id=ref("u")))
    assert early.status_code == 200 and early.json()["status"] == "UNKNOWN", early.text
    created = await gw.client.post("/webhooks/shopify/orders",
                                   **shopify(settings, payload, webhook_id=ref("c")))
    assert created.status_code == 202
    late = await gw.client.post("/webhooks/shopify/orders", **shopify(
        settings, payload, topic="orders/updated", webhook_id=ref("u")))
    assert late.status_code == 200 and late.json()["order_id"] == created.json()["order_id"]


async def test_a_woocommerce_order_is_placed_and_its_ping_is_answered(gw, settings):
    payload = fixture("woocommerce_order_created.json")
    payload["id"] = shop_order_id()
    delivery_id = ref("wc-delivery")
    first = await gw.client.post("/webhooks/woocommerce/orders",
                                 **woocommerce(settings, payload, delivery_id=delivery_id))
    assert first.status_code == 202, first.text
    order = await read_order(gw, first.json()["order_id"])
    assert order["placed_at"].startswith("2026-11-25T08:00:00")
    assert order["customer"]["address"]["city"] == "Hangzhou"
    [item] = order["items"]
    assert item["product"] == "bookcase"
    assert item["options"] == {"width_mm": 900, "height_mm": 2000, "depth_mm": 350,
                               "shelves": 4, "finish": "melamine-oak"}
    again = await gw.client.post("/webhooks/woocommerce/orders",
                                 **woocommerce(settings, payload, delivery_id=delivery_id))
    assert again.status_code == 200 and again.json()["order_id"] == first.json()["order_id"]
    ping = await gw.client.post("/webhooks/woocommerce/orders", content=b"webhook_id=12",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert ping.status_code == 200


async def test_an_admin_sets_a_channel_secret(gw, settings):
    admin = gw.as_("admin")
    channel = f"partner-{ref('p').lower()[2:10]}"
    unknown = await gw.client.post(f"/webhooks/{channel}/orders", json=order_payload())
    assert unknown.status_code == 404
    issued = await gw.client.put(f"/api/v1/admin/channels/{channel}/secret", json={},
                                 headers=admin)
    assert issued.status_code == 200, issued.text
    secret = issued.json()["secret"]
    body = order_payload()
    import json as _json

    raw = _json.dumps(body).encode()
    placed = await gw.client.post(f"/webhooks/{channel}/orders", content=raw, headers={
        "Dovetail-Signature": sign(secret, raw), "Content-Type": "application/json"})
    assert placed.status_code == 202, placed.text
    channels = (await gw.client.get("/api/v1/admin/channels", headers=admin)).json()
    assert {"channel": channel, "secret_source": "admin", "mapping_version": 0} in channels
