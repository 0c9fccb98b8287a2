"""The orders service on real PostgreSQL and NATS: intake, reads, state rules, events."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import json_format
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from dovetail.orders.v1 import orders_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2_grpc as pb_grpc
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, order_payload, placed_events_for, ref
from tests.integration.conftest import CHANNEL_KEY, FACTORY_KEY, OTHER_CHANNEL_KEY, auth

pytestmark = pytest.mark.integration


def place_request(external_id: str | None = None, **overrides) -> pb.PlaceOrderRequest:
    payload = order_payload(external_id, **overrides)
    payload.pop("placed_at")
    payload["promised_date"] = dict(zip(("year", "month", "day"),
                                        map(int, payload["promised_date"].split("-")), strict=True))
    return json_format.ParseDict({"channel": "dovetail", **payload}, pb.PlaceOrderRequest())


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)
    assert status is not None, "expected rich status details"
    out = {}
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out.update({v.field: v.description for v in bad.field_violations})
    return out


@pytest.fixture
def stub(orders_channel):
    return pb_grpc.OrdersServiceStub(orders_channel)


async def test_a_shop_order_is_placed_once_and_its_repeat_returns_the_same_order(stub, settings):
    request = place_request()
    first = await stub.PlaceOrder(request, metadata=auth(CHANNEL_KEY))
    again = await stub.PlaceOrder(request, metadata=auth(CHANNEL_KEY))

    assert first.status == pb.ORDER_STATUS_PLACED and not first.duplicate
    assert again.order_id == first.order_id and again.duplicate
    got = await stub.GetOrder(pb.GetOrderRequest(order_id=first.order_id),
                              metadata=auth(TEST_ADMIN_KEY))
    assert got.order.external_id == request.external_id
    assert got.order.items[0].options["width_mm"] == 2000
    assert got.order.total.amount == "5999.00"

    events = await eventually(lambda: placed_events_for(settings.nats_url, first.order_id))
    assert len(events) == 1
    headers, envelope, body = events[0]
    assert headers["Nats-Msg-Id"] == f"orders:{envelope.notification_id}"
    assert envelope.source == "orders" and envelope.type == "dovetail.orders.v1.OrderPlaced"
    assert body.revision == 1 and body.items[0].product == "wardrobe"


async def test_concurrent_repeats_of_one_shop_order_make_one_order(stub):
    import asyncio

    request = place_request()
    replies = await asyncio.gather(*[stub.PlaceOrder(request, metadata=auth(CHANNEL_KEY))
                                     for _ in range(8)])
    assert len({r.order_id for r in replies}) == 1
    assert sum(not r.duplicate for r in replies) == 1


async def test_place_orders_answers_each_order_on_its_own(stub):
    """One call, five orders: placed, refused for a field, refused for NUL text, a repeat
    inside the batch, and one for another channel; nothing refused is stored."""
    good = place_request()
    no_items = place_request(items=[])
    nul = place_request()
    nul.customer.name = "Li\x00Wei"
    foreign = place_request()
    foreign.channel = "othershop"
    reply = await stub.PlaceOrders(pb.PlaceOrdersRequest(orders=[good, no_items, nul, good,
                                                                 foreign]),
                                   metadata=auth(CHANNEL_KEY))
    placed, bad, nul_out, repeat, other = reply.outcomes
    assert placed.placed.status == pb.ORDER_STATUS_PLACED and not placed.placed.duplicate
    assert repeat.placed.order_id == placed.placed.order_id and repeat.placed.duplicate
    assert bad.refused.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert "items" in {v.field for v in bad.refused.field_violations}
    assert nul_out.refused.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert [v.field for v in nul_out.refused.field_violations] == ["customer.name"]
    assert other.refused.code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    for refused in (no_items, nul, foreign):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetOrder(pb.GetOrderRequest(channel=refused.channel,
                                                   external_id=refused.external_id),
                                metadata=auth(TEST_ADMIN_KEY))
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_place_orders_answers_orders_placed_earlier_as_repeats_and_places_the_rest(stub):
    """The batch's transaction collides with an intake stored before: the earlier order is
    answered (duplicate), the new ones are stored once, in the same call."""
    earlier, new_1, new_2 = place_request(), place_request(), place_request()
    first = await stub.PlaceOrder(earlier, metadata=auth(CHANNEL_KEY))
    reply = await stub.PlaceOrders(pb.PlaceOrdersRequest(orders=[new_1, earlier, new_2]),
                                   metadata=auth(CHANNEL_KEY))
    one, again, two = (o.placed for o in reply.outcomes)
    assert again.order_id == first.order_id and again.duplicate
    assert not one.duplicate and not two.duplicate and one.order_id != two.order_id
    for request, placed in ((new_1, one), (new_2, two)):
        got = await stub.GetOrder(pb.GetOrderRequest(channel=request.channel,
                                                     external_id=request.external_id),
                                  metadata=auth(TEST_ADMIN_KEY))
        assert got.order.order_id == placed.order_id


async def test_place_orders_refuses_an_oversized_call_as_a_whole(stub):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.PlaceOrders(pb.PlaceOrdersRequest(orders=[place_request()] * 501),
                               metadata=auth(CHANNEL_KEY))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "orders" in violations(caught.value)


async def test_an_order_without_items_is_refused_with_field_violations(stub):
    request = place_request()
    del request.items[:]
    request.customer.address.country = "China"
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.PlaceOrder(request, metadata=auth(CHANNEL_KEY))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = violations(caught.value)
    assert "items" in fields and "customer.address.country" in fields


async def test_callers_need_a_key_and_the_right_role(stub):
    request = place_request()
    with pytest.raises(grpc.aio.AioRpcError) as no_key:
        await stub.PlaceOrder(request)
    assert no_key.value.code() == grpc.StatusCode.UNAUTHENTICATED
    with pytest.raises(grpc.aio.AioRpcError) as other_shop:
        await stub.PlaceOrder(request, metadata=auth(OTHER_CHANNEL_KEY))
    assert other_shop.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as factory:
        await stub.ListOrders(pb.ListOrdersRequest(), metadata=auth(FACTORY_KEY))
    assert factory.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as wrong:
        await stub.GetOrder(pb.GetOrderRequest(order_id="not-a-uuid"), metadata=auth(TEST_ADMIN_KEY))
    assert wrong.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_orders_are_listed_from_the_read_model_with_filters_and_cursor(stub):
    channel_ref = ref("LIST")
    placed = []
    for i in range(5):
        r = await stub.PlaceOrder(place_request(f"{channel_ref}-{i}"), metadata=auth(CHANNEL_KEY))
        placed.append(r.order_id)

    async def all_listed():
        seen, token = [], ""
        while True:
            page = await stub.ListOrders(
                pb.ListOrdersRequest(query=channel_ref, page=dict(page_size=2, page_token=token)),
                metadata=auth(TEST_ADMIN_KEY))
            seen += [o.order_id for o in page.orders]
            token = page.next_page_token
            if not token:
                return seen

    seen = await eventually(lambda: _when(all_listed(), lambda s: len(s) == 5))
    assert sorted(seen) == sorted(placed) and len(set(seen)) == 5


async def _when(coro, predicate):
    value = await coro
    return value if predicate(value) else None


async def test_cancel_then_amend_follow_the_state_rules(stub):
    placed = await stub.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    got = await stub.GetOrder(pb.GetOrderRequest(order_id=placed.order_id),
                              metadata=auth(TEST_ADMIN_KEY))
    amended = await stub.AmendOrder(pb.AmendOrderRequest(
        order_id=placed.order_id, expected_version=got.order.version,
        items=got.order.items, reason="customer wants it wider"), metadata=auth(TEST_ADMIN_KEY))
    assert amended.order.version == got.order.version + 1

    with pytest.raises(grpc.aio.AioRpcError) as stale:
        await stub.AmendOrder(pb.AmendOrderRequest(
            order_id=placed.order_id, expected_version=got.order.version, items=got.order.items),
            metadata=auth(TEST_ADMIN_KEY))
    assert stale.value.code() == grpc.StatusCode.ABORTED

    cancelled = await stub.CancelOrder(pb.CancelOrderRequest(
        order_id=placed.order_id, reason="changed mind"), metadata=auth(TEST_ADMIN_KEY))
    assert cancelled.order.status == pb.ORDER_STATUS_CANCELLED
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.AmendOrder(pb.AmendOrderRequest(order_id=placed.order_id, items=got.order.items),
                              metadata=auth(TEST_ADMIN_KEY))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    history = await stub.GetOrderHistory(pb.GetOrderHistoryRequest(order_id=placed.order_id),
                                         metadata=auth(TEST_ADMIN_KEY))
    assert [e.type for e in history.entries] == ["Placed", "Amended", "Cancelled"]


async def test_unknown_order_is_not_found(stub):
    import uuid

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.GetOrder(pb.GetOrderRequest(order_id=str(uuid.uuid4())),
                            metadata=auth(TEST_ADMIN_KEY))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
