"""Relay and consumers: events reach JetStream exactly once; upstream facts apply exactly once."""

from __future__ import annotations

import uuid

import nats
import pytest

from dovetail.configurator.v1 import configurator_events_pb2
from dovetail.orders.v1 import orders_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2_grpc as pb_grpc
from services.kit.envelope import wrap
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, placed_events_for
from tests.integration.conftest import CHANNEL_KEY, auth
from tests.integration.test_orders_service import place_request

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(orders_channel):
    return pb_grpc.OrdersServiceStub(orders_channel)


async def test_orders_placed_while_nats_is_down_reach_jetstream_once_it_is_back(
        stub, settings, nats_server):
    nats_server.stop()
    try:
        placed = [await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
                  for _ in range(10)]
    finally:
        nats_server.start()
    for reply in placed:
        events = await eventually(lambda r=reply: placed_events_for(settings.nats_url, r.order_id),
                                  timeout=60)
        assert len(events) == 1


async def publish_configured(settings, order_id: str, notification_id: int, revision: int,
                             msg_id: str) -> None:
    body = configurator_events_pb2.OrderConfigured(order_id=order_id, catalog_version=7,
                                                   order_version=revision)
    from datetime import UTC, datetime

    envelope = wrap(service="configurator", body=body, aggregate_id=order_id, version=1,
                    occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=notification_id)
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish("dovetail.configurator.order_configured",
                                     envelope.SerializeToString(), headers={"Nats-Msg-Id": msg_id})
    finally:
        await nc.close()


async def history_types(stub, order_id: str) -> list[str]:
    history = await stub.GetOrderHistory(pb.GetOrderHistoryRequest(order_id=order_id),
                                         metadata=auth(TEST_ADMIN_KEY))
    return [e.type for e in history.entries]


async def test_a_redelivered_upstream_event_takes_effect_once(stub, settings):
    placed = await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    notification_id = uuid.uuid4().int % 10**12 + 10**6
    # The same upstream notification arrives twice (e.g. the upstream relay crashed before
    # recording its position, after JetStream's de-duplication window).
    await publish_configured(settings, placed.order_id, notification_id, 1, "a")
    await publish_configured(settings, placed.order_id, notification_id, 1, "b")

    async def configured():
        types = await history_types(stub, placed.order_id)
        return types if "Configured" in types else None

    await eventually(configured)
    # A later marker event proves the duplicate was processed (and ignored) before it.
    marker = notification_id + 1
    await publish_configured(settings, placed.order_id, marker, 1, "c")
    order = await eventually(lambda: _status(stub, placed.order_id, pb.ORDER_STATUS_CONFIGURED))
    assert order.catalog_version == 7
    assert (await history_types(stub, placed.order_id)).count("Configured") == 1


async def test_a_configuration_of_an_older_revision_is_ignored(stub, settings):
    placed = await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    got = await stub.GetOrder(pb.GetOrderRequest(order_id=placed.order_id),
                              metadata=auth(TEST_ADMIN_KEY))
    await stub.AmendOrder(pb.AmendOrderRequest(order_id=placed.order_id, items=got.order.items),
                          metadata=auth(TEST_ADMIN_KEY))
    base = uuid.uuid4().int % 10**12 + 10**6
    await publish_configured(settings, placed.order_id, base, 1, f"old-{base}")
    await publish_configured(settings, placed.order_id, base + 1, 2, f"new-{base}")
    await eventually(lambda: _status(stub, placed.order_id, pb.ORDER_STATUS_CONFIGURED))
    assert await history_types(stub, placed.order_id) == ["Placed", "Amended", "Configured"]


async def _status(stub, order_id: str, status: int):
    got = await stub.GetOrder(pb.GetOrderRequest(order_id=order_id), metadata=auth(TEST_ADMIN_KEY))
    return got.order if got.order.status == status else None


async def test_the_service_rides_out_a_postgresql_restart(stub, settings, postgres):
    before = await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    postgres.stop()
    postgres.start()

    async def placed_again():
        try:
            return await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
        except Exception:  # noqa: BLE001 - unavailable until its pools reconnect
            return None

    after = await eventually(placed_again, timeout=60, interval=0.5)
    for reply in (before, after):
        events = await eventually(lambda r=reply: placed_events_for(settings.nats_url, r.order_id),
                                  timeout=60)
        assert len(events) == 1
    got = await stub.GetOrder(pb.GetOrderRequest(order_id=before.order_id),
                              metadata=auth(TEST_ADMIN_KEY))
    assert got.order.order_id == before.order_id
