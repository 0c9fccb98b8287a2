"""The whole network as the planner sees it, kept in memory by replaying the service's own
events onto its aggregates (no database reads while planning)."""

from __future__ import annotations

import uuid
from typing import Any

from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.cutting import CuttingBatches
from services.scheduling.domain.partitions import DEFAULT
from services.scheduling.domain.plans import FactoryPlan, PlanPublication, PublishedPlan
from services.scheduling.domain.pool import PLANNABLE, PoolOrder
from services.scheduling.domain.progress import OrderProgress
from services.scheduling.domain.values import PlanRow

# What a change means to the planner.
ORDERS_ADDED = "orders_added"
ORDERS_WITHDRAWN = "orders_withdrawn"
CAPACITY = "capacity_changed"
PROGRESS = "progress"
MACHINE_DOWN = "machine_down"
MACHINE_UP = "machine_up"
# A person's overrides of an order's planning (issue 19).
OVERRIDES = frozenset({"PinnedToFactory", "Unpinned", "HeldOut", "Released", "Prioritised"})


class NetworkState:
    """Factories, machines, the pool, progress and the current plan."""

    def __init__(self) -> None:
        self._aggregates: dict[uuid.UUID, Any] = {}
        self.factories: dict[str, FactoryCapacity] = {}
        self.machines: dict[str, MachineCapacity] = {}
        self._machines_by_factory: dict[str, dict[str, MachineCapacity]] = {}
        self._factory_of_machine: dict[str, str] = {}
        self.orders: dict[str, PoolOrder] = {}
        self.progress: dict[str, OrderProgress] = {}
        self.factory_plans: dict[str, FactoryPlan] = {}
        # The latest publication of each partition ("" for the whole network).
        self.publications: dict[str, PlanPublication | PublishedPlan] = {}
        self.plan: PlanPublication | PublishedPlan | None = None  # the latest of them
        self.plan_rows: dict[str, PlanRow] = {}  # operation id -> row of the plan
        self.planned_in: dict[str, str] = {}  # order id -> the factory whose plan holds it
        self._orders_in: dict[str, set[str]] = {}  # factory id -> the orders its plan holds
        # Counts the changes to each factory's plan and to the orders it holds (and, in
        # _epoch, to every plan at once): what is summed from them is summed again only
        # when its count moved (see planning/kept.py).
        self._changes_in: dict[str, int] = {}
        self._epoch = 0
        # The plannable orders no plan holds (those a slotting-in pass looks at), kept as
        # orders and plans change: finding them in the pool cost a pass the whole pool.
        self._unplanned: set[str] = set()
        # Each factory's cutting batches as placed on its saws (issue 20).
        self.cutting: dict[str, CuttingBatches] = {}
        # Counts the progress events applied: a plan solved from this state when the count
        # was lower may contradict work that has started since (see Planner._settle).
        self.progress_seen = 0
        self._whole_plan_rows = False  # plan_rows hold a plan stored whole (PublishedPlan)
        # The chain's trade-off (issue 21): minutes of lateness it accepts per CNY of energy
        # saved; 0: never. A setting (DOVETAIL_SCHEDULER_LATENESS_MINUTES_PER_CNY).
        self.lateness_minutes_per_cny = 0.0

    def apply(self, event: Any) -> str | None:
        """Apply one of our domain events; say what kind of change it is for the planner."""
        if isinstance(event, PublishedPlan.Event):  # as plans were stored before
            whole = event.mutate(None)
            assert isinstance(whole, PublishedPlan)  # its one event creates it
            self.plan = self.publications[DEFAULT] = whole
            self.plan_rows = {row.operation_id: row for row in whole.operations}
            self._plan_whole({row.order_id: row.factory_id for row in whole.operations})
            self._whole_plan_rows = True
            return None
        if isinstance(event, PlanPublication.Event):
            publication = event.mutate(None)
            assert isinstance(publication, PlanPublication)  # its one event creates it
            self.plan = self.publications[publication.partition] = publication
            return None
        before = self._aggregates.get(event.originator_id)
        # a revision replaces the operations dict: this one is the plan before it
        rows_before = before.operations if isinstance(before, FactoryPlan) else {}
        aggregate = event.mutate(before)
        self._aggregates[event.originator_id] = aggregate
        name = type(event).__name__
        if isinstance(aggregate, FactoryPlan):
            self._revise(aggregate, rows_before)
            return None
        if isinstance(aggregate, FactoryCapacity):
            self.factories[aggregate.factory_id] = aggregate
            return CAPACITY
        if isinstance(aggregate, MachineCapacity):
            self.machines[aggregate.machine_id] = aggregate
            was = self._factory_of_machine.get(aggregate.machine_id)
            if was is not None and was != aggregate.factory_id:  # moved (rare)
                self._machines_by_factory[was].pop(aggregate.machine_id, None)
            self._factory_of_machine[aggregate.machine_id] = aggregate.factory_id
            self._machines_by_factory.setdefault(aggregate.factory_id, {})[
                aggregate.machine_id] = aggregate
            if name == "StateChanged":
                kind = MACHINE_UP if aggregate.available else MACHINE_DOWN
                return f"{kind}:{aggregate.machine_id}"
            return CAPACITY
        if isinstance(aggregate, PoolOrder):
            self.orders[aggregate.order_id] = aggregate
            self._touch(self.planned_in.get(aggregate.order_id))
            self._follow_unplanned(aggregate.order_id)
            if name in ("Configured", "PartitionChosen"):
                return ORDERS_ADDED
            if name in ("Amended", "Rejected", "Withdrawn"):
                return ORDERS_WITHDRAWN
            if name == "BoardsAwaited":  # its saw work may start later (issue 20): plan again
                return CAPACITY
            if name in OVERRIDES:  # a planner pinned, held, released or weighed it: plan again
                return CAPACITY
            return None
        if isinstance(aggregate, CuttingBatches):  # a batch placed on a saw: plan around it
            self.cutting[aggregate.factory_id] = aggregate
            return CAPACITY
        if isinstance(aggregate, OrderProgress):
            self.progress[aggregate.order_id] = aggregate
            self.progress_seen += 1
            return PROGRESS
        return None

    def _revise(self, plan: FactoryPlan, before: dict[str, PlanRow]) -> None:
        if self._whole_plan_rows:
            # the first revision after a plan stored whole: its rows give way to the
            # factory plans (the first publication since revises every planned factory)
            self._whole_plan_rows = False
            self.plan_rows = {}
            self._plan_whole({})
        self.factory_plans[plan.factory_id] = plan
        self._touch(plan.factory_id)
        rows = plan.operations
        gone: set[str] = set()  # orders with an operation that left this plan
        for op_id, row in before.items():
            held = self.plan_rows.get(op_id)
            if op_id not in rows and held is not None and held.factory_id == plan.factory_id:
                del self.plan_rows[op_id]
                gone.add(row.order_id)
        for op_id, row in rows.items():
            if before.get(op_id) is not row:
                self.plan_rows[op_id] = row
                self._plan_in(row.order_id, plan.factory_id)
        if gone:
            # An order leaves the factory's plan with its last operation there, not with the
            # first that goes (a finished one, or a saw step its cutting batch took over): its
            # other rows, unchanged, were not revised, and an order missing here counts as
            # new to a slot-in pass, which planned it a second time around its own rows.
            gone -= {row.order_id for row in rows.values()}
            for order_id in gone:
                if self.planned_in.get(order_id) == plan.factory_id:
                    del self.planned_in[order_id]
                    self._orders_in[plan.factory_id].discard(order_id)
                    self._follow_unplanned(order_id)

    def _plan_in(self, order_id: str, factory_id: str) -> None:
        was = self.planned_in.get(order_id)
        if was == factory_id:
            return
        if was is not None:
            self._orders_in[was].discard(order_id)
            self._touch(was)
        self.planned_in[order_id] = factory_id
        self._orders_in.setdefault(factory_id, set()).add(order_id)
        self._unplanned.discard(order_id)

    def _plan_whole(self, planned_in: dict[str, str]) -> None:
        self.planned_in = planned_in
        self._orders_in = {}
        for order_id, factory_id in planned_in.items():
            self._orders_in.setdefault(factory_id, set()).add(order_id)
        self._epoch += 1
        self._unplanned = {o.order_id for o in self.plannable() if o.order_id not in planned_in}

    def _follow_unplanned(self, order_id: str) -> None:
        order = self.orders.get(order_id)
        if (order is not None and order.status == PLANNABLE and order.routing
                and order_id not in self.planned_in):
            self._unplanned.add(order_id)
        else:
            self._unplanned.discard(order_id)

    def _touch(self, factory_id: str | None) -> None:
        if factory_id is not None:
            self._changes_in[factory_id] = self._changes_in.get(factory_id, 0) + 1

    def orders_in(self, factory_id: str) -> set[str]:
        """The orders the factory's plan holds (those ``planned_in`` it; do not change)."""
        return self._orders_in.get(factory_id, set())

    def changes_in(self, factory_id: str) -> tuple[int, int]:
        """A count that moves whenever the factory's plan, or an order it holds, changes."""
        return self._epoch, self._changes_in.get(factory_id, 0)

    def aggregate(self, originator_id: uuid.UUID) -> Any:
        """The aggregate an event of ours was about (as the state holds it)."""
        return self._aggregates.get(originator_id)

    def rows_of(self, factory_id: str) -> list[PlanRow]:
        """The factory's operations in the current plan."""
        plan = self.factory_plans.get(factory_id)
        if plan is not None:
            return list(plan.operations.values())
        return [r for r in self.plan_rows.values() if r.factory_id == factory_id]

    def batch_factory(self, order_id: str) -> str:
        """The factory whose cutting batch holds the order's sheets, when the batch is placed
        on a saw there ("" otherwise; issue 20): the order is made there."""
        order = self.orders.get(order_id)
        batch = order.boards_batch[0] if order is not None else ""
        if not batch:
            return ""
        for factory_id, batches in self.cutting.items():
            placed = batches.batches.get(batch)
            if placed is not None and order_id in placed.order_ids:
                return factory_id
        return ""

    def plannable(self) -> list[PoolOrder]:
        return [o for o in self.orders.values() if o.status == PLANNABLE and o.routing]

    def unplanned(self) -> list[PoolOrder]:
        """The plannable orders no plan holds (new ones, and those left out)."""
        return [self.orders[o] for o in sorted(self._unplanned)]

    def machines_of(self, factory_id: str) -> list[MachineCapacity]:
        machines = self._machines_by_factory.get(factory_id, {})
        return [machines[m] for m in sorted(machines)]

    def status_of(self, operation_id: str, order_id: str) -> str:
        progress = self.progress.get(order_id)
        return progress.status.get(operation_id, "PLANNED") if progress else "PLANNED"
