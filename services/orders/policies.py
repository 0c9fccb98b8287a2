"""How orders follows the other services: their facts move an order along its states.

Each policy loads the order, records the fact if it moves the order forward, and collects
the resulting events; the consumer saves them with the upstream event's tracking record.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from eventsourcing.application import ProcessingEvent

from dovetail.common.v1.envelope_pb2 import EventEnvelope
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.delivery.v1 import delivery_events_pb2 as delivery
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from services.kit.envelope import body_as
from services.kit.errors import InvalidArgument, Violations
from services.kit.runtime import ConsumerSpec
from services.kit.words import N_, Words
from services.kit.words_pb import words_of
from services.orders.application import OrdersApplication
from services.orders.domain.order import Order


def _iso(ts) -> str:
    return ts.ToDatetime().isoformat() + "+00:00" if ts.seconds or ts.nanos else ""


def _revision(value: int) -> int | None:
    return value or None  # 0: the upstream did not say which revision


def _order_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidArgument(Violations.one("order_id", N_("'%(text)s' is not an order id"),
                                             text=text)) from None


def _follow(app: OrdersApplication, message_type, act: Callable[[Order, Any, str], bool]):
    def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        body = body_as(envelope, message_type)
        order = app.get_order(_order_id(body.order_id))
        cause = f"{envelope.source}:{envelope.notification_id}"
        if act(order, body, cause):
            processing.collect_events(order)

    return policy


def _record_rejected(order: Order, body: configurator.ConfigurationRejected, cause: str) -> bool:
    said = _rejection(body)
    worded = all(r.HasField("message_words") for r in body.reasons)
    return order.record_rejected(_revision(body.order_version), [w.english() for w in said],
                                 cause, said if worded else None)


def _rejection(body: configurator.ConfigurationRejected) -> list[Words]:
    """Each reason as the order keeps it: "width_mm: <what is wrong> (<what would fix it>)",
    words the reader's language says (the English of a reason sent before words)."""
    def part(reason, name: str) -> Words | str:
        words = f"{name}_words"
        return words_of(getattr(reason, words)) if reason.HasField(words) else getattr(reason, name)

    return [Words.of(N_("%(parameter)s: %(message)s (%(suggestion)s)"), parameter=r.parameter,
                     message=part(r, "message"), suggestion=part(r, "suggestion"))
            if r.suggestion else
            Words.of(N_("%(parameter)s: %(message)s"), parameter=r.parameter,
                     message=part(r, "message"))
            for r in body.reasons]


def _dispatch(table: dict[str, Callable[[EventEnvelope, ProcessingEvent], None]]):
    def policy(envelope: EventEnvelope, processing: ProcessingEvent) -> None:
        handler = table.get(envelope.type)
        if handler is not None:  # events orders does not follow are only tracked
            handler(envelope, processing)

    return policy


def _orders_at_hand(app: OrdersApplication, message_types: dict[str, type]):
    """A batch's policies run with its orders read at once (one query for the batch)."""
    def prepare(envelopes: list[EventEnvelope]) -> AbstractContextManager[None]:
        ids = []
        for envelope in envelopes:
            message_type = message_types.get(envelope.type)
            if message_type is not None:
                with contextlib.suppress(ValueError):  # the policy says what is wrong with it
                    ids.append(uuid.UUID(body_as(envelope, message_type).order_id))
        return app.orders_at_hand(ids)

    return prepare


Act = Callable[[Order, Any, str], bool]


def _following(app: OrdersApplication, upstream: str, subjects: list[str],
               acts: dict[type, Act]) -> ConsumerSpec:
    """A batched consumer of ``upstream``'s ``subjects``: each message type's act on its order."""
    table = {t.DESCRIPTOR.full_name: _follow(app, t, act) for t, act in acts.items()}
    return ConsumerSpec(upstream, subjects, _dispatch(table), batched=True,
                        prepare=_orders_at_hand(app, {t.DESCRIPTOR.full_name: t for t in acts}))


def consumers(app: OrdersApplication) -> list[ConsumerSpec]:
    return [
        _following(app, "configurator", ["dovetail.configurator.order_configured",
                                         "dovetail.configurator.configuration_rejected"], {
            configurator.OrderConfigured: lambda o, b, c: o.record_configured(
                _revision(b.order_version), b.catalog_version, c),
            configurator.ConfigurationRejected: _record_rejected}),
        _following(app, "scheduling", ["dovetail.scheduling.order_scheduled",
                                       "dovetail.scheduling.order_unplannable",
                                       "dovetail.scheduling.order_production_started",
                                       "dovetail.scheduling.order_produced",
                                       "dovetail.scheduling.order_plan_overridden"], {
            scheduling.OrderScheduled: lambda o, b, c: o.record_scheduled(
                None, b.factory_id, _iso(b.planned_start), _iso(b.planned_end), c),
            scheduling.OrderUnplannable: lambda o, b, c: o.record_planning_held(
                _revision(b.revision), b.reason, c,
                words_of(b.reason_words) if b.HasField("reason_words") else None),
            scheduling.OrderProductionStarted: lambda o, b, c: o.record_production_started(
                None, c),
            scheduling.OrderProduced: lambda o, b, c: o.record_produced(None, c),
            scheduling.OrderPlanOverridden: lambda o, b, c: o.record_plan_overridden(
                scheduling.PlanOverrideKind.Name(b.kind).removeprefix("PLAN_OVERRIDE_KIND_")
                if b.kind else "", b.factory_id, b.weight, b.reason, b.by, b.by_role, c)}),
        _following(app, "delivery", ["dovetail.delivery.shipment_opened",
                                     "dovetail.delivery.shipment_delivered"], {
            delivery.ShipmentOpened: lambda o, b, c: o.record_shipped(b.tracking_token, c),
            delivery.ShipmentDelivered: lambda o, b, c: o.record_delivered(c)}),
    ]
