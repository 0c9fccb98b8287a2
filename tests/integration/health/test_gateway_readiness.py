"""The gateway's readiness is its own: a service it cannot reach is reported by /readyz but
does not take the gateway out of a balancer's rotation (it still answers what it can, and a
fast 503 for the rest); /healthz, the platform's, fails on it."""

from __future__ import annotations

import pytest

from gateway.app import create_app
from infra.servers import free_port
from tests.integration.health.stage import gateway_served

pytestmark = pytest.mark.integration


async def test_a_service_away_is_reported_but_does_not_fail_the_gateways_readiness(settings):
    nobody = free_port()  # the orders service is not running there
    app = create_app(settings, {"orders": f"127.0.0.1:{nobody}"})
    async with gateway_served(app, timeout=5) as http:
        ready, platform = await http.get("/readyz"), await http.get("/healthz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["dependencies"] == {"postgres": "up", "nats": "up"}
    assert body["services"]["orders"].startswith("UNREACHABLE")
    assert body["status"] == "degraded" and set(body["missing"]) == {"orders"}
    assert platform.status_code == 503 and platform.json() == body
