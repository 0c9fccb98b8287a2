"""Portal sign-in, session cookie, sign-out, and every page rendering (services down or not)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import TEST_ADMIN_KEY
from tests.integration.gateway.conftest import KEYS

pytestmark = pytest.mark.integration
PAGES = ["/portal/orders", "/portal/factories", "/portal/schedule", "/portal/deliveries",
         "/portal/kpis"]


async def test_sign_in_sets_a_safe_session_and_sign_out_ends_it(gw):
    async with httpx.AsyncClient(base_url=gw.base_url) as browser:
        assert (await browser.get("/portal/orders")).status_code in (302, 303)
        wrong = await browser.post("/portal/sign-in", data={"key": "nope", "next": "/portal/kpis"})
        assert wrong.status_code == 401 and "does not open" in wrong.text
        factory = await browser.post("/portal/sign-in", data={"key": KEYS["factory"]})
        assert factory.status_code == 401
        signed = await browser.post("/portal/sign-in", data={"key": TEST_ADMIN_KEY,
                                                             "next": "/portal/kpis"})
        assert signed.status_code == 303 and signed.headers["location"] == "/portal/kpis"
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and TEST_ADMIN_KEY not in cookie
        for path in PAGES:
            page = await browser.get(path)
            assert page.status_code == 200, (path, page.text[:300])
            assert "/portal/static/portal.js" in page.text and "cdn" not in page.text.lower()
        assert (await browser.get("/api/v1/orders")).status_code == 200  # the session opens REST
        # A write with the cookie from another origin is refused.
        cross = await browser.post("/api/v1/orders/x/cancel", json={"reason": "x"},
                                   headers={"Origin": "https://evil.example"})
        assert cross.status_code == 403
        out = await browser.post("/portal/sign-out", headers={"Origin": gw.base_url})
        assert out.status_code == 303
        assert (await browser.get("/portal/orders")).status_code in (302, 303)


async def test_a_forged_cookie_or_another_role_does_not_open_the_portal(gw):
    async with httpx.AsyncClient(base_url=gw.base_url,
                                 cookies={"dovetail_session": "abc.def"}) as browser:
        assert (await browser.get("/portal/orders")).status_code in (302, 303)
        assert (await browser.get("/api/v1/orders")).status_code == 401
    denied = await gw.client.get("/portal/orders", headers=gw.as_("channel"))
    assert denied.status_code == 403


async def test_assets_are_served_by_the_gateway(gw):
    for asset in ("portal.js", "portal.css", "favicon.svg"):
        response = await gw.client.get(f"/portal/static/{asset}")
        assert response.status_code == 200 and len(response.content) > 100


async def test_an_order_that_does_not_exist_is_a_page_not_a_json_error(gw):
    async with httpx.AsyncClient(base_url=gw.base_url) as browser:
        await browser.post("/portal/sign-in", data={"key": TEST_ADMIN_KEY})
        for order_id in ("00000000-0000-4000-8000-000000000000", "not-an-order"):
            page = await browser.get(f"/portal/orders/{order_id}")
            assert page.status_code == 404
            assert page.headers["content-type"].startswith("text/html")
            assert "Not found" in page.text and 'href="/portal/orders"' in page.text
