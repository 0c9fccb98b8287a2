"""Orders' domain events → the integration events other services read on JetStream."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.utils import get_topic
from google.protobuf.message import Message

from dovetail.orders.v1 import orders_events_pb2 as events
from services.kit.wellknown import timestamp_of
from services.kit.words_pb import words_or_none
from services.orders.domain.order import STATUS_AFTER, Order
from services.orders.domain.status import OrderStatus
from services.orders.wire import event_content_pb, status_to_pb

# Every Order event is published (placed, amended, cancelled, status changes); the intake
# index's events stay inside.
TOPICS = [get_topic(cls) for cls in vars(Order).values()
          if isinstance(cls, type) and issubclass(cls, Order.Event) and cls is not Order.Event]


def to_integration(event: Any) -> tuple[str, Message] | None:
    """(subject event name, body) for events others need; None for internal ones."""
    if not isinstance(event, Order.Event):
        return None  # the intake index stays inside
    name = type(event).__name__
    order_id = str(event.originator_id)
    if name == "Placed" and getattr(event, "needs", ()):
        return None  # waits for mapping: nothing for others to make yet
    if name in ("Placed", "MappingResolved"):  # a waiting order, mapped, is placed now
        content = event_content_pb(event)
        placed_at = datetime.fromisoformat(event.placed_at)
        body = events.OrderPlaced(
            order_id=order_id, channel=event.channel, external_id=event.external_id,
            promised_date=content["promised_date"], customer=content["customer"],
            items=content["items"], total=content["total"], revision=1, tenant=event.tenant)
        body.placed_at.CopyFrom(timestamp_of(placed_at))
        return "placed", body
    if name in ("Amended", "Reprocessed"):  # a new revision to configure, either way
        content = event_content_pb(event)
        return "amended", events.OrderAmended(
            order_id=order_id, items=content["items"], promised_date=content["promised_date"],
            reason=event.reason, revision=event.revision, customer=content["customer"])
    if name == "Cancelled":
        return "cancelled", events.OrderCancelled(
            order_id=order_id, reason=event.reason,
            previous_status=status_to_pb(OrderStatus(event.previous_status)))
    if name == "PlanningHeld":
        return "planning_held", events.OrderPlanningHeld(
            order_id=order_id, reason=event.reason, cause=event.cause,
            reason_words=words_or_none(getattr(event, "said", None)))
    status = STATUS_AFTER.get(name)
    if status is None or name == "MappingStillNeeded":
        return None
    return "status_changed", events.OrderStatusChanged(
        order_id=order_id, to_status=status_to_pb(status), cause=getattr(event, "cause", ""),
        detail="; ".join(getattr(event, "reasons", []) or []))
