"""A transit lane (carrier → destination country and region) learns from delivered shipments."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from services.delivery.domain import identity
from services.delivery.domain.eta import LaneStats


class TransitLane(Aggregate):
    @staticmethod
    def create_id(carrier: str, country: str, region: str) -> uuid.UUID:
        return identity.lane_id(carrier, country, region)

    @event("Opened")
    def __init__(self, carrier: str, country: str, region: str):
        self.carrier = carrier
        self.country = country
        self.region = region
        self.count = 0
        self.mean_seconds = 0.0

    @property
    def stats(self) -> LaneStats:
        return LaneStats(self.count, self.mean_seconds)

    def observe(self, transit_seconds: int) -> None:
        """One more delivered shipment took `transit_seconds` from pick-up to the door."""
        learnt = self.stats.observe(max(0, transit_seconds))
        self._observed(transit_seconds=transit_seconds, count=learnt.count,
                       mean_seconds=learnt.mean_seconds)

    @event("TransitObserved")
    def _observed(self, transit_seconds: int, count: int, mean_seconds: float) -> None:
        self.count = count
        self.mean_seconds = mean_seconds
