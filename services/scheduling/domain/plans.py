"""Published plans, stored as their changes.

A publication is a small fact (`PlanPublication`: what the plan was for, its objective and
counts, the factories it changed). The operations live in one `FactoryPlan` per factory,
whose `Revised` events record only what a publication changed there: operations added
(whole rows), changed (their placement only) and removed (ids). A re-plan that moves 1 % of
the operations writes about 1 % of the plan; the current plan is the factory plans' state
(kept in memory by the planner's state and the assignment feed, rebuilt by replaying the
log or from snapshots).

Operations are `PlanRow` values (stored through the application's transcodings); version 1
of the events stored them as plain JSON objects of the same fields, read back as values.

`PublishedPlan` is how plans were stored before (every operation in one event); stores
that hold such events still read them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.scheduling.domain.ids import factory_plan_key
from services.scheduling.domain.values import ObjectiveValues, OrderPlacement, PlanRow

# What a re-plan changes about an operation that stays in its factory (stored compactly).
PLACEMENT = ("machine_id", "start_ms", "end_ms", "duration_s", "setup_s", "frozen", "status",
             "risk")


def _objective_v2(state: dict[str, Any]) -> None:
    state["objective"] = ObjectiveValues(**state["objective"])


class PlanPublication(Aggregate):
    """One publication of a partition's plan: why and when, how good, what it changed."""

    class Published(Aggregate.Created):
        # v2: the objective is a value (v1 stored a plain object of the same fields)
        class_version = 2
        partition: str
        previous_plan_id: str
        published_at_ms: int
        status: str
        objective: ObjectiveValues
        trigger: str
        solve_ms: int
        order_count: int
        operation_count: int
        risk_counts: dict[str, int]
        moved_operation_ids: list[str]
        affected_factory_ids: list[str]
        upcast_v1_v2 = staticmethod(_objective_v2)

    @event(Published)
    def __init__(self, partition: str, previous_plan_id: str, published_at_ms: int, status: str,
                 objective: ObjectiveValues, trigger: str, solve_ms: int, order_count: int,
                 operation_count: int, risk_counts: dict[str, int],
                 moved_operation_ids: list[str], affected_factory_ids: list[str]):
        self.partition = partition
        self.previous_plan_id = previous_plan_id
        self.published_at_ms = published_at_ms
        self.status = status
        self.objective = objective
        self.trigger = trigger
        self.solve_ms = solve_ms
        self.order_count = order_count
        self.operation_count = operation_count
        self.risk_counts = risk_counts
        self.moved_operation_ids = moved_operation_ids
        self.affected_factory_ids = affected_factory_ids


def _rows_v2(rows: Iterable[dict[str, Any]]) -> list[PlanRow]:
    return [PlanRow(**row) for row in rows]


class FactoryPlan(Aggregate):
    """The operations one factory has in the current plan, revised by each publication that
    changes them."""

    # v2 (snapshots): operations are PlanRow values (v1 held plain objects)
    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["operations"] = {row["operation_id"]: PlanRow(**row)
                               for row in state["operations"].values()}

    class Revised(Aggregate.Event):
        # v2: added rows are values (v1 stored plain objects of the same fields)
        class_version = 2
        factory_id: str
        plan_id: str
        published_at_ms: int
        added: list[PlanRow]
        changed: list[list[Any]]
        removed: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["added"] = _rows_v2(state["added"])

    @staticmethod
    def create_id(factory_id: str) -> uuid.UUID:
        return factory_plan_key(factory_id)

    @event("Opened")
    def __init__(self, factory_id: str):
        self.factory_id = factory_id
        self.operations: dict[str, PlanRow] = {}
        self.plan_id = ""
        self.published_at_ms = 0

    def revise(self, plan_id: str, published_at_ms: int, rows: Iterable[PlanRow]) -> bool:
        """The factory's operations in plan ``plan_id`` are ``rows``: records what changed
        (nothing, and False, when nothing did)."""
        added, changed = [], []
        now = {}
        for row in rows:
            now[row.operation_id] = row
            old = self.operations.get(row.operation_id)
            if old is row:
                continue  # the row the plan already holds
            if old is None or not _same_work(old, row):
                added.append(row)
            else:
                placement = _placement(row)
                if placement != _placement(old):
                    changed.append([row.operation_id, *placement])
        removed = sorted(op for op in self.operations if op not in now)
        if not (added or changed or removed):
            return False
        self._revised(factory_id=self.factory_id, plan_id=plan_id,
                      published_at_ms=published_at_ms, added=added, changed=changed,
                      removed=removed)
        return True

    @event(Revised)
    def _revised(self, factory_id: str, plan_id: str, published_at_ms: int,
                 added: list[PlanRow], changed: list[list[Any]], removed: list[str]) -> None:
        # A new dict: a copy of this aggregate (see fork) never shares changes with it.
        operations = dict(self.operations)
        for op_id in removed:
            operations.pop(op_id, None)
        for row in added:
            operations[row.operation_id] = row
        for op_id, *placement in changed:
            operations[op_id] = placed(operations[op_id], placement)
        self.operations = operations
        self.plan_id = plan_id
        self.published_at_ms = published_at_ms


