"""Outbound as the chain leader's systems and the shops meet it: signed webhooks per
subscription, retried and dead-lettered; Shopify and WooCommerce told when an order ships
or is cancelled; admin input checked field by field; credentials never read back."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from prometheus_client import REGISTRY

from dovetail.common.v1.types_pb2 import PageRequest
from dovetail.delivery.v1 import delivery_events_pb2 as delivery
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_service
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.outbound.v1 import outbound_service_pb2 as pb
from tests.helpers import eventually, ref
from tests.integration.outbound.conftest import ADMIN, PUBLIC, new_order_id, stub
from tests.integration.outbound.receivers import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET

pytestmark = pytest.mark.integration

@pytest.fixture(scope="module")
async def outbound(outbound_service):
    channel, client = stub(outbound_service.port)
    yield client
    await channel.close()


def tried(outcome: str) -> float:
    return REGISTRY.get_sample_value("dovetail_outbound_tries_total",
                                     {"kind": "webhook", "outcome": outcome}) or 0.0


async def subscribe(outbound, receivers, name: str, *types: str) -> pb.Subscription:
    reply = await outbound.CreateSubscription(pb.CreateSubscriptionRequest(
        url=f"{receivers.url}/hooks/{name}", event_types=list(types), description=name),
        metadata=ADMIN)
    assert reply.secret.startswith("whsec_")
    receivers.world.secrets[name] = reply.secret
    return reply.subscription


async def deliveries(outbound, target: str = "", status=pb.DELIVERY_STATUS_UNSPECIFIED):
    reply = await outbound.ListDeliveries(pb.ListDeliveriesRequest(
        target=target, status=status, page=PageRequest(page_size=200)), metadata=ADMIN)
    return list(reply.deliveries)


def placed(order_id: str, channel: str = "dovetail", external_id: str = "") -> orders.OrderPlaced:
    return orders.OrderPlaced(order_id=order_id, channel=channel,
                              external_id=external_id or ref("SHOP"), revision=1)


async def test_a_subscription_gets_signed_webhooks_of_its_types_retried_until_taken(
        outbound, receivers, upstream):
    sub = await subscribe(outbound, receivers, "erp", "order.placed", "order.scheduled")
    await subscribe(outbound, receivers, "ops", "machine.down")
    receivers.world.failing["erp"] = 2
    order_id = new_order_id()
    sent = await upstream.publish("orders", "placed", placed(order_id), order_id)
    machine = ref("saw")
    await upstream.publish("iot", "MachineStateChanged", iot.MachineStateChanged(
        machine_id=machine, factory_id="f1", from_state=iot_service.MACHINE_STATE_RUNNING,
        to_state=iot_service.MACHINE_STATE_DOWN, reason="no current"), machine)
    await upstream.publish("orders", "cancelled", orders.OrderCancelled(order_id=order_id),
                           order_id, version=2)  # not a type this subscription asked for

    def mine(kind: str, key: str, value: str):
        return [w for w in receivers.world.webhooks
                if w.body["type"] == kind and w.body["data"].get(key) == value]

    async def both_taken():
        assert len(mine("order.placed", "order_id", order_id)) == 3  # 503, 503, then 200
        assert mine("machine.down", "machine_id", machine)
        return True

    await eventually(both_taken, timeout=90)  # behind the iot stream's backlog of earlier tests
    tries = mine("order.placed", "order_id", order_id)
    assert {t.headers["webhook-id"] for t in tries} == {sent.event_id}
    assert tries[0].body["data"]["channel"] == "dovetail"
    assert receivers.world.refused == []

    async def logged():
        log = [d for d in await deliveries(outbound, f"subscription:{sub.subscription_id}")
               if d.order_id == order_id]
        assert len(log) == 1 and log[0].status == pb.DELIVERY_STATUS_DELIVERED
        return log[0]

    entry = await eventually(logged, timeout=15)
    assert [(a.delivered, a.status_code) for a in entry.attempts] == [
        (False, 503), (False, 503), (True, 200)]
    assert entry.event_type == "order.placed" and entry.message_id == sent.event_id
    assert not [w for w in receivers.world.webhooks if w.body["type"] == "order.cancelled"]


async def test_a_new_subscription_gets_what_happens_from_then_on_not_the_streams_history(
        outbound, receivers, upstream):
    await subscribe(outbound, receivers, "late", "order.placed")
    before, after = new_order_id(), new_order_id()
    # A consumer starting on a stream replays what happened before the subscription existed.
    await upstream.publish("orders", "placed", placed(before), before,
                           occurred_at=datetime.now(UTC) - timedelta(hours=1))
    await upstream.publish("orders", "placed", placed(after), after)

    def to_late(order_id: str):
        return [w for w in receivers.world.webhooks if w.path == "/hooks/late"
                and w.body["data"].get("order_id") == order_id]

    async def delivered_after():
        return bool(to_late(after))

    await eventually(delivered_after, timeout=30)
    assert to_late(before) == []


async def test_out_of_tries_is_dead_lettered_and_a_retry_by_hand_delivers_it(
        outbound, receivers, upstream):
    sub = await subscribe(outbound, receivers, "bi", "order.cancelled")
    receivers.world.failing["bi"] = 1000
    dead_before = tried("dead")
    order_id = new_order_id()
    await upstream.publish("orders", "cancelled", orders.OrderCancelled(
        order_id=order_id, reason="customer changed mind"), order_id, version=2)
    target = f"subscription:{sub.subscription_id}"

    async def dead():
        found = [d for d in await deliveries(outbound, status=pb.DELIVERY_STATUS_DEAD)
                 if d.target == target]
        assert len(found) == 1
        return found[0]

    letter = await eventually(dead, timeout=30)
    assert len(letter.attempts) == 3 and not any(a.delivered for a in letter.attempts)
    assert "503" in letter.attempts[-1].error
    assert tried("dead") - dead_before >= 1  # on the service's /metrics

    receivers.world.failing["bi"] = 0
    again = await outbound.RetryDelivery(pb.RetryDeliveryRequest(
        delivery_id=letter.delivery_id), metadata=ADMIN)
    assert again.delivery.status == pb.DELIVERY_STATUS_PENDING

    async def delivered():
        found = await deliveries(outbound, target)
        assert len(found) == 1 and found[0].status == pb.DELIVERY_STATUS_DELIVERED
        return found[0]

    done = await eventually(delivered, timeout=30)
    assert [a.delivered for a in done.attempts] == [False, False, False, True]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await outbound.RetryDelivery(pb.RetryDeliveryRequest(delivery_id=letter.delivery_id),
                                     metadata=ADMIN)
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_shopify_gets_a_fulfilment_with_tracking_and_a_cancellation(
        outbound, receivers, upstream):
    channel = f"shopify-{random.randrange(10**9)}"
    reply = await outbound.SetShopLink(pb.SetShopLinkRequest(
        channel=channel, platform=pb.SHOP_PLATFORM_SHOPIFY, base_url=receivers.url,
        access_token=SHOPIFY_TOKEN), metadata=ADMIN)
    assert reply.shop_link.credentials_set and reply.shop_link.api_version == "2026-10"
    listed = await outbound.ListShopLinks(pb.ListShopLinksRequest(), metadata=ADMIN)
    assert channel in [link.channel for link in listed.shop_links]
    assert SHOPIFY_TOKEN.encode() not in listed.SerializeToString()
    assert SHOPIFY_TOKEN.encode() not in reply.SerializeToString()

    shipped_id, cancelled_id = new_order_id(), new_order_id()
    shop_ids = {shipped_id: str(random.randrange(10**12)), cancelled_id: str(random.randrange(10**12))}
    fo_id = random.randrange(10**12)
    receivers.world.fulfillment_orders[shop_ids[shipped_id]] = [
        {"id": fo_id, "status": "open", "supported_actions": ["create_fulfillment", "hold"]},
        {"id": fo_id + 1, "status": "closed", "supported_actions": []}]
    # The shipment may be seen before the placement (separate consumers): it waits for it.
    await upstream.publish("delivery", "shipment_opened", delivery.ShipmentOpened(
        order_id=shipped_id, carrier="sf-express", tracking_number="SF123456789",
        tracking_token="tok-abc"), shipped_id)
    for order_id in (shipped_id, cancelled_id):
        await upstream.publish("orders", "placed", placed(order_id, channel, shop_ids[order_id]),
                               order_id)
    await upstream.publish("orders", "cancelled", orders.OrderCancelled(
        order_id=cancelled_id, reason="out of stock"), cancelled_id, version=2)

    def posted(path_end: str):
        return [r for r in receivers.world.shopify if r.path.endswith(path_end) and r.body]

    async def told():
        assert posted("/fulfillments.json") and posted(f"/{shop_ids[cancelled_id]}/cancel.json")
        return True

    await eventually(told, timeout=30)
    [fulfilment] = posted("/fulfillments.json")
    assert fulfilment.path == "/admin/api/2026-10/fulfillments.json"
    assert fulfilment.body == {"fulfillment": {
        "line_items_by_fulfillment_order": [{"fulfillment_order_id": fo_id}],
        "tracking_info": {"number": "SF123456789", "company": "sf-express",
                          "url": f"{PUBLIC}/track/tok-abc"},
        "notify_customer": True}}
    assert fulfilment.headers["x-shopify-access-token"] == SHOPIFY_TOKEN

    async def both_delivered():
        log = await deliveries(outbound, f"shop:{channel}")
        assert sorted(d.kind for d in log) == ["shop_cancelled", "shop_shipped"]
        assert all(d.status == pb.DELIVERY_STATUS_DELIVERED for d in log)
        return True

    await eventually(both_delivered, timeout=15)


async def test_woocommerce_order_completed_with_the_tracking_link_as_a_customer_note(
        outbound, receivers, upstream):
    channel = f"woo-{random.randrange(10**9)}"
    await outbound.SetShopLink(pb.SetShopLinkRequest(
        channel=channel, platform=pb.SHOP_PLATFORM_WOOCOMMERCE, base_url=receivers.url,
        consumer_key=WOO_KEY, consumer_secret="wrong-secret"), metadata=ADMIN)
    order_id, shop_id = new_order_id(), str(random.randrange(10**6, 10**7))
    await upstream.publish("orders", "placed", placed(order_id, channel, shop_id), order_id)
    await upstream.publish("delivery", "shipment_opened", delivery.ShipmentOpened(
        order_id=order_id, carrier="deppon", tracking_number="DP42",
        tracking_token="tok-woo"), order_id)

    async def dead():
        found = await deliveries(outbound, f"shop:{channel}", pb.DELIVERY_STATUS_DEAD)
        assert len(found) == 1
        return found[0]

    letter = await eventually(dead, timeout=30)
    assert [a.status_code for a in letter.attempts] == [401, 401, 401]
    # The admin fixes the secret; the dead letter, retried, goes through with it.
    await outbound.SetShopLink(pb.SetShopLinkRequest(
        channel=channel, platform=pb.SHOP_PLATFORM_WOOCOMMERCE, base_url=receivers.url,
        consumer_key=WOO_KEY, consumer_secret=WOO_SECRET), metadata=ADMIN)
    await outbound.RetryDelivery(pb.RetryDeliveryRequest(delivery_id=letter.delivery_id),
                                 metadata=ADMIN)

    async def noted():
        seen = [r for r in receivers.world.woocommerce if f"/orders/{shop_id}" in r.path]
        assert len(seen) == 2
        return seen

    status, note = await eventually(noted, timeout=30)
    assert status.path == f"/wp-json/wc/v3/orders/{shop_id}"
    assert status.body == {"status": "completed"}
    assert note.path == f"/wp-json/wc/v3/orders/{shop_id}/notes"
    assert note.body == {"note": f"Shipped with deppon, tracking number DP42: {PUBLIC}/track/tok-woo",
                         "customer_note": True}


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)
    assert status is not None
    found = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            found |= {v.field: v.description for v in bad.field_violations}
    return found


async def test_bad_subscriptions_and_shop_links_are_refused_naming_every_field(outbound):
    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await outbound.CreateSubscription(pb.CreateSubscriptionRequest(
            url="http://erp.example.com/hooks", event_types=["order.placed", "order.teleported"],
            description="x" * 201), metadata=ADMIN)
    assert bad.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(bad.value)) == {"url", "event_types[1]", "description"}
    assert "https" in violations(bad.value)["url"]

    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await outbound.SetShopLink(pb.SetShopLinkRequest(
            channel="Bad Channel", platform=pb.SHOP_PLATFORM_WOOCOMMERCE,
            base_url="ftp://shop.example.com", api_version="2026-10", consumer_key="ck"),
            metadata=ADMIN)
    assert set(violations(bad.value)) == {"channel", "base_url", "consumer_secret", "api_version"}

    with pytest.raises(grpc.aio.AioRpcError) as bad:
        await outbound.SetShopLink(pb.SetShopLinkRequest(channel="shop", base_url="https://s.example"),
                                   metadata=ADMIN)
    assert set(violations(bad.value)) == {"platform"}

    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await outbound.RemoveSubscription(pb.RemoveSubscriptionRequest(
            subscription_id="7a0c6a3e-0000-4000-8000-000000000000"), metadata=ADMIN)
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_removed_subscription_is_sent_nothing_more(outbound, receivers, upstream):
    sub = await subscribe(outbound, receivers, "gone", "order.placed")
    removed = await outbound.RemoveSubscription(pb.RemoveSubscriptionRequest(
        subscription_id=sub.subscription_id), metadata=ADMIN)
    assert not removed.subscription.active
    listed = await outbound.ListSubscriptions(pb.ListSubscriptionsRequest(), metadata=ADMIN)
    assert sub.subscription_id not in [s.subscription_id for s in listed.subscriptions]
    marker = await subscribe(outbound, receivers, "marker", "order.placed")
    order_id = new_order_id()
    await upstream.publish("orders", "placed", placed(order_id), order_id)

    async def marker_got_it():
        assert [w for w in receivers.world.webhooks
                if w.path == "/hooks/marker" and w.body["data"]["order_id"] == order_id]
        return True

    await eventually(marker_got_it, timeout=30)
    assert not [w for w in receivers.world.webhooks if w.path == "/hooks/gone"]
    assert marker.subscription_id != sub.subscription_id
