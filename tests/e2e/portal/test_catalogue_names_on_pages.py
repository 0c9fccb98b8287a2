"""The catalogue's own names on the portal's pages, in 简体中文 and in English: an order of a
TV unit and a desk reads "电视柜" / "TV unit" in the orders list and on its page, its options
by their labels and their choices' names ("宽 1120 毫米", "板材 25 mm 刨花板"), its
configuration's summary, cutting diagrams and routing without material codes, its price lines
each said once ("boards", not "boards · boards"), and its timeline without a status chip that
repeats the event's name ("已下单 已下单"). REST keeps the codes, with the product's name
beside them where one order is read."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, order_payload, ref
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.e2e
ITEMS = [{"line_id": "1", "product": "tv_unit", "quantity": 1,
          "options": {"width_mm": 1600, "height_mm": 500, "depth_mm": 400, "board": "mdf-18",
                      "finish": "melamine-oak"}},
         {"line_id": "2", "product": "desk", "quantity": 1,
          "options": {"width_mm": 1120, "height_mm": 750, "depth_mm": 700,
                      "board": "particleboard-25", "finish": "melamine-oak"}}]
# What the seed catalogue names, as its codes and as the pages used to spell them
CODES = re.compile(r"tv_unit|tv unit|width_mm|depth_mm|particleboard-\d+|mdf-\d+|hdf-\d+|"
                   r"melamine-\w+")
BAND = re.compile(r"oak/\d|white/\d")  # an edge band's English shorthand ("oak/1mm edge")
SAYS = {"zh-CN": {"list": ["1× 电视柜", "1× 书桌"], "options": ["宽 1600 毫米", "板材 18 mm 中密度板",
                                                          "饰面 橡木纹三聚氰胺饰面", "板材 25 mm 刨花板"],
                  "price": ["板材", "利润 35%"]},
        "en": {"list": ["1× TV unit", "1× desk"],
               "options": ["Width 1600 mm", "Board 18 mm MDF", "Surface finish oak-grain melamine",
                           "Board 25 mm particleboard"],
               "price": ["boards", "margin 35%"]}}


async def configured_order(portal: str, settings) -> tuple[str, str]:
    external_id = ref("NAMES")
    async with httpx.AsyncClient(base_url=portal) as client:
        placed = await client.post("/webhooks/dovetail/orders", **signed(
            settings, order_payload(external_id, items=ITEMS)))
        assert placed.status_code == 202, placed.text
        order_id = placed.json()["order_id"]

        async def configured():
            order = (await client.get(f"/api/v1/orders/{order_id}", headers={
                "Authorization": f"Bearer {TEST_ADMIN_KEY}"})).json()
            return order["catalog_version"] and order["status"] not in ("PLACED", "REJECTED")

        await eventually(configured, timeout=60)
    return order_id, external_id


async def test_rest_keeps_the_codes_and_says_the_products_name_beside_them(portal, settings):
    order_id, external_id = await configured_order(portal, settings)
    admin = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
    async with httpx.AsyncClient(base_url=portal, headers=admin) as client:
        for language, names in (("zh-CN", ["电视柜", "书桌"]), ("en", ["TV unit", "desk"])):
            order = (await client.get(f"/api/v1/orders/{order_id}",
                                      headers={"Accept-Language": language})).json()
            assert [i["product"] for i in order["items"]] == ["tv_unit", "desk"]
            assert [i["product_said"] for i in order["items"]] == names
            assert order["items"][0]["options"]["board"] == "mdf-18"
        listed = (await client.get("/api/v1/orders", params={"q": external_id})).json()
        assert [i["product"] for i in listed["items"][0]["items"]] == ["tv_unit", "desk"]
        assert "product_said" not in listed["items"][0]["items"][0]  # lists stay as they were


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_an_orders_pages_read_the_catalogues_names(browser, portal, settings, artifacts,
                                                        language):
    order_id, external_id = await configured_order(portal, settings)
    words = SAYS[language]
    context = await browser.new_context(locale=language, viewport={"width": 1366, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{portal}/portal/orders")
        await page.wait_for_url("**/portal/sign-in**")
        await page.fill("input[name=key]", TEST_ADMIN_KEY)
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_url("**/portal/orders")
        row = page.locator("tr[data-order]", has_text=external_id)
        await row.wait_for()
        items = await row.locator("td").nth(3).inner_text()
        assert items == ", ".join(words["list"]), items

        await page.goto(f"{portal}/portal/orders/{order_id}")
        await page.wait_for_selector("#configuration .board")
        await page.screenshot(path=str(artifacts / f"portal-order-names-{language}.png"),
                              full_page=True)
        text = await page.locator("main").inner_text()
        assert not CODES.findall(text), CODES.findall(text)
        assert language == "en" or not BAND.findall(text), BAND.findall(text)
        options = await page.locator("td.opts").all_inner_texts()
        for said in words["options"]:
            assert any(said in o.replace("\n", " ") for o in options), (said, options)
        prices = await page.locator(
            "#price-breakdown tbody tr:not(#energy-line) td:first-child").all_inner_texts()
        assert not [p for p in prices if " · " in p], prices
        for said in words["price"]:
            assert said in prices, (said, prices)
        placed = page.locator("#timeline li").first  # "Placed" and no chip saying placed again
        assert await placed.locator(".chip").count() == 0, await placed.inner_text()
    finally:
        await context.close()
