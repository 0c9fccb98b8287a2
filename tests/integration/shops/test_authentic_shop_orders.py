"""Orders exactly as Shopify and WooCommerce send them (tests/fixtures/shops): each is taken
as sent (2xx), waits naming what its channel does not map yet, and once an admin maps that,
goes on to configuration by itself."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest

from tests.helpers import eventually, ref
from webhook_signature import sign_base64

pytestmark = pytest.mark.integration

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"
FIXTURES = sorted(p.name for p in SHOPS.glob("*.json"))
# What each unmapped line becomes here: a catalogue product every line can be made as.
BOOKCASE = {"product": "bookcase", "options": {"width_mm": 800, "height_mm": 2000,
                                                "depth_mm": 350}}


def signed(channel: str, body: bytes, secret: str) -> dict:
    signature = sign_base64(secret, body)
    headers = ({"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": "orders/create",
                "X-Shopify-Webhook-Id": ref("shopify"), "X-Shopify-API-Version": "2025-10"}
               if channel == "shopify" else
               {"X-WC-Webhook-Signature": signature, "X-WC-Webhook-Topic": "order.created",
                "X-WC-Webhook-Delivery-ID": ref("wc"), "X-WC-Webhook-Resource": "order"})
    return {"content": body, "headers": {"Content-Type": "application/json", **headers}}


async def needs_of(gw, admin, channel: str, order_id: str) -> list[dict]:
    answer = await gw.client.get("/api/v1/mappings/needed", params={"channel": channel},
                                 headers=admin)
    assert answer.status_code == 200, answer.text
    return [g for g in answer.json()["needs"] if order_id in g["order_ids"]]


def own_order_id(body: bytes) -> bytes:
    """The body with an order id of its own, every other byte as the shop sent it: the
    platforms' documented examples share ids (Shopify's 820982911946154508 is in two fixtures
    with different bodies), and a second create of an id with another body is rightly a 409."""
    order_id = re.escape(str(json.loads(body)["id"]).encode())
    fresh = str(10**15 + uuid.uuid4().int % 10**15).encode()
    mine, n = re.subn(rb'("id"\s*:\s*"?)' + order_id + rb'(?!\d)', rb"\g<1>" + fresh, body,
                      count=1)
    assert n == 1 and json.loads(mine)["id"] in (int(fresh), fresh.decode())
    return mine


@pytest.mark.parametrize("name", FIXTURES)
async def test_an_authentic_order_is_taken_waits_for_mapping_and_is_configured_once_mapped(
        shop_gateway, settings, name):
    gw, admin = shop_gateway, {"Authorization": f"Bearer {settings.admin_key}"}
    channel = name.split("_")[0]
    body = own_order_id((SHOPS / name).read_bytes())
    payload = json.loads(body)

    taken = await gw.client.post(f"/webhooks/{channel}/orders",
                                 **signed(channel, body, settings.webhook_secrets[channel]))
    assert taken.status_code in (200, 202), taken.text
    order_id = taken.json()["order_id"]
    assert taken.json()["status"] in ("AWAITING_MAPPING", "PLACED", "CONFIGURED"), taken.text

    order = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()
    if order["status"] == "AWAITING_MAPPING":
        needs = await eventually(lambda: needs_of(gw, admin, channel, order_id))
        lines = payload["line_items"]
        skus = {(li.get("sku") or "").strip() for li in lines} - {""}
        mapping = (await gw.client.get(f"/api/v1/admin/channels/{channel}/mapping",
                                       headers=admin)).json()
        for need in needs:
            if need["kind"] == "product" and need["key"] in skus:
                mapping["products"][need["key"]] = BOOKCASE
            elif need["kind"] == "product":
                mapping["titles"][need["key"]] = BOOKCASE
            elif need["kind"] == "option":
                mapping["ignore_options"].append(need["key"])
            else:
                pytest.fail(f"unexpected need {need}")
        saved = await gw.client.put(f"/api/v1/admin/channels/{channel}/mapping", headers=admin,
                                    json={k: v for k, v in mapping.items()
                                          if k not in ("channel", "version", "requires")})
        assert saved.status_code == 200, saved.text

    async def configured():
        read = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()
        assert read["status"] not in ("REJECTED",), read
        return read if read["status"] in ("CONFIGURED", "SCHEDULED") else None

    done = await eventually(configured, timeout=90)
    made = [li for li in payload["line_items"] if not li.get("gift_card")]
    assert len(done["items"]) == len(made)
    assert {i["product"] for i in done["items"]} <= {"bookcase", "wardrobe", "base_cabinet",
                                                      "wall_cabinet", "tall_cabinet", "tv_unit",
                                                      "desk"}
    resend = await gw.client.post(f"/webhooks/{channel}/orders",
                                  **signed(channel, body, settings.webhook_secrets[channel]))
    assert resend.status_code == 200 and resend.json()["order_id"] == order_id, resend.text


async def test_the_same_order_id_with_another_body_is_a_conflict_not_a_duplicate(
        shop_gateway, settings):
    gw, secret = shop_gateway, settings.webhook_secrets["woocommerce"]
    payload = json.loads((SHOPS / "woocommerce_rest_docs_order_727.json").read_bytes())
    payload["id"] = int(ref("").removeprefix("-"), 16) % 10**12
    first = await gw.client.post("/webhooks/woocommerce/orders", **signed(
        "woocommerce", json.dumps(payload).encode(), secret))
    assert first.status_code == 202, first.text
    payload["line_items"][0]["quantity"] = 3
    other = await gw.client.post("/webhooks/woocommerce/orders", **signed(
        "woocommerce", json.dumps(payload).encode(), secret))
    assert other.status_code == 409, other.text
    assert "different body" in other.json()["detail"]


async def test_a_shop_body_of_the_wrong_shape_names_every_problem(shop_gateway, settings):
    gw = shop_gateway
    payload = json.loads((SHOPS / "shopify_python_api_order.json").read_bytes())
    payload["id"] = "not a number"
    payload["line_items"][0]["quantity"] = "one"
    del payload["line_items"][2]["id"]
    payload["customer"]["email"] = 42
    bad = await gw.client.post("/webhooks/shopify/orders", **signed(
        "shopify", json.dumps(payload).encode(), settings.webhook_secrets["shopify"]))
    assert bad.status_code == 422, bad.text
    assert {e["field"] for e in bad.json()["errors"]} == {
        "/id", "/line_items/0/quantity", "/line_items/2/id", "/customer/email"}


async def test_a_mapping_the_catalogue_cannot_build_is_refused_when_saved(shop_gateway,
                                                                           settings):
    gw, admin = shop_gateway, {"Authorization": f"Bearer {settings.admin_key}"}
    refused = await gw.client.put("/api/v1/admin/channels/shopify/mapping", headers=admin, json={
        "products": {"DESK-1": {"product": "desk", "options": {"width_mm": 1200}},
                     "SOFA-1": {"product": "sofa"}},
        "options": {"Colour": "colour"}})
    assert refused.status_code == 422, refused.text
    fields = {e["field"]: e["message"] for e in refused.json()["errors"]}
    assert {"/products/DESK-1/options/height_mm", "/products/DESK-1/options/depth_mm",
            "/products/SOFA-1/product", "/options/Colour"} <= set(fields), fields
    assert "desk cannot be made without height_mm" in fields["/products/DESK-1/options/height_mm"]


async def test_a_mapping_saved_by_a_gateway_that_died_before_releasing_is_released_later(
        shop_gateway, settings):
    """The mapping is stored but no release ran (the gateway died right after the save): the
    next pass — at start, on the timer or the next save — finds the order still waiting."""
    from gateway.webhooks.release import MappingRelease
    from gateway.webhooks.shopify import SHOPIFY

    gw, admin = shop_gateway, {"Authorization": f"Bearer {settings.admin_key}"}
    payload = json.loads((SHOPS / "shopify_python_api_order.json").read_bytes())
    payload["id"] = int(ref("").removeprefix("-"), 16) % 10**12
    sku = ref("SKU").upper()
    for line in payload["line_items"]:
        line["sku"], line["properties"] = sku, []
    taken = await gw.client.post("/webhooks/shopify/orders", **signed(
        "shopify", json.dumps(payload).encode(), settings.webhook_secrets["shopify"]))
    assert taken.status_code == 202 and taken.json()["status"] == "AWAITING_MAPPING", taken.text
    order_id = taken.json()["order_id"]

    state = gw.app.state.gateway
    mapping = (await gw.client.get("/api/v1/admin/channels/shopify/mapping", headers=admin)).json()
    mapping["products"][sku] = BOOKCASE
    await state.channels.save_mapping("shopify", {k: v for k, v in mapping.items()
                                                  if k not in ("channel", "version")}, "test")
    release = MappingRelease(state, {"shopify": SHOPIFY})

    async def released():  # the pass lists waiting orders from the read model: it may lag
        await release.release("shopify")
        read = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()
        return read if read["status"] != "AWAITING_MAPPING" else None

    read = await eventually(released, timeout=20)
    assert read["status"] in ("PLACED", "CONFIGURED", "SCHEDULED"), read
    assert [i["product"] for i in read["items"]] == ["bookcase"] * 3
