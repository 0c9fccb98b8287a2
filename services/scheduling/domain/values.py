"""Scheduling's value objects: a routing step, a factory's calendar exceptions and planned
stops, and a published plan's rows (each operation's placement, each order's place, the
orders left out, the objective).

Frozen dataclasses (with slots: a chain's plan holds ~280,000 rows), stored inside events
through the application's transcodings under the names in ``STORED_VALUES`` (a stored
contract, like an event's topic); plan rows as arrays (services/scheduling/stored_rows.py).
A row changes by ``dataclasses.replace``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from services.kit.words import Words
from services.scheduling.solver.model import Operation


def minutes(seconds: int) -> int:
    """Whole minutes the solver works in, at least one."""
    return max(1, math.ceil(seconds / 60))


@dataclass(frozen=True, slots=True)
class RoutingStep:
    """One operation of an order's routing, as configurator routed it."""

    seq: int
    machine_type: str
    duration_s: int
    setup_family: str = ""
    setup_key: str = ""
    min_wait_after_s: int = 0
    batch_key: str = ""
    description: str = ""
    routing_operation_id: str = ""  # the configurator's id (unique within the order only)
    # the description as words, for the reader's language (None when routed before them)
    description_words: Words | None = field(default=None, compare=False)

    @property
    def setup_group(self) -> str:
        """What a changeover is between ("" when the step needs none)."""
        return f"{self.setup_family}:{self.setup_key}" if self.setup_family else ""

    def operation(self) -> Operation:
        """The step as the solver sees it (whole minutes)."""
        return Operation(self.machine_type, minutes(self.duration_s), self.setup_group,
                         minutes(self.min_wait_after_s) if self.min_wait_after_s else 0,
                         bool(self.batch_key))


@dataclass(frozen=True, slots=True)
class DayShift:
    """A shift of one local day, in minutes from its midnight (the end may pass it)."""

    start_minute: int
    end_minute: int


@dataclass(frozen=True, slots=True)
class ShiftException:
    """One local date (YYYY-MM-DD) whose shifts replace the weekly ones, or that is closed."""

    date: str
    closed: bool = False
    shifts: tuple[DayShift, ...] = ()


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """A planned stop of a whole factory (no machine ids) or of some of its machines."""

    machine_ids: tuple[str, ...]
    start_ms: int
    end_ms: int
    reason: str = ""
    # the windows it had before it was moved or ended early (a maintenance stop): iot's copy
    # of one of them, told back late, is no news
    earlier: tuple[tuple[int, int], ...] = ()
    # `reason` as words people read (a maintenance stop's; None for a stop a person typed)
    said: Words | None = None

    def stops(self, machine_id: str) -> bool:
        return not self.machine_ids or machine_id in self.machine_ids

    def held_as(self, machine_ids: Sequence[str], start_ms: int, end_ms: int) -> bool:
        """This stop, now or in a window it had before."""
        return tuple(sorted(self.machine_ids)) == tuple(sorted(machine_ids)) and (
            (start_ms, end_ms) == (self.start_ms, self.end_ms)
            or any(tuple(w) == (start_ms, end_ms) for w in self.earlier))

    def now_in(self, start_ms: int, end_ms: int) -> PlannedStop:
        return replace(self, start_ms=start_ms, end_ms=end_ms,
                       earlier=(*self.earlier, (self.start_ms, self.end_ms)))


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One operation in a published plan: the work, where and when it is placed, its order's
    promise and risk. ``PLACEMENT`` names what a re-plan may change while it stays put."""

    operation_id: str
    order_id: str
    seq: int
    factory_id: str
    machine_id: str
    machine_type: str
    start_ms: int
    end_ms: int
    duration_s: int
    setup_s: int
    setup_key: str
    min_wait_after_s: int
    description: str
    frozen: bool
    status: str
    promised_date: str
    risk: str


@dataclass(frozen=True, slots=True)
class OrderPlacement:
    """An order's place in a plan: its factory, first start and last end, risk, lateness."""

    order_id: str
    revision: int
    factory_id: str
    start_ms: int
    end_ms: int
    risk: str
    tardiness_s: int
    promised_date: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    """An order a plan leaves out at that revision, and why."""

    order_id: str
    revision: int
    reason: str
    # the reason as words, for the reader's language
    words: Words | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ObjectiveValues:
    """How good a plan is, in the order the planner weighs it."""

    weighted_tardiness: float
    makespan_seconds: int
    operations_moved: int
    total_tardiness_seconds: int


def exception_from_v1(data: dict[str, Any]) -> ShiftException:
    """A calendar exception as version 1 stored it: {date, closed, shifts: [[start, end]]}."""
    return ShiftException(data["date"], bool(data.get("closed")),
                          tuple(DayShift(s, e) for s, e in data.get("shifts", ())))


STORED_VALUES = {
    RoutingStep: "scheduling.routing_step", DayShift: "scheduling.day_shift",
    ShiftException: "scheduling.shift_exception", PlannedStop: "scheduling.planned_stop",
    OrderPlacement: "scheduling.order_placement",
    ObjectiveValues: "scheduling.objective",
}
