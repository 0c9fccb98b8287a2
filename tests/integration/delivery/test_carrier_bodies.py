"""Carrier events the gateway cannot decode are a 422 naming why, and byte mutations of a signed
event (re-signed) never cause a 5xx, with the delivery service behind the gateway."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from tests.integration.delivery.conftest import carrier_event, opened
from tests.integration.mutations import mutated
from webhook_signature import sign

pytestmark = pytest.mark.integration


def post(settings, shipment, body: bytes) -> dict:
    secret = settings.webhook_secrets[f"carrier-{shipment.carrier}"]
    return {"url": f"/webhooks/carriers/{shipment.carrier}", "content": body,
            "headers": {"Dovetail-Signature": sign(secret, body),
                        "Content-Type": "application/json"}}


@pytest.fixture(scope="module")
async def shipment(bus, delivery_stub):
    return await opened(delivery_stub, await bus.ship())


@pytest.mark.parametrize("body, reason", [
    (b'{"event_id": "E\xff\xfe1"}', "not valid UTF-8: byte 0xff"),
    (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 32"),
    (b'{"location": ' + b'{"a":' * 5000 + b"1" + b"}" * 5001, "nested deeper than 32"),
    (b'{"code": "delivered", "code": "exception"}', "appears more than once"),
    (b'{"note": "\\udfff"}', "lone UTF-16 surrogate"),
])
async def test_a_carrier_event_that_cannot_be_decoded_is_a_422_naming_why(
        site, delivery_settings, shipment, body, reason):
    response = await site.post(**post(delivery_settings, shipment, body))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == "body" and reason in error["message"]


@pytest.mark.parametrize("field, value", [("delay_minutes", 2**64),
                                          ("event_time", "0001-01-01T00:00:00+05:00")])
async def test_values_no_field_holds_are_a_422(site, delivery_settings, shipment, field, value):
    event = {**carrier_event(shipment, "exception"), field: value}
    response = await site.post(**post(delivery_settings, shipment, json.dumps(event).encode()))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] in (field, "body")


async def test_byte_mutations_of_signed_carrier_events_never_cause_a_5xx(
        site, delivery_settings, shipment):
    original = json.dumps(carrier_event(shipment, "in_transit", note="left the depot", location={
        "city": "Foshan", "region": "Guangdong", "country": "CN"}, delay_minutes=30)).encode()
    bodies = []

    @hsettings(max_examples=150, deadline=None, database=None,
               suppress_health_check=list(HealthCheck))
    @given(mutated(original))
    def collect(body):
        bodies.append(body)

    collect()
    failures = []
    for body in bodies:
        response = await site.post(**post(delivery_settings, shipment, body))
        if response.status_code >= 500:
            failures.append((body[:300], response.status_code, response.text[:300]))
    assert not failures, failures
