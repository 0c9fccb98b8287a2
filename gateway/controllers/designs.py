"""The designer platform: quote a configured design (price and a capable-to-promise date, or
the reasons it cannot be built), then place it as an order on channel `designer-<id>`.

A designer's API key (principal `designer:<id>`) opens both; admins may quote too. When the
scheduler cannot answer, the quote still carries the price, with no date and an explanation.
"""

from __future__ import annotations

from google.protobuf import struct_pb2
from litestar import Controller, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import reads
from gateway.auth import current, designer_or_admin, require
from gateway.controllers.orders import date_of
from gateway.deps import Services, ServicesDep
from gateway.errors import ServiceError
from gateway.schemas.designs import DesignOrder, DesignQuote, QuoteRead, ReasonRead
from gateway.schemas.orders import ErrorBody, WebhookAccepted


def configure_request(product: str, options: dict, quantity: int) -> cfg.ConfigureRequest:
    packed = struct_pb2.Struct()
    packed.update(options)
    return cfg.ConfigureRequest(product=product, options=packed, quantity=quantity)


def quote_request(spec: cfg.LineSpec, promised: types_pb2.Date | None) -> sch.QuoteRequest:
    req = sch.QuoteRequest(operations=[sch.OperationSpec(
        operation_id=op.operation_id, seq=op.seq, machine_type=op.machine_type,
        duration_seconds=op.duration_seconds, setup_family=op.setup_family, setup_key=op.setup_key,
        min_wait_after_seconds=op.min_wait_after_seconds, batch_key=op.batch_key,
        description=op.description) for op in spec.routing])
    if promised:
        req.promised_date.CopyFrom(promised)
    return req


async def quote(services: Services, data: DesignQuote) -> QuoteRead:
    promised = date_of(data.promised_date, "promised_date")
    configured = await services.call("configurator", "Configure",
                                     configure_request(data.product, data.options, data.quantity))
    if configured.WhichOneof("outcome") != "spec":
        return QuoteRead(buildable=False, catalog_version=configured.catalog_version, summary="",
                         price=None, earliest_completion_date=None, factory_id="",
                         confidence=None, meets_promise=None,
                         explanation="the design cannot be built as it is",
                         reasons=[ReasonRead(r.parameter, r.message, r.suggestion)
                                  for r in configured.rejection.reasons])
    spec = configured.spec
    price = reads.money(spec.price.total)
    try:
        q = await services.call("scheduling", "Quote", quote_request(spec, promised), timeout=5)
    except ServiceError as exc:
        if exc.status_code != 503:
            raise
        return QuoteRead(True, configured.catalog_version, spec.summary, price, None, "", None,
                         None, "no delivery date now: the scheduler cannot be asked", [])
    return QuoteRead(
        buildable=True, catalog_version=configured.catalog_version, summary=spec.summary,
        price=price,
        earliest_completion_date=reads.day(q.earliest_completion_date)
        if q.HasField("earliest_completion_date") else None,
        factory_id=q.factory_id, confidence=round(q.confidence, 3),
        meets_promise=q.meets_promise if promised else None, explanation=q.explanation, reasons=[])


def place_request(designer: str, data: DesignOrder) -> orders_pb.PlaceOrderRequest:
    c, a = data.customer, data.customer.address
    req = orders_pb.PlaceOrderRequest(
        channel=f"designer-{designer}", external_id=data.reference,
        customer=types_pb2.Customer(name=c.name, email=c.email, phone=c.phone,
                                    address=types_pb2.Address(
                                        line1=a.line1, line2=a.line2, city=a.city,
                                        region=a.region, postal_code=a.postal_code,
                                        country=a.country)))
    options = struct_pb2.Struct()
    options.update(data.options)
    req.items.add(line_id="1", product=data.product, quantity=data.quantity, options=options)
    promised = date_of(data.promised_date, "promised_date")
    if promised:
        req.promised_date.CopyFrom(promised)
    if data.total:
        req.total.CopyFrom(types_pb2.Money(amount=data.total.amount, currency=data.total.currency))
    return req


class DesignController(Controller):
    path = "/api/v1/designs"
    tags = ["designs"]
    security = [{"bearer": []}]

    @post("/quote", status_code=200, guards=[designer_or_admin],
          summary="Price and capable-to-promise date of a design, or why it cannot be built")
    async def quote(self, data: JSONBody[DesignQuote], services: ServicesDep) -> QuoteRead:
        return await quote(services, data)

    @post("/orders", status_code=202, guards=[require("designer")],
          summary="Place a design as an order (channel designer-<id>); idempotent by reference",
          responses={200: ResponseSpec(WebhookAccepted, description="a repeat of the reference"),
                     422: ResponseSpec(ErrorBody, description="the body does not fit")})
    async def place(self, data: JSONBody[DesignOrder], services: ServicesDep,
                    request: Request) -> Response[WebhookAccepted]:
        reply = await services.call("orders", "PlaceOrder",
                                    place_request(current(request).subject, data))
        return Response(WebhookAccepted(reply.order_id, reads.enum(
            orders_pb.OrderStatus, reply.status, "ORDER_STATUS_"), reply.duplicate),
            status_code=200 if reply.duplicate else 202)
