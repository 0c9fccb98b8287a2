"""Maintenance in the plan (issue 22), the scheduling application's part: load → act → save.

- iot's wear watch alarms (`MachineHealthAssessed`): a task is proposed for the machine, placed
  by `maintenance.place` between its planned operations, where the factory's tariff is cheapest,
  due `margin` before the failure iot expects (`due_by`); none while another task is open, and
  none from an alarm judged on a baseline older than maintenance reported done since.
- The factory accepts it, or moves it (refused with the field named): the task and its planned
  stop (`FactoryCapacity.declare_stop`) are saved in one transaction, so the planner plans
  around the stop at once; the gateway also tells iot, as it does for every planned stop.
- The factory may move an accepted task again until its stop begins (the same checks; its
  planned stop moves with it).
- The factory reports its work done: the tools it was about start their count again in the
  same save, a stop reported done before its planned end ends then (the machine is free for
  the rest of the window), and `MaintenanceDone` tells iot, whose wear watch learns a new
  baseline.

How long a stop is planned for, and the margins, are hours of `MaintenanceTimes` (an hour is
`hour_s`: 3,600 s, or the demo's compressed hour, demo/wear.py).

A mixin of `SchedulingApplication` (it uses the application's `_find` and `save`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import IntegrityError

from services.kit.settings import SettingsError
from services.kit.words import N_, SEMICOLONS, Words
from services.scheduling.domain.calendar import shift_windows
from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.errors import FactoryNotRegistered, PlanKeptChanging
from services.scheduling.domain.ids import (
    factory_key,
    factory_plan_key,
    machine_key,
    parse_operation_id,
    pool_key,
)
from services.scheduling.domain.maintenance import place
from services.scheduling.domain.maintenance_tasks import (
    MachineMaintenance,
    MaintenanceTask,
    MaintenanceTaskNotFound,
    maintenance_key,
    stop_id_of,
)
from services.scheduling.domain.plans import FactoryPlan
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.tool_counters import (
    FactoryTools,
    shifts_of,
    tool_words,
    tools_key,
    work_of_step,
)
from services.scheduling.domain.tool_life import PlannedWork, ToolLimit, ToolLimits

HOUR_MS = 3_600_000
MARGIN_SHARE = 0.2  # due this share of the lead before the expected failure ...
RETRIES = 10
FORECAST_MS = 14 * 24 * HOUR_MS  # how far ahead planned work counts on a tool


@dataclass(frozen=True)
class MaintenanceTimes:
    """How long maintenance takes and the margins it is planned with, in hours of `hour_s`
    seconds (3,600; the demo compresses its hour with the wear it shows:
    DOVETAIL_SCHEDULER_MAINTENANCE_HOUR_S, set by the launcher from demo/wear.py)."""

    hour_s: float = 3600.0
    stop_hours: float = 2.0  # how long a maintenance stop is planned for
    max_margin_hours: float = 24.0  # due at most this long before the expected failure
    no_horizon_hours: float = 72.0  # due by, when iot alarms without a failure time

    def ms(self, hours: float) -> int:
        return int(hours * self.hour_s * 1000)

    @property
    def stop_ms(self) -> int:
        return self.ms(self.stop_hours)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> MaintenanceTimes:
        env = os.environ if env is None else env
        name = "DOVETAIL_SCHEDULER_MAINTENANCE_HOUR_S"
        raw = env.get(name, "").strip()
        if not raw:
            return cls()
        try:
            hour_s = float(raw)
        except ValueError:
            raise SettingsError(f"{name}={raw!r} is not a number of seconds") from None
        if not 0 < hour_s <= 3600:
            raise SettingsError(f"{name} must be above 0 and at most 3600 seconds")
        return cls(hour_s=hour_s)


def due_by(
    assessed_ms: int, failure_ms: int, horizon_hours: float, times: MaintenanceTimes | None = None
) -> int:
    """When the task must be over: a margin before the failure iot expects (`horizon_hours` are
    real hours, as iot sends them)."""
    times = times or MaintenanceTimes()
    if not failure_ms and horizon_hours > 0:
        failure_ms = assessed_ms + int(horizon_hours * HOUR_MS)
    if not failure_ms:
        return assessed_ms + times.ms(times.no_horizon_hours)
    lead = max(0, failure_ms - assessed_ms)
    return failure_ms - min(times.ms(times.max_margin_hours), int(lead * MARGIN_SHARE))


def stop_reason(task: MaintenanceTask) -> str:
    words = "; ".join(task.explanation) or task.detail
    return f"maintenance: {words}"[:400] if words else "maintenance"


def stop_reason_words(task: MaintenanceTask) -> Words | None:
    """`stop_reason` as words people read; None for a task proposed before its explanation
    was words (its stop reads as written)."""
    said = task.explanation_words
    if len(said) != len(task.explanation) or not said and task.detail:
        return None
    if not said:
        return Words(N_("maintenance"))
    return Words.of(N_("maintenance: %(why)s"), why=Words.listing(list(said), SEMICOLONS))


class MaintenanceDesk:
    """The application's maintenance commands and reads."""

    _find: Callable
    save: Callable
    maintenance_times = MaintenanceTimes()  # the composition root sets the service's own

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
        raise MaintenanceTaskNotFound(Words.of(N_("no maintenance task %(task_id)s here"),
            task_id=task_id))

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
        baseline_since_ms: int = 0,
        explanation_words: Sequence[Words] = (),
    ) -> list[MachineMaintenance]:
        """iot's assessment of a machine's wear: on an alarm, a task proposed (see module);
        nothing for a machine we do not know, one with a task open, or an alarm judged on a
        baseline (since `baseline_since_ms`; unknown: the assessment's time) older than
        maintenance reported done since: it is about the part that was changed."""
        if not alarm:
            return []
        machine = self._find(machine_key(machine_id), MachineCapacity)
        if machine is None:
            return []
        factory_id = machine.factory_id or factory_id
        held = self._find(maintenance_key(machine_id), MachineMaintenance)
        if held is not None and (
            held.open_task() is not None
            or held.serviced_after(baseline_since_ms or assessed_ms)
        ):
            return []
        times = self.maintenance_times
        proposal = place(
            machine_id,
            "risk",
            "; ".join(explanation)[:400],
            assessed_ms,
            due_by(assessed_ms, failure_ms, horizon_hours, times),
            times.stop_ms,
            self.machine_busy(factory_id, machine_id, assessed_ms),
            self.price_at(factory_id),
        )
        maintenance = held or MachineMaintenance(machine_id=machine_id, factory_id=factory_id)
        maintenance.propose(proposal, explanation, assessed_ms,
                            explanation_words if len(explanation_words) == len(explanation)
                            else ())
        return [maintenance]

    # --- tool life, from finished work -----------------------------------------------------

    def tools_of(self, factory_id: str) -> FactoryTools | None:
        return self._find(tools_key(factory_id), FactoryTools)

    def set_tool_limits(
        self, factory_id: str, limits: Sequence[ToolLimit], by: str, at_ms: int
    ) -> FactoryTools:
        """The factory's tool life limits, whole (every bad field named before anything is
        saved). Tools already worn past a new warning get their task proposed with them."""
        checked = ToolLimits(limits)
        for _ in range(RETRIES):
            if self._find(factory_key(factory_id), FactoryCapacity) is None:
                raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
                    factory_id=factory_id))
            tools = self.tools_of(factory_id) or FactoryTools(factory_id=factory_id)
            if not tools.set_limits(checked, by, at_ms):
                return tools
            tasks = []
            for machine_id in sorted({key.rpartition("|")[0] for key in tools.used}):
                machine = self._find(machine_key(machine_id), MachineCapacity)
                if machine is not None:
                    tasks += self._tool_task(tools, machine_id, machine.machine_type, at_ms)
            try:
                self.save(tools, *tasks)
            except IntegrityError:  # work was counted meanwhile
                continue
            return tools
        raise PlanKeptChanging(Words.of(N_("the tools of factory %(factory_id)s kept changing; "
                                           "try again"),
            factory_id=factory_id))

    def planned_work(self, factory_id: str, machine_id: str, now_ms: int) -> list[PlannedWork]:
        plan = self._find(factory_plan_key(factory_id), FactoryPlan)
        rows = plan.operations.values() if plan is not None else ()
        return [
            PlannedWork(
                r.start_ms / 1000,
                r.end_ms / 1000,
                work_of_step(r.machine_type, r.description, r.duration_s),
            )
            for r in rows
            if r.machine_id == machine_id and r.end_ms > now_ms
        ]

    def record_operation_finished(
        self, factory_id: str, machine_id: str, machine_type: str, operation_id: str, at_ms: int
    ) -> list[FactoryTools | MachineMaintenance]:
        """A finished operation counts on its machine's tools; when the planned work then uses
        a tool up within its warning, a maintenance task to change it is proposed (unless one
        is open). Nothing for a factory without limits for the machine's type."""
        tools = self.tools_of(factory_id)
        if tools is None or not tools.counters(machine_id, machine_type):
            return []
        order_id, seq = parse_operation_id(operation_id)
        order = self._find(pool_key(order_id), PoolOrder)
        if order is None or not order.routing:
            return []
        step = order.step(seq)
        if not tools.count(
            machine_id,
            machine_type,
            work_of_step(machine_type, step.description, step.duration_s),
            operation_id,
        ):
            return []
        return [tools, *self._tool_task(tools, machine_id, machine_type, at_ms)]

    def _tool_task(
        self, tools: FactoryTools, machine_id: str, machine_type: str, now_ms: int
    ) -> list[MachineMaintenance]:
        held = self._find(maintenance_key(machine_id), MachineMaintenance)
        if held is not None and held.open_task() is not None:
            return []
        factory = self._find(factory_key(tools.factory_id), FactoryCapacity)
        if factory is None:
            return []
        windows = shift_windows(
            factory.weekly_shifts,
            factory.exceptions,
            factory.timezone,
            now_ms,
            now_ms + FORECAST_MS,
        )
        due = tools.due(
            machine_id,
            machine_type,
            now_ms,
            self.planned_work(tools.factory_id, machine_id, now_ms),
            shifts_of(windows),
        )
        if not due:
            return []
        first = due[0]
        stop_ms = self.maintenance_times.stop_ms
        due_by_ms = max(now_ms + stop_ms, int((first.due_at or now_ms / 1000) * 1000))
        proposal = place(
            machine_id,
            "tool",
            first.tool_type,
            now_ms,
            due_by_ms,
            stop_ms,
            self.machine_busy(tools.factory_id, machine_id, now_ms),
            self.price_at(tools.factory_id),
        )
        maintenance = held or MachineMaintenance(machine_id=machine_id, factory_id=tools.factory_id)
        said = tool_words(first)
        maintenance.propose(proposal, [said.english()], now_ms, [said])
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
        """Move a task, proposed or accepted until its stop begins, to `start_ms` (accepted
        there, its planned stop with it); refused with `start` named when it is in the
        past, ends after the due time or clashes with planned operations."""

        def act(m: MachineMaintenance) -> bool:
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
                raise MaintenanceTaskNotFound(Words.of(N_("no maintenance task %(task_id)s here"),
                    task_id=task_id))
            if not act(maintenance):
                return maintenance.tasks[task_id]
            task = maintenance.tasks[task_id]
            factory = self._find(factory_key(factory_id), FactoryCapacity)
            if factory is None:
                raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
                    factory_id=factory_id))
            if not factory.move_stop(stop_id_of(task_id), task.start_ms, task.end_ms):
                factory.declare_stop(
                    stop_id_of(task_id),
                    [task.machine_id],
                    task.start_ms,
                    task.end_ms,
                    stop_reason(task),
                    stop_reason_words(task),
                )
            try:
                self.save(maintenance, factory)
            except IntegrityError:  # iot described the factory, or someone decided meanwhile
                continue
            return task
        raise PlanKeptChanging(Words.of(N_("maintenance task %(task_id)s kept changing; try again"),
            task_id=task_id))

    def report_maintenance_done(
        self, factory_id: str, machine_ids: Sequence[str], task_id: str, by: str, now_ms: int
    ) -> MaintenanceTask:
        """The factory reports an accepted task's work done (its stop begun): recorded with
        who and when, the tools it changed start their count again, and a stop planned to
        last longer ends now (the planner may use the rest of its window), in one save; a
        repeat answers the task as it was done. MaintenanceNotUnderway while it is only
        proposed or before its stop."""
        for _ in range(RETRIES):
            maintenance = self._holding(machine_ids, task_id)
            if maintenance.factory_id != factory_id:
                raise MaintenanceTaskNotFound(Words.of(N_("no maintenance task %(task_id)s here"),
                    task_id=task_id))
            if not maintenance.report_done(task_id, by, now_ms):
                return maintenance.tasks[task_id]
            task = maintenance.tasks[task_id]
            changed: list = [maintenance]
            tools = self.tools_of(factory_id)
            if tools is not None and self._tools_changed(tools, task, now_ms):
                changed.append(tools)
            factory = self._find(factory_key(factory_id), FactoryCapacity)
            if factory is not None and factory.end_stop(stop_id_of(task_id), now_ms):
                changed.append(factory)
            try:
                self.save(*changed)
            except IntegrityError:  # work was counted on its tools meanwhile
                continue
            return task
        raise PlanKeptChanging(Words.of(N_("maintenance task %(task_id)s kept changing; try again"),
            task_id=task_id))

    @staticmethod
    def _tools_changed(tools: FactoryTools, task: MaintenanceTask, at_ms: int) -> bool:
        """The tools a done task changed start again: a tool task's own tool; after wear
        (a risk task) the machine was serviced, every tool counted on it."""
        if task.reason == "tool":
            kinds = [task.detail]
        else:
            prefix = f"{task.machine_id}|"
            kinds = [key.removeprefix(prefix) for key in tools.used if key.startswith(prefix)]
        changed = [tools.replace(task.machine_id, kind, at_ms) for kind in sorted(kinds)]
        return any(changed)
