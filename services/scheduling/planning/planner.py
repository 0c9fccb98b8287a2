"""The planner loop: batches changes, solves in a worker thread with a time limit, checks
the plan with the independent validator (the solver does, before it returns) and
publishes it with each order's place in it, and the orders it leaves out with the reason
(when that is news: the first time, or a new reason).

Arrivals and capacity changes plan the pool again (warm-started from the published plan);
a machine going down or up, a withdrawn order or the rolling re-plan only repair what the
change broke, keeping started work frozen and moving as little as they can.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from services.scheduling.application import SchedulingApplication, StalePlan
from services.scheduling.domain.network import CAPACITY, ORDERS_ADDED, PROGRESS, NetworkState
from services.scheduling.domain.outcome import left_out_news, left_out_rows, outcome_of
from services.scheduling.domain.pool import PLANNABLE
from services.scheduling.domain.problem import (
    ProblemIndex,
    build_problem,
    plan_in_frame,
    reframe,
)
from services.scheduling.domain.replanning import kept_placements, settle, solve, warm_start
from services.scheduling.planning.fence import ProgressFence
from services.scheduling.planning.follower import StateFollower
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.greedy import unfit_orders
from services.scheduling.solver.model import (
    NetworkProblem,
    Objective,
    Plan,
    SchedulingError,
    evaluate,
)
from services.scheduling.solver.validator import validate_plan

log = logging.getLogger("dovetail.scheduling.planner")
OPTIMISE = "optimise"
FULL_PLAN_TRIGGERS = (ORDERS_ADDED, CAPACITY, OPTIMISE)
_ORDER_IN_ERROR = re.compile(r"order (\S+)")
CATCH_UP_S = 5.0  # for the state to hold every report recorded before publishing


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


class Planner:
    def __init__(self, app: SchedulingApplication, state: NetworkState, follower: StateFollower,
                 settings: SchedulerSettings, clock: Callable[[], float] = time.time,
                 fence: ProgressFence | None = None):
        self.app = app
        self.fence = fence or ProgressFence()  # shared with ReportOperation
        self.state = state
        self.follower = follower
        self.settings = settings
        self.clock = clock
        self.pending: set[str] = set()
        self.progressed = False
        self.kick = asyncio.Event()
        self.runs: deque[PlanningRun] = deque(maxlen=100)
        # After new orders were slotted in quickly, a full optimisation is due at this time.
        self.optimise_at: float | None = None

    def notify(self, change: str) -> None:
        """A change the state follower applied (called in the event loop)."""
        if change == PROGRESS:
            self.progressed = True  # planned again on the rolling interval, not at once
            return
        self.pending.add(change)
        self.kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        await _first(stop, self.follower.ready)
        while not stop.is_set():
            wait_s = self.settings.replan_interval_s
            if self.optimise_at is not None:
                wait_s = max(0.0, min(wait_s, self.optimise_at - self.clock()))
            kicked = await _wait(self.kick, wait_s)
            if stop.is_set():
                return
            if not kicked:
                if self.optimise_at is not None and self.clock() >= self.optimise_at:
                    self.pending.add(OPTIMISE)
                elif not self._rolling_due():
                    continue
                else:
                    self.pending.add("rolling")
            await self._debounce()
            triggers, self.pending = self.pending, set()
            self.progressed = False
            try:
                await self.plan_once(triggers)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("planning failed; the published plan stands")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _debounce(self) -> None:
        """Wait for the burst to settle (at most max_batch_wait_s) so it is planned at once."""
        loop = asyncio.get_running_loop()
        first = loop.time()
        while True:
            self.kick.clear()
            left = self.settings.max_batch_wait_s - (loop.time() - first)
            if left <= 0 or not await _wait(self.kick, min(self.settings.debounce_s, left)):
                break
        self.kick.clear()

    def _rolling_due(self) -> bool:
        if self.progressed:
            return True
        late = self.clock() * 1000 - self.settings.slip_tolerance_s * 1000
        return any(row["status"] == "PLANNED" and row["start_ms"] < late
                   and self.state.status_of(row["operation_id"], row["order_id"]) == "PLANNED"
                   for row in self.state.plan_rows.values())

    async def plan_once(self, triggers: set[str]) -> PlanningRun | None:
        started = time.perf_counter()
        s = self.settings
        now_ms = int(self.clock() * 1000)
        repair = not any(t in FULL_PLAN_TRIGGERS for t in triggers)
        # New orders only: slot them into the published plan now (nothing else moves) and
        # optimise the whole pool a little later, so a burst of arrivals is scheduled in
        # well under a second and the solver's time is spent once per burst, not per order.
        insert = triggers <= {ORDERS_ADDED} and bool(self.state.plan_rows)
        if OPTIMISE in triggers:
            self.optimise_at = None
        exclude: set[str] = set()
        if triggers <= {ORDERS_ADDED}:
            # Arrivals add no capacity: an order a plan left out (unchanged since) still does
            # not fit. It is looked at again when capacity, progress or the plan changes, not
            # in every arrival round (over capacity those rounds grew with every order left out).
            exclude |= {o.order_id for o in self.state.plannable() if o.unplannable_reason}
        excluded: dict[str, int] = {}  # orders the solver could not fit in → their revision
        horizon = s.horizon_days
        considered: set[str] | None = None  # the orders of the first attempt
        for _ in range(6):
            # Orders arriving while this round solves wait for the next round (their arrival
            # asks for one): at 20 orders/s over capacity, each attempt otherwise met new
            # orders that did not fit either, and the round never ended.
            skip = exclude if considered is None else exclude | {
                o.order_id for o in self.state.plannable() if o.order_id not in considered}
            problem, index = build_problem(self.state, now_ms, horizon, s.setup_minutes, skip)
            if considered is None:
                considered = set(index.op_ids) | set(index.unplannable)
            seen = self.state.progress_seen  # the reports this problem knows of
            left_out = left_out_rows(index, excluded)
            if (not problem.orders and not self.state.plan_rows
                    and not left_out_news(left_out, self.state.orders)):
                return None
            previous = plan_in_frame(self.state, problem, index)
            t0 = time.perf_counter()
            try:
                plan = await asyncio.to_thread(_insert, problem, previous) if insert else None
                if plan is None:
                    plan = await asyncio.to_thread(
                        _solve, problem, previous, repair,
                        s.repair_time_limit_s if repair else s.time_limit_s, s.workers)
                elif self.optimise_at is None:
                    self.optimise_at = self.clock() + s.optimise_after_s
                break
            except SchedulingError as exc:
                found = _ORDER_IN_ERROR.search(str(exc))
                if found and found.group(1) in index.op_ids:
                    # Over capacity: leave out every order that does not fit, not one per try.
                    # Around what the warm start keeps of the published plan: orders
                    # already planned are not bumped by newcomers, and what is left fits
                    # the warm start's own dispatch (so the next attempt starts from it).
                    kept = kept_placements(problem, previous)
                    unfit = await asyncio.to_thread(
                        unfit_orders, problem, kept[0] if kept else None,
                        {q.order for q in previous})
                    unfit.setdefault(found.group(1), str(exc))
                    for order_id, why in unfit.items():
                        exclude.add(order_id)
                        excluded[order_id] = index.revisions[order_id]
                        log.warning("order cannot be planned", extra={"order": order_id,
                                                                      "error": why})
                else:
                    horizon *= 2
        else:
            raise SchedulingError("no plan after repeated attempts")
        solve_ms = int((time.perf_counter() - t0) * 1000)
        trigger = ",".join(sorted(triggers))
        # Factories kept reporting while the solver worked from its snapshot: the plan is made
        # to agree with every report recorded so far (work that started meanwhile stays where
        # it runs, and its order in its factory). Once now, then again holding the fence, from
        # which point until the plan is saved no report is recorded (ReportOperation waits):
        # settling first keeps the work done while reports wait small.
        settled = await self._settle(plan, problem, index, seen, now_ms, horizon, exclude)
        if settled is None:
            return self._plan_again(triggers)
        plan, problem, index, seen, _ = settled
        async with self.fence.publishing():
            for _ in range(3):
                settled = await self._settle(plan, problem, index, seen, now_ms, horizon, exclude)
                if settled is None:
                    return self._plan_again(triggers)
                plan, problem, index, seen, basis = settled
                outcome = outcome_of(plan, problem, index, self.state, now_ms, s.at_risk_ms)
                # As the problem solved saw them (settling plans only the orders solved).
                outcome.left_out = left_out_news(left_out, self.state.orders)
                for row in outcome.left_out:
                    log.warning("order left out of the plan", extra={"order": row["order_id"],
                                                                     "reason": row["reason"]})
                if not outcome.worth_publishing(self.state.plan_rows, self.state.orders):
                    run = PlanningRun(trigger, repair, len(problem.orders), len(outcome.operations),
                                      0, solve_ms, int((time.perf_counter() - started) * 1000),
                                      False)
                    self.runs.append(run)
                    return run
                outcome.trigger = trigger
                outcome.solve_ms = solve_ms
                outcome.published_at_ms = now_ms
                outcome.previous_plan_id = str(self.state.plan.id) if self.state.plan else ""
                try:
                    plan_id = await self.fence.run(self.app.publish_plan, outcome, basis,
                                                   self._unchanged(outcome))
                    break
                except StalePlan as exc:  # reported through another replica: settle again
                    log.info("plan stale before it was saved", extra={"error": str(exc)})
            else:
                raise SchedulingError("work kept starting while the plan was being saved")
        await self.follower.caught_up_with(
            lambda: self.state.plan is not None and self.state.plan.id == plan_id, 10.0)
        run = PlanningRun(trigger, repair, len(problem.orders), len(outcome.operations),
                          len(outcome.moved_operation_ids), solve_ms,
                          int((time.perf_counter() - started) * 1000), True, str(plan_id))
        self.runs.append(run)
        log.info("plan published", extra={"plan_id": str(plan_id), "trigger": trigger,
                                          "orders": run.orders, "operations": run.operations,
                                          "moved": run.moved, "solve_ms": solve_ms,
                                          "status": plan.status})
        return run

    def _plan_again(self, triggers: set[str]) -> None:
        log.warning("work started while solving leaves no valid plan close to the solved one; "
                    "planning again")
        self.pending |= triggers
        self.kick.set()

    def _unchanged(self, outcome) -> set[str]:
        """Orders of ``outcome`` whose place needs nothing recorded, as the state shows them."""
        out = set()
        for row in outcome.orders:
            order = self.state.orders.get(row["order_id"])
            if (order is not None and order.status == PLANNABLE
                    and order.revision == row["revision"]
                    and not order.is_news(row["factory_id"], row["start_ms"], row["end_ms"],
                                          row["risk"])):
                out.add(row["order_id"])
        return out

    async def _settle(self, plan: Plan, problem: NetworkProblem, index: ProblemIndex, seen: int,
                      now_ms: int, horizon: int, exclude: set[str]):
        """``plan`` made to agree with the progress recorded so far: (plan, problem, index,
        progress seen, log position it agrees with), or None when that takes solving again.
        Only a call holding the fence settles for good (no report can follow it unseen)."""
        if not await self.follower.catch_up(CATCH_UP_S):
            raise SchedulingError("the network state is behind the event log; not publishing")
        # Synchronous from here on: the state is the one at this log position.
        basis = self.follower.position
        if self.state.progress_seen == seen:
            return plan, problem, index, seen, basis
        s = self.settings
        solved = set(index.op_ids)
        # the orders the plan was made for (new arrivals wait for the next plan)
        skip = exclude | {o.order_id for o in self.state.plannable() if o.order_id not in solved}
        fresh, fresh_index = build_problem(self.state, now_ms, horizon, s.setup_minutes, skip)
        seen = self.state.progress_seen
        candidate = reframe(plan.operations, index, fresh, fresh_index)
        settled = await self.fence.run(settle, fresh, candidate)
        if settled is None:
            return None
        if settled is not candidate:
            plan = Plan(tuple(sorted(settled, key=lambda p: p.key)), evaluate(fresh, settled),
                        "FEASIBLE")
        else:
            plan = Plan(tuple(candidate), evaluate(fresh, candidate), plan.status)
        return plan, fresh, fresh_index, seen, basis


def _insert(problem, previous) -> Plan | None:
    """The published plan kept as it is, new orders dispatched into its gaps; None when the
    result does not validate (then the caller solves)."""
    start = warm_start(problem, previous)
    if start is None or validate_plan(problem, start):
        return None
    return Plan(tuple(start), evaluate(problem, start), "FEASIBLE")


def _solve(problem, previous, repair, time_limit, workers) -> Plan:
    if not problem.orders:
        return Plan((), Objective(0, 0, 0), "OPTIMAL")
    return solve(problem, previous, repair=repair, time_limit=time_limit, workers=workers)


async def _wait(event: asyncio.Event, timeout: float) -> bool:
    try:
        await asyncio.wait_for(event.wait(), timeout)
        return True
    except TimeoutError:
        return False


async def _first(stop: asyncio.Event, ready: asyncio.Event) -> None:
    waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(ready.wait())]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()
