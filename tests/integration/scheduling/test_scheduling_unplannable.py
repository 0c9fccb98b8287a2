"""An order no factory can make, with the real scheduling and orders services: scheduling
reports it once with its reason (re-planning does not repeat it) and the chain leader sees
the reason on the order until it is cancelled."""

from __future__ import annotations

import uuid

import pytest

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.configurator.v1 import configurator_service_pb2 as configurator_pb
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from dovetail.scheduling.v1 import scheduling_events_pb2 as events
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref, stream_envelopes
from tests.integration.conftest import CHANNEL_KEY
from tests.integration.scheduling.conftest import auth, configure, publish, scheduled, type_pb
from tests.integration.test_orders_service import place_request

pytestmark = pytest.mark.integration


def lacquered_routing() -> list[configurator_pb.RoutingOperation]:
    """Sawing, a paint line (no factory of the test network has one) and assembly."""
    kinds = (("panel_saw", 30), ("paint_line", 90), ("assembly", 40))
    return [configurator_pb.RoutingOperation(
        operation_id=f"op-{i + 1}", seq=i + 1, machine_type=type_pb(kind),
        duration_seconds=minutes * 60, description=f"{kind} for the test")
        for i, (kind, minutes) in enumerate(kinds)]


async def unplannable(settings, order_id: str) -> list[events.OrderUnplannable]:
    found = []
    for _, envelope in await stream_envelopes(settings.nats_url, "scheduling",
                                              "dovetail.scheduling.order_unplannable"):
        body = events.OrderUnplannable()
        envelope.body.Unpack(body)
        if body.order_id == order_id:
            found.append(body)
    return found


async def test_an_order_needing_a_machine_no_factory_has_is_reported_once_and_shown(
        scheduling, network, orders_channel, settings):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    external_id = ref("LACQUER")
    placed = await orders.PlaceOrder(place_request(external_id), metadata=auth(CHANNEL_KEY))
    await publish(settings, "configurator", "order_configured", placed.order_id,
                  configurator.OrderConfigured(
                      order_id=placed.order_id, catalog_version=1, order_version=1,
                      promised_date=types_pb2.Date(year=2026, month=12, day=20),
                      routing=lacquered_routing()))

    reports = await eventually(lambda: unplannable(settings, placed.order_id), timeout=90)
    assert len(reports) == 1
    report = reports[0]
    assert "paint line" in report.reason and report.reason.startswith("no factory has")
    assert report.revision == 1 and uuid.UUID(report.plan_id)

    # Plans for other orders leave it out again: that is not news. The marker's
    # OrderScheduled is relayed after anything those plans recorded.
    for _ in range(2):
        marker = str(uuid.uuid4())
        await configure(settings, marker)
        await eventually(lambda m=marker: scheduled(settings, m), timeout=90)
    assert len(await unplannable(settings, placed.order_id)) == 1
    assert await scheduled(settings, placed.order_id) is None

    # The orders service shows why, on the order, in the list and in its history.
    async def held():
        got = await orders.GetOrder(orders_pb.GetOrderRequest(order_id=placed.order_id),
                                    metadata=auth(TEST_ADMIN_KEY))
        return got.order if got.order.planning_issue else None

    order = await eventually(held, timeout=90)
    assert order.planning_issue == report.reason
    assert order.status == orders_pb.ORDER_STATUS_CONFIGURED

    async def listed():
        page = await orders.ListOrders(orders_pb.ListOrdersRequest(query=external_id),
                                       metadata=auth(TEST_ADMIN_KEY))
        return page.orders[0] if page.orders and page.orders[0].planning_issue else None

    assert (await eventually(listed, timeout=60)).planning_issue == report.reason
    history = await orders.GetOrderHistory(
        orders_pb.GetOrderHistoryRequest(order_id=placed.order_id), metadata=auth(TEST_ADMIN_KEY))
    entry = next(e for e in history.entries if e.type == "PlanningHeld")
    assert entry.summary == f"Cannot be planned yet: {report.reason}"

    # Cancelled: the issue is gone, and scheduling reports nothing more about it.
    await orders.CancelOrder(orders_pb.CancelOrderRequest(order_id=placed.order_id,
                                                          reason="customer changed their mind"),
                             metadata=auth(TEST_ADMIN_KEY))
    cancelled = await orders.GetOrder(orders_pb.GetOrderRequest(order_id=placed.order_id),
                                      metadata=auth(TEST_ADMIN_KEY))
    assert cancelled.order.planning_issue == ""

    async def listed_clear():
        page = await orders.ListOrders(orders_pb.ListOrdersRequest(query=external_id),
                                       metadata=auth(TEST_ADMIN_KEY))
        row = page.orders[0]
        return row if row.status == orders_pb.ORDER_STATUS_CANCELLED else None

    assert (await eventually(listed_clear, timeout=60)).planning_issue == ""
