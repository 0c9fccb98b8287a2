"""The network scheduling problem and its plans, as plain immutable data.

Time is integer minutes from the start of the planning horizon. Windows are half-open
``[start, end)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

MACHINE_TYPES = (
    "panel_saw", "edge_bander", "cnc_drill", "cnc_router",
    "sander", "paint_line", "assembly", "packing",
)


class SchedulingError(ValueError):
    """The problem itself is malformed (unknown machine type, empty routing, ...)."""


@dataclass(frozen=True)
class Window:
    start: int
    end: int


@dataclass(frozen=True)
class Machine:
    id: str
    type: str
    speed: float = 1.0  # 1.25 = 25 % faster than the base durations
    downtime: tuple[Window, ...] = ()
    batch_capacity: int = 1  # >1: up to this many batchable operations at once
    power_kw: float = 0.0  # expected draw while it runs an operation (energy-aware planning)

    def duration(self, base_minutes: int) -> int:
        """Minutes an operation of ``base_minutes`` takes on this machine."""
        return max(1, math.ceil(base_minutes / self.speed))


@dataclass(frozen=True)
class PriceStep:
    """From ``minute`` on, electricity costs ``cny_per_kwh`` (``band``: peak, valley, ...)."""

    minute: int
    cny_per_kwh: float
    band: str = ""


@dataclass(frozen=True)
class Electricity:
    """A factory's time-of-use prices over the horizon (the first step at minute 0; none:
    energy has no price here) and the most it may draw at any minute (kW; None: no limit)."""

    prices: tuple[PriceStep, ...] = ()
    demand_limit_kw: float | None = None


@dataclass(frozen=True)
class Factory:
    id: str
    machines: tuple[Machine, ...]
    shifts: tuple[Window, ...]  # when the factory works; outside them nothing runs
    capacity_share: float = 1.0  # share of each machine's available minutes offered to the chain
    electricity: Electricity | None = None  # time-of-use tariff and demand limit, if known


@dataclass(frozen=True)
class Operation:
    machine_type: str
    duration: int  # base minutes, scaled by the machine's speed
    setup_family: str = ""  # e.g. edge-band colour/thickness, paint colour
    min_wait_after: int = 0  # e.g. lacquer drying before the next operation
    batchable: bool = False


@dataclass(frozen=True)
class Order:
    id: str
    operations: tuple[Operation, ...]  # routing order
    due: int  # minute the order should be finished (from the promised date)
    weight: int = 1
    release: int = 0
    factory: str = ""  # the only factory it may be planned at (a planner's pin); "": any


@dataclass(frozen=True)
class SetupRule:
    """Changing family on a machine of ``machine_type`` needs ``change_minutes`` between the
    two operations (sequence-dependent: same family, no setup)."""

    machine_type: str
    change_minutes: int


@dataclass(frozen=True)
class PlannedOperation:
    order: str
    op: int  # index in the order's routing
    factory: str
    machine: str
    start: int
    end: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.order, self.op)


@dataclass(frozen=True)
class NetworkProblem:
    horizon: int
    factories: tuple[Factory, ...]
    orders: tuple[Order, ...]
    setups: tuple[SetupRule, ...] = ()
    frozen: tuple[PlannedOperation, ...] = ()  # started: stay exactly where they are
    last_plan: tuple[PlannedOperation, ...] = ()  # for stability
    now: int = 0  # nothing that is not frozen starts before now
    # energy (issue 21): priced after weighted tardiness; the demand limit holds either way
    energy_aware: bool = True
    lateness_minutes_per_cny: float = 0.0  # 0: never trade lateness for energy cost

    def factory(self, factory_id: str) -> Factory:
        for f in self.factories:
            if f.id == factory_id:
                return f
        raise SchedulingError(f"unknown factory {factory_id!r}")

    def setup_minutes(self, machine_type: str) -> int:
        return max((r.change_minutes for r in self.setups if r.machine_type == machine_type), default=0)


@dataclass(frozen=True)
class Objective:
    weighted_tardiness: int
    makespan: int
    moved: int  # operations whose machine or start differ from the last plan

    def key(self) -> tuple[int, int, int]:
        return (self.weighted_tardiness, self.makespan, self.moved)


@dataclass(frozen=True)
class Plan:
    operations: tuple[PlannedOperation, ...]
    objective: Objective
    status: str = "FEASIBLE"  # OPTIMAL | FEASIBLE | GREEDY
    history: tuple[tuple[float, Objective], ...] = field(default=(), compare=False)
    left_out: tuple[tuple[str, str], ...] = ()  # (order, why) for orders that fit nowhere
    # (factory, peak kW) where the plan could not keep the demand limit (the validator's
    # ``demand_limit`` violations; planning goes on rather than stop)
    over_limit: tuple[tuple[str, float], ...] = ()

    def by_order(self) -> dict[str, list[PlannedOperation]]:
        out: dict[str, list[PlannedOperation]] = {}
        for p in self.operations:
            out.setdefault(p.order, []).append(p)
        for ops in out.values():
            ops.sort(key=lambda p: p.op)
        return out


def evaluate(problem: NetworkProblem, operations) -> Objective:
    """The three objectives of a set of planned operations."""
    ends: dict[str, int] = {}
    for p in operations:
        ends[p.order] = max(ends.get(p.order, 0), p.end)
    tardiness = sum(
        o.weight * max(0, ends.get(o.id, 0) - o.due) for o in problem.orders if o.id in ends
    )
    last = {p.key: p for p in problem.last_plan}
    moved = sum(
        1 for p in operations
        if p.key in last and (last[p.key].machine != p.machine or last[p.key].start != p.start)
    )
    return Objective(tardiness, max(ends.values(), default=0), moved)
