"""REST for the portal and the designer platform, on the orders service alone."""

from __future__ import annotations

import pytest

from tests.helpers import eventually, order_payload, ref
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration


async def place(gw, settings) -> str:
    response = await gw.client.post("/webhooks/dovetail/orders", **signed(settings, order_payload()))
    assert response.status_code == 202, response.text
    return response.json()["order_id"]


async def test_history_counts_amend_and_cancel_an_order(gw, settings):
    admin = gw.as_("admin")
    order_id = await place(gw, settings)
    history = (await gw.client.get(f"/api/v1/orders/{order_id}/history", headers=admin)).json()
    assert history["order_id"] == order_id and history["entries"][0]["status_after"] == "PLACED"

    async def counted() -> bool:
        counts = (await gw.client.get("/api/v1/orders/counts", headers=admin)).json()
        return dict((c["status"], c["count"]) for c in counts)["PLACED"] >= 1

    await eventually(counted)
    stale = await gw.client.post(f"/api/v1/orders/{order_id}/amend", headers=admin, json={
        "expected_version": 99, "items": order_payload()["items"], "reason": "wider"})
    assert stale.status_code == 409, stale.text
    no_reason = await gw.client.post(f"/api/v1/orders/{order_id}/cancel", headers=admin, json={})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    cancelled = await gw.client.post(f"/api/v1/orders/{order_id}/cancel", headers=admin,
                                     json={"reason": "customer changed their mind"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    entries = (await gw.client.get(f"/api/v1/orders/{order_id}/history", headers=admin)).json()
    assert entries["entries"][-1]["status_after"] == "CANCELLED"


async def test_a_service_that_is_not_running_answers_503_not_500(gw):
    admin = gw.as_("admin")
    for url in ("/api/v1/factories", "/api/v1/schedule", "/api/v1/shipments"):
        response = await gw.client.get(url, headers=admin)
        assert response.status_code == 503, (url, response.text)
    kpis = await gw.client.get("/api/v1/kpis", headers=admin)
    assert kpis.status_code == 200 and kpis.json()["factories"] == []
    quote = await gw.client.post("/api/v1/designs/quote", headers=gw.as_("designer"), json={
        "product": "wardrobe", "options": {"width_mm": 2000}})
    assert quote.status_code == 503


async def test_a_designer_places_a_design_once(gw):
    designer = gw.as_("designer")
    design = {"reference": ref("DESIGN"), "product": "wardrobe",
              "options": {"width_mm": 1800, "height_mm": 2400, "depth_mm": 600},
              "customer": order_payload()["customer"], "promised_date": "2026-12-24"}
    first = await gw.client.post("/api/v1/designs/orders", headers=designer, json=design)
    again = await gw.client.post("/api/v1/designs/orders", headers=designer, json=design)
    assert (first.status_code, again.status_code) == (202, 200), first.text
    assert again.json()["order_id"] == first.json()["order_id"]
    order = (await gw.client.get(f"/api/v1/orders/{first.json()['order_id']}",
                                 headers=gw.as_("admin"))).json()
    assert order["channel"] == "designer-d7" and order["external_id"] == design["reference"]
    bad = await gw.client.post("/api/v1/designs/orders", headers=designer,
                               json={**design, "quantity": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "quantity"


async def test_an_admin_issues_and_revokes_a_key(gw):
    admin = gw.as_("admin")
    bad = await gw.client.post("/api/v1/admin/keys", headers=admin, json={"principal": "root"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "principal"
    issued = await gw.client.post("/api/v1/admin/keys", headers=admin,
                                  json={"principal": "designer:studio-9", "label": "Studio 9"})
    assert issued.status_code == 201, issued.text
    key, key_id = issued.json()["key"], issued.json()["key_id"]
    listed = (await gw.client.get("/api/v1/admin/keys", headers=admin)).json()
    assert key not in str(listed) and any(k["key_id"] == key_id for k in listed)
    as_designer = {"Authorization": f"Bearer {key}"}
    assert (await gw.client.get("/api/v1/orders", headers=as_designer)).status_code == 403
    revoked = await gw.client.delete(f"/api/v1/admin/keys/{key_id}", headers=admin)
    assert revoked.status_code == 204
    assert (await gw.client.get("/api/v1/orders", headers=as_designer)).status_code == 401


async def test_a_refusal_keeps_its_english_detail_for_rest_clients(gw, settings):
    """Amending a cancelled order is refused (FAILED_PRECONDITION → 409): orders sends the
    refusal as words too (issue 19, item 3), but REST's `detail` stays the English a program
    reads, whatever language the request prefers, and `said` beside it is the reader's (what
    the portal's forms show a person)."""
    admin = gw.as_("admin")
    order_id = await place(gw, settings)
    cancelled = await gw.client.post(f"/api/v1/orders/{order_id}/cancel", headers=admin,
                                     json={"reason": "customer changed their mind"})
    assert cancelled.status_code == 200, cancelled.text
    again = await gw.client.post(f"/api/v1/orders/{order_id}/cancel", headers=admin,
                                 json={"reason": "twice"})
    assert again.status_code == 200 and again.json()["status"] == "CANCELLED"  # idempotent
    version = (await gw.client.get(f"/api/v1/orders/{order_id}", headers=admin)).json()["version"]
    for language in ("zh-CN", "en", None):
        headers = {**admin, **({"Accept-Language": language} if language else {})}
        refused = await gw.client.post(f"/api/v1/orders/{order_id}/amend", headers=headers,
                                       json={"expected_version": version, "reason": "wider",
                                             "items": order_payload()["items"]})
        assert refused.status_code == 409, refused.text
        said = "已取消的订单不能修改" if language == "zh-CN" else "a cancelled order cannot be amended"
        assert refused.json() == {"status_code": 409,
                                  "detail": "a cancelled order cannot be amended",
                                  "errors": [], "said": said}, language
