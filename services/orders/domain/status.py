"""Order states and the order in which an order passes through them."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PLACED = "PLACED"
    CONFIGURED = "CONFIGURED"
    REJECTED = "REJECTED"
    SCHEDULED = "SCHEDULED"
    IN_PRODUCTION = "IN_PRODUCTION"
    PRODUCED = "PRODUCED"
    SHIPPED = "SHIPPED"
    DELIVERED = "DELIVERED"
    CANCELLED = "CANCELLED"
    # A shop order taken as sent, some of whose lines or options its channel does not map yet.
    AWAITING_MAPPING = "AWAITING_MAPPING"

    @property
    def stage(self) -> int:
        """How far along the pipeline; CONFIGURED and REJECTED are the same stage."""
        return _STAGE[self]

    @property
    def production_started(self) -> bool:
        return self is not OrderStatus.CANCELLED and self.stage >= _STAGE[OrderStatus.IN_PRODUCTION]


_STAGE = {
    OrderStatus.AWAITING_MAPPING: 0,
    OrderStatus.PLACED: 0,
    OrderStatus.CONFIGURED: 1,
    OrderStatus.REJECTED: 1,
    OrderStatus.SCHEDULED: 2,
    OrderStatus.IN_PRODUCTION: 3,
    OrderStatus.PRODUCED: 4,
    OrderStatus.SHIPPED: 5,
    OrderStatus.DELIVERED: 6,
    OrderStatus.CANCELLED: 99,
}
