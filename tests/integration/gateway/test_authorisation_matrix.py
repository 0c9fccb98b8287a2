"""Every role against every REST endpoint, found from the app itself (new endpoints included).

Designed answers: no key → 401; a role the endpoint does not name → 403; a named role gets
past auth (any answer but 401/403, and never a 5xx other than 503 for a service this test
deployment does not run). Bodies are empty on purpose: a role check comes before the body.
The roles and what each may call are docs/security.md's "Roles" table; a factory is let into
the endpoints about its own factory only.
"""

from __future__ import annotations

import re
import uuid

import pytest

from services.kit.auth import Principal

pytestmark = pytest.mark.integration

SAMPLES = {"order_id": str(uuid.uuid4()), "shipment_id": str(uuid.uuid4()), "index": "0",
           "factory_id": "f1", "machine_id": "m1", "channel": "matrix-test",
           "key_id": "0" * 16, "subscription_id": str(uuid.uuid4()),
           "delivery_id": str(uuid.uuid4()), "account_id": str(uuid.uuid4()),
           "batch": "batch-1", "number": "1", "task_id": str(uuid.uuid4())}
ROLES = ("admin", "factory", "channel", "designer", "planner", "customer_service")
PEOPLE_KEYS = {"planner": "dvt_planner_test_matrix", "customer_service": "dvt_cs_test_matrix"}
ORDER_DESK = {"admin", "planner", "customer_service"}
PLANNING = {"admin", "planner"}
# Endpoints open to other roles than admin; everything else under /api/v1 is admin only.
ALLOWED = {("POST", "/api/v1/designs/quote"): {"admin", "designer"},
           # the chain sets a factory's tariff; admins, planners and the factory read it
           ("PUT", "/api/v1/factories/{factory_id}/tariff"): {"admin"},
           ("DELETE", "/api/v1/factories/{factory_id}/tariff"): {"admin"},
           # and its hourly CO2e profile (issue 21)
           ("PUT", "/api/v1/factories/{factory_id}/carbon-profile"): {"admin"},
           ("DELETE", "/api/v1/factories/{factory_id}/carbon-profile"): {"admin"},
           ("POST", "/api/v1/designs/orders"): {"designer"},
           ("POST", "/api/v1/orders/{order_id}/reprocess"): PLANNING,
           # a planner's overrides of an order's planning (issue 19)
           ("GET", "/api/v1/orders/{order_id}/plan"): PLANNING,
           ("POST", "/api/v1/orders/{order_id}/plan/pin"): PLANNING,
           ("POST", "/api/v1/orders/{order_id}/plan/hold"): PLANNING,
           ("POST", "/api/v1/orders/{order_id}/plan/priority"): PLANNING,
           # a machine's health: a factory reads its own machines' (issue 22)
           ("GET", "/api/v1/machines/{machine_id}/health"): PLANNING | {"factory"},
           # the factory decides its own maintenance and sets its own tools' life (issue 22)
           ("POST", "/api/v1/factories/{factory_id}/maintenance/{task_id}/accept"):
               {"admin", "factory"},
           ("POST", "/api/v1/factories/{factory_id}/maintenance/{task_id}/move"):
               {"admin", "factory"},
           ("POST", "/api/v1/factories/{factory_id}/maintenance/{task_id}/done"):
               {"admin", "factory"},
           ("PUT", "/api/v1/factories/{factory_id}/tool-limits"): {"admin", "factory"}}
ALLOWED_UNDER = {"/api/v1/orders": ORDER_DESK, "/api/v1/shipments": ORDER_DESK,
                 "/api/v1/events": ORDER_DESK, "/api/v1/schedule": PLANNING,
                 "/api/v1/kpis": PLANNING, "/api/v1/machines": PLANNING,
                 "/api/v1/factories/{factory_id}/": PLANNING | {"factory"},
                 "/api/v1/factories": PLANNING,
                 "/api/v1/mappings": PLANNING, "/api/v1/channels": PLANNING}
