"""Small helpers tests use to meet the platform as a client would."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import psycopg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from dovetail.orders.v1 import orders_events_pb2
from services.kit.envelope import stream_name, unwrap
from services.kit.positions import read_position


def ref(prefix: str = "T") -> str:
    """A random reference, so tests never collide and never truncate tables."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def order_payload(external_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    payload = {
        "external_id": external_id or ref("SHOP"),
        "placed_at": "2026-11-25T08:00:00Z",
        "promised_date": "2026-12-20",
        "customer": {"name": "Li Wei", "email": "li.wei@example.com", "phone": "+86 20 5555 0101",
                     "address": {"line1": "88 Tianhe Road", "city": "Guangzhou",
                                 "region": "Guangdong", "postal_code": "510000", "country": "CN"}},
        "items": [{"line_id": "1", "product": "wardrobe", "quantity": 1,
                   "options": {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600,
                               "board": "particleboard-18", "finish": "melamine-white",
                               "doors": 2}}],
        "total": {"amount": "5999.00", "currency": "CNY"},
    }
    payload.update(overrides)
    return payload


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 60.0,
                     interval: float = 0.1) -> Any:
    """Wait until `check()` returns something truthy (or raise its last AssertionError)."""
    deadline = time.monotonic() + timeout
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            result = await check()
            if result:
                return result
        except AssertionError as exc:
            last = exc
        await asyncio.sleep(interval)
    if last:
        raise last
    raise AssertionError(f"condition not met within {timeout} s")


async def stream_envelopes(nats_url: str, service: str, subject: str | None = None) -> list:
    """Every envelope on a service's stream (optionally one subject), oldest first."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream_name(service))
        if info.state.messages == 0:
            return []
        sub = await js.pull_subscribe(
            subject or f"dovetail.{service}.>", stream=stream_name(service),
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL,
                                  inactive_threshold=5))
        out = []
        while True:
            try:
                msgs = await sub.fetch(500, timeout=0.5)
            except (nats.errors.TimeoutError, TimeoutError):
                break
            out += [(m.headers or {}, unwrap(m.data)) for m in msgs]
        await sub.unsubscribe()
        return out
    finally:
        await nc.close()


async def relayed(running, timeout: float = 60.0) -> int:
    """Wait until the service's relay has published (and JetStream acknowledged) everything its
    log held when called; returns that notification id. Its stream is then complete up to it:
    what a test looks for there is on it, and what is not there was not published.

    The relay catches up in batches, in a process of its own for iot: a burst of a thousand
    events takes it a second or two on a busy box, after the service's read models have them."""
    app = running.runtime.app
    made = await asyncio.to_thread(app.recorder.max_notification_id) or 0
    settings, schema = running.runtime.settings, running.runtime.schema

    async def caught_up() -> bool:
        async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
            return await read_position(conn, schema, f"relay:{running.runtime.name}") >= made

    await eventually(caught_up, timeout=timeout)
    return made


async def placed_events_for(nats_url: str, order_id: str) -> list:
    envelopes = await stream_envelopes(nats_url, "orders", "dovetail.orders.placed")
    found = []
    for headers, env in envelopes:
        body = orders_events_pb2.OrderPlaced()
        env.body.Unpack(body)
        if body.order_id == order_id:
            found.append((headers, env, body))
    return found
