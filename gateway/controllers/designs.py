"""The designer platform: quote a configured design (price and a capable-to-promise date, or
the reasons it cannot be built), then place it as an order on channel `designer-<id>`.

A designer's API key (principal `designer:<id>`) opens both; admins may quote too. When the
scheduler cannot answer, the quote still carries the price, with no date and an explanation.
When it answers that no date can be promised, the quote is a 409 naming the reason (a code
and its figures), with the price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

import grpc
from google.protobuf import struct_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from litestar import Controller, Request, Response, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import i18n, reads
from gateway.auth import current, designer_or_admin, require
from gateway.controllers.orders import date_of
from gateway.deps import Services, ServicesDep
from gateway.errors import ServiceError, from_grpc
from gateway.i18n import gettext as _
from gateway.portal.words import with_local_times
from gateway.schemas.designs import (
    DesignOrder,
    DesignQuote,
    QuotePartRead,
    QuoteRead,
    QuoteRefused,
    ReasonRead,
)
from gateway.schemas.orders import ErrorBody, WebhookAccepted

T = TypeVar("T", bound=Message)


def configure_request(product: str, options: dict, quantity: int) -> cfg.ConfigureRequest:
    packed = struct_pb2.Struct()
    packed.update(options)
    return cfg.ConfigureRequest(product=product, options=packed, quantity=quantity)


def quote_request(spec: cfg.LineSpec, promised: types_pb2.Date | None) -> sch.QuoteRequest:
    req = sch.QuoteRequest(quantity=spec.quantity, operations=[sch.OperationSpec(
        operation_id=op.operation_id, seq=op.seq, machine_type=op.machine_type,
        duration_seconds=op.duration_seconds, setup_family=op.setup_family, setup_key=op.setup_key,
        min_wait_after_seconds=op.min_wait_after_seconds, batch_key=op.batch_key,
        description=op.description) for op in spec.routing])
    if promised:
        req.promised_date.CopyFrom(promised)
    return req


async def quote(services: Services, data: DesignQuote) -> QuoteRead | QuoteRefused:
    promised = date_of(data.promised_date, "promised_date")
    configured = await services.call("configurator", "Configure",
                                     configure_request(data.product, data.options, data.quantity))
    if configured.WhichOneof("outcome") != "spec":
        return QuoteRead(buildable=False, catalog_version=configured.catalog_version, summary="",
                         price=None, earliest_completion_date=None, factory_id="",
                         confidence=None, meets_promise=None,
                         explanation="the design cannot be built as it is",
                         reasons=[ReasonRead(r.parameter, r.message, r.suggestion)
                                  for r in configured.rejection.reasons],
                         explanation_said=_("the design cannot be built as it is"))
    spec = configured.spec
    price = reads.money(spec.price.total)
    try:
        q = await promise(services, quote_request(spec, promised))
    except ServiceError as exc:
        if exc.status_code != 503:
            raise
        return QuoteRead(True, configured.catalog_version, spec.summary, price, None, "", None,
                         None, "no delivery date now: the scheduler cannot be asked", [],
                         explanation_said=_("no delivery date now: the scheduler cannot be "
                                            "asked"))
    if isinstance(q, Refusal):
        return QuoteRefused(409, q.detail, q.reason, q.facts, configured.catalog_version,
                            spec.summary, price, said=i18n.said_or_written(q.detail, q.words),
                            words=reads.words_read(q.words) if q.words else None)
    return QuoteRead(
        buildable=True, catalog_version=configured.catalog_version, summary=spec.summary,
        price=price,
        earliest_completion_date=reads.day(q.earliest_completion_date)
        if q.HasField("earliest_completion_date") else None,
        factory_id=q.factory_id, confidence=round(q.confidence, 3),
        meets_promise=q.meets_promise if promised else None, explanation=q.explanation, reasons=[],
        earliest_completion=local_time(q.earliest_completion, q.time_zone)
        if q.HasField("earliest_completion") else None,
        time_zone=q.time_zone, beyond_horizon=q.beyond_horizon,
        parts=[QuotePartRead(p.units, p.factory_id, local_time(p.completion, q.time_zone),
                             reads.day(p.completion_date)) for p in q.parts],
        explanation_said=with_local_times(q.explanation, q.time_zone, q.explanation_words
                                          if q.HasField("explanation_words") else None),
        explanation_words=reads.words_read(q.explanation_words)
        if q.HasField("explanation_words") else None)


@dataclass(frozen=True)
class Refusal:
    """Scheduling's answer that no date can be promised, and why."""

    reason: str
    facts: dict[str, str]
    detail: str  # the English
    words: types_pb2.Words | None = None  # the same, as words for the reader's language


async def promise(services: Services, request: sch.QuoteRequest) -> sch.QuoteResponse | Refusal:
    """Scheduling's Quote; a refusal that names its reason (ErrorInfo) is an answer too."""
    try:
        return await services.stub("scheduling").Quote(request, metadata=services.metadata,
                                                        timeout=5)
    except grpc.aio.AioRpcError as error:
        info = error_info(error) if error.code() == grpc.StatusCode.FAILED_PRECONDITION else None
        if info is None:
            raise from_grpc(error) from None
        return Refusal(info.reason, dict(info.metadata), error.details() or info.reason,
                       detail_of(error, types_pb2.Words()))


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo | None:
    return detail_of(error, error_details_pb2.ErrorInfo())


def detail_of(error: grpc.aio.AioRpcError, kind: T) -> T | None:
    """The first detail of the status the service sent that is a ``kind`` message, or None."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Unpack(kind):
            return kind
    return None


def local_time(stamp, zone: str) -> str:
    """A Timestamp as RFC 3339 with the offset of ``zone`` (UTC when none is named)."""
    return datetime.fromtimestamp(stamp.seconds, ZoneInfo(zone or "UTC")).isoformat()


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
          summary="Price and capable-to-promise date of a design, or why it cannot be built",
          responses={409: ResponseSpec(QuoteRefused, description=(
              "buildable, but no date can be promised: the reason, as a code and in words"))})
    async def quote(self, data: JSONBody[DesignQuote], services: ServicesDep) -> Response[QuoteRead]:
        answer = await quote(services, data)
        return Response(answer, status_code=409 if isinstance(answer, QuoteRefused) else 200)

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
