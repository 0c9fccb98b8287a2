"""Limits that hold: a forged X-Forwarded-For resets nothing, wrong API keys run out of tries,
and live-update streams are capped per key or session and in all. Each scenario runs on a
gateway of its own, served with the production uvicorn config, so counts do not mix."""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from gateway.settings import EdgeSettings
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.gateway.conftest import gateway_with

pytestmark = pytest.mark.integration
BEHIND_PROXY = EdgeSettings(trusted_proxies=("127.0.0.1/32",))


def from_(address: str, **headers: str) -> dict[str, str]:
    return {"X-Forwarded-For": address, **headers}


async def sign_in(gateway, key: str, **headers: str):
    return await gateway.client.post("/portal/sign-in", data={"key": key}, headers=headers)


async def test_a_forged_forwarded_for_does_not_reset_the_sign_in_limit(settings, orders_service):
    async with gateway_with(settings, orders_service) as gateway:
        statuses = [(await sign_in(gateway, "wrong", **from_(f"198.51.100.{i}"))).status_code
                    for i in range(12)]
    assert statuses == [401] * 10 + [429] * 2


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget(settings, orders_service):
    async with gateway_with(settings, orders_service, BEHIND_PROXY) as gateway:
        rotating = [(await sign_in(gateway, "wrong", **from_(f"198.51.100.{i}"))).status_code
                    for i in range(12)]
        one_client = [(await sign_in(gateway, "wrong", **from_("203.0.113.5"))).status_code
                      for _ in range(11)]
        # The proxy says the browser came over https: the session cookie is Secure.
        signed = await sign_in(gateway, TEST_ADMIN_KEY, **from_("203.0.113.6"),
                               **{"X-Forwarded-Proto": "https"})
    assert rotating == [401] * 12
    assert one_client == [401] * 10 + [429]
    assert signed.status_code == 303 and "secure" in signed.headers["set-cookie"].lower()


async def test_wrong_api_keys_are_limited_per_client_address(settings, orders_service):
    edge = BEHIND_PROXY.with_(auth_failures_per_address=5)
    async with gateway_with(settings, orders_service, edge) as gateway:
        guesses = [await gateway.client.get("/api/v1/orders", headers={
            "Authorization": f"Bearer dvt_admin_guess{i:04d}", **from_("203.0.113.7")})
            for i in range(6)]
        # Checked before the key is looked up: from that address even a good key waits.
        held = await gateway.client.get("/api/v1/orders", headers={
            "Authorization": f"Bearer {TEST_ADMIN_KEY}", **from_("203.0.113.7")})
        elsewhere = await gateway.client.get("/api/v1/orders", headers={
            "Authorization": f"Bearer {TEST_ADMIN_KEY}", **from_("203.0.113.8")})
    assert [r.status_code for r in guesses] == [401] * 5 + [429]
    refused = guesses[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert "too many failed API-key attempts" in refused.json()["detail"]
    assert held.status_code == 429 and elsewhere.status_code == 200


async def test_guesses_at_one_key_are_limited_from_any_address(settings, orders_service):
    edge = BEHIND_PROXY.with_(auth_failures_per_key_prefix=3)
    async with gateway_with(settings, orders_service, edge) as gateway:
        statuses = [(await gateway.client.get("/api/v1/orders", headers={
            "Authorization": f"Bearer dvt_admin_Xy7Kp2{i:08d}", **from_(f"198.51.100.{i}")})
        ).status_code for i in range(5)]
        other_prefix = await gateway.client.get("/api/v1/orders", headers={
            "Authorization": "Bearer dvt_admin_Qq1Zz9-other", **from_("198.51.100.50")})
    assert statuses == [401] * 3 + [429] * 2
    assert other_prefix.status_code == 401


async def _true(condition: bool) -> bool:
    return condition


async def open_stream(gateway, stack: AsyncExitStack, **headers: str):
    return await stack.enter_async_context(gateway.client.stream(
        "GET", "/api/v1/events", params={"topics": "orders"}, headers=headers))


async def test_live_streams_are_capped_per_key_or_session_and_in_all(settings, orders_service):
    edge = EdgeSettings(streams_per_holder=2, streams_total=3)
    admin = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
    async with gateway_with(settings, orders_service, edge) as gateway:
        signed = await sign_in(gateway, TEST_ADMIN_KEY)
        session = {"Cookie": f"dovetail_session={signed.cookies['dovetail_session']}"}
        async with AsyncExitStack() as first:
            streams = [await open_stream(gateway, first, **admin) for _ in range(2)]
            assert [s.status_code for s in streams] == [200, 200]
            third = await gateway.client.get("/api/v1/events", headers=admin)
            assert third.status_code == 503 and third.headers["Retry-After"] == "10"
            assert "already has 2 live streams" in third.json()["detail"]

            async with AsyncExitStack() as second:
                assert (await open_stream(gateway, second, **session)).status_code == 200
                full = await gateway.client.get("/api/v1/events", headers=session)
                assert full.status_code == 503 and "as many live streams" in full.json()["detail"]
        # Closed streams give their slots back, as soon as the gateway sees the client go.
        slots = gateway.app.state.gateway.streams
        await eventually(lambda: _true(slots.open == 0), timeout=10)
        async with AsyncExitStack() as again:
            reopened = [await open_stream(gateway, again, **admin) for _ in range(2)]
            assert [s.status_code for s in reopened] == [200, 200]
            assert (await open_stream(gateway, again, **session)).status_code == 200
