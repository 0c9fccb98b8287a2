"""Issue 18's walk, as a person meets it: a Shopify order whose SKU the channel does not map
yet is posted signed to the gateway and waits; a person maps the SKU in the portal's Needs
mapping inbox (a bookcase, sizes typed with units); the order is configured and scheduled on
the portal's test factory; when it ships, the local Shopify stand-in receives the fulfilment
with the tracking number. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import grpc
import httpx
import nats
import pytest

from dovetail.delivery.v1 import delivery_events_pb2 as delivery
from dovetail.outbound.v1 import outbound_service_pb2 as outbound_pb
from dovetail.outbound.v1 import outbound_service_pb2_grpc as outbound_grpc
from services.kit import runtime
from services.kit.auth import Principal
from services.outbound.application import OutboundApplication
from services.outbound.main import build as build_outbound
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.outbound.conftest import ADMIN, OUTBOUND, Upstream
from tests.integration.outbound.receivers import SHOPIFY_TOKEN, Receivers
from webhook_signature import sign_base64

pytestmark = pytest.mark.e2e
FIXTURE = json.loads((Path(__file__).resolve().parents[2] / "integration" / "gateway" / "fixtures"
                      / "shopify_orders_create.json").read_text())


@pytest.fixture
async def outbound(settings, services):
    running = await runtime.start("outbound", settings, OutboundApplication,
                                  lambda rt: build_outbound(rt, OUTBOUND), port=0)
    await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    yield outbound_grpc.OutboundServiceStub(channel)
    await channel.close()
    running.stop.set()
    await running.done


def unmapped_order(sku: str) -> tuple[int, bytes]:
    """The Shopify sample order with one line of a SKU no mapping names, under a new id."""
    payload = copy.deepcopy(FIXTURE)
    payload["id"] = random.randrange(10**15, 10**18)
    line = payload["line_items"][0]
    line.update(sku=sku, title=f"Oak shelf {sku}", name=f"Oak shelf {sku}", properties=[],
                product_id=None, variant_id=None)
    payload["line_items"] = [line]
    return payload["id"], json.dumps(payload).encode()


async def sign_in(page, portal: str) -> None:
    """With the admin key (the sign-in form's own button: the header has buttons too)."""
    await page.goto(f"{portal}/portal/sign-in?next=/portal/orders")
    await page.fill("#sign-in input[name=key]", TEST_ADMIN_KEY)
    await page.click("#sign-in button[type=submit]")
    await page.wait_for_url(f"{portal}/portal/orders")


async def post_signed(portal: str, settings, body: bytes) -> dict:
    async with httpx.AsyncClient(base_url=portal) as client:
        response = await client.post("/webhooks/shopify/orders", content=body, headers={
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sign_base64(settings.webhook_secrets["shopify"], body),
            "X-Shopify-Webhook-Id": ref("wh"), "X-Shopify-Shop-Domain": "demo.myshopify.com"})
    assert response.status_code == 202, response.text
    return response.json()


async def test_a_person_maps_a_waiting_shopify_order_and_the_shop_hears_it_shipped(
        browser, portal, settings, artifacts, outbound):
    async with Receivers() as shop:
        await outbound.SetShopLink(outbound_pb.SetShopLinkRequest(
            channel="shopify", platform=outbound_pb.SHOP_PLATFORM_SHOPIFY, base_url=shop.url,
            access_token=SHOPIFY_TOKEN), metadata=ADMIN)
        context = await browser.new_context(viewport={"width": 1366, "height": 900})
        try:
            await walk(context, portal, settings, artifacts, shop)
        finally:
            await context.close()


async def walk(context, portal: str, settings, artifacts, shop: Receivers) -> None:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await sign_in(page, portal)

    sku = ref("OAK").upper()
    shop_order_id, body = unmapped_order(sku)
    taken = await post_signed(portal, settings, body)
    assert taken["status"] == "AWAITING_MAPPING" and sku in taken["note"], taken
    order_id = taken["order_id"]

    need = page.locator(f'section.need[data-key="{sku}"]')

    async def listed():  # the inbox reads the orders' read model: a moment behind
        await page.goto(f"{portal}/portal/mapping?channel=shopify")
        return await need.count() == 1

    await eventually(listed, timeout=60, interval=0.5)
    assert await page.locator('nav a[href="/portal/mapping"]').count() == 1
    await need.locator("select[name=product]").select_option("bookcase")
    await need.get_by_role("button", name="Choose its parameters").click()
    await need.locator('input[name="opt.width_mm"]').fill("80 cm")
    await need.locator('input[name="opt.height_mm"]').fill("2000")
    await need.locator('input[name="opt.depth_mm"]').fill("350")
    await page.screenshot(path=str(artifacts / "portal-needs-mapping.png"), full_page=True)
    await need.get_by_role("button", name="Save mapping").click()
    await page.wait_for_selector("#saved")

    await page.goto(f"{portal}/portal/orders/{order_id}")
    status = page.locator("#order-status")

    async def scheduled():
        if await status.inner_text() != "scheduled":
            await page.reload()
            return False
        return True

    await eventually(scheduled, timeout=120, interval=1)
    assert "800" in await page.locator("td.opts").first.inner_text()  # 80 cm, as millimetres
    await page.screenshot(path=str(artifacts / "portal-mapped-order-scheduled.png"),
                          full_page=True)
    assert not errors, errors

    # It ships: the delivery service's shipment_opened, as its relay publishes it.
    fulfillment_order = random.randrange(10**12)
    shop.world.fulfillment_orders[str(shop_order_id)] = [
        {"id": fulfillment_order, "status": "open", "supported_actions": ["create_fulfillment"]}]
    nc = await nats.connect(settings.nats_url)
    try:
        await Upstream(nc.jetstream()).publish("delivery", "shipment_opened",
                                               delivery.ShipmentOpened(
                                                   order_id=order_id, carrier="sf-express",
                                                   tracking_number="SF900800700",
                                                   tracking_token=ref("tok")), order_id)
    finally:
        await nc.drain()

    async def fulfilled():
        return [r for r in shop.world.shopify if r.path.endswith("/fulfillments.json")
                and r.body and r.body["fulfillment"]["line_items_by_fulfillment_order"] == [
                    {"fulfillment_order_id": fulfillment_order}]]

    [fulfilment] = await eventually(fulfilled, timeout=60)
    tracking = fulfilment.body["fulfillment"]["tracking_info"]
    assert tracking["number"] == "SF900800700" and tracking["company"] == "sf-express"
    assert fulfilment.headers["x-shopify-access-token"] == SHOPIFY_TOKEN
