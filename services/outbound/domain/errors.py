"""What can go wrong in outbound, in its own words; the gRPC edge decides the status."""

from __future__ import annotations

from services.kit.errors import DomainError


class SubscriptionNotFound(DomainError):
    """No subscription by that id."""


class DeliveryNotFound(DomainError):
    """No delivery by that id."""


class StillTrying(DomainError):
    """A delivery can be retried by hand only once it is dead-lettered."""


class ChangedByOthers(DomainError):
    """Others kept changing the same thing while we tried; try again."""
