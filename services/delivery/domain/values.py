"""What a shipment is made of: statuses, carrier event codes, packages, places. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class ShipmentStatus(StrEnum):
    AWAITING_PICKUP = "AWAITING_PICKUP"
    PICKED_UP = "PICKED_UP"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    FAILED_ATTEMPT = "FAILED_ATTEMPT"
    EXCEPTION = "EXCEPTION"
    RETURNED = "RETURNED"

    @property
    def final(self) -> bool:
        """Nothing a carrier says later changes a delivered or returned shipment."""
        return self in (ShipmentStatus.DELIVERED, ShipmentStatus.RETURNED)

    @property
    def troubled(self) -> bool:
        return self in (ShipmentStatus.FAILED_ATTEMPT, ShipmentStatus.EXCEPTION,
                        ShipmentStatus.RETURNED)


class CarrierEventCode(StrEnum):
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    FAILED_ATTEMPT = "failed_attempt"
    EXCEPTION = "exception"
    RETURNED = "returned"

    @property
    def status(self) -> ShipmentStatus:
        return ShipmentStatus(self.value.upper())

    @property
    def milestone(self) -> MilestoneKind | None:
        return _MILESTONE_OF.get(self)


class MilestoneKind(StrEnum):
    """Steps of the journey, in the order the tracking page shows them."""

    ORDER_PLACED = "ORDER_PLACED"
    IN_PRODUCTION = "IN_PRODUCTION"
    PRODUCED = "PRODUCED"
    PICKED_UP = "PICKED_UP"
    IN_TRANSIT = "IN_TRANSIT"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"


# RETURNED is shown only when it happened; the others always (reached or not).
JOURNEY = tuple(k for k in MilestoneKind if k is not MilestoneKind.RETURNED)

_MILESTONE_OF = {
    CarrierEventCode.PICKED_UP: MilestoneKind.PICKED_UP,
    CarrierEventCode.IN_TRANSIT: MilestoneKind.IN_TRANSIT,
    CarrierEventCode.OUT_FOR_DELIVERY: MilestoneKind.OUT_FOR_DELIVERY,
    CarrierEventCode.DELIVERED: MilestoneKind.DELIVERED,
    CarrierEventCode.RETURNED: MilestoneKind.RETURNED,
}


@dataclass(frozen=True)
class Package:
    package_id: str = ""
    description: str = ""
    weight_kg: float = 0.0
    length_mm: float = 0.0
    width_mm: float = 0.0
    height_mm: float = 0.0
    volume_m3: float = 0.0

    @property
    def longest_side_mm(self) -> float:
        return max(self.length_mm, self.width_mm, self.height_mm)


@dataclass(frozen=True)
class Destination:
    """Where the customer lives. Personal data: staff see it all, the public the city only."""

    city: str = ""
    region: str = ""
    country: str = ""
    line1: str = ""
    line2: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Place:
    """Where a carrier event happened; coarse on purpose."""

    city: str = ""
    region: str = ""
    country: str = ""
    description: str = ""


@dataclass(frozen=True)
class Milestone:
    """A step of the journey reached: when (ISO time) and where."""

    reached_at: str
    place: Place = Place()


@dataclass(frozen=True)
class CarrierEventRecord:
    """A carrier event as the shipment keeps it (times in ISO text), applied or not."""

    carrier_event_id: str
    code: str
    event_time: str
    place: Place
    note: str
    applied: bool
    recorded_at: str


@dataclass(frozen=True)
class CarrierReport:
    """One carrier event as the carrier told it (already validated, see rules.py)."""

    carrier_event_id: str
    code: CarrierEventCode
    event_time: datetime
    place: Place = Place()
    note: str = ""
    delay_minutes: int = 0


def iso(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat()


def from_iso(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
