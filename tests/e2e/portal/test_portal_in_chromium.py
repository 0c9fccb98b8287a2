"""A person signs in, watches a Shopify order arrive, get configured and scheduled, opens its
page, its bars in the Gantt chart and its cutting diagram; on a laptop and on a tablet.
Screenshots land in tests/artifacts/."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from webhook_signature import sign_base64

pytestmark = pytest.mark.e2e
FIXTURE = json.loads((Path(__file__).resolve().parents[2] / "integration" / "gateway" / "fixtures"
                      / "shopify_orders_create.json").read_text())


async def post_shopify_order(base_url: str, settings) -> str:
    payload = copy.deepcopy(FIXTURE)
    payload["id"] = random.randrange(10**15, 10**18)
    body = json.dumps(payload).encode()
    async with httpx.AsyncClient(base_url=base_url) as client:
        response = await client.post("/webhooks/shopify/orders", content=body, headers={
            "Content-Type": "application/json", "X-Shopify-Topic": "orders/create",
            "X-Shopify-Hmac-Sha256": sign_base64(settings.webhook_secrets["shopify"], body),
            "X-Shopify-Webhook-Id": ref("wh"), "X-Shopify-Shop-Domain": "demo.myshopify.com"})
    assert response.status_code == 202, response.text
    return str(payload["id"])


async def sign_in(page, portal: str) -> None:
    await page.goto(f"{portal}/portal/orders")
    await page.wait_for_url("**/portal/sign-in**")
    await page.fill("input[name=key]", TEST_ADMIN_KEY)
    await page.click("#sign-in button[type=submit]")
    await page.wait_for_url("**/portal/orders")


async def test_an_order_from_a_shop_appears_and_moves_live(browser, portal, settings, artifacts):
    context = await browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        await watch_an_order(context, portal, settings, artifacts)
    finally:
        await context.close()


async def watch_an_order(context, portal: str, settings, artifacts) -> None:
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await sign_in(page, portal)
    await page.wait_for_selector("#live.on", timeout=10_000)  # the event stream is open

    external_id = await post_shopify_order(portal, settings)
    row = page.locator("tr[data-order]", has_text=external_id)
    await row.wait_for(timeout=15_000)  # appeared without a reload
    await page.locator("tr[data-order]", has_text=external_id).locator(
        ".chip.s-scheduled").wait_for(timeout=60_000)  # configured, then planned, live
    await page.screenshot(path=str(artifacts / "portal-orders.png"), full_page=True)

    await page.locator("tr[data-order]", has_text=external_id).locator("a").click()
    await page.wait_for_selector("#timeline li")
    assert await page.locator("#order-status").inner_text() == "scheduled"
    assert await page.locator("#timeline li").count() >= 3  # placed, configured, scheduled
    order_url = page.url
    diagram = page.locator(".board img").first
    await diagram.wait_for()
    assert await diagram.evaluate("img => img.complete && img.naturalWidth > 0")
    await page.screenshot(path=str(artifacts / "portal-order.png"), full_page=True)
    svg = await page.request.get(portal + await diagram.get_attribute("src"))
    assert svg.ok and "<svg" in await svg.text()

    # Its planned operations, as the scheduler placed them, in the factory's Gantt chart.
    await page.click("#gantt-link")
    await page.wait_for_selector("#gantt svg .bar.mine")
    mine = page.locator("#gantt .bar.mine")
    assert await mine.count() >= 2  # a routing has several operations
    assert await page.locator("#gantt line.now").count() == 1
    await mine.first.click()
    detail = page.locator("#bar-detail")
    assert "Open the order" in await detail.inner_text()
    await page.screenshot(path=str(artifacts / "portal-schedule-order.png"), full_page=True)
    await detail.locator("a").click()
    await page.wait_for_url(order_url)

    for path in ("kpis", "schedule", "factories", "deliveries"):
        await page.goto(f"{portal}/portal/{path}")
        await page.wait_for_load_state("networkidle")
        await page.screenshot(path=str(artifacts / f"portal-{path}.png"), full_page=True)
    assert not errors, errors


async def test_the_pipeline_fits_a_tablet(browser, portal, artifacts):
    context = await browser.new_context(viewport={"width": 820, "height": 1180})
    try:
        page = await context.new_page()
        await sign_in(page, portal)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 820, width  # no sideways scrolling of the page itself
        await page.screenshot(path=str(artifacts / "portal-orders-tablet.png"), full_page=True)
        await page.click("form[action='/portal/sign-out'] button")
        await page.wait_for_url("**/portal/sign-in")
    finally:
        await context.close()


def plan(now_ms: int, order_id: str) -> dict:
    """A plan in the shape GET /api/v1/schedule answers, with states a quiet test network does
    not reach on its own (a machine down, work late), to check how the chart draws them."""
    hour = 3_600_000

    def bar(op, start, end, status="PLANNED", risk="ON_TIME", order=order_id):
        return {"operation_id": op, "order_id": order, "seq": 1, "start_ms": now_ms + start * hour,
                "end_ms": now_ms + end * hour, "status": status, "risk": risk,
                "frozen": status != "PLANNED", "label": f"{op} of {order[:8]}"}

    return {"plan_id": "plan-1", "published_at": None, "now_ms": now_ms, "lanes": [
        {"machine_id": "F-01-SAW-1", "factory_id": "F-01", "machine_type": "panel_saw",
         "available": True, "unavailable": [],
         "bars": [bar("op-1", -2, 1, status="STARTED"), bar("op-2", 2, 5)]},
        {"machine_id": "F-01-EDGE-1", "factory_id": "F-01", "machine_type": "edge_bander",
         "available": False,
         "unavailable": [{"start_ms": now_ms - hour, "end_ms": now_ms + 3 * hour, "reason": "DOWN"}],
         "bars": [bar("op-3", 6, 9, risk="LATE", order="b" * 36)]}]}


async def test_the_gantt_draws_late_work_and_a_machine_down(browser, portal, artifacts):
    import time

    order_id = "a" * 36
    context = await browser.new_context(viewport={"width": 1366, "height": 700})
    try:
        page = await context.new_page()
        await sign_in(page, portal)
        body = json.dumps(plan(int(time.time() * 1000), order_id))
        await page.route("**/api/v1/schedule*", lambda route: route.fulfill(
            status=200, content_type="application/json", body=body))
        await page.goto(f"{portal}/portal/schedule?factory_id=F-01&order={order_id}")
        await page.wait_for_selector("#gantt svg .bar")
        assert await page.locator("#gantt .bar").count() == 3
        assert await page.locator("#gantt .bar.late").count() == 1
        assert await page.locator("#gantt .bar.mine").count() == 2
        assert await page.locator("#gantt line.now").count() == 1
        assert await page.locator("#gantt rect.down").count() == 1
        await page.locator("#gantt .bar.late").click()
        assert "Open the order" in await page.locator("#bar-detail").inner_text()
        await page.screenshot(path=str(artifacts / "portal-schedule-gantt.png"), full_page=True)
    finally:
        await context.close()
