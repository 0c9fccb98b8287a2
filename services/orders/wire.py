"""Wire (protobuf) ↔ domain for the orders service."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from google.protobuf import timestamp_pb2
from google.protobuf.message import Message

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as pb
from services.kit.wellknown import struct_of, timestamp_of
from services.kit.words_pb import words_or_none, words_pb
from services.orders.domain.order import Order
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import OrderContent


def status_to_pb(status: OrderStatus) -> int:
    return pb.OrderStatus.Value(f"ORDER_STATUS_{status.value}")


def status_from_pb(value: int) -> OrderStatus:
    return OrderStatus(pb.OrderStatus.Name(value).removeprefix("ORDER_STATUS_"))


def date_to_pb(value: date | None) -> types_pb2.Date | None:
    return None if value is None else types_pb2.Date(year=value.year, month=value.month, day=value.day)


def date_from_pb(value: types_pb2.Date, present: bool) -> str | None:
    """A Date message as the ISO text the domain validates (invalid dates stay invalid)."""
    if not present:
        return None
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def timestamp(value: datetime | str | None) -> timestamp_pb2.Timestamp | None:
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return timestamp_of(value)


def content_to_pb(content: OrderContent) -> dict[str, Any]:
    c = content.customer
    customer = types_pb2.Customer(
        name=c.name, email=c.email, phone=c.phone,
        address=types_pb2.Address(line1=c.address.line1, line2=c.address.line2,
                                  city=c.address.city, region=c.address.region,
                                  postal_code=c.address.postal_code, country=c.address.country))
    items = []
    for line in content.lines:
        items.append(pb.OrderItem(line_id=line.line_id, product=line.product,
                                  quantity=line.quantity, options=struct_of(line.options)))
    total = None if content.total is None else types_pb2.Money(
        amount=str(content.total.amount), currency=content.total.currency)
    return {"customer": customer, "items": items, "total": total,
            "promised_date": date_to_pb(content.promised_date)}


# Events whose content parts are kept made (two batches of the relay and the order list).
KEEP_CONTENT = 1024
_event_content: dict[tuple[Any, int], dict[str, Any]] = {}


def event_content_pb(event: Any) -> dict[str, Any]:
    """content_to_pb of an event that carries an order's content (Placed, Amended, ...), made
    once for the relay and the order list, which map the same events moments apart. Callers
    put the parts into messages of their own (protobuf copies them) and never change them."""
    key = (event.originator_id, event.originator_version)
    parts = _event_content.get(key)
    if parts is None:
        parts = _event_content[key] = content_to_pb(event.content)
        if len(_event_content) > KEEP_CONTENT:  # forget the oldest made
            del _event_content[next(iter(_event_content))]
    return parts


def needs_to_pb(needs) -> list[pb.MappingNeed]:
    return [pb.MappingNeed(kind=n.kind, key=n.key, line_id=n.line_id, detail=n.detail)
            for n in needs]


def order_to_pb(order: Order, *, source: bool = False) -> pb.Order:
    """The order; `source`: with the shop's payload as received (single reads only)."""
    content = content_to_pb(order.content)
    return pb.Order(
        order_id=str(order.id), channel=order.channel, external_id=order.external_id,
        status=status_to_pb(order.status), placed_at=timestamp(order.placed_at),
        promised_date=content["promised_date"], customer=content["customer"],
        items=content["items"], total=content["total"], version=order.version,
        updated_at=timestamp(order.modified_on), factory_id=order.factory_id,
        planned_start=timestamp(order.planned_start), planned_end=timestamp(order.planned_end),
        rejection_reasons=order.rejection_reasons,
        rejection_reason_words=[words_pb(w) for w in order.rejection_reason_words],
        cancellation_reason=order.cancellation_reason, tenant=order.tenant,
        catalog_version=order.catalog_version, tracking_token=order.tracking_token,
        planning_issue=order.planning_issue,
        planning_issue_words=words_or_none(order.planning_issue_words),
        mapping_needs=needs_to_pb(order.needs),
        notes=list(order.notes),
        source_payload=order.source.encode() if source else b"")


DATE = types_pb2.Date.DESCRIPTOR


class WireSource:
    """What a client sent, read field by field for the domain's checks (values.Source): a
    sub-message that was not sent reads as None, a Date as its ISO text (an invalid date stays
    invalid, for the check to name), options (a Struct) as the mapping it is."""

    @staticmethod
    def is_object(value: Any) -> bool:
        return isinstance(value, Message)

    @staticmethod
    def get(node: Any, name: str) -> Any:
        field = node.DESCRIPTOR.fields_by_name.get(name)
        if field is None:
            return None
        value = getattr(node, name)
        if field.message_type is None or field.is_repeated:
            return value
        if not node.HasField(name):
            return None
        if field.message_type is DATE:
            return date_from_pb(value, True)
        return value


WIRE = WireSource()

