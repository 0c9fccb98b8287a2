"""The gateway's order placer: webhooks arriving together share one PlaceOrders call, and
each keeps its own answer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import grpc
import msgspec
import pytest

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as pb
from gateway.errors import ServiceError
from gateway.placing import OrderPlacer, place_order_request
from gateway.schemas.orders import CanonicalOrder
from gateway.webhooks.canonical import to_place_order
from gateway.webhooks.mapping import MappedItem
from tests.helpers import order_payload


class RpcError(grpc.aio.AioRpcError):
    def __init__(self, code: grpc.StatusCode):
        super().__init__(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=code.name)


class FakeOrders:
    """Answers like the orders service: an external id starting with 'bad' is refused."""

    def __init__(self, batched: bool = True, fail: grpc.StatusCode | None = None):
        self.calls: list[tuple[str, int]] = []
        self.batched = batched
        self.fail = fail

    def answer(self, request: pb.PlaceOrderRequest) -> pb.PlaceOrderOutcome:
        if request.external_id.startswith("bad"):
            return pb.PlaceOrderOutcome(refused=pb.PlaceOrderRefusal(
                code=3, message="items: at least one item",
                field_violations=[pb.FieldViolation(field="items", description="at least one")]))
        return pb.PlaceOrderOutcome(placed=pb.PlaceOrderResponse(
            order_id=f"id-{request.external_id}", status=pb.ORDER_STATUS_PLACED))

    async def __call__(self, method: str, request):
        await asyncio.sleep(0.01)  # a round trip, so webhooks pile up meanwhile
        if self.fail is not None:
            raise RpcError(self.fail)
        if method == "PlaceOrders":
            self.calls.append((method, len(request.orders)))
            if not self.batched:
                raise RpcError(grpc.StatusCode.UNIMPLEMENTED)
            return pb.PlaceOrdersResponse(outcomes=[self.answer(r) for r in request.orders])
        self.calls.append((method, 1))
        outcome = self.answer(request)
        if outcome.HasField("refused"):
            raise RpcError(grpc.StatusCode.INVALID_ARGUMENT)
        return outcome.placed


async def place_all(placer: OrderPlacer, ids: list[str]) -> list:
    return await asyncio.gather(*[placer.place(pb.PlaceOrderRequest(external_id=i)) for i in ids],
                                return_exceptions=True)


async def test_webhooks_arriving_together_share_calls_and_keep_their_own_answers():
    orders = FakeOrders()
    placer = OrderPlacer(orders, max_in_flight=2)
    ids = [f"o{i}" for i in range(50)] + ["bad-1"]
    answers = await place_all(placer, ids)
    assert [a.order_id for a in answers[:50]] == [f"id-o{i}" for i in range(50)]
    refused = answers[50]
    assert isinstance(refused, ServiceError) and refused.status_code == 422
    assert [e.field for e in refused.errors] == ["items"]
    assert sum(n for _, n in orders.calls) == 51
    assert len(orders.calls) <= 3  # the first call carries one, the rest ride together


async def test_one_webhook_alone_is_one_plain_call():
    orders = FakeOrders()
    answer = await OrderPlacer(orders).place(pb.PlaceOrderRequest(external_id="solo"))
    assert answer.order_id == "id-solo" and orders.calls == [("PlaceOrder", 1)]


async def test_an_orders_service_without_place_orders_is_called_one_by_one():
    orders = FakeOrders(batched=False)
    placer = OrderPlacer(orders, max_in_flight=1)
    answers = await place_all(placer, [f"o{i}" for i in range(10)])
    assert [a.order_id for a in answers] == [f"id-o{i}" for i in range(10)]
    # Once it has said so, it is not asked for batches again.
    more = await place_all(placer, ["x", "y", "z"])
    assert [a.order_id for a in more] == ["id-x", "id-y", "id-z"]
    assert sum(m == "PlaceOrders" for m, _ in orders.calls) == 1


@pytest.mark.parametrize(("code", "status"), [(grpc.StatusCode.UNAVAILABLE, 503),
                                              (grpc.StatusCode.PERMISSION_DENIED, 403)])
async def test_a_failed_call_fails_every_webhook_in_it(code, status):
    placer = OrderPlacer(FakeOrders(fail=code), max_in_flight=1)
    answers = await place_all(placer, [f"o{i}" for i in range(5)])
    assert all(isinstance(a, ServiceError) and a.status_code == status for a in answers)


async def test_webhooks_waiting_behind_a_call_that_found_orders_down_hear_so_at_once():
    orders = FakeOrders(fail=grpc.StatusCode.UNAVAILABLE)
    calls = []
    answer = asyncio.Event()  # the first call's answer comes once the nine are queued

    async def call(method, request):
        calls.append(method)
        await answer.wait()
        return await orders(method, request)

    placer = OrderPlacer(call, max_in_flight=1)
    first = asyncio.create_task(placer.place(pb.PlaceOrderRequest(external_id="o0")))
    await until(lambda: calls)  # its call is on the way; nine more arrive meanwhile
    nine = asyncio.ensure_future(place_all(placer, [f"o{i}" for i in range(1, 10)]))
    await until(lambda: len(placer._waiting) == 9)
    answer.set()
    answers = [*await nine, *await asyncio.gather(first, return_exceptions=True)]
    assert all(isinstance(a, ServiceError) and a.status_code == 503 for a in answers)
    assert calls == ["PlaceOrder"]  # the nine queued behind the first were not sent


async def until(condition, steps: int = 100) -> None:
    """Let the other tasks run until ``condition()`` holds, counting loop turns, not time:
    under load a fixed sleep let the first call fail before the nine were queued (they were
    then rightly sent as a batch of their own)."""
    for _ in range(steps):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"not so after {steps} turns of the event loop")


async def test_a_refused_call_does_not_fail_the_webhooks_waiting_behind_it():
    orders = FakeOrders(fail=grpc.StatusCode.INVALID_ARGUMENT)
    answers = await place_all(OrderPlacer(orders, max_in_flight=1), ["o1", "o2", "o3"])
    assert [a.status_code for a in answers] == [422, 422, 422]


async def test_a_webhook_that_went_away_does_not_break_the_others():
    orders = FakeOrders()
    placer = OrderPlacer(orders, max_in_flight=1)
    first = asyncio.create_task(placer.place(pb.PlaceOrderRequest(external_id="first")))
    await asyncio.sleep(0)
    gone = asyncio.create_task(placer.place(pb.PlaceOrderRequest(external_id="gone")))
    stay = asyncio.create_task(placer.place(pb.PlaceOrderRequest(external_id="stay")))
    await asyncio.sleep(0)
    gone.cancel()
    assert (await first).order_id == "id-first"
    assert (await stay).order_id == "id-stay"


def test_every_adapter_builds_its_request_the_same_way():
    """The canonical body and a mapped shop line become the same PlaceOrderRequest."""
    payload = order_payload("SHOP-1")
    canonical = to_place_order("dovetail", msgspec.convert(payload, CanonicalOrder))
    item = payload["items"][0]
    shop = place_order_request(
        "dovetail", "SHOP-1", canonical.customer,
        [MappedItem(item["line_id"], item["product"], item["quantity"], item["options"])],
        total=("5999.00", "CNY"), placed_at=datetime(2026, 11, 25, 8, tzinfo=UTC),
        promised_date=types_pb2.Date(year=2026, month=12, day=20))
    assert shop == canonical
    assert canonical.items[0].options["width_mm"] == 2000 and canonical.total.currency == "CNY"


def test_an_order_without_total_dates_or_time_leaves_them_unset():
    request = place_order_request("dovetail", "SHOP-2", types_pb2.Customer(name="Li"), [])
    assert not any(request.HasField(f) for f in ("total", "placed_at", "promised_date"))


def test_a_refused_order_of_a_batch_reads_its_violations_in_the_readers_language(chinese):
    """One order refused inside PlaceOrders keeps its violations' words on the wire, so the
    4xx a shop or a person gets is said like any other violation (issue 19, item 3)."""
    from gateway import i18n
    from gateway.placing import refusal_error
    from services.kit.errors import FieldViolation, InvalidArgument
    from services.orders.rpc.servicer import refusal_pb

    refused = refusal_pb(InvalidArgument(FieldViolation.of(
        "external_id", "must be at most %(n)s characters", n=64)))
    wire = pb.PlaceOrderRefusal.FromString(refused.SerializeToString())
    error = refusal_error(wire)
    assert (error.status_code, error.errors[0].field) == (422, "external_id")
    assert error.errors[0].message == "最多 64 个字符"
    i18n.use("en")
    assert refusal_error(wire).errors[0].message == "must be at most 64 characters"
    assert wire.field_violations[0].description == "must be at most 64 characters"
