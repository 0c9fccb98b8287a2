"""Kill -9 the orders service (and its relay) while shops post orders: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable

import httpx
import pytest

from tests.e2e.reconcile import Ledger, one_order_per_webhook, placed_once, settle
from tests.helpers import order_payload, ref
from webhook_signature import sign

pytestmark = pytest.mark.e2e

ORDERS = 240
SENDERS = 8


async def post_until_accepted(client: httpx.AsyncClient, secret: str, payload: dict,
                              attempts: int = 200,
                              answered: Callable[[int | str, float], None] | None = None) -> dict:
    """A shop retries until it gets a 2xx, as shops do; returns the accepted answer.

    `answered(answer, sent_at)` hears of every attempt: its status code, or "no answer" when
    the gateway could not be reached or did not answer in time; `sent_at` is monotonic time.
    """
    body = json.dumps(payload).encode()
    for _ in range(attempts):
        sent_at = time.monotonic()
        try:
            # Signed anew on every attempt, as a shop's retry does (the signature has a time).
            r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
            if answered is not None:
                answered(r.status_code, sent_at)
            if r.status_code in (200, 202):
                return r.json()
            assert r.status_code == 503, r.text  # only "try later" is acceptable here
        except httpx.TransportError:
            if answered is not None:
                answered("no answer", sent_at)
        await asyncio.sleep(0.1)
    raise AssertionError(f"{payload['external_id']} never accepted")


async def test_orders_survive_sigkill_of_the_orders_service_mid_stream(platform):
    secret = platform.settings.webhook_secrets["dovetail"]
    batch = ref("CRASH")
    payloads = [order_payload(f"{batch}-{i:04d}") for i in range(ORDERS)]
    queue: asyncio.Queue = asyncio.Queue()
    for p in payloads:
        queue.put_nowait(p)
    accepted: dict[str, set[str]] = {}

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            payload = queue.get_nowait()
            answer = await post_until_accepted(client, secret, payload)
            accepted.setdefault(payload["external_id"], set()).add(answer["order_id"])
            # Shops resend: a repeat must give the same order.
            if len(accepted) % 10 == 0:
                again = await post_until_accepted(client, secret, payload)
                accepted[payload["external_id"]].add(again["order_id"])

    async def killer() -> None:
        orders = platform.processes["orders"]
        for _ in range(2):
            while len(accepted) < ORDERS // 3 * (_ + 1):
                await asyncio.sleep(0.02)
            orders.kill()
            await asyncio.sleep(1.0)
            orders.start()

    async with httpx.AsyncClient(base_url=platform.base_url, timeout=15) as client:
        await asyncio.gather(killer(), *[sender(client) for _ in range(SENDERS)])

    assert len(accepted) == ORDERS
    orders = one_order_per_webhook(accepted)

    async with httpx.AsyncClient(base_url=platform.base_url, timeout=15, headers={
            "Authorization": f"Bearer {platform.settings.admin_key}"}) as client:
        for order_id in orders.values():
            r = await client.get(f"/api/v1/orders/{order_id}")
            assert r.status_code == 200 and r.json()["external_id"].startswith(batch)

    await settle("an accepted order's placed event is missing or doubled",
                 lambda: placed_once(platform.settings.nats_url, orders), timeout=60)
    async with Ledger(platform.settings, ["orders"]) as ledger:
        # Other tests share these servers: only the events of this test's orders are compared.
        await settle("every event of these orders on JetStream exactly once",
                     lambda: ledger.unrelayed(aggregates=set(orders.values())), timeout=60)


async def test_every_service_port_answers_health_checks_and_reflection(platform):
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    for name in platform.settings.services:
        async with grpc.aio.insecure_channel(platform.settings.service_address(name)) as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=5)
            assert health.status == health_pb2.HealthCheckResponse.SERVING
            stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
            services = [s.name async for reply in stream
                        for s in reply.list_services_response.service]
            assert f"dovetail.{name}.v1.{name.capitalize()}Service" in services
