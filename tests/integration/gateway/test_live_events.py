"""Server-sent events from JetStream, and a reconnecting client resuming after its last event."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.helpers import order_payload
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration


async def read_events(lines, until, timeout: float = 15.0) -> list[dict]:
    """Parse the stream (`response.aiter_lines()`) into {id, event, data} until `until(events)`."""
    events, block = [], {}

    async def parse() -> None:
        async for line in lines:
            if not line:
                if "event" in block:
                    events.append(dict(block))
                    if until(events):
                        return
                block.clear()
                continue
            field, _, value = line.partition(": ")
            if field in ("id", "event"):
                block[field] = value
            elif field == "data":
                block["data"] = json.loads(value)

    await asyncio.wait_for(parse(), timeout)
    return events


def placed(events: list[dict]) -> list[str]:
    return [e["data"]["aggregate_id"] for e in events if e["event"] == "orders.placed"]


async def place(gw, settings) -> str:
    response = await gw.client.post("/webhooks/dovetail/orders", **signed(settings, order_payload()))
    assert response.status_code == 202, response.text
    return response.json()["order_id"]


async def test_a_client_resumes_exactly_after_its_last_event(gw, settings):
    admin = gw.as_("admin")
    async with gw.client.stream("GET", "/api/v1/events", params={"topics": "orders"},
                                headers=admin) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = response.aiter_lines()
        [ready] = await read_events(lines, lambda ev: len(ev) == 1)
        assert ready["event"] == "ready" and ready["id"].startswith("DOVETAIL_ORDERS:")
        first, second = await place(gw, settings), await place(gw, settings)
        events = await read_events(lines, lambda ev: second in placed(ev))
    assert placed(events) == [first, second]
    seen_first = next(e for e in events if e["data"]["aggregate_id"] == first)
    stream, seq = seen_first["id"].split(",")[0].split(":")
    assert seen_first["data"]["body"]["order_id"] == first

    third = await place(gw, settings)  # while the client is away
    async with gw.client.stream("GET", "/api/v1/events", params={"topics": "orders"},
                                headers={**admin, "Last-Event-ID": seen_first["id"]}) as response:
        resumed = await read_events(response.aiter_lines(), lambda ev: third in placed(ev))
    after_ready = resumed[1:]
    assert int(after_ready[0]["id"].split(",")[0].split(":")[1]) == int(seq) + 1
    assert placed(resumed) == [second, third]


async def test_a_bad_cursor_or_topic_is_422_not_a_broken_stream(gw):
    admin = gw.as_("admin")
    bad_cursor = await gw.client.get("/api/v1/events", headers={**admin, "Last-Event-ID": "x:y"})
    bad_topic = await gw.client.get("/api/v1/events", params={"topics": "gossip"}, headers=admin)
    assert (bad_cursor.status_code, bad_topic.status_code) == (422, 422)
