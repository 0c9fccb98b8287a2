"""What can go wrong in the configurator, in its own words; the gRPC edge decides the status."""

from __future__ import annotations

from services.kit.errors import DomainError


class CatalogueVersionUnknown(DomainError):
    """That catalogue version has not been published."""


class NotConfigured(DomainError):
    """The order has no configuration (yet)."""


class CatalogueMoved(DomainError):
    """Another catalogue version was published first: read the latest and re-apply."""
