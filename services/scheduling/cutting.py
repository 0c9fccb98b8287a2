"""Cutting batches as saw operations (issue 20, item 2), the scheduling application's part.

When the configurator nests a batch (`BoardBatchPlanned`, revision 0), or stock moves the day
its boards come (a later revision), the batch is placed once on one saw of its factory
(`domain.cutting.place`): its orders' saw minutes with one setup, from the moment its boards
are all there (and not before now), inside a shift, clear of the saw's started work and of the
factory's other batches. The planner then keeps it as frozen load (`domain/problem.py`).
A start or finish reported for the batch operation is one for each of its orders' saw steps.

A mixin of `SchedulingApplication` (it uses the application's `_find`, `_change_progress`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

from services.kit.words import N_, Words
from services.scheduling.domain.calendar import shift_windows
from services.scheduling.domain.capacity import FactoryCapacity
from services.scheduling.domain.cutting import (
    CuttingBatches,
    Saw,
    SawStep,
    batch_minutes,
    batch_of_operation,
    cutting_key,
    place,
)
from services.scheduling.domain.errors import OperationNotFound, OrderNotPlanned
from services.scheduling.domain.ids import factory_key, pool_key
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PLANNABLE, PoolOrder
from services.scheduling.domain.progress import FINISHED, STARTED

# How far ahead a batch is placed (the planner's horizon).
PLACING_DAYS = 14
DAY_MS = 86_400_000


class CuttingDesk:
    """The application's cutting batch commands and reads."""

    _find: Callable
    report_operation: Callable

    def cutting_batches(self, factory_id: str) -> CuttingBatches | None:
        return self._find(cutting_key(factory_id), CuttingBatches)

    def place_cutting_batch(
        self,
        factory_id: str,
        batch: str,
        revision: int,
        order_ids: list[str],
        now_ms: int,
        network: NetworkState,
        setup_minutes: Mapping[str, int],
        fresh: Mapping[str, PoolOrder] | None = None,
    ) -> list[CuttingBatches]:
        """Place the batch's saw operation (see the module); [] when it is placed already at
        this revision, has no saw step to cover, or no saw of the factory can take it.
        ``fresh``: pool orders changed in the same transaction (not saved yet)."""
        batches = self.cutting_batches(factory_id) or CuttingBatches(factory_id=factory_id)
        if revision <= batches.revision_of(batch):
            return []
        steps, from_ms = self._saw_steps(batch, order_ids, network, fresh or {})
        if not steps:
            return []
        saw_type = steps[0].machine_type
        saws = [
            Saw(m.machine_id, m.speed)
            for m in network.machines_of(factory_id)
            if m.machine_type == saw_type and m.active and m.available
        ]
        factory = self._find(factory_key(factory_id), FactoryCapacity)
        if not saws or factory is None:
            return []
        earliest = max(now_ms, from_ms)
        windows = shift_windows(
            factory.weekly_shifts,
            factory.exceptions,
            factory.timezone,
            earliest,
            earliest + PLACING_DAYS * DAY_MS,
        )
        busy = _busy(network, factory_id, {s.machine_id for s in saws}, now_ms)
        for other in batches.batches.values():
            if other.batch != batch:
                busy.setdefault(other.machine_id, []).append((other.start_ms, other.end_ms))
        placed = place(saws, batch_minutes(steps, dict(setup_minutes)), earliest, windows, busy)
        if placed is None:
            return []
        changed = batches.place_batch(
            batch,
            revision,
            from_ms,
            placed.machine_id,
            saw_type,
            placed.start_ms,
            placed.end_ms,
            [(s.order_id, s.operation_id) for s in steps],
        )
        return [batches] if changed else []

    def batch_machine(self, factory_id: str, operation_id: str) -> str:
        """The saw a batch operation of the factory is placed on ("" when it is none)."""
        batches = self.cutting_batches(factory_id) if batch_of_operation(operation_id) else None
        batch = batches.batches.get(batch_of_operation(operation_id)) if batches else None
        return batch.machine_id if batch else ""

    def report_batch_operation(
        self,
        factory_id: str,
        operation_id: str,
        kind: str,
        key: str,
        machine_id: str,
        at_ms: int,
        scrap_quantity: int = 0,
        reason: str = "",
    ):
        """A start, finish or scrap reported for a batch operation is one for each of its
        orders' saw steps (each idempotent by the report's key and the order); orders gone
        from the pool are skipped. NOT_FOUND for a batch the factory does not have."""
        batches = self.cutting_batches(factory_id)
        batch = batches.batches.get(batch_of_operation(operation_id)) if batches else None
        if batch is None:
            raise OperationNotFound(Words.of(N_("operation %(operation_id)s does not exist"),
                operation_id=operation_id))
        outcomes = []
        for order_id, op_id in batch.members:
            order = self._find(pool_key(order_id), PoolOrder)
            if order is None or order.status != PLANNABLE:
                continue
            outcomes.append(
                self.report_operation(
                    factory_id,
                    op_id,
                    kind,
                    f"{key}/{order_id}",
                    machine_id or batch.machine_id,
                    at_ms,
                    scrap_quantity,
                    reason,
                )
            )
        if not outcomes:
            raise OrderNotPlanned(Words.of(N_("the orders of batch %(batch)s are no longer "
                                              "planned"),
                batch=batch.batch))
        return replace(
            outcomes[0],
            operation_id=operation_id,
            order_id="",
            duplicate=all(o.duplicate for o in outcomes),
        )

    def _saw_steps(
        self,
        batch: str,
        order_ids: list[str],
        network: NetworkState,
        fresh: Mapping[str, PoolOrder],
    ) -> tuple[list[SawStep], int]:
        """The batch's orders' saw steps not yet started (each order's first step, of the
        first order's saw type), and when their boards are all there."""
        steps: list[SawStep] = []
        from_ms = 0
        for order_id in order_ids:
            order = fresh.get(order_id) or self._find(pool_key(order_id), PoolOrder)
            if (
                order is None
                or order.status != PLANNABLE
                or not order.routing
                or order.boards_batch[0] != batch
            ):
                continue
            step, op_id = order.routing[0], order.operation_ids[0]
            if steps and step.machine_type != steps[0].machine_type:
                continue
            if network.status_of(op_id, order_id) in (STARTED, FINISHED):
                continue
            steps.append(
                SawStep(
                    order_id,
                    op_id,
                    step.machine_type,
                    order.operations[0].duration,
                    step.setup_family,
                )
            )
            from_ms = max(from_ms, order.boards_from_ms)
        return steps, from_ms


def _busy(
    network: NetworkState, factory_id: str, machine_ids: set[str], now_ms: int
) -> dict[str, list[tuple[int, int]]]:
    """The saws' started work in the current plan, each until its planned end (or now)."""
    busy: dict[str, list[tuple[int, int]]] = {}
    for row in network.rows_of(factory_id):
        if (
            row.machine_id in machine_ids
            and network.status_of(row.operation_id, row.order_id) == STARTED
        ):
            busy.setdefault(row.machine_id, []).append((row.start_ms, max(row.end_ms, now_ms)))
    return busy
