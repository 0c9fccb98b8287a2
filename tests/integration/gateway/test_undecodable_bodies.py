"""Bodies the gateway cannot decode, signed or sent with a good key: a 422 naming the reason,
logged, never a 5xx — on the shop webhooks and on REST bodies. Then hypothesis mutates signed
webhook bodies byte by byte (re-signing them) and finds no 5xx."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from tests.helpers import order_payload, ref
from tests.integration.gateway.conftest import fixture
from tests.integration.mutations import mutated
from webhook_signature import sign, sign_base64

pytestmark = pytest.mark.integration
ORDER = "00000000-0000-4000-8000-000000000000"
DEEP_PLACEHOLDER = '"__deep__"'


def deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def with_deep_option(body: bytes, depth: int = 5000) -> bytes:
    return body.replace(DEEP_PLACEHOLDER.encode(), deep(depth), 1)


def first_key_twice(body: bytes) -> bytes:
    key = next(iter(json.loads(body)))
    return b"{" + json.dumps(key).encode() + b": null, " + body[1:]


# name → (how the bytes are broken, what the refusal says)
BROKEN: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "bytes that are not UTF-8 in a string": (
        lambda b: b.replace(b'{"', b'{"\xff\xfe', 1), "not valid UTF-8: byte 0xff"),
    "a body nested 100,000 deep": (
        lambda b: b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32"),
    "an option nested 5,000 deep": (with_deep_option, "nested deeper than 32"),
    "a key twice": (first_key_twice, "appears more than once in one object"),
    "an escaped lone surrogate": (
        lambda b: b.replace(b'{"', b'{"\\ud800', 1), "lone UTF-16 surrogate"),
}


def canonical_body() -> bytes:
    payload = order_payload()
    payload["items"][0]["options"]["notes"] = "__deep__"
    return json.dumps(payload).encode()


def shopify_body() -> bytes:
    payload = fixture("shopify_orders_create.json")
    payload["line_items"][0]["properties"][0]["value"] = "__deep__"
    return json.dumps(payload).encode()


def woocommerce_body() -> bytes:
    payload = fixture("woocommerce_order_created.json")
    payload["line_items"][0]["meta_data"][0]["value"] = "__deep__"
    return json.dumps(payload).encode()


def signed_post(settings, webhook: str, body: bytes) -> dict:
    secrets = settings.webhook_secrets
    headers = {"Content-Type": "application/json"}
    if webhook == "canonical":
        url, headers["Dovetail-Signature"] = "/webhooks/dovetail/orders", sign(
            secrets["dovetail"], body)
    elif webhook == "shopify":
        url = "/webhooks/shopify/orders"
        headers.update({"X-Shopify-Hmac-Sha256": sign_base64(secrets["shopify"], body),
                        "X-Shopify-Topic": "orders/create",
                        "X-Shopify-Webhook-Id": ref("mutation")})
    else:
        url = "/webhooks/woocommerce/orders"
        headers.update({"X-WC-Webhook-Signature": sign_base64(secrets["woocommerce"], body),
                        "X-WC-Webhook-Topic": "order.created",
                        "X-WC-Webhook-Delivery-ID": ref("mutation")})
    return {"url": url, "content": body, "headers": headers}


WEBHOOKS = {"canonical": canonical_body, "shopify": shopify_body, "woocommerce": woocommerce_body}


def assert_refused_naming(response, reason: str) -> None:
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "body" and reason in error["message"], error


@pytest.mark.parametrize("webhook", WEBHOOKS)
@pytest.mark.parametrize("broken", BROKEN)
async def test_a_signed_webhook_that_cannot_be_decoded_is_a_422_naming_why(
        gw, settings, caplog, webhook, broken):
    breaking, reason = BROKEN[broken]
    body = breaking(WEBHOOKS[webhook]())
    with caplog.at_level(logging.INFO, logger="dovetail.gateway"):
        response = await gw.client.post(**signed_post(settings, webhook, body))
    assert_refused_naming(response, reason)
    assert any("cannot be decoded" in r.getMessage() and reason in r.getMessage()
               for r in caplog.records), "the refusal is logged"


REST = [  # (method, path, role, a body that fits)
    ("POST", f"/api/v1/orders/{ORDER}/cancel", "admin", {"reason": "customer asked"}),
    ("POST", f"/api/v1/orders/{ORDER}/amend", "admin", {"expected_version": 1, "items": [
        {"line_id": "1", "product": "wardrobe", "quantity": 1, "options": {"notes": "__deep__"}}]}),
    ("POST", "/api/v1/designs/quote", "designer", {"product": "wardrobe",
                                                   "options": {"notes": "__deep__"}}),
    ("POST", "/api/v1/admin/keys", "admin", {"principal": "factory:f1", "label": "line 2"}),
    ("PUT", "/api/v1/admin/channels/bodies-test/mapping", "admin", {"products": {}}),
]


REST_CASES = [(*r, broken) for r in REST for broken in BROKEN
              if broken != "an option nested 5,000 deep" or DEEP_PLACEHOLDER in json.dumps(r[3])]


@pytest.mark.parametrize("method, path, role, fits, broken", REST_CASES,
                         ids=[f"{c[1]} {c[4]}" for c in REST_CASES])
async def test_a_rest_body_that_cannot_be_decoded_is_a_422_naming_why(
        gw, method, path, role, fits, broken):
    breaking, reason = BROKEN[broken]
    body = breaking(json.dumps(fits).encode())
    response = await gw.client.request(method, path, content=body, headers={
        **gw.as_(role), "Content-Type": "application/json"})
    assert_refused_naming(response, reason)


def shop_body_with(webhook: str, quantity=1, option_value="900") -> bytes:
    payload = json.loads(WEBHOOKS[webhook]())
    line = payload["line_items"][0]
    line["quantity"] = quantity
    (line["properties"] if webhook == "shopify" else line["meta_data"])[0]["value"] = option_value
    payload["id"] = int(ref("").removeprefix("-"), 16) % 10**15
    return json.dumps(payload).encode()


@pytest.mark.parametrize("webhook", ["shopify", "woocommerce"])
async def test_what_the_mutations_found_is_answered_without_a_5xx(gw, settings, webhook):
    too_many = await gw.client.post(**signed_post(settings, webhook, shop_body_with(
        webhook, quantity=2**64)))
    assert too_many.status_code == 422, too_many.text
    assert too_many.json()["errors"][0]["field"] == "/line_items/0/quantity"
    # 5,000 digits are no number int() reads, and 400 no double holds: no length either, so
    # the order is taken and waits for a mapping of that width (never a 5xx).
    for digits in (5000, 400):
        long = await gw.client.post(**signed_post(settings, webhook, shop_body_with(
            webhook, option_value="9" * digits)))
        assert long.status_code == 202, long.text
        assert long.json()["status"] == "AWAITING_MAPPING" and "Width" in long.json()["note"]


@pytest.mark.parametrize("webhook", WEBHOOKS)
async def test_byte_mutations_of_signed_webhooks_never_cause_a_5xx(gw, settings, webhook):
    original, bodies = WEBHOOKS[webhook]().replace(DEEP_PLACEHOLDER.encode(), b'"oak"'), []

    @hsettings(max_examples=150, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))
    @given(mutated(original))
    def collect(body):
        bodies.append(body)

    collect()
    failures = []
    for body in bodies:
        response = await gw.client.post(**signed_post(settings, webhook, body))
        if response.status_code >= 500:
            failures.append((body[:300], response.status_code, response.text[:300]))
        elif response.status_code == 422:
            assert response.json()["errors"], "a 422 names what is wrong"
    assert not failures, failures
