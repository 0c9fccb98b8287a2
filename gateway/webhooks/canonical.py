"""The canonical order webhook: `POST /webhooks/{channel}/orders` (DESIGN.md).

Order of checks: unknown channel → 404; bad, missing or stale signature → 401 (before the
body is even parsed); body that does not fit → 422 naming every problem by JSON Pointer;
stored → 202, or 200 for a repeat of the same `external_id` with the same content, 409 for the
same `external_id` with other content (another order, not a repeat).

The route is a plain ASGI handler mounted in the app: every webhook of every shop that
speaks our format comes here, and Litestar's per-request machinery for an HTTP route (a
Request and its Headers, the kwargs and signature models, a Response object) was about two
thirds of the gateway's CPU per webhook (load/bench_webhooks.py; 200 -> 70 us per webhook in
process). What the app does for every route still happens here: its middleware (request
metrics and webhook outcomes, the reader's language), its exception handlers (each refusal is
raised as the same exception as before and answered by the same handler), `before_send` (the
security headers) and the body limit (413). The bytes are checked and decoded once, in C
(msgspec), and converted to the body's Struct as Litestar converted a handler's body; the
OpenAPI document describes the route from `OPERATION` (gateway/openapi.py).
"""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import asgi
from litestar.exceptions import (
    ClientException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.openapi.spec import Operation, Parameter, Schema
from litestar.types import Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway.bodies import decode_checked
from gateway.deps import GatewayState
from gateway.errors import ServiceError, values_in_range
from gateway.placing import place_order_request, status_name
from gateway.schemas.orders import CanonicalOrder, WebhookAccepted
from gateway.webhooks import plain, shape
from webhook_signature import SignatureError, verify

PATH = "/webhooks/{channel:str}/orders"
SIGNATURE_HEADER = b"dovetail-signature"
# Channels with their own adapter and payload format are not canonical; nor are carriers.
DEDICATED_ADAPTERS = frozenset({"shopify", "woocommerce"})


async def channel_secret(state: GatewayState, channel: str) -> str:
    """The channel's secret: set by an admin over REST, else from DOVETAIL_WEBHOOK_SECRETS."""
    secret = await state.channels.secret(channel)
    # Carrier secrets sign carrier events only, never orders.
    if secret is None or channel in DEDICATED_ADAPTERS or channel.startswith("carrier-"):
        raise NotFoundException(f"no webhook channel named {channel!r}")
    return secret


def to_place_order(channel: str, order: CanonicalOrder) -> orders_pb.PlaceOrderRequest:
    c, a = order.customer, order.customer.address
    customer = types_pb2.Customer(name=c.name, email=c.email, phone=c.phone,
                                  address=types_pb2.Address(
                                      line1=a.line1, line2=a.line2, city=a.city, region=a.region,
                                      postal_code=a.postal_code, country=a.country))
    placed_at = promised_date = None
    if order.placed_at:
        try:
            placed_at = datetime.fromisoformat(order.placed_at)
        except ValueError:
            raise ValidationException("invalid placed_at", extra=[
                {"key": "placed_at", "message": "must be an ISO 8601 time, e.g. 2026-11-25T08:00:00Z"}
            ]) from None
    if order.promised_date:
        parts = order.promised_date.split("-")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValidationException("invalid promised_date", extra=[
                {"key": "promised_date", "message": "must be a date written as YYYY-MM-DD"}])
        year, month, day = map(int, parts)
        promised_date = types_pb2.Date(year=year, month=month, day=day)
    total = None if order.total is None else (order.total.amount, order.total.currency)
    return place_order_request(channel, order.external_id, customer, order.items, total=total,
                               placed_at=placed_at, promised_date=promised_date)


async def place(state: GatewayState, request: orders_pb.PlaceOrderRequest) -> WebhookAccepted:
    try:
        reply = await state.services.place_order(request)
    except ServiceError as exc:
        raise shape.with_pointers(exc) from None
    return WebhookAccepted(order_id=reply.order_id, status=status_name(reply.status),
                           duplicate=reply.duplicate)


@asgi(PATH, copy_scope=False,
      exception_handlers={ValidationException: shape.every_problem_handler(CanonicalOrder)})
async def receive_canonical_order(scope: Scope, receive: Receive, send: Send) -> None:
    """Check, map and place one order (see the module's docstring for the answers)."""
    if await plain.other_method(scope, send, "POST"):
        return
    state: GatewayState = scope["litestar_app"].state.gateway
    channel = scope["path_params"]["channel"]
    secret = await channel_secret(state, channel)
    body = await plain.body(scope, receive)
    ScopeState.from_scope(scope).body = body  # what the 422 handler reads again
    try:
        verify(secret, body, plain.header(scope, SIGNATURE_HEADER),
               tolerance_s=state.settings.signature_tolerance_s)
    except SignatureError as exc:
        raise NotAuthorizedException(str(exc)) from None
    try:
        document = decode_checked(body, msgspec.json.decode, scope["path"])
    except msgspec.DecodeError as exc:  # not JSON: said as Litestar says it (422, `body`)
        raise ClientException(str(exc)) from None
    order = shape.fit(document, CanonicalOrder)
    with values_in_range():
        request = to_place_order(channel, order)
    accepted = await place(state, request)
    await plain.answer(send, 200 if accepted.duplicate else 202, accepted)


OPERATION = Operation(
    tags=["webhooks"], operation_id="WebhooksChannelOrdersReceive",
    summary="Receive an order from a sales channel (canonical format)",
    description=(
        "Signed with the channel's secret: `Dovetail-Signature: t=<unix seconds>,"
        "v1=<hex HMAC-SHA256 over \"<t>.<raw body>\">`, accepted within 300 s of t. "
        "202 once the order is durably stored; 200 with the same order_id and "
        "duplicate=true for a repeat of the same external_id; 409 for the same "
        "external_id with other content; 422 names every problem by JSON Pointer."),
    parameters=[Parameter(name="channel", param_in="path", required=True,
                          schema=Schema(type="string"))],
    security=[{"webhookSignature": []}])
RESPONSES = {
    202: (WebhookAccepted, "the order is durably stored"),
    200: (WebhookAccepted, "a repeat: the order already stored"),
    401: (None, "missing, wrong or stale signature"),
    404: (None, "unknown channel"),
    409: (None, "same external_id, other content"),
    422: (None, "the body does not fit; field errors"),
}
