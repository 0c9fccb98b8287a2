"""What one partition's planner plans: the factories of its partition and the orders the
assignment step put there (with one partition: everything), and which changes concern it."""

from __future__ import annotations

from typing import Any

from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.partitions import Partition, partition_of
from services.scheduling.domain.plans import FactoryPlan
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.progress import OrderProgress
from services.scheduling.domain.values import PlanRow


class PartitionScope:
    def __init__(self, state: NetworkState, partitions: tuple[Partition, ...], name: str):
        self.state = state
        self.partitions = partitions
        self.name = name
        self.whole = len(partitions) == 1

    def factory_partition(self, factory_id: str) -> str:
        f = self.state.factories.get(factory_id)
        return partition_of(self.partitions, factory_id, f.city if f else "", f.region if f else "")

    def factories(self) -> set[str]:
        if self.whole:
            return set(self.state.factories)
        return {f for f in self.state.factories if self.factory_partition(f) == self.name}

    def plans(self) -> dict[str, FactoryPlan]:
        """The partition's factory plans (a copy of the mapping: the state goes on)."""
        if self.whole:
            return dict(self.state.factory_plans)
        mine = self.factories()
        return {f: p for f, p in self.state.factory_plans.items() if f in mine}

    def rows(self) -> dict[str, PlanRow]:
        """The partition's operations in the current plan."""
        if self.whole:
            return self.state.plan_rows
        return {op: row for p in self.plans().values() for op, row in p.operations.items()}

    def outside(self) -> set[str]:
        """Plannable orders this planner must not plan: put in another partition, or not
        put anywhere yet, or still held by another partition's plan (moved here, and the
        partition they left has not re-planned without them yet)."""
        if self.whole:
            return set()
        mine = self.factories()
        return {o.order_id for o in self.state.plannable()
                if o.partition != self.name
                or self.state.planned_in.get(o.order_id, next(iter(mine), "")) not in mine}

    def concerns(self, event: Any) -> bool:
        """Does a change this event made matter to this partition's plan?"""
        if self.whole or event is None:
            return True
        if isinstance(event, PoolOrder.Event):
            if type(event).__name__ == "PartitionChosen":
                return self.name in (event.partition, event.previous)
            order = self.state.aggregate(event.originator_id)
            return order is None or order.partition in ("", self.name)
        if isinstance(event, OrderProgress.Event):
            progress = self.state.aggregate(event.originator_id)
            order = self.state.orders.get(progress.order_id) if progress is not None else None
            return order is None or order.partition == self.name
        if isinstance(event, FactoryCapacity.Event):
            return self.factory_partition(self.state.aggregate(event.originator_id).factory_id) == self.name
        if isinstance(event, MachineCapacity.Event):
            machine = self.state.aggregate(event.originator_id)
            return self.factory_partition(machine.factory_id) == self.name
        return True
