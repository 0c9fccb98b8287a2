"""What can go wrong in scheduling, in its own words; the gRPC edge decides the status."""

from __future__ import annotations

from services.kit.errors import DomainError
from services.kit.words import N_, Words


class OperationNotFound(DomainError):
    """No operation by that id in the planning pool."""


class FactoryNotRegistered(DomainError):
    """iot never registered that factory with us."""


class MachineNotRegistered(DomainError):
    """iot never registered that machine with us."""


class PlanNotFound(DomainError):
    """No published plan by that id."""


class OrderNotInPool(DomainError):
    """The order never reached the planning pool (not configured yet, or unknown)."""


class OrderNotPlanned(DomainError):
    """The order, or the operation, has no place in the plan (not yet, or no longer)."""


class NotAssignedToFactory(DomainError):
    """The operation is planned at another factory than the one reporting it."""


class ReportOutOfOrder(DomainError):
    """A shop-floor report that does not follow from what happened before (finishing what
    never started, starting before the previous operation finished)."""


class ProgressBusy(DomainError):
    """Others kept reporting the order's progress while we tried; try again."""


class MaintenanceTaskNotFound(DomainError):
    """No maintenance task by that id among the machine's (or the factory's) tasks."""


class MaintenanceNotUnderway(DomainError):
    """A maintenance task reported done (or moved) when that does not follow: it is only
    proposed, its stop has not begun, or it is done already."""


class MaintenanceStarted(DomainError):
    """A maintenance task moved once its stop has begun: the machine is stopped already."""


class NoFactoryToQuote(DomainError):
    """None of the factories a quote may use is in the network (or none is asked for and
    the network has none)."""


class OrderCannotBePromised(DomainError):
    """The network cannot promise the order a completion date (the reason and facts, when
    the solver names them, say why: no eligible machine, no room before the horizon, ...)."""


class PlanKeptChanging(DomainError):
    """The pool or the factory plans kept changing while a plan was being saved."""


class StalePlan(DomainError):
    """Work on some of the plan's orders started after the state the plan was made from."""

    def __init__(self, order_ids: set[str]):
        super().__init__(Words.of(N_("work started on %(count)s order(s) since the plan was "
                                     "made: %(orders)s"),
                                  count=len(order_ids), orders=", ".join(sorted(order_ids)[:5])))
        self.order_ids = order_ids
