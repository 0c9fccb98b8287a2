"""One pass of the planner as data: what it was asked to do, the problem of each attempt,
the plan found, and how the pass ended."""

from __future__ import annotations

from dataclasses import dataclass, field

from services.scheduling.domain.problem import ProblemIndex
from services.scheduling.domain.values import LeftOut
from services.scheduling.solver.model import NetworkProblem, Plan, PlannedOperation


@dataclass(frozen=True)
class PlanningRun:
    """One pass of the planner, for logs, metrics and tests."""

    trigger: str
    repair: bool
    orders: int
    operations: int
    moved: int
    solve_ms: int
    total_ms: int
    published: bool
    plan_id: str = ""


@dataclass
class PlanningPass:
    """What one pass of the planner was asked to do, and what it learns on the way."""

    triggers: set[str]
    now_ms: int
    started: float  # time.perf_counter() at its start
    repair: bool  # only what the change broke is planned again
    insert: bool  # new orders are slotted into the published plan, nothing else moves
    horizon: int  # days; doubled when solving fails other than by an order that fits nowhere
    exclude: set[str]  # orders this pass does not plan
    excluded: dict[str, int] = field(default_factory=dict)  # left out as unfit → revision
    reasons: dict[str, str] = field(default_factory=dict)  # left out for another reason
    considered: set[str] | None = None  # the orders of the first attempt
    # A round of the optimisation sweep: only these factories' plans and orders are planned
    # (None: the partition's; see planning/sweep.py).
    window: frozenset[str] | None = None
    time_limit_s: float | None = None  # the solver's, when not the settings' (probes)

    @property
    def trigger(self) -> str:
        return ",".join(sorted(self.triggers))


@dataclass(frozen=True)
class Attempt:
    """The problem of one attempt, as the network state showed it."""

    problem: NetworkProblem
    index: ProblemIndex
    seen: int  # the progress reports the problem knows of
    left_out: list[LeftOut]  # the orders it leaves out, with the reason
    previous: list[PlannedOperation]  # the published plan in the problem's minutes


@dataclass(frozen=True)
class Solution:
    """A plan and the problem it is a plan for (settling swaps both for fresher ones)."""

    plan: Plan
    problem: NetworkProblem
    index: ProblemIndex
    seen: int
    left_out: list[LeftOut]
    solve_ms: int
    # New orders only, slotted around the published plan, which stays as it is.
    inserted: bool = False
