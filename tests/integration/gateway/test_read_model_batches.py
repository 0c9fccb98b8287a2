"""A batch of events reaches the order facts as runs of one statement each, with the same rows
as applying them one by one: repeats of an order, mixed kinds, missing dates, redelivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from dovetail.common.v1 import types_pb2
from dovetail.delivery.v1 import delivery_events_pb2 as delivery_events
from dovetail.orders.v1 import orders_events_pb2 as orders_events
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway.channels import SCHEMA
from gateway.read_model import Change, OrderFacts, runs
from services.kit.envelope import subject, wrap
from tests.integration.gateway.test_read_model_counts import pool  # noqa: F401 - fixture

AT = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


@dataclass
class Message:
    subject: str
    data: bytes
    metadata: SimpleNamespace


def message(seq: int, service: str, name: str, body, order_id: str) -> Message:
    envelope = wrap(service=service, body=body, aggregate_id=order_id, version=seq,
                    occurred_at=AT, tenant="t", notification_id=seq)
    return Message(subject(service, name), envelope.SerializeToString(),
                   SimpleNamespace(sequence=SimpleNamespace(stream=seq)))


def placed(seq: int, order_id: str, promised: bool = True) -> Message:
    body = orders_events.OrderPlaced(order_id=order_id, channel="shop")
    body.placed_at.FromDatetime(AT)
    if promised:
        body.promised_date.CopyFrom(types_pb2.Date(year=2026, month=12, day=20))
    return message(seq, "orders", "placed", body, order_id)


def status(seq: int, order_id: str, to: str) -> Message:
    return message(seq, "orders", "status_changed", orders_events.OrderStatusChanged(
        order_id=order_id, to_status=orders_pb.OrderStatus.Value(f"ORDER_STATUS_{to}")), order_id)


async def rows(pool) -> dict[str, tuple]:  # noqa: F811
    async with pool.connection() as conn:
        found = await (await conn.execute(
            f"SELECT order_id, channel, status, promised_date, factory_id, on_time"
            f" FROM {SCHEMA}.order_facts")).fetchall()
    return {r[0]: r[1:] for r in found}


def test_runs_split_on_other_columns_and_on_a_second_change_to_an_order():
    changes = [Change("a", {"status": "PLACED"}), Change("b", {"status": "PLACED"}),
               Change("a", {"status": "CONFIGURED"}), Change("c", {"factory_id": "F1"}),
               Change("d", {"factory_id": "F2"})]
    assert [[c.order_id for c in run] for run in runs(changes)] == [["a", "b"], ["a"], ["c", "d"]]


@pytest.mark.parametrize("redelivered", [False, True])
async def test_a_mixed_batch_ends_as_applying_each_event_in_turn(pool, redelivered):  # noqa: F811
    facts = OrderFacts(pool)
    await facts.ensure_schema()
    batch = [placed(1, "o1"), placed(2, "o2", promised=False), status(3, "o1", "CONFIGURED"),
             placed(4, "o3"), status(5, "o1", "SCHEDULED"), status(6, "o2", "REJECTED"),
             message(7, "orders", "shipment_opened",
                     delivery_events.ShipmentOpened(order_id="o3", factory_id="F9"), "o3")]
    await facts.apply("DOVETAIL_ORDERS", batch)
    if redelivered:  # at or below the recorded position: skipped, nothing counted twice
        await facts.apply("DOVETAIL_ORDERS", batch[2:])
    assert await rows(pool) == {
        "o1": ("shop", "SCHEDULED", date(2026, 12, 20), "", None),
        "o2": ("shop", "REJECTED", None, "", None),
        "o3": ("shop", "PLACED", date(2026, 12, 20), "F9", None)}
    assert await facts.counts() == {"SCHEDULED": 1, "REJECTED": 1, "PLACED": 1}
    assert await facts.position("DOVETAIL_ORDERS") == 7
