"""REST for orders (admin): read one, list with filters and a cursor."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import grpc
from google.protobuf import json_format
from litestar import Controller, Request, get
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, QueryParameter

from dovetail.orders.v1 import orders_service_pb2 as pb
from gateway.auth import admin_only
from gateway.deps import GatewayState
from gateway.errors import from_grpc
from gateway.schemas.orders import Address, Customer, OrderLineRead, OrderPage, OrderRead

STATUSES = [name.removeprefix("ORDER_STATUS_") for name in pb.OrderStatus.keys()][1:]


def _ts(message, field: str) -> str | None:
    return getattr(message, field).ToJsonString() if message.HasField(field) else None


def order_read(o: pb.Order) -> OrderRead:
    as_dict = json_format.MessageToDict(o, preserving_proto_field_name=True)
    promised = (f"{o.promised_date.year:04d}-{o.promised_date.month:02d}-{o.promised_date.day:02d}"
                if o.HasField("promised_date") else None)
    return OrderRead(
        order_id=o.order_id, channel=o.channel, external_id=o.external_id,
        status=pb.OrderStatus.Name(o.status).removeprefix("ORDER_STATUS_"), version=o.version,
        placed_at=_ts(o, "placed_at"), updated_at=_ts(o, "updated_at"), promised_date=promised,
        customer=_customer(as_dict.get("customer", {})),
        items=[_item(i) for i in as_dict.get("items", [])],
        total=as_dict.get("total"), factory_id=o.factory_id,
        planned_start=_ts(o, "planned_start"), planned_end=_ts(o, "planned_end"),
        catalog_version=o.catalog_version, rejection_reasons=list(o.rejection_reasons),
        cancellation_reason=o.cancellation_reason, tracking_token=o.tracking_token)


def _customer(d: dict) -> Customer:
    a = d.get("address", {})
    return Customer(name=d.get("name", ""), email=d.get("email", ""), phone=d.get("phone", ""),
                    address=Address(line1=a.get("line1", ""), city=a.get("city", ""),
                                    country=a.get("country", ""), line2=a.get("line2", ""),
                                    region=a.get("region", ""),
                                    postal_code=a.get("postal_code", "")))


def _item(d: dict) -> OrderLineRead:
    return OrderLineRead(line_id=d.get("line_id", ""), product=d.get("product", ""),
                         quantity=int(d.get("quantity", 0)), options=d.get("options", {}))


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    guards = [admin_only]
    security = [{"bearer": []}]

    @get("/{order_id:str}", summary="One order")
    async def get_order(self, order_id: FromPath[str], request: Request) -> OrderRead:
        state: GatewayState = request.app.state.gateway
        try:
            reply = await state.services.orders.GetOrder(
                pb.GetOrderRequest(order_id=order_id), metadata=state.services.metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            raise from_grpc(error) from None
        return order_read(reply.order)

    @get("/", summary="Orders, newest first, with filters and a cursor")
    async def list_orders(
        self, request: Request,
        status: Annotated[list[str] | None, QueryParameter(
            description=f"one of {STATUSES}")] = None,
        channel: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(
            max_length=200, description="matches external id, customer name or email")] = None,
        placed_after: FromQuery[datetime | None] = None,
        placed_before: FromQuery[datetime | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
    ) -> OrderPage:
        bad = [s for s in status or [] if s.upper() not in STATUSES]
        if bad:
            raise ValidationException("unknown status", extra=[
                {"key": "status", "message": f"{bad[0]!r} is not one of {STATUSES}"}])
        req = pb.ListOrdersRequest(
            statuses=[pb.OrderStatus.Value(f"ORDER_STATUS_{s.upper()}") for s in status or []],
            channel=channel or "", query=q or "",
            page=dict(page_size=limit, page_token=cursor or ""))
        if placed_after:
            req.placed_after.FromDatetime(placed_after)
        if placed_before:
            req.placed_before.FromDatetime(placed_before)
        state: GatewayState = request.app.state.gateway
        try:
            reply = await state.services.orders.ListOrders(req, metadata=state.services.metadata,
                                                           timeout=10)
        except grpc.aio.AioRpcError as error:
            raise from_grpc(error) from None
        return OrderPage(items=[order_read(o) for o in reply.orders],
                         next_cursor=reply.next_page_token or None)
