"""Every role against every REST endpoint, found from the app itself (new endpoints included).

Designed answers: no key → 401; a role the endpoint does not name → 403; a named role gets
past auth (any answer but 401/403, and never a 5xx other than 503 for a service this test
deployment does not run). Bodies are empty on purpose: a role check comes before the body.
"""

from __future__ import annotations

import re
import uuid

import pytest

pytestmark = pytest.mark.integration

SAMPLES = {"order_id": str(uuid.uuid4()), "shipment_id": str(uuid.uuid4()), "index": "0",
           "factory_id": "f1", "machine_id": "m1", "channel": "matrix-test",
           "key_id": "0" * 16, "subscription_id": str(uuid.uuid4()),
           "delivery_id": str(uuid.uuid4())}
ROLES = ("admin", "factory", "channel", "designer")
# Endpoints open to other roles than admin; everything else under /api/v1 is admin only.
ALLOWED = {("POST", "/api/v1/designs/quote"): {"admin", "designer"},
           ("POST", "/api/v1/designs/orders"): {"designer"}}
PUBLIC_PREFIXES = ("/api/v1/track/",)


def endpoints(app) -> list[tuple[str, str]]:
    found = []
    for path, methods in app.route_handler_method_map.items():
        if not path.startswith("/api/v1/") or path.startswith(PUBLIC_PREFIXES):
            continue
        concrete = re.sub(r"\{(\w+):\w+\}", lambda m: SAMPLES[m.group(1)], path)
        found += [(method, path, concrete) for method in methods if method not in ("OPTIONS", "HEAD")]
    return sorted(found)


async def call(gw, method: str, url: str, headers: dict) -> int:
    if url == "/api/v1/events":  # a stream: the status line is all this test needs
        async with gw.client.stream(method, url, headers=headers) as response:
            return response.status_code
    body = {} if method in ("POST", "PUT", "PATCH") else None
    response = await gw.client.request(method, url, json=body, headers=headers)
    return response.status_code


async def test_every_role_meets_every_endpoint_as_designed(gw):
    found = endpoints(gw.app)
    assert len(found) >= 30, found
    wrong = []
    for method, path, url in found:
        allowed = ALLOWED.get((method, path.replace(":str", "").replace(":int", "")),
                              {"admin"})
        if (status := await call(gw, method, url, {})) != 401:
            wrong.append((method, url, "anonymous", status))
        for role in ROLES:
            status = await call(gw, method, url, gw.as_(role))
            if role in allowed:
                ok = status not in (401, 403) and (status < 500 or status == 503)
            else:
                ok = status == 403
            if not ok:
                wrong.append((method, url, role, status))
    assert not wrong, wrong


def test_the_matrix_knows_the_path_parameters(gw):
    names = {m for path in gw.app.route_handler_method_map for m in re.findall(r"\{(\w+):", path)
             if path.startswith("/api/v1/") and not path.startswith(PUBLIC_PREFIXES)}
    assert names <= set(SAMPLES), names - set(SAMPLES)


async def test_every_portal_page_is_for_admins_only(gw):
    pages = [path for path, methods in gw.app.route_handler_method_map.items()
             if path.startswith("/portal") and "GET" in methods
             and not path.startswith(("/portal/static", "/portal/sign-"))]
    assert len(pages) >= 6, pages
    wrong = []
    for path in pages:
        url = re.sub(r"\{(\w+):\w+\}", lambda m: SAMPLES[m.group(1)], path)
        anonymous = await gw.client.get(url)
        if anonymous.status_code not in (302, 303) or "/portal/sign-in" not in anonymous.headers.get(
                "location", ""):
            wrong.append((url, "anonymous", anonymous.status_code))
        for role in ROLES:
            status = (await gw.client.get(url, headers=gw.as_(role))).status_code
            if (role == "admin") != (status not in (401, 403)) or status >= 500 and status != 503:
                wrong.append((url, role, status))
    assert not wrong, wrong
