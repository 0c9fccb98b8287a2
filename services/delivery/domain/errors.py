"""What can go wrong in delivery, in its own words; the gRPC edge decides the status."""

from __future__ import annotations

from services.kit.errors import DomainError


class ShipmentNotFound(DomainError):
    """No shipment by that id, order or carrier tracking number (yet)."""


class UnknownTrackingLink(DomainError):
    """A public tracking token that leads nowhere (malformed, unknown or revoked)."""


class NoCarrier(DomainError):
    """No carrier contract takes these packages to this destination."""


class CarrierEventsFull(DomainError):
    """The shipment keeps no more carrier events."""


class ShipmentBusy(DomainError):
    """Others kept changing the shipment while we tried; try again."""