PUBLIC_PREFIXES = ("/api/v1/track/",)


def allowed_roles(method: str, path: str) -> set[str]:
    path = path.replace(":str", "").replace(":int", "")
    if (method, path) in ALLOWED:
        return ALLOWED[(method, path)]
    for prefix, roles in ALLOWED_UNDER.items():  # the longest prefix is listed first
        if path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/"):
            return roles
    return {"admin"}


@pytest.fixture(scope="module")
async def people_keys(orders_service):
    for role, key in PEOPLE_KEYS.items():
        await orders_service.runtime.keys.add(key, Principal(role))


def as_(gw, role: str) -> dict[str, str]:
    if role in PEOPLE_KEYS:
        return {"Authorization": f"Bearer {PEOPLE_KEYS[role]}"}
    return gw.as_(role)


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


async def test_every_role_meets_every_endpoint_as_designed(gw, people_keys):
    found = endpoints(gw.app)
    assert len(found) >= 30, found
    wrong = []
    for method, path, url in found:
        allowed = allowed_roles(method, path)
        if (status := await call(gw, method, url, {})) != 401:
            wrong.append((method, url, "anonymous", status))
        for role in ROLES:
            status = await call(gw, method, url, as_(gw, role))
            if role in allowed:
                ok = status not in (401, 403) and (status < 500 or status == 503)
            else:
                ok = status == 403
            if not ok:
                wrong.append((method, url, role, status))
    assert not wrong, wrong


async def test_a_factory_reads_its_own_factory_only(gw):
    own = await gw.client.get("/api/v1/factories/f1/oee", headers=gw.as_("factory"))
    other = await gw.client.get("/api/v1/factories/f2/oee", headers=gw.as_("factory"))
    listing = await gw.client.get("/api/v1/factories", headers=gw.as_("factory"))
    assert own.status_code not in (401, 403) and other.status_code == listing.status_code == 403


def test_the_matrix_knows_the_path_parameters(gw):
    names = {m for path in gw.app.route_handler_method_map for m in re.findall(r"\{(\w+):", path)
             if path.startswith("/api/v1/") and not path.startswith(PUBLIC_PREFIXES)}
    assert names <= set(SAMPLES), names - set(SAMPLES)


PORTAL_FOR = {"/portal/orders": ORDER_DESK, "/portal/deliveries": ORDER_DESK,
              "/portal/factories": PLANNING, "/portal/schedule": PLANNING,
              "/portal/kpis": PLANNING, "/portal/energy": PLANNING, "/portal/mapping": PLANNING,
              "/portal/purchases": PLANNING}
OPEN_PAGES = ("/portal/static", "/portal/sign-", "/portal/forgot", "/portal/set-password",
              "/portal/oidc/")  # the provider's sign-in: tests/integration/gateway/test_oidc_sign_in.py


async def test_every_portal_page_is_for_its_roles_only(gw, people_keys):
    pages = [path for path, methods in gw.app.route_handler_method_map.items()
             if path.startswith("/portal") and "GET" in methods
             and not path.startswith(OPEN_PAGES)]
    assert len(pages) >= 6, pages
    wrong = []
    for path in pages:
        url = re.sub(r"\{(\w+):\w+\}", lambda m: SAMPLES[m.group(1)], path)
        anonymous = await gw.client.get(url)
        if anonymous.status_code not in (302, 303) or "/portal/sign-in" not in anonymous.headers.get(
                "location", ""):
            wrong.append((url, "anonymous", anonymous.status_code))
        roles = ORDER_DESK if path.rstrip("/") == "/portal" else next(
            (r for p, r in PORTAL_FOR.items() if path == p or path.startswith(p + "/")), {"admin"})
        for role in ROLES:
            status = (await gw.client.get(url, headers=as_(gw, role))).status_code
            if (role in roles) != (status not in (401, 403)) or status >= 500 and status != 503:
                wrong.append((url, role, status))
    assert not wrong, wrong
