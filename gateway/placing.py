"""What every order webhook sends to the orders service, and how: one `PlaceOrderRequest`
built the same way by every adapter; webhooks that arrive together travel in one
`PlaceOrders` call, which the orders service checks and stores in one transaction. This is
the only place orders wait to be batched.

A webhook handler asks `OrderPlacer.place(request)` and waits for its own answer. Requests
queue; up to `max_in_flight` senders each take everything waiting (at most `max_batch`) and
send it as one call. Nobody waits on purpose for more: with one webhook at a time a call
carries one order, and under load the batches grow by themselves while calls are in flight.
One gRPC round trip costs both processes about as much CPU as storing an order, so at peak
this is what lets the gateway and the orders service keep up.

Each order keeps its own answer: a refusal of one order (bad field, not allowed) is raised
for that webhook only, as the same `ServiceError` a single `PlaceOrder` call would give. A
failure of the whole call (orders service or its database down) fails every webhook in it,
and every one waiting behind it, with 503; what may have been stored anyway is found again by
the shop's retry (intake is idempotent by channel and external id). An orders service without `PlaceOrders` (an older replica during
a rolling upgrade) is called one order at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

import grpc

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway import i18n
from gateway.errors import ServiceError, from_grpc, service_error
from gateway.schemas.orders import FieldError
from services.kit.wellknown import struct_of, timestamp_of

CODES = {status.value[0]: status for status in grpc.StatusCode}
# The deadline of a call that places webhooks' orders (storing a batch takes milliseconds).
# With the orders service's database away, a call in flight waits on it; the webhooks queued
# behind it hear 503 (Retry-After) when it expires, within 2 s of the outage, not after a
# shop gave up (Shopify waits 5 s). Later calls are refused at once (rpc.Gate).
DEADLINE_S = 1.5
# The most orders one PlaceOrders call may carry (orders_service.proto).
MAX_BATCH = 500


class Line(Protocol):
    """An order line as an adapter has it (the canonical body's item, a mapped shop line)."""

    line_id: str
    product: str
    quantity: int
    options: dict[str, Any]


def place_order_request(channel: str, external_id: str, customer: types_pb2.Customer,
                        lines: Iterable[Line], *, total: tuple[str, str] | None = None,
                        placed_at: datetime | None = None,
                        promised_date: types_pb2.Date | None = None,
                        ) -> orders_pb.PlaceOrderRequest:
    """The order as the orders service takes it; `total` is (amount, currency). Raises
    ValueError / TypeError for a value the wire cannot hold (the caller answers 422)."""
    request = orders_pb.PlaceOrderRequest(channel=channel, external_id=external_id,
                                          customer=customer, promised_date=promised_date)
    for line in lines:
        request.items.add(line_id=line.line_id, product=line.product, quantity=line.quantity,
                          options=struct_of(line.options))
    if total is not None:
        request.total.CopyFrom(types_pb2.Money(amount=total[0], currency=total[1]))
    if placed_at is not None:
        request.placed_at.CopyFrom(timestamp_of(placed_at))
    return request


def status_name(status: int) -> str:
    """An order status as webhook answers say it (PLACED, CONFIGURED, ...)."""
    return orders_pb.OrderStatus.Name(status).removeprefix("ORDER_STATUS_")


def refusal_error(refused: orders_pb.PlaceOrderRefusal) -> ServiceError:
    """The HTTP answer to one refused order of a batch, as from_grpc answers a whole call:
    violations the service wrote as words are said in the reader's language."""
    return service_error(CODES.get(refused.code, grpc.StatusCode.UNKNOWN), refused.message,
                         [FieldError(v.field, i18n.said_words(v.words) if v.HasField("words")
                                     else v.description) for v in refused.field_violations])


class OrderPlacer:
    def __init__(self, call: Callable[[str, Any], Awaitable[Any]], max_batch: int = MAX_BATCH,
                 max_in_flight: int = 2):
        """`call(method, request)` calls the orders service with a deadline of DEADLINE_S
        (raises grpc.aio.AioRpcError)."""
        self.call = call
        self.max_batch = max_batch
        self.max_in_flight = max_in_flight
        self._waiting: list[tuple[orders_pb.PlaceOrderRequest, asyncio.Future]] = []
        self._senders = 0
        self._batched = True  # False once the orders service says it has no PlaceOrders
        self._tasks: set[asyncio.Task] = set()

    async def place(self, request: orders_pb.PlaceOrderRequest) -> orders_pb.PlaceOrderResponse:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting.append((request, future))
        if self._senders < self.max_in_flight:
            self._senders += 1
            task = asyncio.create_task(self._send_waiting())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _send_waiting(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[:self.max_batch]
                del self._waiting[:self.max_batch]
                await self._send(batch)
        finally:
            self._senders -= 1

    async def _send(self, batch: list[tuple[orders_pb.PlaceOrderRequest, asyncio.Future]]) -> None:
        if not self._batched or len(batch) == 1:
            await asyncio.gather(*[self._send_one(r, f) for r, f in batch])
            return
        try:
            reply = await self.call("PlaceOrders", orders_pb.PlaceOrdersRequest(
                orders=[r for r, _ in batch]))
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                self._batched = False
                await asyncio.gather(*[self._send_one(r, f) for r, f in batch])
                return
            self._fail(batch, from_grpc(error))
            return
        except Exception as exc:  # noqa: BLE001 - every waiting webhook hears of it
            self._fail(batch, exc)
            return
        for (_, future), outcome in zip(batch, reply.outcomes, strict=True):
            if outcome.HasField("placed"):
                _settle(future, result=outcome.placed)
            else:
                _settle(future, error=refusal_error(outcome.refused))

    def _fail(self, batch: list[tuple[orders_pb.PlaceOrderRequest, asyncio.Future]],
              error: BaseException) -> None:
        """The whole call failed. When the orders service cannot place anything (down, timed
        out, its database away: 503), the webhooks queued behind this batch hear so now rather
        than each waiting out the same outage in turn; they are retried by their shops."""
        if isinstance(error, ServiceError) and error.status_code != 503:
            waiting = []
        else:
            waiting, self._waiting = self._waiting, []
        for _, future in batch + waiting:
            _settle(future, error=error)

    async def _send_one(self, request: orders_pb.PlaceOrderRequest, future: asyncio.Future) -> None:
        try:
            _settle(future, result=await self.call("PlaceOrder", request))
        except grpc.aio.AioRpcError as error:
            self._fail([(request, future)], from_grpc(error))
        except Exception as exc:  # noqa: BLE001
            self._fail([(request, future)], exc)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._tasks, return_exceptions=True)


def _settle(future: asyncio.Future, result: Any = None, error: BaseException | None = None) -> None:
    """The webhook may have gone (client disconnected): its order stands; nobody to tell."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
