"""The shop desk at HTTP level, on the real orders and configurator services: a person maps
what waiting orders need in the portal's inbox (errors beside their fields), tries a shop
payload without storing it, re-processes an order configuration refused from the shop's
payload kept with it, and amends an order from its page. Admins and planners map, try and
re-process; customer service does not (docs/security.md)."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import pytest

from services.kit.auth import Principal
from tests.helpers import eventually, ref
from tests.integration.shops.test_authentic_shop_orders import signed

pytestmark = pytest.mark.integration

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"
PLANNER_KEY, CS_KEY = "dvt_planner_test_shop_desk", "dvt_cs_test_shop_desk"
PLANNER = {"Authorization": f"Bearer {PLANNER_KEY}"}
CUSTOMER_SERVICE = {"Authorization": f"Bearer {CS_KEY}"}


@pytest.fixture(scope="module")
async def desk(shop_gateway, orders_service):
    await orders_service.runtime.keys.add(PLANNER_KEY, Principal("planner"))
    await orders_service.runtime.keys.add(CS_KEY, Principal("customer_service"))
    return shop_gateway


def shopify_order(sku: str, properties: dict[str, str] | None = None) -> tuple[str, bytes]:
    """One line of `sku` with `properties`, under a new Shopify order id."""
    payload = json.loads((SHOPS / "shopify_python_api_order.json").read_bytes())
    payload["id"] = random.randrange(10**11, 10**12)
    line = payload["line_items"][0]
    line.update(sku=sku, title=f"Shelf {sku}", properties=[
        {"name": k, "value": v} for k, v in (properties or {}).items()])
    payload["line_items"] = [line]
    return str(payload["id"]), json.dumps(payload).encode()


async def post_shopify(gw, settings, body: bytes) -> dict:
    taken = await gw.client.post("/webhooks/shopify/orders",
                                 **signed("shopify", body, settings.webhook_secrets["shopify"]))
    assert taken.status_code in (200, 202), taken.text
    return taken.json()


async def status_of(gw, order_id: str, *wanted: str) -> dict:
    async def reached():
        read = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=PLANNER)).json()
        return read if read["status"] in wanted else None

    return await eventually(reached, timeout=90)


async def map_entry(gw, entry: dict) -> None:
    saved = await gw.client.post("/api/v1/channels/shopify/mapping/entries", json=entry,
                                 headers=PLANNER)
    assert saved.status_code == 200, saved.text


async def test_a_dry_run_shows_the_order_or_every_problem_and_stores_nothing(desk, settings):
    gw, sku, engraving = desk, ref("DRY").upper(), ref("Engraving")
    external_id, body = shopify_order(sku, {engraving: "Li"})

    tried = await gw.client.post("/api/v1/channels/shopify/dry-run", content=body,
                                 headers=PLANNER)
    assert tried.status_code == 200, tried.text
    answer = tried.json()
    assert answer["outcome"] == "AWAITING_MAPPING" and answer["shop_would_get"] == 202
    assert answer["stored"] is False and answer["order"]["external_id"] == external_id
    problems = {p["field"]: p["message"] for p in answer["problems"]}
    assert "/line_items/0/sku" in problems and sku in problems["/line_items/0/sku"]
    assert "/line_items/0/properties/0" in problems  # the option no mapping names yet

    broken = json.loads(body)
    broken["id"], broken["line_items"][0]["quantity"] = "not a number", "one"
    refused = (await gw.client.post("/api/v1/channels/shopify/dry-run", headers=PLANNER,
                                    content=json.dumps(broken).encode())).json()
    assert refused["outcome"] == "REFUSED" and refused["shop_would_get"] == 422
    assert {p["field"] for p in refused["problems"]} == {"/id", "/line_items/0/quantity"}

    await map_entry(gw, {"kind": "product", "key": sku, "product": "bookcase", "options": {
        "width_mm": 800, "height_mm": 2000, "depth_mm": 350}})
    await map_entry(gw, {"kind": "option", "key": engraving, "action": "ignore"})
    mapped = (await gw.client.post("/api/v1/channels/shopify/dry-run", content=body,
                                   headers=PLANNER)).json()
    assert mapped["outcome"] == "PLACED" and mapped["problems"] == [], mapped
    assert [i["product"] for i in mapped["order"]["items"]] == ["bookcase"]
    assert mapped["lines"][0]["buildable"] is True and f"{engraving}: Li" in mapped["notes"][0]
    # the configured line as words beside its English (issue 19); the portal says them
    assert mapped["lines"][0]["summary_words"]["template"]
    said = await gw.client.post("/portal/mapping/dry-run", data={
        "channel": "shopify", "payload": body.decode()},
        headers={**PLANNER, "Accept-Language": "zh-CN"})
    lines = said.text.split('id="lines"')[1].split("</table>")[0]
    assert "书柜" in lines and mapped["lines"][0]["summary"] not in lines

    # Nothing was stored: the shop's first post of this order is taken as new.
    taken = await post_shopify(gw, settings, body)
    assert taken["duplicate"] is False and taken["status"] in ("PLACED", "CONFIGURED")
    for who in (CUSTOMER_SERVICE, {}):
        denied = await gw.client.post("/api/v1/channels/shopify/dry-run", content=body,
                                      headers=who)
        assert denied.status_code in (401, 403), denied.text


async def test_a_person_maps_a_waiting_order_in_the_inbox_and_it_proceeds(desk, settings):
    gw, sku = desk, ref("INBOX").upper()
    order_id, other_id = [(await post_shopify(gw, settings, shopify_order(sku)[1]))["order_id"]
                          for _ in range(2)]

    async def listed():
        page = await gw.client.get("/portal/mapping?channel=shopify", headers=PLANNER)
        assert page.status_code == 200, page.text[:300]
        at = page.text.find(f'data-key="{sku}"')
        section = page.text[at:page.text.find("</section>", at)] if at >= 0 else ""
        return page.text if "2 orders wait for it" in section else None

    inbox = await eventually(listed, timeout=20)
    assert "Needs mapping" in inbox and "bookcase" in inbox  # the catalogue's products
    form = await gw.client.get("/portal/mapping", headers=PLANNER, params={
        "channel": "shopify", "kind": "product", "key": sku, "product": "bookcase"})
    assert 'name="opt.width_mm"' in form.text and "(mm)" in form.text  # parameters, units

    fields = {"channel": "shopify", "kind": "product", "key": sku, "table": "products",
              "product": "bookcase", "action": "map", "opt.width_mm": "80 cm",
              "opt.height_mm": "99999", "opt.depth_mm": "350"}
    refused = await gw.client.post("/portal/mapping", data=fields, headers=PLANNER)
    assert refused.status_code == 422
    assert 'data-field="opt.height_mm"' in refused.text and "outside" in refused.text
    assert (await status_of(gw, order_id, "AWAITING_MAPPING"))

    saved = await gw.client.post("/portal/mapping", headers=PLANNER,
                                 data={**fields, "opt.height_mm": "200 cm"})
    assert saved.status_code == 303, saved.text[:500]
    mapping = (await gw.client.get("/api/v1/admin/channels/shopify/mapping",
                                   headers={"Authorization": f"Bearer {settings.admin_key}"})
               ).json()
    assert mapping["products"][sku] == {"product": "bookcase", "options": {
        "width_mm": 800, "height_mm": 2000, "depth_mm": 350}}
    for waited in (order_id, other_id):  # every order waiting for it goes on
        done = await status_of(gw, waited, "CONFIGURED", "SCHEDULED")
        assert done["items"][0]["options"]["width_mm"] == 800

    assert (await gw.client.get("/portal/mapping", headers=CUSTOMER_SERVICE)).status_code == 403
    assert (await gw.client.get("/api/v1/mappings/needed", headers=PLANNER)).status_code == 200


async def test_a_rejected_order_is_reprocessed_from_the_shop_payload_after_a_mapping_fix(
        desk, settings):
    gw, sku, option = desk, ref("REJ").upper(), ref("Breite")
    await map_entry(gw, {"kind": "product", "key": sku, "product": "bookcase",
                         "options": {"height_mm": 2000, "depth_mm": 350}})
    await map_entry(gw, {"kind": "option", "key": option, "parameter": "width_mm"})
    _, body = shopify_order(sku, {option: "240"})  # centimetres meant; read as 240 mm
    order_id = (await post_shopify(gw, settings, body))["order_id"]
    rejected = await status_of(gw, order_id, "REJECTED")
    assert any("width_mm" in r for r in rejected["rejection_reasons"]), rejected

    page = await gw.client.get(f"/portal/orders/{order_id}", headers=PLANNER)
    assert 'id="reprocess-button"' in page.text
    cs_page = await gw.client.get(f"/portal/orders/{order_id}", headers=CUSTOMER_SERVICE)
    assert 'id="reprocess-button"' not in cs_page.text and 'id="amend-form"' in cs_page.text
    denied = await gw.client.post(f"/api/v1/orders/{order_id}/reprocess",
                                  headers=CUSTOMER_SERVICE)
    assert denied.status_code == 403

    await map_entry(gw, {"kind": "product", "key": sku, "action": "ignore"})
    still = await gw.client.post(f"/portal/orders/{order_id}/reprocess", headers=PLANNER)
    assert still.status_code == 422 and 'id="reprocess-problems"' in still.text
    rest = await gw.client.post(f"/api/v1/orders/{order_id}/reprocess", headers=PLANNER)
    assert rest.status_code == 422 and rest.json()["errors"][0]["field"] == "/line_items"

    await map_entry(gw, {"kind": "product", "key": sku, "product": "bookcase", "options": {
        "width_mm": 2400, "height_mm": 2000, "depth_mm": 350}})
    await map_entry(gw, {"kind": "option", "key": option, "action": "ignore"})
    again = await gw.client.post(f"/portal/orders/{order_id}/reprocess", headers=PLANNER)
    assert again.status_code == 303, again.text[:500]
    done = await status_of(gw, order_id, "CONFIGURED", "SCHEDULED")
    assert done["items"][0]["options"]["width_mm"] == 2400
    history = (await gw.client.get(f"/api/v1/orders/{order_id}/history",
                                   headers=PLANNER)).json()["entries"]
    [entry] = [e for e in history if e["type"] == "Reprocessed"]
    assert entry["by"] == "planner" and entry["status_after"] == "PLACED"
    twice = await gw.client.post(f"/api/v1/orders/{order_id}/reprocess", headers=PLANNER)
    assert twice.status_code == 409, twice.text


async def test_an_order_is_amended_from_its_page(desk, settings):
    gw, sku = desk, ref("AMEND").upper()
    await map_entry(gw, {"kind": "product", "key": sku, "product": "bookcase", "options": {
        "width_mm": 800, "height_mm": 2000, "depth_mm": 350}})
    _, body = shopify_order(sku)
    order_id = (await post_shopify(gw, settings, body))["order_id"]
    order = await status_of(gw, order_id, "CONFIGURED", "SCHEDULED")
    line = order["items"][0]["line_id"]
    page = await gw.client.get(f"/portal/orders/{order_id}", headers=CUSTOMER_SERVICE)
    assert 'id="amend-form"' in page.text and 'name="item-0-opt-width_mm"' in page.text
    fields = {"expected_version": str(order["version"]), "item-0-line_id": line,
              "item-0-product": "bookcase", "item-0-quantity": "0", "item-0-opt-width_mm": "900",
              "item-0-opt-height_mm": "2000", "item-0-opt-depth_mm": "350",
              "reason": "customer asked for 90 cm"}
    bad = await gw.client.post(f"/portal/orders/{order_id}/amend", data=fields,
                               headers=CUSTOMER_SERVICE)
    assert bad.status_code == 422 and "item-0-quantity" in bad.text
    done = await gw.client.post(f"/portal/orders/{order_id}/amend", headers=CUSTOMER_SERVICE,
                                data={**fields, "item-0-quantity": "2"})
    assert done.status_code == 303, done.text[:500]
    amended = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=PLANNER)).json()
    assert amended["items"][0]["options"]["width_mm"] == 900
    assert amended["items"][0]["quantity"] == 2
    history = (await gw.client.get(f"/api/v1/orders/{order_id}/history",
                                   headers=PLANNER)).json()["entries"]
    assert [e["by"] for e in history if e["type"] == "Amended"] == ["customer_service"]


async def test_the_portal_dry_run_form_shows_where_each_problem_is(desk):
    gw, sku = desk, ref("FORM").upper()
    _, body = shopify_order(sku)
    form = await gw.client.get("/portal/mapping/dry-run", headers=PLANNER)
    assert form.status_code == 200 and 'name="payload"' in form.text
    tried = await gw.client.post("/portal/mapping/dry-run", headers=PLANNER, data={
        "channel": "shopify", "payload": body.decode()})
    assert tried.status_code == 200 and 'data-outcome="AWAITING_MAPPING"' in tried.text
    assert "/line_items/0/sku" in tried.text and sku in tried.text
    broken = await gw.client.post("/portal/mapping/dry-run", headers=PLANNER, data={
        "channel": "shopify", "payload": "{\"id\": 1"})
    assert broken.status_code == 200 and 'data-outcome="REFUSED"' in broken.text
    denied = await gw.client.post("/portal/mapping/dry-run", headers=CUSTOMER_SERVICE, data={
        "channel": "shopify", "payload": body.decode()})
    assert denied.status_code == 403


async def test_people_mapping_at_the_same_moment_each_keep_their_entry(desk, settings):
    gw, keys = desk, [ref("SAME").upper() for _ in range(4)]
    await asyncio.gather(*(map_entry(gw, {"kind": "product", "key": key, "action": "ignore"})
                           for key in keys))
    mapping = (await gw.client.get("/api/v1/admin/channels/shopify/mapping",
                                   headers={"Authorization": f"Bearer {settings.admin_key}"})
               ).json()
    assert set(keys) <= set(mapping["ignore_lines"])


async def test_an_option_is_pointed_at_a_parameter_in_the_inbox(desk, settings):
    gw, sku, option = desk, ref("OPT").upper(), ref("Fachboeden")
    await map_entry(gw, {"kind": "product", "key": sku, "product": "bookcase", "options": {
        "width_mm": 800, "height_mm": 2000, "depth_mm": 350}})
    order_id = (await post_shopify(gw, settings, shopify_order(sku, {option: "3"})[1]))["order_id"]

    async def listed():
        page = await gw.client.get("/portal/mapping?channel=shopify", headers=PLANNER)
        return page.text if f'data-key="{option}"' in page.text else None

    inbox = await eventually(listed, timeout=20)
    assert '<option value="shelves"' in inbox  # the catalogue's parameters to choose from
    form = {"channel": "shopify", "kind": "option", "key": option, "action": "map"}
    unknown = await gw.client.post("/portal/mapping", headers=PLANNER,
                                   data={**form, "parameter": "colour"})
    assert unknown.status_code == 422 and 'data-field="parameter"' in unknown.text
    saved = await gw.client.post("/portal/mapping", headers=PLANNER,
                                 data={**form, "parameter": "shelves"})
    assert saved.status_code == 303, saved.text[:500]
    done = await status_of(gw, order_id, "CONFIGURED", "SCHEDULED")
    assert done["items"][0]["options"]["shelves"] == 3
