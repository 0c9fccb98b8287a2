"""A person's overrides of an order's planning (issue 19), applied to the planning pool:
load → act → save, beside the application as the configurator's board stock is beside its
own. The rules are in domain/overrides.py; the pool order records each override."""

from __future__ import annotations

from collections.abc import Callable

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from services.kit.words import N_, Words
from services.scheduling.application import MAX_RETRIES, SchedulingApplication
from services.scheduling.domain.errors import OrderNotInPool, PlanKeptChanging
from services.scheduling.domain.ids import pool_key
from services.scheduling.domain.overrides import OrderInProduction, OrderWithdrawn
from services.scheduling.domain.pool import NEW, WITHDRAWN, PoolOrder
from services.scheduling.domain.progress import PLANNED


class PlanOverrides:
    def __init__(self, app: SchedulingApplication):
        self.app = app

    def pool_order(self, order_id: str) -> PoolOrder:
        """The order as the pool holds it; OrderNotInPool before it is configured."""
        try:
            order = self.app.repository.get(pool_key(order_id))
        except AggregateNotFoundError:
            order = None
        if not isinstance(order, PoolOrder) or order.status == NEW:
            raise OrderNotInPool(Words.of(N_("order %(order_id)s is not in the planning pool (not "
                                             "configured yet, or unknown)"),
                order_id=order_id))
        return order

    def override(self, order_id: str, act: Callable[[PoolOrder], bool]) -> PoolOrder:
        """Load the order → ``act`` (pin, hold, prioritise) → save; retried on a concurrent
        writer. Refused once it was cancelled or its production started."""
        for _ in range(MAX_RETRIES):
            order = self.pool_order(order_id)
            if order.status == WITHDRAWN:
                raise OrderWithdrawn(Words.of(N_("order %(order_id)s was cancelled"),
                    order_id=order_id))
            progress = self.app.progress_of(order_id)
            if progress is not None and any(s != PLANNED for s in progress.status.values()):
                raise OrderInProduction(Words.of(N_("work on order %(order_id)s has started: it "
                                                    "stays where it runs"),
                    order_id=order_id))
            if not act(order):
                return order
            try:
                self.app.save(order)
                return order
            except IntegrityError:
                continue
        raise PlanKeptChanging(Words.of(N_("order %(order_id)s kept changing; try again"),
            order_id=order_id))
