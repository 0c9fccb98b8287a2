"""Hostile HTTP input at the gateway's order webhook: never a 5xx, nothing stored by mistake."""

from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.helpers import order_payload
from webhook_signature import sign

pytestmark = pytest.mark.integration

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20)


def mutate(payload: dict, path: list, value) -> dict:
    """Replace one field (at a random depth) of a valid order with a random value."""
    node = payload
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return payload


PATHS = [["external_id"], ["placed_at"], ["promised_date"], ["customer"], ["customer", "name"],
         ["customer", "address"], ["customer", "address", "country"], ["items"],
         ["items", 0, "quantity"], ["items", 0, "options"], ["items", 0, "product"],
         ["total"], ["total", "amount"]]


async def post_signed(gateway, settings, body: bytes):
    return await gateway.post("/webhooks/dovetail/orders", content=body, headers={
        "Dovetail-Signature": sign(settings.webhook_secrets["dovetail"], body),
        "Content-Type": "application/json"})


async def test_random_fields_in_a_signed_order_never_cause_a_5xx(gateway, settings):
    cases = []

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(PATHS), json_values)
    def collect(path, value):
        cases.append(mutate(order_payload(), path, value))

    collect()
    for payload in cases:
        body = json.dumps(payload).encode()
        response = await post_signed(gateway, settings, body)
        assert response.status_code < 500, (payload, response.text)
        if response.status_code == 422:
            assert response.json()["errors"], "a 422 names the fields"


async def test_arbitrary_bytes_and_json_shapes_never_cause_a_5xx(gateway, settings):
    bodies = []

    @hsettings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
    def collect(body):
        bodies.append(body)

    collect()
    for body in bodies:
        response = await post_signed(gateway, settings, body)
        assert response.status_code < 500 and response.status_code != 200, response.text


async def test_an_oversized_body_is_refused_before_it_is_read(gateway, settings):
    payload = order_payload()
    payload["items"][0]["options"]["notes"] = "x" * (2 * 1024 * 1024)
    response = await post_signed(gateway, settings, json.dumps(payload).encode())
    assert response.status_code == 413


async def test_a_replayed_signature_on_another_body_is_refused(gateway, settings):
    original = json.dumps(order_payload()).encode()
    header = sign(settings.webhook_secrets["dovetail"], original)
    first = await gateway.post("/webhooks/dovetail/orders", content=original,
                               headers={"Dovetail-Signature": header})
    replay = await gateway.post("/webhooks/dovetail/orders", content=original,
                                headers={"Dovetail-Signature": header})
    forged = await gateway.post("/webhooks/dovetail/orders",
                                content=json.dumps(order_payload()).encode(),
                                headers={"Dovetail-Signature": header})
    assert (first.status_code, replay.status_code, forged.status_code) == (202, 200, 401)
    assert replay.json()["order_id"] == first.json()["order_id"]


async def test_a_slow_client_does_not_hold_up_others(gateway, settings):
    host, port = str(gateway.base_url.host), gateway.base_url.port
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps(order_payload()).encode()
    writer.write(b"POST /webhooks/dovetail/orders HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\n"
                 + f"Content-Length: {len(body)}\r\n".encode()
                 + f"Dovetail-Signature: {sign(settings.webhook_secrets['dovetail'], body)}\r\n\r\n"
                 .encode() + body[:10])
    await writer.drain()
    # While that client dawdles, others are served.
    response = await post_signed(gateway, settings, json.dumps(order_payload()).encode())
    assert response.status_code == 202
    writer.close()