def revise_factories(current: Mapping[str, FactoryPlan],
                     rows: Mapping[str, list[PlanRow]], plan_id: str,
                     published_at_ms: int) -> list[FactoryPlan]:
    """The factory plans plan ``plan_id`` changes, revised (copies: ``current`` stays as it
    is): a factory of ``current`` missing from ``rows`` has nothing planned any more."""
    out = []
    for factory_id in sorted(current.keys() | rows.keys()):
        old = current.get(factory_id)
        plan = fork(old) if old is not None else FactoryPlan(factory_id=factory_id)
        if plan.revise(plan_id, published_at_ms, rows.get(factory_id, ())) or old is None:
            out.append(plan)
    return out


def placed(row: PlanRow, placement: list[Any]) -> PlanRow:
    """``row`` with the placement a revision's ``changed`` entry records (PLACEMENT order)."""
    machine_id, start_ms, end_ms, duration_s, setup_s, frozen, status, risk = placement
    # built field by field: `replace` costs several times more, on every changed row replayed
    return PlanRow(row.operation_id, row.order_id, row.seq, row.factory_id, machine_id,
                   row.machine_type, start_ms, end_ms, duration_s, setup_s, row.setup_key,
                   row.min_wait_after_s, row.description, frozen, status, row.promised_date,
                   risk)


def _placement(row: PlanRow) -> tuple:
    return (row.machine_id, row.start_ms, row.end_ms, row.duration_s, row.setup_s, row.frozen,
            row.status, row.risk)


def _same_work(a: PlanRow, b: PlanRow) -> bool:
    """The same operation apart from where and when it is placed."""
    return (a.order_id, a.seq, a.factory_id, a.machine_type, a.setup_key, a.min_wait_after_s,
            a.description, a.promised_date) == (
            b.order_id, b.seq, b.factory_id, b.machine_type, b.setup_key, b.min_wait_after_s,
            b.description, b.promised_date)


def fork(plan: FactoryPlan) -> FactoryPlan:
    """A copy to revise and save, leaving ``plan`` (the state's) as it is: a revision
    replaces the operations dict, so the copy may share it until then."""
    copy = object.__new__(FactoryPlan)
    copy.__dict__.update(plan.__dict__)
    copy.__dict__["_pending_events"] = []
    return copy


class PublishedPlan(Aggregate):
    """A plan as it was stored before plans were stored as changes: every operation and
    order in one event. Read only (old stores); nothing records it any more."""

    class Published(Aggregate.Created):
        # v2: rows and objective as values (v1, as stored: plain objects of the same fields)
        class_version = 2
        previous_plan_id: str
        published_at_ms: int
        status: str
        objective: ObjectiveValues
        trigger: str
        solve_ms: int
        operations: list[PlanRow]
        orders: list[OrderPlacement]
        moved_operation_ids: list[str]
        affected_factory_ids: list[str]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            _objective_v2(state)
            state["operations"] = _rows_v2(state["operations"])
            state["orders"] = [OrderPlacement(**o) for o in state["orders"]]

    @event(Published)
    def __init__(self, previous_plan_id: str, published_at_ms: int, status: str,
                 objective: ObjectiveValues, trigger: str, solve_ms: int,
                 operations: list[PlanRow], orders: list[OrderPlacement],
                 moved_operation_ids: list[str], affected_factory_ids: list[str]):
        self.partition = ""
        self.previous_plan_id = previous_plan_id
        self.published_at_ms = published_at_ms
        self.status = status
        self.objective = objective
        self.trigger = trigger
        self.solve_ms = solve_ms
        self.operations = operations
        self.orders = orders
        self.moved_operation_ids = moved_operation_ids
        self.affected_factory_ids = affected_factory_ids
