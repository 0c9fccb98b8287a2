"""How the configurator follows orders: every placed or amended revision is configured,
a cancelled order is recorded so that a late or redelivered revision is not configured. And
iot's factories: each factory's time zone, the clock its board stock's days are on.

Each policy collects the events it causes; the consumer saves them with the upstream
event's tracking record in one transaction (exactly once in effect).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

from eventsourcing.application import ProcessingEvent
from google.protobuf import json_format

from dovetail.common.v1.envelope_pb2 import EventEnvelope
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.orders.v1 import orders_events_pb2 as orders
from services.configurator.application import ConfiguratorApplication, OrderRevision
from services.configurator.board_stock import BoardStock
from services.configurator.domain.catalogue_versions import whole_numbers
from services.configurator.domain.order_plan import LineRequest
from services.configurator.wire import date_from_pb
from services.kit.envelope import UndecodableEvent, body_as
from services.kit.errors import InvalidArgument, Violations
from services.kit.runtime import ConsumerSpec
from services.kit.words import N_

Policy = Callable[[EventEnvelope, ProcessingEvent], None]


def _order_id(text: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidArgument(Violations.one("order_id", N_("'%(text)s' is not an order id"),
                                             text=text)) from None


def _revision(body, items) -> OrderRevision:
    lines = [LineRequest(item.line_id, item.product, item.quantity,
                         whole_numbers(json_format.MessageToDict(item.options)))
             for item in items]
    return OrderRevision(_order_id(body.order_id), body.revision or 1, lines,
                         date_from_pb(body.promised_date, body.HasField("promised_date")))


def _cause(envelope: EventEnvelope) -> str:
    return f"{envelope.source}:{envelope.notification_id}"


def consumers(app: ConfiguratorApplication) -> list[ConsumerSpec]:
    def configure(message_type) -> Policy:
        def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
            body = body_as(envelope, message_type)
            configuration = app.configure_revision(_revision(body, body.items), _cause(envelope))
            if configuration is not None:
                processing.collect_events(configuration)

        return policy

    def cancelled(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, orders.OrderCancelled)
        configuration = app.cancel_order(_order_id(body.order_id), body.reason, _cause(envelope))
        if configuration is not None:
            processing.collect_events(configuration)

    table: dict[str, Policy] = {
        orders.OrderPlaced.DESCRIPTOR.full_name: configure(orders.OrderPlaced),
        orders.OrderAmended.DESCRIPTOR.full_name: configure(orders.OrderAmended),
        orders.OrderCancelled.DESCRIPTOR.full_name: cancelled,
    }

    def dispatch(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        handler = table.get(envelope.type)
        if handler is not None:  # other order events are only tracked
            handler(envelope, processing)

    configured = {kind.DESCRIPTOR.full_name: kind
                  for kind in (orders.OrderPlaced, orders.OrderAmended)}

    def read_together(envelopes: list[EventEnvelope]):
        """A batch's orders looked up at once (see the application)."""
        ids = []
        for envelope in envelopes:
            kind = configured.get(envelope.type)
            if kind is not None:
                with contextlib.suppress(InvalidArgument, UndecodableEvent):  # its policy says why
                    ids.append(_order_id(body_as(envelope, kind).order_id))
        return app.configurations_read_together(ids)

    # A policy reads and changes only its order's configuration (the catalogue is read-only):
    # a fetched batch is configured and saved in one transaction. One commit and one
    # round of acks per batch instead of per order (at 50 orders/s the consumer, not the
    # nesting, was the limit: 1,100 orders waited while the configurator used a third of a core).
    return [ConsumerSpec("orders", ["dovetail.orders.placed", "dovetail.orders.amended",
                                    "dovetail.orders.cancelled"], dispatch, batched=True,
                         prepare=read_together),
            factory_zones(BoardStock(app))]


def factory_zones(stock: BoardStock) -> ConsumerSpec:
    """A factory registered or updated at iot: its stock learns the factory's time zone, so
    that the day a batch needs boards is a day of the same clock as a purchase's expected
    day (the UTC day of the nesting was a day off from midnight to 08:00 in Shanghai)."""
    kinds = {kind.DESCRIPTOR.full_name: kind for kind in (iot.FactoryRegistered,
                                                          iot.FactoryUpdated)}

    def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        kind = kinds.get(envelope.type)
        if kind is None:
            return
        factory = body_as(envelope, kind).factory
        learnt = stock.learn_zone(factory.factory_id, factory.timezone)
        if learnt is not None:
            processing.collect_events(learnt)

    return ConsumerSpec("iot", ["dovetail.iot.factory_registered",
                                "dovetail.iot.factory_updated"], policy)
