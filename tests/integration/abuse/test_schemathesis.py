"""Schemathesis against the gateway's own OpenAPI document: every operation, every caller.

The gateway runs in this event loop in front of all six services (real PostgreSQL and NATS);
Schemathesis loads `/schema/openapi.json` from it and, in a worker thread (its client is
synchronous and the loop must keep serving), sends generated requests, valid and invalid, as:
an admin (webhooks: a valid signature over the exact body instead), a designer (a
low-privilege key), an unknown key, and nobody. Never a 5xx, and every answer fits the
document: its status codes, content types and bodies. Operations are listed from the app at
collection, so a new endpoint is covered without touching this test. The SSE stream never
ends: only callers it refuses are sent there. What the fuzzing found is kept as plain cases
(FOUND) that run every time, whatever the examples drawn.
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass

import httpx
import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.app import create_app
from gateway.settings import EdgeSettings
from infra.servers import free_port
from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build as build_configurator
from services.delivery.application import DeliveryApplication
from services.delivery.main import build as build_delivery
from services.iot.application import IotApplication
from services.iot.main import build as build_iot
from services.kit import runtime
from services.kit.auth import Principal
from services.kit.settings import Settings
from services.outbound.application import OutboundApplication
from services.outbound.main import build as build_outbound
from services.scheduling.application import SchedulingApplication
from services.scheduling.main import build as build_scheduling
from services.scheduling.settings import SchedulerSettings
from tests.conftest import TEST_ADMIN_KEY
from webhook_signature import sign, sign_base64

pytestmark = pytest.mark.integration

DESIGNER_KEY = "dvt_designer_test_schemathesis_d5"
UNKNOWN_KEY = "dvt_admin_" + "0" * 32
CARRIER = "sf-express"
CARRIER_SECRETS = {f"carrier-{CARRIER}": "whsec_test_schemathesis_sf"}
# Examples per operation (valid data, invalid data) for each caller: enough to find what we
# found, small enough for `make test`. DOVETAIL_FUZZ_EXAMPLES=200 digs deeper by hand.
DEEPER = int(os.environ.get("DOVETAIL_FUZZ_EXAMPLES", "0"))
EXAMPLES = {"valid": (DEEPER or 15, DEEPER or 10), "designer": (4, 2), "unknown key": (2, 2),
            "nobody": (2, 2)}
STREAMING = {("GET", "/api/v1/events")}


def repeated_scalar(case) -> bool:
    """A scalar query parameter sent several times (`?limit=x&limit=5`): Litestar takes the last
    value, as documented, and that one alone may well be valid."""
    scalars = {p["name"] for p in case.operation.definition.raw.get("parameters", [])
               if p["in"] == "query" and "array" not in json.dumps(p.get("schema", {}))}
    return any(isinstance(v, list) and k in scalars for k, v in (case.query or {}).items())


def bad_input_is_refused(ctx, response, case):
    """Schemathesis' negative_data_rejection, but for a repeated scalar query parameter."""
    if not repeated_scalar(case):
        return negative_data_rejection(ctx, response, case)
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, bad_input_is_refused]
SCHEDULER = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, debounce_s=0.3,
                              max_batch_wait_s=1.0, replan_interval_s=600.0)
SERVICES = {
    "configurator": (ConfiguratorApplication, build_configurator),
    "scheduling": (SchedulingApplication, lambda rt: build_scheduling(rt, SCHEDULER)),
    "delivery": (DeliveryApplication, build_delivery),
    "iot": (IotApplication, build_iot),
    "outbound": (OutboundApplication, build_outbound),
}


def operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every documented operation; building the app connects to nothing."""
    app = create_app(Settings(database_url="postgresql://unused", admin_key="unused"), {})
    return [(method.upper(), path) for path, item in (app.openapi_schema.paths or {}).items()
            for method in ("get", "put", "post", "delete", "patch") if getattr(item, method)]


OPERATIONS = operations()


@dataclass
class Site:
    base_url: str
    settings: Settings
    schema: schemathesis.BaseSchema


@pytest.fixture(scope="module")
async def site(settings, orders_service):
    """The gateway served by uvicorn in this loop, with every service behind it."""
    settings = settings.with_(webhook_secrets={**settings.webhook_secrets, **CARRIER_SECRETS})
    running = {"orders": orders_service}
    for name, (application, build) in SERVICES.items():
        running[name] = await runtime.start(name, settings, application, build, port=0)
    await orders_service.runtime.keys.add(DESIGNER_KEY, Principal("designer", "d5"))
    # Every caller fuzzes from 127.0.0.1 and the unknown key fails hundreds of times: with the
    # default budget of failed keys (tested in gateway/test_edge_limits) all would get 429.
    app = create_app(settings, {name: f"127.0.0.1:{r.port}" for name, r in running.items()},
                     EdgeSettings(auth_failures_per_address=10**6,
                                  auth_failures_per_key_prefix=10**6))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    base_url = f"http://127.0.0.1:{port}"
    schema = await asyncio.to_thread(schemathesis.openapi.from_url,
                                     f"{base_url}/schema/openapi.json", timeout=30)
    yield Site(base_url, settings, schema)
    server.should_exit = True
    await task
    for name in SERVICES:
        running[name].stop.set()
    await asyncio.gather(*[running[name].done for name in SERVICES])


def signer(settings: Settings, path: str):
    """For a webhook: the path parameters a valid signature needs and the header it goes in."""
    secrets = settings.webhook_secrets
    if path == "/webhooks/{channel}/orders":
        return {"channel": "dovetail"}, lambda body: {"Dovetail-Signature": sign(
            secrets["dovetail"], body)}
    if path == "/webhooks/carriers/{carrier}":
        return {"carrier": CARRIER}, lambda body: {"Dovetail-Signature": sign(
            secrets[f"carrier-{CARRIER}"], body)}
    if path == "/webhooks/shopify/orders":
        return {}, lambda body: {"X-Shopify-Hmac-Sha256": sign_base64(secrets["shopify"], body)}
    if path == "/webhooks/woocommerce/orders":
        return {}, lambda body: {"X-WC-Webhook-Signature": sign_base64(
            secrets["woocommerce"], body)}
    return None


# Real channels other tests (and the demo) rely on: fuzzing must not rotate their secrets.
def untouchable(settings: Settings, case) -> bool:
    channel = (case.path_parameters or {}).get("channel")
    return (case.path.startswith("/api/v1/admin/channels/") and case.method.upper() != "GET"
            and (channel in settings.webhook_secrets
                 or channel in {"shopify", "woocommerce", "othershop"}))


def negatable(site: Site, method: str, path: str) -> bool:
    """Whether any input can be made invalid (a plain text path parameter cannot: Schemathesis
    would search for a second before giving up)."""
    operation = site.schema.raw_schema["paths"][path][method.lower()]
    return "requestBody" in operation or any(
        p["in"] != "path" or p.get("schema") != {"type": "string"}
        for p in operation.get("parameters", []))


def fuzz(site: Site, method: str, path: str, who: str) -> None:
    """Runs in a worker thread: Hypothesis drives Schemathesis' strategies over HTTP."""
    operation = site.schema[path][method]
    signed = signer(site.settings, path) if who == "valid" else None
    key = {"valid": TEST_ADMIN_KEY, "designer": DESIGNER_KEY, "unknown key": UNKNOWN_KEY,
           "nobody": None}[who]
    if who == "valid" and path == "/api/v1/designs/orders":
        key = DESIGNER_KEY  # only designers place designs
    # Credentials go into the strategy, so negative generation never "breaks" them and then
    # sees its broken request accepted; a signature is computed over the final body.
    headers = {"Authorization": f"Bearer {key}"} if key and not signed else {}
    path_parameters = None
    if signed:
        path_parameters, signature = signed
        headers = dict.fromkeys(signature(b""), "computed at send")
    session = requests.Session()

    def send(case) -> None:
        assume(not untouchable(site.settings, case))
        if not signed:
            case.call_and_validate(base_url=site.base_url, session=session, checks=CHECKS,
                                   timeout=30)
            return
        kwargs = case.as_transport_kwargs(base_url=site.base_url)
        body = (json.dumps(kwargs.pop("json")).encode() if "json" in kwargs
                else kwargs.pop("data", b"") or b"")
        body = body.encode() if isinstance(body, str) else body
        kwargs["headers"] = {**kwargs["headers"], **signature(body)}
        response = session.request(**kwargs, data=body, timeout=30)
        case.validate_response(response, checks=CHECKS, headers=kwargs["headers"],
                               transport_kwargs=kwargs)

    for mode, examples in zip((GenerationMode.POSITIVE, GenerationMode.NEGATIVE), EXAMPLES[who],
                              strict=True):
        if mode is GenerationMode.NEGATIVE and not negatable(site, method, path):
            continue
        strategy = operation.as_strategy(generation_mode=mode, headers=headers or None,
                                         path_parameters=path_parameters)
        run = hsettings(max_examples=examples, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))(given(case=strategy)(send))
        try:
            run()
        except Unsatisfiable:
            if mode is GenerationMode.POSITIVE:
                raise  # nothing invalid can be made of an operation without input: fine


