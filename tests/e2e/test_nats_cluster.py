"""A 3-node JetStream cluster loses a node mid-run: every accepted order is on the stream once."""

from __future__ import annotations

import asyncio
import os
from collections import Counter

import httpx
import nats
import pytest
from psycopg_pool import AsyncConnectionPool

from dovetail.orders.v1 import orders_events_pb2
from infra.servers import NatsCluster, free_port
from services.kit.auth import KeyStore, Principal
from services.kit.envelope import unwrap
from tests.e2e.conftest import Platform, ServiceProcess, wait_until_healthy
from tests.e2e.test_crash_recovery import post_until_accepted
from tests.helpers import eventually, order_payload, ref

pytestmark = pytest.mark.e2e
ORDERS = 120


async def read_stream(urls: list[str], stream: str, subject: str) -> list:
    """Every envelope on `subject`, read message by message from the stream leader.

    Direct reads need only the stream's leader; creating a consumer would also need the
    cluster's meta leader, which may be the node that was just killed and still re-electing.
    """
    nc = await nats.connect(urls, connect_timeout=5)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            raw = await js.get_msg(stream, seq)
            if raw.subject == subject:
                found.append(unwrap(raw.data))
        return found
    finally:
        await nc.close()


@pytest.fixture(scope="module")
async def clustered(settings, work_dir):
    cluster = NatsCluster(work_dir / "nats-cluster").start()
    try:
        async for platform in _platform_on(cluster, settings, work_dir):
            yield platform, cluster
    finally:
        cluster.stop()


def own_database(url: str) -> str:
    """A database of its own on the session's server: the orders service here must not share
    leader locks and positions with the services other tests run against the single node."""
    import uuid

    import psycopg

    name = f"cluster_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"


async def _platform_on(cluster, settings, work_dir):
    s = settings.with_(database_url=own_database(settings.database_url),
                       nats_url=cluster.url, stream_replicas=3, services=("orders",),
                       service_ports={**settings.service_ports, "orders": free_port()},
                       metrics_ports={**settings.metrics_ports, "orders": free_port()},
                       gateway_port=free_port(), log_format="json")
    async with AsyncConnectionPool(s.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        keys = KeyStore(pool)
        await keys.ensure_schema()
        await keys.add(s.admin_key, Principal("admin"))
    env = {**os.environ, **s.to_env()}
    logs = work_dir / "cluster-logs"
    logs.mkdir(exist_ok=True)
    procs = {"orders": ServiceProcess("services.orders.main", env, logs / "orders.log"),
             "gateway": ServiceProcess("gateway.main", env, logs / "gateway.log")}
    for p in procs.values():
        p.start()
    platform = Platform(s, procs)
    try:
        await wait_until_healthy(platform)
    except BaseException:
        for p in procs.values():
            p.stop()
        raise
    try:
        yield platform
    finally:
        for p in procs.values():
            p.stop()


async def test_orders_reach_the_stream_exactly_once_when_a_node_dies(clustered):
    platform, cluster = clustered
    secret = platform.settings.webhook_secrets["dovetail"]
    batch = ref("CLUSTER")
    accepted: dict[str, str] = {}

    async def send(client, i):
        payload = order_payload(f"{batch}-{i:04d}")
        answer = await post_until_accepted(client, secret, payload)
        accepted[payload["external_id"]] = answer["order_id"]

    async def kill_a_node():
        while len(accepted) < ORDERS // 3:
            await asyncio.sleep(0.02)
        cluster.nodes[0].kill()

    async with httpx.AsyncClient(base_url=platform.base_url, timeout=15) as client:
        sem = asyncio.Semaphore(8)

        async def bounded(i):
            async with sem:
                await send(client, i)

        await asyncio.gather(kill_a_node(), *[bounded(i) for i in range(ORDERS)])

    survivors = [node.url for node in cluster.nodes[1:]]

    async def placed():
        counts: Counter = Counter()
        try:
            envelopes = await read_stream(survivors, "DOVETAIL_ORDERS", "dovetail.orders.placed")
        except (TimeoutError, nats.errors.Error) as exc:
            last["error"] = repr(exc)
            return None  # the stream is electing a new leader
        for envelope in envelopes:
            body = orders_events_pb2.OrderPlaced()
            envelope.body.Unpack(body)
            if body.external_id.startswith(batch):
                counts[body.order_id] += 1
        last["missing"] = len(set(accepted.values()) - set(counts))
        return counts if set(counts) == set(accepted.values()) else None

    last: dict = {}
    try:
        counts = await eventually(placed, timeout=90, interval=1)
    except AssertionError:
        raise AssertionError(f"placed events missing for {last.get('missing')} ({last.get('error')}) of "
                             f"{len(accepted)} accepted orders") from None
    assert len(accepted) == ORDERS and set(counts.values()) == {1}
