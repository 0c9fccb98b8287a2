"""Two replicas of each service share the work and still apply every event exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.request
from collections import Counter

import httpx
import pytest

from dovetail.orders.v1 import orders_events_pb2
from infra.servers import free_port
from services.kit.auth import KeyStore, Principal
from tests.e2e.conftest import Platform, ServiceProcess, wait_until_healthy
from tests.helpers import eventually, order_payload, ref, stream_envelopes
from webhook_signature import sign

pytestmark = pytest.mark.e2e
SERVICES = ("orders", "configurator")
ORDERS = 40


def consumed(metrics_port: int, durable: str) -> float:
    """Events a replica's durable consumer applied, from its Prometheus endpoint."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    total = 0.0
    for line in text.decode().splitlines():
        if line.startswith("dovetail_consumer_events_total{") and f'consumer="{durable}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


@pytest.fixture(scope="module")
async def replicated(settings, work_dir):
    from psycopg_pool import AsyncConnectionPool

    ports = {(name, i): free_port() for name in SERVICES for i in (0, 1)}
    metrics = {(name, i): free_port() for name in SERVICES for i in (0, 1)}
    targets = {name: "ipv4:" + ",".join(f"127.0.0.1:{ports[(name, i)]}" for i in (0, 1))
               for name in SERVICES}
    base = settings.with_(services=SERVICES, service_targets=targets, gateway_port=free_port(),
                          log_format="json")
    async with AsyncConnectionPool(base.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        keys = KeyStore(pool)
        await keys.ensure_schema()
        await keys.add(base.admin_key, Principal("admin"))
    logs = work_dir / "scale-logs"
    logs.mkdir(exist_ok=True)
    procs: dict[str, ServiceProcess] = {}
    for (name, i), port in ports.items():
        s = base.with_(service_ports={**base.service_ports, name: port},
                       metrics_ports={**base.metrics_ports, name: metrics[(name, i)]})
        procs[f"{name}-{i}"] = ServiceProcess(f"services.{name}.main",
                                              {**os.environ, **s.to_env()}, logs / f"{name}-{i}.log")
    procs["gateway"] = ServiceProcess("gateway.main", {**os.environ, **base.to_env()},
                                      logs / "gateway.log")
    for p in procs.values():
        p.start()
    platform = Platform(base, procs)
    await wait_until_healthy(platform)
    yield platform, metrics
    for p in procs.values():
        p.stop()


async def post_orders(platform, batch: str, count: int) -> list[str]:
    secret = platform.settings.webhook_secrets["dovetail"]
    ids = []
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30) as client:
        for i in range(count):
            body = json.dumps(order_payload(f"{batch}-{i:03d}")).encode()
            for _ in range(100):
                try:
                    r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                        "Dovetail-Signature": sign(secret, body),
                        "Content-Type": "application/json"})
                    if r.status_code in (200, 202):
                        ids.append(r.json()["order_id"])
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
    assert len(ids) == count
    return ids


async def statuses(platform, order_ids: list[str]) -> Counter:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=30, headers={
            "Authorization": f"Bearer {platform.settings.admin_key}"}) as client:
        seen = Counter()
        for order_id in order_ids:
            r = await client.get(f"/api/v1/orders/{order_id}")
            seen[r.json()["status"] if r.status_code == 200 else r.status_code] += 1
        return seen


async def test_replicas_share_consumers_and_every_order_is_configured_once(replicated):
    platform, metrics = replicated
    batch = ref("SCALE")
    order_ids = await post_orders(platform, batch, ORDERS)

    async def all_configured():
        seen = await statuses(platform, order_ids)
        return seen if seen["CONFIGURED"] == ORDERS else None

    await eventually(all_configured, timeout=120, interval=1)
    # Both configurator replicas took a share of the placed orders.
    shares = [consumed(metrics[("configurator", i)], "configurator-from-orders") for i in (0, 1)]
    assert all(share > 0 for share in shares), shares

    # One replica of each service dies; the survivors carry on with everything.
    platform.processes["orders-1"].kill()
    platform.processes["configurator-0"].kill()
    more = await post_orders(platform, batch + "-after", 10)

    async def rest_configured():
        seen = await statuses(platform, more)
        return seen if seen["CONFIGURED"] == 10 else None

    await eventually(rest_configured, timeout=120, interval=1)

    counts: Counter = Counter()
    for _, envelope in await stream_envelopes(platform.settings.nats_url, "orders",
                                              "dovetail.orders.placed"):
        body = orders_events_pb2.OrderPlaced()
        envelope.body.Unpack(body)
        if body.external_id.startswith(batch):
            counts[body.order_id] += 1
    assert set(counts) == set(order_ids) | set(more) and set(counts.values()) == {1}

    configured: Counter = Counter()
    from dovetail.configurator.v1 import configurator_events_pb2

    for _, envelope in await stream_envelopes(platform.settings.nats_url, "configurator",
                                              "dovetail.configurator.order_configured"):
        body = configurator_events_pb2.OrderConfigured()
        envelope.body.Unpack(body)
        if body.order_id in counts:
            configured[body.order_id] += 1
    assert set(configured.values()) == {1}, "an order was configured twice"
