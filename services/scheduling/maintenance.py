"""Maintenance in the plan (issue 22), the scheduling application's part: load → act → save.

- iot's wear watch alarms (`MachineHealthAssessed`): a task is proposed for the machine, placed
  by `maintenance.place` between its planned operations, where the factory's tariff is cheapest,
  due `margin` before the failure iot expects (`due_by`); none while another task is open.
- The factory accepts it, or moves it (refused with the field named): the task and its planned
  stop (`FactoryCapacity.declare_stop`) are saved in one transaction, so the planner plans
  around the stop at once; the gateway also tells iot, as it does for every planned stop.

A mixin of `SchedulingApplication` (it uses the application's `_find` and `save`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from eventsourcing.persistence import IntegrityError

from services.kit.errors import FailedPrecondition
from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.errors import FactoryNotRegistered, PlanKeptChanging
from services.scheduling.domain.ids import factory_key, factory_plan_key, machine_key
from services.scheduling.domain.maintenance import place
from services.scheduling.domain.maintenance_tasks import (
    ACCEPTED,
    MachineMaintenance,
    MaintenanceTask,
    MaintenanceTaskNotFound,
    maintenance_key,
    stop_id_of,
)
from services.scheduling.domain.plans import FactoryPlan

HOUR_MS = 3_600_000
TASK_MS = 2 * HOUR_MS  # how long a maintenance stop is planned for
NO_HORIZON_MS = 72 * HOUR_MS  # due by, when iot alarms without a failure time
MARGIN_SHARE = 0.2  # due this share of the lead before the expected failure ...
MAX_MARGIN_MS = 24 * HOUR_MS  # ... but never more than a day before it
RETRIES = 10


def due_by(assessed_ms: int, failure_ms: int, horizon_hours: float) -> int:
    """When the task must be over: a margin before the failure iot expects."""
    if not failure_ms and horizon_hours > 0:
        failure_ms = assessed_ms + int(horizon_hours * HOUR_MS)
    if not failure_ms:
        return assessed_ms + NO_HORIZON_MS
    lead = max(0, failure_ms - assessed_ms)
    return failure_ms - min(MAX_MARGIN_MS, int(lead * MARGIN_SHARE))


def stop_reason(task: MaintenanceTask) -> str:
    words = "; ".join(task.explanation) or task.detail
    return f"maintenance: {words}"[:400] if words else "maintenance"


class MaintenanceDesk:
    """The application's maintenance commands and reads."""

    _find: Callable
    save: Callable

    # --- reads ----------------------------------------------------------------------------

    def machine_busy(
        self, factory_id: str, machine_id: str, now_ms: int
    ) -> list[tuple[str, int, int]]:
        """The machine's planned operations not over yet: (operation id, start, end)."""
        plan = self._find(factory_plan_key(factory_id), FactoryPlan)
        if plan is None:
            return []
        return [
            (r.operation_id, r.start_ms, r.end_ms)
            for r in plan.operations.values()
            if r.machine_id == machine_id and r.end_ms > now_ms
        ]

    def price_at(self, factory_id: str) -> Callable[[int], float]:
        """The factory's energy price at a unix ms (1 everywhere without a tariff)."""
        factory = self._find(factory_key(factory_id), FactoryCapacity)
        tariff = factory.tariff if factory is not None else None
        if tariff is None:
            return lambda _ms: 1.0
        return lambda ms: float(tariff.price_at(datetime.fromtimestamp(ms / 1000, UTC)))

    def maintenance_of(self, machine_ids: Sequence[str]) -> list[MaintenanceTask]:
        """Every task of these machines, latest first."""
        tasks = []
        for machine_id in machine_ids:
            found = self._find(maintenance_key(machine_id), MachineMaintenance)
            if found is not None:
                tasks.extend(found.tasks.values())
        return sorted(tasks, key=lambda t: (-t.proposed_at_ms, t.machine_id))

    def _holding(self, machine_ids: Sequence[str], task_id: str) -> MachineMaintenance:
        for machine_id in machine_ids:
            found = self._find(maintenance_key(machine_id), MachineMaintenance)
            if found is not None and task_id in found.tasks:
                return found
        raise MaintenanceTaskNotFound(f"no maintenance task {task_id} here")

    # --- from iot ---------------------------------------------------------------------------

    def record_health_assessed(
        self,
        machine_id: str,
        factory_id: str,
        alarm: bool,
        assessed_ms: int,
        failure_ms: int,
        horizon_hours: float,
        explanation: Sequence[str],
    ) -> list[MachineMaintenance]:
        """iot's assessment of a machine's wear: on an alarm, a task proposed (see module);
        nothing for a machine we do not know or one with a task open."""
        if not alarm:
            return []
        machine = self._find(machine_key(machine_id), MachineCapacity)
        if machine is None:
            return []
        factory_id = machine.factory_id or factory_id
        held = self._find(maintenance_key(machine_id), MachineMaintenance)
        if held is not None and held.open_task(assessed_ms) is not None:
            return []
        proposal = place(
            machine_id,
            "risk",
            "; ".join(explanation)[:400],
            assessed_ms,
            due_by(assessed_ms, failure_ms, horizon_hours),
            TASK_MS,
            self.machine_busy(factory_id, machine_id, assessed_ms),
            self.price_at(factory_id),
        )
        maintenance = held or MachineMaintenance(machine_id=machine_id, factory_id=factory_id)
        maintenance.propose(proposal, explanation, assessed_ms)
        return [maintenance]

    # --- by the factory ---------------------------------------------------------------------

    def accept_maintenance(
        self, factory_id: str, machine_ids: Sequence[str], task_id: str, by: str, now_ms: int
    ) -> MaintenanceTask:
        """Accept the task where it was proposed: a planned stop of its machine."""
        return self._decide(
            factory_id, machine_ids, task_id, lambda m: m.accept(task_id, by, now_ms)
        )

    def move_maintenance(
        self,
        factory_id: str,
        machine_ids: Sequence[str],
        task_id: str,
        start_ms: int,
        by: str,
        now_ms: int,
    ) -> MaintenanceTask:
        """Move a proposed task to `start_ms` (accepted there); refused with `start_ms` named
        when it is in the past, ends after the due time or clashes with planned operations."""

        def act(m: MachineMaintenance) -> bool:
            task = m.task(task_id)
            if task.status == ACCEPTED and task.start_ms != start_ms:
                raise FailedPrecondition(
                    f"maintenance task {task_id} is accepted from its start already; its "
                    "planned stop stands"
                )
            return m.move(
                task_id, start_ms, self.machine_busy(factory_id, m.machine_id, now_ms), by, now_ms
            )

        return self._decide(factory_id, machine_ids, task_id, act)

    def _decide(
        self,
        factory_id: str,
        machine_ids: Sequence[str],
        task_id: str,
        act: Callable[[MachineMaintenance], bool],
    ) -> MaintenanceTask:
        for _ in range(RETRIES):
            maintenance = self._holding(machine_ids, task_id)
            if maintenance.factory_id != factory_id:
                raise MaintenanceTaskNotFound(f"no maintenance task {task_id} here")
            if not act(maintenance):
                return maintenance.tasks[task_id]
            task = maintenance.tasks[task_id]
            factory = self._find(factory_key(factory_id), FactoryCapacity)
            if factory is None:
                raise FactoryNotRegistered(f"factory {factory_id} is not registered")
            factory.declare_stop(
                stop_id_of(task_id),
                [task.machine_id],
                task.start_ms,
                task.end_ms,
                stop_reason(task),
            )
            try:
                self.save(maintenance, factory)
            except IntegrityError:  # iot described the factory, or someone decided meanwhile
                continue
            return task
        raise PlanKeptChanging(f"maintenance task {task_id} kept changing; try again")