CASES = [(m, p, who) for m, p in OPERATIONS for who in EXAMPLES
         if not ((m, p) in STREAMING and who == "valid")]


@pytest.mark.parametrize("method, path, who", CASES, ids=[f"{m} {p} [{w}]" for m, p, w in CASES])
async def test_no_5xx_and_every_answer_fits_the_schema(site, method, path, who):
    await asyncio.to_thread(fuzz, site, method, path, who)


ORDER = "00000000-0000-4000-8000-000000000000"
# What Schemathesis found (each a 500, or bad input taken as good), kept as plain cases: bad
# input gets a 422 naming the field.
FOUND = [
    ("POST", f"/api/v1/orders/{ORDER}/amend", {"expected_version": 2**80, "items": []},
     "expected_version"),
    ("POST", f"/api/v1/orders/{ORDER}/amend", {"expected_version": 1, "items": [
        {"line_id": "1", "product": "wardrobe", "quantity": 1, "options": {"w": 10**400}}]},
     "items[0].options[...]"),
    ("POST", "/api/v1/admin/catalog/versions", {"expected_latest_version": 2**80, "catalog": {}},
     "expected_latest_version"),
    ("POST", "/api/v1/admin/catalog/versions",
     {"expected_latest_version": 0, "catalog": {"x": [10**400]}}, "catalog"),
    ("PUT", "/api/v1/admin/channels/fuzz-found/mapping",
     {"products": {}, "values": {"finish": {"white": "\x00"}}}, "values.finish.white"),
    ("POST", "/api/v1/admin/keys", {"principal": "factory:f1", "label": "a\x00"}, "label"),
    ("PUT", "/api/v1/admin/channels/fuzz-found/secret", {"secret": "\x00" * 16}, "secret"),
    ("POST", "/api/v1/designs/quote",
     {"product": "wardrobe", "options": {}, "promised_date": "99999999999-01-01"},
     "promised_date"),
    ("GET", "/api/v1/orders?placed_after=0001-01-01T00:00:00%2B05:00", None, "placed_after"),
    ("GET", "/api/v1/orders?placed_before=-3.3e-84", None, "placed_before"),
    ("GET", "/api/v1/machines?state=0", None, "state"),
]


@pytest.mark.parametrize("method, url, body, field", FOUND, ids=[f[3] for f in FOUND])
async def test_what_was_found_stays_a_422_naming_the_field(site, method, url, body, field):
    async with httpx.AsyncClient(base_url=site.base_url, timeout=30) as client:
        response = await client.request(
            method, url, content=None if body is None else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}",
                     "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.text


async def test_the_document_served_is_the_one_fuzzed(site):
    served = {(method.upper(), path) for path, item in site.schema.raw_schema["paths"].items()
              for method in item if method in ("get", "put", "post", "delete", "patch")}
    assert served == set(OPERATIONS) and STREAMING <= served
