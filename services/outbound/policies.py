"""What outbound follows, and what each event makes it owe.

orders: placed (which channel and shop order an order came from; `order.placed`), status
changes (`order.configured` … `order.delivered`), cancelled (`order.cancelled`, and the shop
is told); delivery: shipment_opened (the shop gets a fulfilment with the tracking link);
iot: machine_state_changed (`machine.down`, `machine.up`). Each event queues its deliveries,
saved with the event's tracking record in one transaction before it is acked: nothing owed
is lost however the process dies, and nothing is queued twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import ProcessingEvent
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

from dovetail.common.v1.envelope_pb2 import EventEnvelope
from dovetail.delivery.v1 import delivery_events_pb2 as delivery
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_service
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.orders.v1 import orders_service_pb2 as orders_service
from services.kit.envelope import body_as
from services.kit.runtime import ConsumerSpec
from services.outbound.application import OutboundApplication
from services.outbound.domain.directory import OrderOrigin
from services.outbound.domain.values import DeliveryKind
from services.outbound.settings import OutboundSettings
from services.outbound.webhooks import webhook_body

STATUS_EVENTS = {orders_service.ORDER_STATUS_CONFIGURED: "order.configured",
                 orders_service.ORDER_STATUS_REJECTED: "order.rejected",
                 orders_service.ORDER_STATUS_SCHEDULED: "order.scheduled",
                 orders_service.ORDER_STATUS_IN_PRODUCTION: "order.in_production",
                 orders_service.ORDER_STATUS_PRODUCED: "order.produced",
                 orders_service.ORDER_STATUS_SHIPPED: "order.shipped",
                 orders_service.ORDER_STATUS_DELIVERED: "order.delivered"}
DOWN = iot_service.MACHINE_STATE_DOWN
ORIGIN_WAIT = timedelta(minutes=10)


class OriginNotYetKnown(RuntimeError):
    """Not a domain error: the consumer naks and the event comes again (see shipped)."""


# (envelope, body) → [(event type, order id, data)] the event stands for.
Facts = list[tuple[str, str, dict[str, Any]]]


def data_of(body: Message) -> dict[str, Any]:
    return MessageToDict(body, preserving_proto_field_name=True)


def _placed(body: orders.OrderPlaced) -> Facts:
    return [("order.placed", body.order_id, data_of(body))]


def _status_changed(body: orders.OrderStatusChanged) -> Facts:
    name = STATUS_EVENTS.get(body.to_status)
    return [] if name is None else [(name, body.order_id, data_of(body))]


def _cancelled(body: orders.OrderCancelled) -> Facts:
    return [("order.cancelled", body.order_id, data_of(body))]


def _machine(body: iot.MachineStateChanged) -> Facts:
    if body.to_state == DOWN and body.from_state != DOWN:
        return [("machine.down", "", data_of(body))]
    if body.from_state == DOWN and body.to_state != DOWN:
        return [("machine.up", "", data_of(body))]
    return []


class OutboundPolicies:
    def __init__(self, app: OutboundApplication, settings: OutboundSettings):
        self.app = app
        self.settings = settings

    def webhooks(self, facts: Callable[[Any], Facts], message_type: type[Message]):
        def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
            body = body_as(envelope, message_type)
            occurred = envelope.occurred_at.ToDatetime(tzinfo=UTC)
            queued = []
            for event_type, order_id, data in facts(body):
                queued += self.app.webhooks_for(
                    event_type, envelope.event_id, order_id,
                    webhook_body(event_type, occurred, data), _now(), occurred)
            queued += self._extra(envelope, body)
            if queued:
                processing.collect_events(*queued)

        return policy

    def _extra(self, envelope: EventEnvelope, body: Message) -> list:
        """What the event also owes besides webhooks: the origin of a placed order noted,
        a cancelled order's shop told."""
        if isinstance(body, orders.OrderPlaced):
            if self.app.order_origin(body.order_id) is None:
                return [OrderOrigin(order_id=body.order_id, channel=body.channel,
                                    external_id=body.external_id)]
            return []
        if isinstance(body, orders.OrderCancelled):
            return self.app.shop_notice(DeliveryKind.SHOP_CANCELLED, body.order_id,
                                        envelope.event_id, {"reason": body.reason}, _now())
        return []

    def shipped(self, envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, delivery.ShipmentOpened)
        if self.app.order_origin(body.order_id) is None:
            # orders and delivery are followed by separate consumers: the order's placement
            # may still be on its way. Wait for it a while; an order placed before outbound
            # followed the orders stream (or dropped from it) has no shop to tell.
            age = datetime.now(UTC) - envelope.occurred_at.ToDatetime(tzinfo=UTC)
            if age < ORIGIN_WAIT:
                raise OriginNotYetKnown(f"order {body.order_id}: placement not seen yet")
            return
        facts = {"carrier": body.carrier, "tracking_number": body.tracking_number,
                 "tracking_url": f"{self.settings.public_url}/track/{body.tracking_token}"}
        notices = self.app.shop_notice(DeliveryKind.SHOP_SHIPPED, body.order_id,
                                       envelope.event_id, facts, _now())
        if notices:
            processing.collect_events(*notices)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def consumers(app: OutboundApplication, settings: OutboundSettings) -> list[ConsumerSpec]:
    p = OutboundPolicies(app, settings)
    followed = {
        "orders": {"placed": (orders.OrderPlaced, p.webhooks(_placed, orders.OrderPlaced)),
                   "status_changed": (orders.OrderStatusChanged,
                                      p.webhooks(_status_changed, orders.OrderStatusChanged)),
                   "cancelled": (orders.OrderCancelled,
                                 p.webhooks(_cancelled, orders.OrderCancelled))},
        "delivery": {"shipment_opened": (delivery.ShipmentOpened, p.shipped)},
        "iot": {"machine_state_changed": (iot.MachineStateChanged,
                                          p.webhooks(_machine, iot.MachineStateChanged))},
    }
    specs = []
    for upstream, subjects in followed.items():
        table = {message_type.DESCRIPTOR.full_name: policy
                 for message_type, policy in subjects.values()}

        def dispatch(envelope: EventEnvelope, processing: ProcessingEvent, table=table) -> None:
            handler = table.get(envelope.type)
            if handler is not None:  # other events on these subjects are only tracked
                handler(envelope, processing)

        # Batched: a policy creates deliveries of its own event and reads only indexes (an
        # order's origin is noted before a later run of the batch reads it).
        specs.append(ConsumerSpec(upstream, [f"dovetail.{upstream}.{s}" for s in subjects],
                                  dispatch, batched=True))
    return specs
