"""End to end with the real orders service: placed → configured → SCHEDULED → reports →
IN_PRODUCTION → PRODUCED."""

from __future__ import annotations

import pytest

from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.conftest import CHANNEL_KEY
from tests.integration.scheduling.conftest import (
    KEY_A,
    KEY_B,
    auth,
    configure,
    in_its_factory,
    lanes,
)
from tests.integration.test_orders_service import place_request

pytestmark = pytest.mark.integration


async def test_an_order_is_scheduled_made_and_produced(scheduling, network, orders_channel, settings):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    placed = await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    await configure(settings, placed.order_id)

    forward = [orders_pb.ORDER_STATUS_SCHEDULED, orders_pb.ORDER_STATUS_IN_PRODUCTION,
               orders_pb.ORDER_STATUS_PRODUCED, orders_pb.ORDER_STATUS_SHIPPED,
               orders_pb.ORDER_STATUS_DELIVERED]

    async def status(expected):
        # At `expected` or past it: a delivery service running beside may ship produced orders.
        got = await orders.GetOrder(orders_pb.GetOrderRequest(order_id=placed.order_id),
                                    metadata=auth(TEST_ADMIN_KEY))
        return got.order if got.order.status in forward[forward.index(expected):] else None

    order = await eventually(lambda: status(orders_pb.ORDER_STATUS_SCHEDULED), timeout=90)
    assert order.factory_id in network and order.planned_end.seconds > order.planned_start.seconds

    async def report(bar, kind, key: str) -> None:
        await scheduling.stub.ReportOperation(pb.ReportOperationRequest(
            operation_id=bar.operation_id, kind=kind,
            idempotency_key=f"{bar.operation_id}:{kind}"), metadata=auth(key))

    async def first_started(factory_id: str):
        """Its bars in the factory holding it now, the first started there (a re-plan may
        move an order until its work starts; the scheduled factory the orders service said
        is where it was then)."""
        bars = sorted((b for lane in (await lanes(scheduling.stub, factory_id)).values()
                       for b in lane.bars if b.order_id == placed.order_id), key=lambda b: b.seq)
        assert [b.seq for b in bars] == [1, 2, 3]
        await report(bars[0], pb.OPERATION_REPORT_KIND_STARTED, key_of(factory_id))
        return bars

    def key_of(factory_id: str) -> str:
        return KEY_A if factory_id == network[0] else KEY_B

    factory_id, bars = await in_its_factory(scheduling, placed.order_id, first_started)
    for bar in bars:
        for kind in (pb.OPERATION_REPORT_KIND_STARTED, pb.OPERATION_REPORT_KIND_FINISHED):
            await report(bar, kind, key_of(factory_id))  # the first start again: a duplicate
        if bar.seq == 1:
            await eventually(lambda: status(orders_pb.ORDER_STATUS_IN_PRODUCTION), timeout=90)
    await eventually(lambda: status(orders_pb.ORDER_STATUS_PRODUCED), timeout=90)


async def test_the_shop_floor_simulator_makes_what_its_factory_is_assigned(
        scheduling, network, settings):
    import asyncio
    import uuid

    from demo.network import DemoFactory
    from demo.shop_floor import ShopFloor
    from services.kit.auth import Principal
    from tests.integration.scheduling.conftest import plans, scheduled

    order_id = str(uuid.uuid4())
    await configure(settings, order_id)
    await eventually(lambda: scheduled(settings, order_id), timeout=90)
    # a floor in each factory: a re-plan may move the order until its work starts, so where
    # it was first scheduled need not be where it is made
    floors = []
    for factory_id in network:
        demo = DemoFactory(factory_id, "test", "here", 0, 0, 100, 0.5, ())
        await scheduling.runtime.keys.add(demo.dev_key, Principal("factory", factory_id))
        floors.append(ShopFloor(demo, f"127.0.0.1:{scheduling.port}", speedup=3600))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(floor.run(stop)) for floor in floors]
    try:
        async def produced():
            from dovetail.scheduling.v1 import scheduling_events_pb2 as events
            from tests.helpers import stream_envelopes

            for _, envelope in await stream_envelopes(
                    settings.nats_url, "scheduling", "dovetail.scheduling.order_produced"):
                body = events.OrderProduced()
                envelope.body.Unpack(body)
                if body.order_id == order_id:
                    return body
            return None

        made = await eventually(produced, timeout=90)
        # made where it was last scheduled: started work is not moved
        assert made.factory_id == (await scheduled(settings, order_id)).factory_id
        assert await plans(settings)
    finally:
        stop.set()
        for task in tasks:
            await asyncio.wait_for(task, 10)
