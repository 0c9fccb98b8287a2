"""The read model takes what its subscription delivered in batches: everything that arrived
until a pause, at most BATCH at a time, and a full inbox holds the subscription back."""

from __future__ import annotations

import asyncio

import pytest

from gateway.read_model import BATCH, Inbox

pytestmark = pytest.mark.unit


def test_a_batch_is_what_arrived_until_a_pause_and_at_most_batch():
    async def scenario() -> list[list[int]]:
        inbox = Inbox()
        for i in range(BATCH + 3):
            await inbox.put(i)
        return [await inbox.take(), await inbox.take(), await inbox.take(timeout_s=0.01)]

    first, second, none = asyncio.run(scenario())
    assert first == list(range(BATCH)) and second == [BATCH, BATCH + 1, BATCH + 2]
    assert none == []


def test_messages_arriving_while_a_batch_gathers_join_it():
    async def scenario() -> list[int]:
        inbox = Inbox()

        async def trickle() -> None:
            for i in range(5):
                await inbox.put(i)
                await asyncio.sleep(Inbox.QUIET_S / 4)

        sender = asyncio.create_task(trickle())
        batch = await inbox.take()
        await sender
        return batch

    assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]


def test_a_full_inbox_holds_the_subscription_back_until_a_batch_is_taken():
    async def scenario() -> tuple[bool, bool]:
        inbox = Inbox()
        for i in range(Inbox.LIMIT):
            await inbox.put(i)
        held = asyncio.create_task(inbox.put("one more"))
        await asyncio.sleep(0.01)
        waiting = not held.done()
        await inbox.take()
        await asyncio.wait_for(held, 1)
        return waiting, inbox.messages[-1] == "one more"

    assert asyncio.run(scenario()) == (True, True)
