"""The delivery application: load → act → save. No wire types here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from services.delivery.domain import identity
from services.delivery.domain.carriers import CarrierBook
from services.delivery.domain.errors import ShipmentBusy, ShipmentNotFound, UnknownTrackingLink
from services.delivery.domain.eta import LaneStats
from services.delivery.domain.indexes import TrackingLink, TrackingNumber
from services.delivery.domain.lanes import TransitLane
from services.delivery.domain.opening import open_shipment
from services.delivery.domain.order_facts import OrderFacts
from services.delivery.domain.shipment import Shipment, TrackingView
from services.delivery.domain.values import (
    CarrierReport,
    Destination,
    Package,
    Place,
    ShipmentStatus,
)
from services.kit.persistence import ServiceApplication
from services.kit.stored_values import register_values
from services.kit.words import N_, Words

MAX_RETRIES = 10
# The value objects stored inside delivery's events, by name (names are a stored contract).
STORED_VALUES = {Package: "delivery.package", Destination: "delivery.destination",
                 Place: "delivery.place"}
# The same answer for a malformed, unknown or revoked token: nothing to learn from probing.
UNKNOWN_LINK = Words.of(N_("no shipment behind this tracking link"))


@dataclass(frozen=True)
class CarrierOutcome:
    shipment: Shipment
    duplicate: bool
    applied: bool


class DeliveryApplication(ServiceApplication):
    name = "delivery"
    # The carrier contracts in force; a composition root may replace them.
    carriers: CarrierBook = CarrierBook()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder, STORED_VALUES)

    # --- reads ---------------------------------------------------------------------

    def _get(self, aggregate_id: uuid.UUID, kind: type[Aggregate]) -> Aggregate | None:
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    def get_shipment(self, shipment_id: uuid.UUID) -> Shipment:
        shipment = self._get(shipment_id, Shipment)
        if shipment is None:
            raise ShipmentNotFound(Words.of(N_("shipment %(shipment_id)s does not exist"),
                shipment_id=shipment_id))
        assert isinstance(shipment, Shipment)
        return shipment

    def shipment_for_order(self, order_id: str) -> Shipment:
        shipment = self._get(identity.shipment_id(order_id), Shipment)
        if shipment is None:
            raise ShipmentNotFound(Words.of(N_("order %(order_id)s has no shipment (yet)"),
                order_id=order_id))
        assert isinstance(shipment, Shipment)
        return shipment

    def shipment_by_number(self, carrier: str, number: str) -> Shipment:
        index = self._get(identity.tracking_number_id(carrier, number), TrackingNumber)
        if index is None:
            raise ShipmentNotFound(Words.of(N_("%(carrier)s tracking number %(number)s is not one "
                                               "of our shipments"),
                carrier=carrier, number=number))
        assert isinstance(index, TrackingNumber)
        return self.get_shipment(index.shipment_id)

    def track(self, token: str) -> TrackingView:
        """The public view behind a tracking link."""
        link_id = identity.tracking_link_id(token)
        link = None if link_id is None else self._get(link_id, TrackingLink)
        if link is None:
            raise UnknownTrackingLink(UNKNOWN_LINK)
        assert isinstance(link, TrackingLink)
        return self.get_shipment(link.shipment_id).tracking_view()

    def lane(self, carrier: str, country: str, region: str) -> LaneStats | None:
        lane = self._get(identity.lane_id(carrier, country, region), TransitLane)
        return lane.stats if isinstance(lane, TransitLane) else None

    # --- upstream facts (policies collect what these return) -------------------------

    def order_facts(self, order_id: str) -> OrderFacts:
        facts = self._get(identity.order_facts_id(order_id), OrderFacts)
        if facts is None:
            return OrderFacts(order_id=order_id)
        assert isinstance(facts, OrderFacts)
        return facts

    def ship_if_ready(self, facts: OrderFacts, now: datetime) -> list[Aggregate]:
        """Open the order's shipment once it is placed, configured and produced."""
        if not facts.ready_to_ship:
            return []
        destination = facts.destination
        rule = self.carriers.choose(destination, facts.packages)
        lane = self.lane(rule.carrier, destination.country, destination.region)
        opening = open_shipment(facts, rule, lane, identity.new_token(), now)
        return [opening.shipment, opening.link, opening.number]

    # --- carrier events --------------------------------------------------------------

    def record_carrier_event(self, carrier: str, tracking_number: str, report: CarrierReport,
                             now: datetime) -> CarrierOutcome:
        """Record once (by the carrier's event id); a delivery teaches the lane its transit."""
        for _ in range(MAX_RETRIES):
            shipment = self.shipment_by_number(carrier, tracking_number)
            was_final = shipment.status.final
            result = shipment.record_carrier_event(report, now)
            if result.duplicate:
                return CarrierOutcome(shipment, duplicate=True, applied=result.applied)
            changed: list[Aggregate] = [shipment]
            transit = shipment.delivered_transit_seconds
            if not was_final and shipment.status is ShipmentStatus.DELIVERED and transit is not None:
                changed.append(self._lane_observed(shipment, transit))
            try:
                self.save(*changed)
            except IntegrityError:
                continue  # a concurrent carrier event (or its repeat): look again
            return CarrierOutcome(shipment, duplicate=False, applied=result.applied)
        raise ShipmentBusy(Words.of(N_("shipment %(tracking_number)s is being changed by others; "
                                       "try again"),
            tracking_number=tracking_number))

    def _lane_observed(self, shipment: Shipment, transit_seconds: int) -> TransitLane:
        d = shipment.destination
        lane = self._get(identity.lane_id(shipment.carrier, d.country, d.region), TransitLane)
        if lane is None:
            lane = TransitLane(carrier=shipment.carrier, country=d.country, region=d.region)
        assert isinstance(lane, TransitLane)
        lane.observe(transit_seconds)
        return lane
