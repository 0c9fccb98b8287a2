"""The whole network as the planner sees it, kept in memory by replaying the service's own
events onto its aggregates (no database reads while planning)."""

from __future__ import annotations

import uuid
from typing import Any

from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.plans import PublishedPlan
from services.scheduling.domain.pool import PLANNABLE, PoolOrder
from services.scheduling.domain.progress import OrderProgress

# What a change means to the planner.
ORDERS_ADDED = "orders_added"
ORDERS_WITHDRAWN = "orders_withdrawn"
CAPACITY = "capacity_changed"
PROGRESS = "progress"
MACHINE_DOWN = "machine_down"
MACHINE_UP = "machine_up"


class NetworkState:
    """Factories, machines, the pool, progress and the current plan."""

    def __init__(self) -> None:
        self._aggregates: dict[uuid.UUID, Any] = {}
        self.factories: dict[str, FactoryCapacity] = {}
        self.machines: dict[str, MachineCapacity] = {}
        self.orders: dict[str, PoolOrder] = {}
        self.progress: dict[str, OrderProgress] = {}
        self.plan: PublishedPlan | None = None
        self.plan_rows: dict[str, dict[str, Any]] = {}  # operation id -> row of the plan
        # Counts the progress events applied: a plan solved from this state when the count
        # was lower may contradict work that has started since (see Planner._settle).
        self.progress_seen = 0

    def apply(self, event: Any) -> str | None:
        """Apply one of our domain events; say what kind of change it is for the planner."""
        if isinstance(event, PublishedPlan.Event):
            self.plan = event.mutate(None)
            self.plan_rows = {row["operation_id"]: row for row in self.plan.operations}
            return None
        aggregate = event.mutate(self._aggregates.get(event.originator_id))
        self._aggregates[event.originator_id] = aggregate
        name = type(event).__name__
        if isinstance(aggregate, FactoryCapacity):
            self.factories[aggregate.factory_id] = aggregate
            return CAPACITY
        if isinstance(aggregate, MachineCapacity):
            self.machines[aggregate.machine_id] = aggregate
            if name == "StateChanged":
                kind = MACHINE_UP if aggregate.available else MACHINE_DOWN
                return f"{kind}:{aggregate.machine_id}"
            return CAPACITY
        if isinstance(aggregate, PoolOrder):
            self.orders[aggregate.order_id] = aggregate
            if name == "Configured":
                return ORDERS_ADDED
            if name in ("Amended", "Rejected", "Withdrawn"):
                return ORDERS_WITHDRAWN
            return None
        if isinstance(aggregate, OrderProgress):
            self.progress[aggregate.order_id] = aggregate
            self.progress_seen += 1
            return PROGRESS
        return None

    def plannable(self) -> list[PoolOrder]:
        return [o for o in self.orders.values() if o.status == PLANNABLE and o.routing]

    def machines_of(self, factory_id: str) -> list[MachineCapacity]:
        return sorted((m for m in self.machines.values() if m.factory_id == factory_id),
                      key=lambda m: m.machine_id)

    def status_of(self, operation_id: str, order_id: str) -> str:
        progress = self.progress.get(order_id)
        return progress.status.get(operation_id, "PLANNED") if progress else "PLANNED"
