"""Clients that read or write too slowly cannot hold the gateway's connections: headers and
bodies have deadlines (408), headers a size cap (431), idle kept-alive connections close, while
normal clients are served and a live stream stays open as long as it is read."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.settings import EdgeSettings
from tests.helpers import order_payload
from tests.integration.gateway.conftest import gateway_with
from tests.integration.gateway.test_live_events import place, read_events
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration
EDGE = EdgeSettings(header_timeout_s=0.5, body_timeout_s=0.5, keep_alive_s=1,
                    max_header_bytes=8192)


@pytest.fixture(scope="module")
async def strict(settings, orders_service):
    async with gateway_with(settings, orders_service, EDGE) as gateway:
        yield gateway


async def connect(gateway):
    return await asyncio.open_connection(gateway.client.base_url.host, gateway.client.base_url.port)


async def answer(reader, within_s: float = 5.0) -> tuple[bytes, float]:
    """Everything the gateway writes until it closes the connection, and how long that took."""
    started = time.monotonic()
    data = await asyncio.wait_for(reader.read(), within_s)
    return data, time.monotonic() - started


async def test_a_client_that_sends_nothing_is_closed_after_the_header_deadline(strict):
    reader, writer = await connect(strict)
    data, took = await answer(reader)
    assert data.startswith(b"HTTP/1.1 408 ") and 0.4 < took < 2.0
    writer.close()


async def test_headers_dribbled_a_byte_at_a_time_are_cut_off(strict):
    reader, writer = await connect(strict)

    async def dribble():
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)

    task = asyncio.create_task(dribble())
    data, took = await answer(reader)
    task.cancel()
    assert data.startswith(b"HTTP/1.1 408 ") and took < 2.0
    writer.close()


async def test_oversized_headers_are_refused(strict):
    reader, writer = await connect(strict)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"a" * 10_000 + b"\r\n")
    await writer.drain()
    data, _ = await answer(reader)
    assert data.startswith(b"HTTP/1.1 431 ")
    writer.close()


async def test_a_body_that_never_ends_is_cut_off_and_others_are_served(strict, settings):
    reader, writer = await connect(strict)
    writer.write(b"POST /webhooks/dovetail/orders HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"ext")
    await writer.drain()
    served = await strict.client.post("/webhooks/dovetail/orders",
                                      **signed(settings, order_payload()))
    assert served.status_code == 202
    data, took = await answer(reader)
    assert data.startswith(b"HTTP/1.1 408 ") and took < 2.0
    writer.close()


async def test_an_idle_kept_alive_connection_closes_and_a_slow_next_request_too(strict):
    reader, writer = await connect(strict)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    first = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert first.startswith(b"HTTP/1.1 ")
    rest, took = await answer(reader)  # the body, then nothing until keep_alive_s
    assert 0.8 < took < 3.0
    writer.close()

    reader, writer = await connect(strict)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    await asyncio.sleep(0.2)
    writer.write(b"GET /healthz HTTP/1.1\r\nHo")  # the next request starts and stalls
    await writer.drain()
    data, _ = await answer(reader)
    assert b"HTTP/1.1 408 " in data
    writer.close()


async def test_a_live_stream_outlives_every_read_deadline(strict, settings):
    async with strict.client.stream("GET", "/api/v1/events", params={"topics": "orders"},
                                    headers=strict.as_("admin")) as response:
        lines = response.aiter_lines()
        await read_events(lines, lambda events: len(events) == 1)
        await asyncio.sleep(1.5)  # past the header, body and keep-alive deadlines
        order_id = await place(strict, settings)
        events = await read_events(lines, lambda events: any(
            e["data"].get("aggregate_id") == order_id for e in events))
    assert events
