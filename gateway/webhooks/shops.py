"""What every shop adapter does the same way (one adapter module per platform maps its payload).

Order of checks: no secret for the channel → 404; bad or missing signature → 401 (before the
body is parsed); a delivery id already taken → 200 with the order it placed; a body that is not
the platform's shape → 422 naming every problem by JSON Pointer; stored → 202, a resend of the
same shop order (same external id, new delivery id) → 200 with duplicate=true, or 409 when it
says something else (another customer, other lines or total) than the order taken.

An order is taken as sent even when the channel's mapping does not cover it yet: its lines,
options or parameters not mapped travel as mapping needs, and the order waits
(AWAITING_MAPPING, 202) until a saved mapping releases it (gateway/webhooks/release.py). The
shop's payload is kept with the order for that. An order of which nothing is made here (only
ignored lines, e.g. a gift card) is answered 200 `IGNORED` and not stored.

Topics: a create topic places the order. An update topic never places or changes anything:
it answers 200 (the shop stops retrying) with the order id when the order is known, and with
`status: UNKNOWN` when its create has not arrived yet — the shop keeps retrying the create
until it is answered, and the create is accepted whenever it comes. If the orders service
cannot be asked, the answer is 503 so the shop retries. Any other topic is acknowledged (200).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, NotFoundException, ValidationException

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway.bodies import check_json
from gateway.channels import ChannelMapping
from gateway.deps import GatewayState
from gateway.errors import ServiceError, values_in_range
from gateway.placing import place_order_request, status_name
from gateway.schemas.shops import ShopWebhookAnswer
from gateway.webhooks import shape
from gateway.webhooks.mapping import Mapped, ShopLine, map_lines
from webhook_signature import SignatureError, verify_base64


@dataclass(frozen=True)
class ShopOrder:
    """A shop's order in neutral terms, before the channel's mapping is applied."""

    external_id: str
    customer: types_pb2.Customer
    lines: list[ShopLine]
    placed_at: datetime | None = None
    total: tuple[str, str] | None = None  # (amount, currency)

    def fingerprint(self) -> str:
        """A digest of what the shop said about the order (customer, lines as sent, total):
        a create resent for the same order says the same; one that does not is another order."""
        c = self.customer
        said = [c.name, c.email, c.phone, [getattr(c.address, f) for f in (
            "line1", "line2", "city", "region", "postal_code", "country")],
            [[li.line_id, li.sku, li.title, li.variant_title, li.product_id, li.variant_id,
              li.quantity, [[p.name, str(p.value)] for p in li.properties]]
             for li in self.lines], list(self.total or ())]
        return hashlib.sha256(msgspec.json.encode(said)).hexdigest()


@dataclass(frozen=True)
class ShopPlatform:
    channel: str
    signature_header: str
    delivery_header: str
    topic_header: str
    create_topics: frozenset[str]
    update_topics: frozenset[str]
    payload: type
    to_order: Callable[[Any], ShopOrder]


def as_text(value: Any) -> str:
    """A payload's value as text: null is empty, spaces around are dropped."""
    return "" if value is None else str(value).strip()


def parse_time(text: str | None, at: str) -> datetime | None:
    """An ISO 8601 time as shops write it; `at` is its JSON Pointer, for the error."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationException("invalid time", extra=[
            {"key": at, "message": f"{text!r} is not an ISO 8601 time"}]) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # WooCommerce *_gmt has no offset


async def verified_body(request: Request, platform: ShopPlatform) -> bytes:
    state: GatewayState = request.app.state.gateway
    secret = await state.channels.secret(platform.channel)
    if secret is None:
        raise NotFoundException(f"no webhook secret is set for channel {platform.channel!r}")
    body = await request.body()
    try:
        verify_base64(secret, body, request.headers.get(platform.signature_header),
                      platform.signature_header)
    except SignatureError as exc:
        raise NotAuthorizedException(str(exc)) from None
    return body


def decode(body: bytes, platform: ShopPlatform) -> Any:
    check_json(body, f"/webhooks/{platform.channel}/orders")
    return shape.decode(body, platform.payload)


def placing_request(platform: ShopPlatform, order: ShopOrder, mapped: Mapped,
                    body: bytes) -> orders_pb.PlaceOrderRequest:
    """The order as the orders service takes it: mapped lines, what is still to map, the notes
    for the factory, and the shop's payload kept with it."""
    with values_in_range():
        placing = place_order_request(platform.channel, order.external_id, order.customer,
                                      mapped.items, total=order.total, placed_at=order.placed_at)
    placing.mapping_needs.extend(orders_pb.MappingNeed(kind=n.kind, key=n.key[:300],
                                                       line_id=n.line_id, detail=n.detail[:500])
                                 for n in mapped.needs)
    placing.notes.extend(n[:1000] for n in mapped.notes)
    placing.source_payload = body
    placing.source_fingerprint = order.fingerprint()
    return placing


def waiting_note(mapped: Mapped) -> str:
    if not mapped.needs:
        return ""
    keys = dict.fromkeys(f"{n.kind} {n.key!r}" for n in mapped.needs)
    return "taken; waits for mapping: " + ", ".join(list(keys)[:10])


async def receive(request: Request, platform: ShopPlatform) -> Response[ShopWebhookAnswer]:
    state: GatewayState = request.app.state.gateway
    body = await verified_body(request, platform)
    topic = (request.headers.get(platform.topic_header) or "").strip().lower()
    delivery_id = (request.headers.get(platform.delivery_header) or "").strip()[:200]
    if delivery_id and (seen := await state.channels.delivery_seen(platform.channel, delivery_id)):
        return Response(ShopWebhookAnswer(seen[0], seen[1], True, "delivery already taken"),
                        status_code=200)
    if topic and topic in platform.update_topics:
        return await acknowledge_update(state, platform, decode(body, platform))
    if topic and topic not in platform.create_topics:
        return Response(ShopWebhookAnswer("", "IGNORED", False, f"topic {topic!r} is not used"),
                        status_code=200)
    order = platform.to_order(decode(body, platform))
    mapped = map_lines(await state.channels.mapping(platform.channel) or ChannelMapping(),
                       order.lines)
    if not mapped.items and not mapped.needs:
        return Response(ShopWebhookAnswer("", "IGNORED", False, "nothing in this order is made "
                                          "here: " + "; ".join(mapped.notes)[:500]),
                        status_code=200)
    try:
        reply = await state.services.place_order(placing_request(platform, order, mapped, body))
    except ServiceError as exc:
        raise shape.with_pointers(exc) from None
    if delivery_id:
        await state.channels.record_delivery(platform.channel, delivery_id, reply.order_id,
                                             status_name(reply.status))
    return Response(ShopWebhookAnswer(reply.order_id, status_name(reply.status), reply.duplicate,
                                      waiting_note(mapped)),
                    status_code=200 if reply.duplicate else 202)


async def acknowledge_update(state: GatewayState, platform: ShopPlatform,
                             payload: Any) -> Response[ShopWebhookAnswer]:
    external_id = str(payload.id)
    try:
        reply = await state.services.call("orders", "GetOrder", orders_pb.GetOrderRequest(
            channel=platform.channel, external_id=external_id))
        known = reply.order
    except ServiceError as exc:
        if exc.status_code != 404:
            raise
        known = None
    if known is None:
        return Response(ShopWebhookAnswer(
            "", "UNKNOWN", False, "update for an order not received yet: ignored; the order is "
            "placed when its create arrives"), status_code=200)
    return Response(ShopWebhookAnswer(
        known.order_id, status_name(known.status), False,
        "updates from the shop are not applied; amend the order in Dovetail"), status_code=200)
