"""Opening a shipment from what delivery knows of an order: carrier, pick-up, ETA, token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.delivery.domain import eta as eta_rules
from services.delivery.domain import identity
from services.delivery.domain.carriers import CarrierRule, tracking_number
from services.delivery.domain.eta import LaneStats
from services.delivery.domain.indexes import TrackingLink, TrackingNumber
from services.delivery.domain.order_facts import OrderFacts
from services.delivery.domain.shipment import Shipment
from services.delivery.domain.values import (
    MilestoneKind,
    from_iso,
    iso,
)


@dataclass(frozen=True)
class Opening:
    """A new shipment with the indexes that must be saved with it."""

    shipment: Shipment
    link: TrackingLink
    number: TrackingNumber


def open_shipment(facts: OrderFacts, rule: CarrierRule, lane: LaneStats | None, token: str,
                  now: datetime) -> Opening:
    """The shipment for a placed, configured and produced order, and its indexes."""
    destination = facts.destination
    produced_at = from_iso(facts.produced_at) or now
    pickup = eta_rules.planned_pickup(from_iso(facts.planned_end), produced_at)
    transit = eta_rules.transit(rule, destination.region, lane)
    eta = pickup + transit.duration
    promised = date.fromisoformat(facts.promised_date) if facts.promised_date else None
    outlook = eta_rules.outlook(eta, promised, troubled=False)
    number = tracking_number(rule, str(identity.shipment_id(facts.order_id)))
    shipment = Shipment(
        order_id=facts.order_id, factory_id=facts.factory_id, carrier=rule.carrier,
        tracking_number=number, packages=list(facts.packages), destination=destination,
        order_reference=facts.order_reference, items=list(facts.items),
        promised_date=facts.promised_date, planned_pickup=iso(pickup), eta=iso(eta),
        transit_seconds=int(transit.duration.total_seconds()), transit_learnt=transit.learnt,
        tracking_token=token, opened_at=iso(now),
        milestones={MilestoneKind.ORDER_PLACED.value: facts.placed_at,
                    MilestoneKind.IN_PRODUCTION.value: (facts.production_started_at
                                                        or facts.produced_at),
                    MilestoneKind.PRODUCED.value: facts.produced_at},
        late=outlook.late, at_risk=outlook.at_risk)
    facts.hand_over(shipment.id)
    return Opening(shipment=shipment,
                   link=TrackingLink(token_digest=identity.token_digest(token),
                                     shipment_id=shipment.id),
                   number=TrackingNumber(carrier=rule.carrier, number=number,
                                         shipment_id=shipment.id))
