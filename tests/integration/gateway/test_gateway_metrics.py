"""The shop door on /metrics: requests per route template and status, latency, and each
webhook taken or refused by channel and reason."""

from __future__ import annotations

import random

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.gateway.conftest import fixture, shopify

pytestmark = pytest.mark.integration


async def scrape(gw) -> dict[tuple[str, tuple], float]:
    response = await gw.client.get("/metrics")
    assert response.status_code == 200
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def value(samples, name: str, **labels) -> float:
    return sum(v for (n, ls), v in samples.items()
               if n == name and all(dict(ls).get(k) == str(want) for k, want in labels.items()))


async def test_requests_are_counted_by_route_template_and_status(gw):
    before = await scrape(gw)
    missing = [f"00000000-0000-4000-8000-{random.randrange(16**12):012x}" for _ in range(3)]
    for order_id in missing:
        response = await gw.client.get(f"/api/v1/orders/{order_id}", headers=gw.as_("admin"))
        assert response.status_code == 404
    after = await scrape(gw)
    route = "/api/v1/orders/{order_id}"
    count = "dovetail_gateway_requests_total"
    assert value(after, count, path=route, status_code=404) - value(
        before, count, path=route, status_code=404) == 3
    assert not any(order_id in str(key) for key in after for order_id in missing)
    timed = "dovetail_gateway_request_duration_seconds_count"
    assert value(after, timed, path=route) - value(before, timed, path=route) == 3
    assert value(after, "dovetail_gateway_request_duration_seconds_bucket", path=route,
                 le="10.0") >= 3


async def test_webhooks_taken_and_refused_by_channel_and_reason(gw, settings):
    payload = fixture("shopify_orders_create.json")
    payload["id"] = random.randrange(10**15, 10**18)
    before = await scrape(gw)
    taken = await gw.client.post("/webhooks/shopify/orders",
                                 **shopify(settings, payload, webhook_id="m-1"))
    resent = await gw.client.post("/webhooks/shopify/orders",
                                  **shopify(settings, payload, webhook_id="m-2"))
    forged = await gw.client.post("/webhooks/shopify/orders",
                                  **shopify(settings, payload, webhook_id="m-3",
                                            secret="not-the-secret"))
    unknown = await gw.client.post(f"/webhooks/nosuchshop{random.randrange(10**9)}/orders",
                                   content=b"{}", headers={"Content-Type": "application/json"})
    assert [r.status_code for r in (taken, resent, forged, unknown)] == [202, 200, 401, 404]
    after = await scrape(gw)
    name = "dovetail_gateway_webhooks_total"

    def grew(**labels) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew(channel="shopify", outcome="taken", reason="placed") == 1
    assert grew(channel="shopify", outcome="taken", reason="resent") == 1
    assert grew(channel="shopify", outcome="refused", reason="signature") == 1
    assert grew(channel="unknown", outcome="refused", reason="unknown_channel") == 1
    assert not any("nosuchshop" in str(key) for key in after)
