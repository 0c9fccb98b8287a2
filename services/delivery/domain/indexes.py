"""Index aggregates: a tracking link or a carrier's tracking number → its shipment.

Their ids derive from the natural key (identity.py), and they are saved in the same
transaction as the shipment they point to.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from services.delivery.domain import identity


class TrackingLink(Aggregate):
    """Names the shipment behind a public token; keyed by the token's digest only."""

    @staticmethod
    def create_id(token_digest: str) -> uuid.UUID:
        return identity.link_id(token_digest)

    @event("Issued")
    def __init__(self, token_digest: str, shipment_id: uuid.UUID):
        self.token_digest = token_digest
        self.shipment_id = shipment_id


class TrackingNumber(Aggregate):
    """A carrier's tracking number, booked for one shipment."""

    @staticmethod
    def create_id(carrier: str, number: str) -> uuid.UUID:
        return identity.tracking_number_id(carrier, number)

    @event("Booked")
    def __init__(self, carrier: str, number: str, shipment_id: uuid.UUID):
        self.carrier = carrier
        self.number = number
        self.shipment_id = shipment_id
