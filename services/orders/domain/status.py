"""Order states and the order in which an order passes through them."""

from __future__ import annotations

from enum import StrEnum

from services.kit.words import N_, Words


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
    def said(self) -> Words:
        """The state as people read it ("in production", 生产中), for a refusal that names it:
        the wire's code is for programs."""
        return Words(_SAID[self])

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

_SAID = {
    OrderStatus.AWAITING_MAPPING: N_("awaiting mapping"),
    OrderStatus.PLACED: N_("placed"),
    OrderStatus.CONFIGURED: N_("configured"),
    OrderStatus.REJECTED: N_("rejected"),
    OrderStatus.SCHEDULED: N_("scheduled"),
    OrderStatus.IN_PRODUCTION: N_("in production"),
    OrderStatus.PRODUCED: N_("produced"),
    OrderStatus.SHIPPED: N_("shipped"),
    OrderStatus.DELIVERED: N_("delivered"),
    OrderStatus.CANCELLED: N_("cancelled"),
}
