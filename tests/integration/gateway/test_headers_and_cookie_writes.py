"""What a browser is told about every response (nosniff, referrer policy, CSP), and which writes
a browser carrying the portal's cookie may make: only from this site, only as JSON or a form."""

from __future__ import annotations

import httpx
import pytest

from gateway.headers import INERT_POLICY, VIEWER_POLICY
from tests.conftest import TEST_ADMIN_KEY

pytestmark = pytest.mark.integration
ORDER = "00000000-0000-4000-8000-000000000000"
CANCEL = f"/api/v1/orders/{ORDER}/cancel"


def assert_guarded(response: httpx.Response, policy: bytes | None = INERT_POLICY) -> None:
    headers = response.headers
    assert headers["x-content-type-options"] == "nosniff", response.url
    assert headers["referrer-policy"] == "same-origin", response.url
    csp = headers["content-security-policy"]
    assert csp == policy.decode() if policy else "frame-ancestors 'none'" in csp, (response.url, csp)


@pytest.fixture
async def browser(gw):
    """A browser signed in to the portal (its cookie jar holds the session)."""
    async with httpx.AsyncClient(base_url=gw.base_url, timeout=30) as client:
        signed = await client.post("/portal/sign-in", data={"key": TEST_ADMIN_KEY})
        assert signed.status_code == 303, signed.text
        yield client


async def test_every_kind_of_response_carries_the_headers(gw, browser):
    page = await browser.get("/portal/orders")
    assert page.headers["content-type"].startswith("text/html")
    assert_guarded(page, policy=None)  # the portal's own policy
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert_guarded(await gw.client.get("/portal/sign-in"), policy=None)
    assert_guarded(await gw.client.get("/api/v1/orders", headers=gw.as_("admin")))
    svg = await gw.client.get("/portal/static/favicon.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert_guarded(svg)
    for asset in ("portal.js", "portal.css"):
        assert_guarded(await gw.client.get(f"/portal/static/{asset}"))
    assert_guarded(await gw.client.get("/metrics"))
    assert_guarded(await gw.client.get("/schema"), policy=VIEWER_POLICY)
    # Errors from handlers, guards, the router and the body limit alike.
    assert_guarded(await gw.client.get("/api/v1/orders"))  # 401
    assert_guarded(await gw.client.get("/no/such/page"))  # 404
    assert_guarded(await gw.client.post("/webhooks/dovetail/orders", content=b"x" * 2_000_000))
    async with gw.client.stream("GET", "/api/v1/events", headers=gw.as_("admin")) as events:
        assert events.status_code == 200
        assert_guarded(events)


async def test_a_cookie_write_from_another_site_or_from_nowhere_is_refused(gw, browser):
    own = gw.base_url
    cases = {
        "foreign Origin": {"Origin": "https://evil.example"},
        "Origin null": {"Origin": "null"},
        "no Origin at all": {},
        "cross-site fetch": {"Sec-Fetch-Site": "cross-site"},
        "foreign Referer": {"Referer": "https://evil.example/page"},
    }
    for name, headers in cases.items():
        refused = await browser.post(CANCEL, json={"reason": "x"}, headers=headers)
        assert refused.status_code == 403, (name, refused.text)
    assert "show it comes from this site" in (await browser.post(CANCEL, json={})).json()["detail"]
    for proof in ({"Origin": own}, {"Sec-Fetch-Site": "same-origin"},
                  {"Referer": f"{own}/portal/orders"}):
        allowed = await browser.post(CANCEL, json={"reason": "x"}, headers=proof)
        assert allowed.status_code not in (401, 403, 415), (proof, allowed.text)


async def test_a_cookie_write_must_be_json_or_a_form(gw, browser):
    same = {"Origin": gw.base_url}
    plain = await browser.post(CANCEL, content=b'{"reason": "x"}',
                               headers={**same, "Content-Type": "text/plain"})
    assert plain.status_code == 415 and "not text/plain" in plain.json()["detail"]
    untyped = await browser.post(CANCEL, content=b'{"reason": "x"}', headers=same)
    assert untyped.status_code == 415
    form = await browser.post(CANCEL, data={"reason": "x"}, headers=same)
    assert form.status_code not in (403, 415)
    # A bearer key is no ambient credential: no Origin needed.
    keyed = await gw.client.post(CANCEL, json={"reason": "x"}, headers=gw.as_("admin"))
    assert keyed.status_code not in (401, 403, 415)


async def test_sign_out_and_sign_in_check_where_they_come_from(gw, browser):
    for headers in ({"Origin": "https://evil.example"}, {}):
        kept = await browser.post("/portal/sign-out", headers=headers)
        assert kept.status_code == 403
        assert (await browser.get("/portal/orders")).status_code == 200  # still signed in
    out = await browser.post("/portal/sign-out", headers={"Origin": gw.base_url})
    assert out.status_code == 303
    assert (await browser.get("/portal/orders")).status_code in (302, 303)
    # No signing a browser in to someone's session from another site's page.
    forced = await browser.post("/portal/sign-in", data={"key": TEST_ADMIN_KEY},
                                headers={"Origin": "https://evil.example"})
    assert forced.status_code == 403 and "dovetail_session" not in forced.headers.get(
        "set-cookie", "")
