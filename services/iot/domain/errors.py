"""What can go wrong in the iot domain, in its own words; the gRPC edge decides the status."""

from __future__ import annotations

from services.kit.errors import DomainError


class FactoryNotRegistered(DomainError):
    """No factory by that id."""


class MachineNotRegistered(DomainError):
    """No machine by that id."""


class DowntimeUnknown(DomainError):
    """The machine has no such downtime (never, or too long ago to change)."""


class RegisteredOtherwise(DomainError):
    """A registration repeated with other details: a change goes through an update."""


class FactoryInactive(DomainError):
    """The factory is not active: it takes no new machines."""


class MachineOfAnotherFactory(DomainError):
    """The machine id is taken by a machine of another factory."""


class VersionMoved(DomainError):
    """The factory or machine is no longer at the version the change was made against."""


class ChangedByOthers(DomainError):
    """Others kept changing the same thing while we tried; try again."""
