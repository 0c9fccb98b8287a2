"""Delivery's domain events → the integration events others read on JetStream.

Subjects: dovetail.delivery.shipment_opened (orders: SHIPPED, and stores the tracking token),
carrier_event_recorded, milestone_reached, eta_changed, shipment_delivered (orders:
DELIVERED), shipment_exception. Upstream facts and indexes stay inside.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from dovetail.delivery.v1 import delivery_events_pb2 as events
from services.delivery.domain.shipment import Shipment
from services.delivery.domain.values import MilestoneKind, ShipmentStatus
from services.delivery.wire import (
    code_to_pb,
    date_to_pb,
    milestone_to_pb,
    package_to_pb,
    place_to_pb,
    status_to_pb,
    timestamp,
)


def to_integration(event: Any) -> tuple[str, Message] | None:
    """(subject event name, body) for events others need; None for internal ones."""
    if not isinstance(event, Shipment.Event):
        return None
    mapper = _MAPPERS.get(type(event).__name__)
    return None if mapper is None else mapper(event, str(event.originator_id))


def _opened(e, shipment_id: str) -> tuple[str, Message]:
    return "shipment_opened", events.ShipmentOpened(
        shipment_id=shipment_id, order_id=e.order_id, factory_id=e.factory_id,
        carrier=e.carrier, tracking_number=e.tracking_number,
        packages=[package_to_pb(p) for p in e.packages],
        planned_pickup=timestamp(e.planned_pickup), eta=timestamp(e.eta),
        promised_date=date_to_pb(e.promised_date), tracking_token=e.tracking_token,
        opened_at=timestamp(e.opened_at))


def _carrier_event(e, shipment_id: str) -> tuple[str, Message]:
    return "carrier_event_recorded", events.CarrierEventRecorded(
        shipment_id=shipment_id, order_id=e.order_id, carrier=e.carrier,
        tracking_number=e.tracking_number, carrier_event_id=e.carrier_event_id,
        code=code_to_pb(e.code), event_time=timestamp(e.event_time),
        location=place_to_pb(e.place), note=e.note, applied=e.applied,
        status_after=status_to_pb(ShipmentStatus(e.status_after)))


def _milestone(e, shipment_id: str) -> tuple[str, Message]:
    return "milestone_reached", events.MilestoneReached(
        shipment_id=shipment_id, order_id=e.order_id,
        milestone=milestone_to_pb(MilestoneKind(e.kind)), reached_at=timestamp(e.reached_at),
        location=place_to_pb(e.place))


def _eta(e, shipment_id: str) -> tuple[str, Message]:
    return "eta_changed", events.EtaChanged(
        shipment_id=shipment_id, order_id=e.order_id, previous_eta=timestamp(e.previous_eta),
        eta=timestamp(e.eta), reason=e.reason, late=e.late, at_risk=e.at_risk)


def _delivered(e, shipment_id: str) -> tuple[str, Message]:
    return "shipment_delivered", events.ShipmentDelivered(
        shipment_id=shipment_id, order_id=e.order_id, delivered_at=timestamp(e.delivered_at),
        promised_date=date_to_pb(e.promised_date), on_time=e.on_time,
        transit_seconds=e.transit_seconds)


def _exception(e, shipment_id: str) -> tuple[str, Message]:
    return "shipment_exception", events.ShipmentException(
        shipment_id=shipment_id, order_id=e.order_id, code=code_to_pb(e.code),
        occurred_at=timestamp(e.occurred_at), message=e.message, location=place_to_pb(e.place))


_MAPPERS = {"Opened": _opened, "CarrierEventRecorded": _carrier_event,
            "MilestoneReached": _milestone, "EtaChanged": _eta, "Delivered": _delivered,
            "ExceptionReported": _exception}
