"""What can go wrong with an order, in its own words; the gRPC edge decides the status."""

from __future__ import annotations

from services.kit.errors import DomainError


class OrderNotFound(DomainError):
    """No order by that id, or none placed for that shop order (channel and external id)."""


class OrderDiffers(DomainError):
    """The same shop order id arrived again with a different body: not a repeat."""


class AwaitingMapping(DomainError):
    """The order's lines are not all mapped to the catalogue yet."""


class NotRejected(DomainError):
    """Re-processing is for an order configuration rejected, not for one in another state."""


class OrderAlreadyCancelled(DomainError):
    """A cancelled order is not amended: it stays cancelled."""


class ProductionStarted(DomainError):
    """Production of the order has started (or it is made, shipped or delivered): it can no
    longer be amended or cancelled."""


class OrderVersionMoved(DomainError):
    """The order is no longer at the version the amendment was made against."""


class OrderBusy(DomainError):
    """Others kept changing the order while we tried; try again."""


class IntakeBusy(DomainError):
    """Others kept placing the same shop orders while we tried; try again."""
