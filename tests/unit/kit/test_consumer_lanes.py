"""A consumer with lanes: each upstream aggregate's events in order, lanes bounded."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from dovetail.orders.v1 import orders_events_pb2
from services.kit.consumer import Consumer
from services.kit.envelope import wrap


@dataclass
class Msg:
    data: bytes
    label: str


def message(aggregate: str, n: int) -> Msg:
    envelope = wrap(service="orders", body=orders_events_pb2.OrderCancelled(order_id=aggregate),
                    aggregate_id=aggregate, version=n, occurred_at=datetime.now(UTC),
                    tenant="t", notification_id=n)
    return Msg(envelope.SerializeToString(), f"{aggregate}:{n}")


def consumer(lanes: int) -> tuple[Consumer, list[str], list[int]]:
    c = Consumer(name="test", app=None, js=None, upstream="orders", subjects=[],
                 policy=lambda envelope, processing: None, lanes=lanes)
    done: list[str] = []
    running = [0, 0]  # now, most at once

    async def handle(msg) -> None:
        running[0] += 1
        running[1] = max(running[1], running[0])
        await asyncio.sleep(0.001 * (len(msg.label) % 3))  # interleave the lanes
        done.append(msg.label)
        running[0] -= 1

    c._handle = handle
    return c, done, running


def batch() -> list[Msg]:
    return [message(f"order-{i % 5}", n) for n, i in enumerate(range(40), start=1)]


async def test_lanes_keep_each_aggregates_events_in_order_and_are_bounded():
    c, done, running = consumer(lanes=3)
    await c._handle_batch(batch())
    assert sorted(done) == sorted(m.label for m in batch())
    for aggregate in {m.label.split(":")[0] for m in batch()}:
        mine = [int(x.split(":")[1]) for x in done if x.startswith(aggregate + ":")]
        assert mine == sorted(mine)
    assert 1 < running[1] <= 3


async def test_one_lane_is_stream_order():
    c, done, running = consumer(lanes=1)
    await c._handle_batch(batch())
    assert done == [m.label for m in batch()] and running[1] == 1
