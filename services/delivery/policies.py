"""How delivery follows the other services: facts about an order, until it ships.

orders (placed, amended) says where it goes, the configurator (order_configured) what
ships, scheduling (order_scheduled, order_production_started, order_produced) when. Each
policy records the fact on the order's OrderFacts and opens the shipment once the order
is placed, configured and produced; the consumer saves everything with the upstream
event's tracking record in one transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from eventsourcing.application import ProcessingEvent

from dovetail.common.v1.envelope_pb2 import EventEnvelope
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.delivery.application import DeliveryApplication
from services.delivery.domain.order_facts import OrderFacts
from services.delivery.wire import destination_from_pb, package_from_pb
from services.kit.envelope import body_as
from services.kit.errors import InvalidArgument, Violations
from services.kit.runtime import ConsumerSpec
from services.kit.words import N_

Act = Callable[[OrderFacts, object], bool]


def _iso(ts) -> str:
    return ts.ToDatetime(tzinfo=UTC).isoformat() if ts.seconds or ts.nanos else ""


def _date(d) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}" if d.year else ""


def _order_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidArgument(Violations.one("order_id", N_("'%(text)s' is not an order id"),
                                             text=text)) from None


def item_label(product: str, quantity: int) -> str:
    """'wardrobe', 2 → 'Wardrobe x 2' (what the customer reads on the tracking page)."""
    return f"{product.replace('_', ' ').capitalize()} x {quantity}"


def _placed(facts: OrderFacts, b) -> bool:
    return facts.record_placed(
        placed_at=_iso(b.placed_at), order_reference=b.external_id,
        destination=destination_from_pb(b.customer.address),  # no name, email or phone
        items=[item_label(i.product, i.quantity) for i in b.items],
        promised_date=_date(b.promised_date))


def _amended(facts: OrderFacts, b) -> bool:
    return facts.record_amended(b.revision, [item_label(i.product, i.quantity) for i in b.items],
                                _date(b.promised_date))


def _configured(facts: OrderFacts, b) -> bool:
    return facts.record_configured(b.order_version, [package_from_pb(p) for p in b.packages],
                                   _date(b.promised_date))


def _scheduled(facts: OrderFacts, b) -> bool:
    return facts.record_scheduled(b.factory_id, _iso(b.planned_end))


def _started(facts: OrderFacts, b) -> bool:
    return facts.record_production_started(b.factory_id, _iso(b.started_at))


def _produced(facts: OrderFacts, b) -> bool:
    return facts.record_produced(b.factory_id, _iso(b.produced_at) or datetime.now(UTC).isoformat(),
                                 _date(b.promised_date))


def _follow(app: DeliveryApplication, act: Act, message_type):
    def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, message_type)
        facts = app.order_facts(_order_id(body.order_id))
        changed = act(facts, body)
        opened = app.ship_if_ready(facts, datetime.now(UTC)) if changed else []
        if changed:
            processing.collect_events(facts, *opened)

    return policy


FOLLOWED = {
    "orders": [(orders.OrderPlaced, "placed", _placed), (orders.OrderAmended, "amended", _amended)],
    "configurator": [(configurator.OrderConfigured, "order_configured", _configured)],
    "scheduling": [(scheduling.OrderScheduled, "order_scheduled", _scheduled),
                   (scheduling.OrderProductionStarted, "order_production_started", _started),
                   (scheduling.OrderProduced, "order_produced", _produced)],
}


def consumers(app: DeliveryApplication) -> list[ConsumerSpec]:
    specs = []
    for upstream, followed in FOLLOWED.items():
        table = {message_type.DESCRIPTOR.full_name: _follow(app, act, message_type)
                 for message_type, _, act in followed}

        def dispatch(envelope: EventEnvelope, processing: ProcessingEvent, table=table) -> None:
            handler = table.get(envelope.type)
            if handler is not None:  # other events on these subjects are only tracked
                handler(envelope, processing)

        specs.append(ConsumerSpec(upstream, [f"dovetail.{upstream}.{subject}"
                                             for _, subject, _ in followed], dispatch))
    return specs
