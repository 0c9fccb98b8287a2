"""The configurator on the event bus: orders' facts in, configurations out, exactly once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import nats
import pytest
from google.protobuf import struct_pb2

from dovetail.configurator.v1 import configurator_events_pb2 as events
from dovetail.configurator.v1 import configurator_service_pb2 as pb
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from services.configurator.catalogue import seed_catalogue
from services.kit.envelope import wrap
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, stream_envelopes
from tests.integration.conftest import CHANNEL_KEY, auth
from tests.integration.test_orders_service import place_request

pytestmark = pytest.mark.integration

WARDROBE = {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600,
            "board": "particleboard-18", "finish": "melamine-white", "doors": 2}
SUBJECTS = {"OrderPlaced": "placed", "OrderAmended": "amended", "OrderCancelled": "cancelled"}


def item(line_id: str = "1", quantity: int = 1, **changes) -> orders_pb.OrderItem:
    opts = struct_pb2.Struct()
    opts.update(WARDROBE | changes)
    return orders_pb.OrderItem(line_id=line_id, product="wardrobe", quantity=quantity,
                               options=opts)


def notification_id() -> int:
    """Far above the ids the real orders service hands out in this session."""
    return uuid.uuid4().int % 10**12 + 10**9


async def publish(settings, body, notification: int, msg_id: str | None = None) -> None:
    envelope = wrap(service="orders", body=body, aggregate_id=body.order_id, version=1,
                    occurred_at=datetime.now(UTC), tenant="default", notification_id=notification)
    subject = f"dovetail.orders.{SUBJECTS[type(body).__name__]}"
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish(subject, envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": msg_id or uuid.uuid4().hex})
    finally:
        await nc.close()


async def outcomes(settings, order_id: str) -> list:
    """OrderConfigured / ConfigurationRejected bodies about one order, oldest first."""
    found = []
    for _, envelope in await stream_envelopes(settings.nats_url, "configurator"):
        for message_type in (events.OrderConfigured, events.ConfigurationRejected):
            body = message_type()
            if envelope.body.Unpack(body) and body.order_id == order_id:
                found.append(body)
    return found


async def outcome_count(settings, order_id: str, n: int) -> list:
    async def check():
        found = await outcomes(settings, order_id)
        return found if len(found) >= n else None

    return await eventually(check, timeout=90)


async def settle(settings) -> None:
    """A marker order configured proves that everything published before it was processed."""
    marker = str(uuid.uuid4())
    await publish(settings, orders.OrderPlaced(order_id=marker, revision=1, items=[item()]),
                  notification_id())
    await outcome_count(settings, marker, 1)


async def test_a_placed_order_is_configured_once_and_a_redelivery_has_no_effect(
        configurator_service, configurator, settings):
    order_id = str(uuid.uuid4())
    placed = orders.OrderPlaced(order_id=order_id, revision=1, items=[item(quantity=2)])
    placed.promised_date.year, placed.promised_date.month, placed.promised_date.day = 2026, 12, 20
    notification = notification_id()
    await publish(settings, placed, notification)
    [configured] = await outcome_count(settings, order_id, 1)

    assert isinstance(configured, events.OrderConfigured)
    assert configured.order_version == 1 and configured.catalog_version >= 1
    assert configured.promised_date.day == 20
    assert configured.lines[0].quantity == 2 and configured.lines[0].panel_count > 0
    assert [op.seq for op in configured.routing] == list(range(1, len(configured.routing) + 1))
    assert configured.routing[0].operation_id == f"{order_id}-op-01"
    assert configured.nesting.boards_used > 0 and not configured.nesting.boards
    assert float(configured.price.total.amount) > 0 and configured.total_weight_kg > 0
    assert len({p.package_id for p in configured.packages}) == len(configured.packages)

    # The same upstream notification again (a relay that re-published past the dedupe window).
    await publish(settings, placed, notification)
    await settle(settings)
    assert len(await outcomes(settings, order_id)) == 1

    got = (await configurator.GetOrderConfiguration(pb.GetOrderConfigurationRequest(
        order_id=order_id, include_board_svg=True, include_cut_lists=True, include_labels=True),
        metadata=auth(TEST_ADMIN_KEY))).configuration
    assert got.status == pb.CONFIGURATION_STATUS_CONFIGURED and got.order_version == 1
    assert len(got.nesting.boards) == configured.nesting.boards_used  # recomputed identically
    assert all(b.svg.startswith("<svg") for b in got.nesting.boards)
    formats = {(f.material, f.format) for f in got.cut_lists}
    for material in {b.material for b in got.nesting.boards}:
        assert {(material, pb.CUT_LIST_FORMAT_CSV), (material, pb.CUT_LIST_FORMAT_DXF)} <= formats
    panels = sum(p.quantity for p in got.lines[0].panels) * 2
    assert len(got.labels) == panels == len({label.barcode for label in got.labels})
    assert got.price.total.amount == configured.price.total.amount


async def test_a_burst_of_orders_read_together_is_configured_once_each(
        configurator_service, settings):
    """Orders arriving together are configured in batches that look their configurations
    up at once: new ones, and an amendment of one configured before, each configured once."""
    earlier = str(uuid.uuid4())
    await publish(settings, orders.OrderPlaced(order_id=earlier, revision=1, items=[item()]),
                  notification_id())
    await outcome_count(settings, earlier, 1)
    burst = [str(uuid.uuid4()) for _ in range(24)]
    bodies = [orders.OrderPlaced(order_id=o, revision=1, items=[item()]) for o in burst]
    bodies.insert(12, orders.OrderAmended(order_id=earlier, revision=2,
                                          items=[item(width_mm=1800)]))
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        for body in bodies:
            envelope = wrap(service="orders", body=body, aggregate_id=body.order_id, version=1,
                            occurred_at=datetime.now(UTC), tenant="default",
                            notification_id=notification_id())
            await js.publish(f"dovetail.orders.{SUBJECTS[type(body).__name__]}",
                             envelope.SerializeToString(),
                             headers={"Nats-Msg-Id": uuid.uuid4().hex})
    finally:
        await nc.close()
    for order_id in burst:
        [configured] = await outcome_count(settings, order_id, 1)
        assert isinstance(configured, events.OrderConfigured) and configured.order_version == 1
    found = await outcome_count(settings, earlier, 2)
    assert [body.order_version for body in found] == [1, 2]
    await settle(settings)
    for order_id in burst:
        assert len(await outcomes(settings, order_id)) == 1


async def test_an_impossible_order_is_rejected_and_its_amendment_configured(
        configurator_service, settings):
    order_id = str(uuid.uuid4())
    placed = orders.OrderPlaced(order_id=order_id, revision=1, items=[item(dividers=0)])
    await publish(settings, placed, notification_id())
    [rejected] = await outcome_count(settings, order_id, 1)
    assert isinstance(rejected, events.ConfigurationRejected)
    assert rejected.reasons[0].line_id == "1" and rejected.reasons[0].parameter == "dividers"
    assert "divider" in rejected.reasons[0].suggestion

    await publish(settings, orders.OrderAmended(order_id=order_id, revision=2,
                                                items=[item(dividers=2)]), notification_id())
    found = await outcome_count(settings, order_id, 2)
    assert isinstance(found[1], events.OrderConfigured) and found[1].order_version == 2

    # Revision 1 arriving late (another notification) is stale: nothing happens.
    await publish(settings, placed, notification_id())
    await settle(settings)
    assert len(await outcomes(settings, order_id)) == 2


async def test_a_cancelled_order_is_not_configured_by_a_late_placement(
        configurator_service, configurator, settings):
    order_id = str(uuid.uuid4())
    await publish(settings, orders.OrderCancelled(order_id=order_id, reason="changed mind"),
                  notification_id())
    await publish(settings, orders.OrderPlaced(order_id=order_id, revision=1, items=[item()]),
                  notification_id())
    await settle(settings)
    assert await outcomes(settings, order_id) == []
    got = await configurator.GetOrderConfiguration(
        pb.GetOrderConfigurationRequest(order_id=order_id), metadata=auth(TEST_ADMIN_KEY))
    assert got.configuration.status == pb.CONFIGURATION_STATUS_CANCELLED


async def test_an_amended_order_keeps_the_catalogue_version_it_was_configured_with(
        configurator_service, configurator, settings):
    order_id = str(uuid.uuid4())
    await publish(settings, orders.OrderPlaced(order_id=order_id, revision=1, items=[item()]),
                  notification_id())
    [first] = await outcome_count(settings, order_id, 1)
    document = struct_pb2.Struct()
    document.update(seed_catalogue().to_dict())
    newer = await configurator.PublishCatalogVersion(
        pb.PublishCatalogVersionRequest(catalog=document, note="republished seed"),
        metadata=auth(TEST_ADMIN_KEY))
    assert newer.catalog_version > first.catalog_version
    await publish(settings, orders.OrderAmended(order_id=order_id, revision=2,
                                                items=[item(width_mm=1800)]), notification_id())
    found = await outcome_count(settings, order_id, 2)
    assert found[1].order_version == 2 and found[1].catalog_version == first.catalog_version


async def test_an_order_placed_through_orders_reaches_configured(
        configurator_service, orders_channel, configurator):
    stub = orders_grpc.OrdersServiceStub(orders_channel)
    placed = await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))

    async def configured():
        got = await stub.GetOrder(orders_pb.GetOrderRequest(order_id=placed.order_id),
                                  metadata=auth(TEST_ADMIN_KEY))
        return got.order if got.order.status == orders_pb.ORDER_STATUS_CONFIGURED else None

    order = await eventually(configured, timeout=90)
    assert order.catalog_version >= 1
    got = await configurator.GetOrderConfiguration(pb.GetOrderConfigurationRequest(
        order_id=placed.order_id, include_board_svg=True), metadata=auth(TEST_ADMIN_KEY))
    assert got.configuration.catalog_version == order.catalog_version
    assert got.configuration.nesting.boards[0].svg.startswith("<svg")
