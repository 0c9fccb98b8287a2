"""A batch published with every PubAck awaited (the relay's and the status bucket's way) does
not give the event loop away once per message: beside a busy loop (iot's intake) each turn
it gave away cost a turn of the intake, and the iot relay fell a minute behind."""

from __future__ import annotations

import asyncio
import time
import uuid

import nats
import pytest
from nats.js.api import StreamConfig

from services.kit.jetstream import publish_acked

pytestmark = pytest.mark.integration

MESSAGES = 300


async def _stream(js, name: str) -> str:
    await js.add_stream(StreamConfig(name=name, subjects=[f"{name.lower()}.>"],
                                     duplicate_window=60))
    return f"{name.lower()}.event"


async def test_a_batch_is_published_without_a_loop_turn_per_message(settings):
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    name = f"PUB_ACKED_{uuid.uuid4().hex[:8].upper()}"
    subject = await _stream(js, name)
    turns, busy = [0], asyncio.Event()

    async def intake() -> None:  # a job that holds the loop a little every turn
        while not busy.is_set():
            turns[0] += 1
            time.sleep(0.005)  # noqa: ASYNC251 - holding the loop is the point
            await asyncio.sleep(0)

    job = asyncio.create_task(intake())
    try:
        await asyncio.sleep(0.01)
        before = turns[0]
        results = await publish_acked(js, ((subject, str(i).encode(),
                                            {"Nats-Msg-Id": f"{name}:{i}"})
                                           for i in range(MESSAGES)), 10.0)
        taken = turns[0] - before
    finally:
        busy.set()
        await job
        info = await js.stream_info(name)
        await js.delete_stream(name)
        await nc.close()
    assert [r.seq for r in results] == list(range(1, MESSAGES + 1))
    assert info.state.messages == MESSAGES
    # the acks come back over the turns the server takes to store the batch (tens); a turn
    # given away per message would be MESSAGES more
    assert taken < MESSAGES // 3, taken


async def test_each_message_has_its_own_result_and_a_duplicate_is_named(settings):
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    name = f"PUB_ACKED_{uuid.uuid4().hex[:8].upper()}"
    subject = await _stream(js, name)
    try:
        results = await publish_acked(js, [
            (subject, b"a", {"Nats-Msg-Id": f"{name}:1"}),
            (f"nobody.listens.{name}", b"b", None),  # no stream: no responders
            (subject, b"a again", {"Nats-Msg-Id": f"{name}:1"})], 10.0)
    finally:
        await js.delete_stream(name)
        await nc.close()
    assert results[0].seq == 1 and not results[0].duplicate
    assert isinstance(results[1], Exception)
    assert results[2].seq == 1 and results[2].duplicate
