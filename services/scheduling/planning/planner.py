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
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from services.kit.metrics import PLANNING_PASS
from services.scheduling.application import SchedulingApplication, StalePlan
from services.scheduling.domain.network import CAPACITY, ORDERS_ADDED, PROGRESS, NetworkState
from services.scheduling.domain.outcome import (
    PlanOutcome,
    left_out_news,
    left_out_rows,
    outcome_of,
    with_published,
    within_factories,
)
from services.scheduling.domain.pool import PLANNABLE
from services.scheduling.domain.problem import ISOLATED, build_problem, plan_in_frame, reframe
from services.scheduling.domain.replanning import kept_placements, settle, solve, warm_start
from services.scheduling.domain.values import PlanRow
from services.scheduling.planning.fence import ProgressFence
from services.scheduling.planning.follower import StateFollower
from services.scheduling.planning.insert import clashes_now, dispatch, new_orders
from services.scheduling.planning.isolation import ISOLATED_ORDERS, FailureLog, culprits
from services.scheduling.planning.kept import KeptOrders
from services.scheduling.planning.passes import Attempt, PlanningPass, PlanningRun, Solution
from services.scheduling.planning.scope import PartitionScope
from services.scheduling.planning.sweep import factory_loads, held_with, windows
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.greedy import unfit_orders
from services.scheduling.solver.model import Objective, Plan, SchedulingError, evaluate
from services.scheduling.solver.validator import validate_plan

log = logging.getLogger("dovetail.scheduling.planner")
OPTIMISE = "optimise"  # a round of the optimisation sweep (see planning/sweep.py)
FULL_PLAN_TRIGGERS = (ORDERS_ADDED, CAPACITY, OPTIMISE)
_ORDER_IN_ERROR = re.compile(r"order (\S+)")
CATCH_UP_S = 5.0  # for the state to hold every report recorded before publishing
ATTEMPTS = 6  # in one pass; a failed one leaves out what does not fit or widens the horizon
SAVES = 3  # tries to save a plan while reports arrive through other replicas


class Planner:
    def __init__(self, app: SchedulingApplication, state: NetworkState, follower: StateFollower,
                 settings: SchedulerSettings, clock: Callable[[], float] = time.time,
                 fence: ProgressFence | None = None, partition: str = ""):
        self.app = app
        self.scope = PartitionScope(state, settings.partitions,
                                    partition or settings.partitions[0].name)
        self.fence = fence or ProgressFence()  # shared with ReportOperation
        self.state = state
        self.follower = follower
        self.settings = settings
        self.clock = clock
        self.pending: set[str] = set()
        self.pending_since: float | None = None  # loop time of the first change waiting
        self.progressed = False
        self.kick = asyncio.Event()
        self.runs: deque[PlanningRun] = deque(maxlen=100)
        # After new orders were slotted in quickly, a full optimisation is due at this time:
        # once arrivals pause, and while they keep coming at least every optimise_max_wait_s
        # after the first order slotted in since the last one (see _optimise_later).
        self.optimise_at: float | None = None
        self.slotted_since: float | None = None
        # The windows of factories the optimisation sweep has still to optimise, one a
        # round; None between sweeps.
        self.sweep: deque[frozenset[str]] | None = None
        # Orders left out because planning them raised → their revision then (isolation.py).
        self.isolated: dict[str, int] = {}
        self.failures = FailureLog(self.partition)
        self.kept = KeptOrders(state)  # what passes count of the plans they leave as they are

    @property
    def partition(self) -> str:
        return self.scope.name

    def notify(self, change: str, event: Any = None) -> None:
        """A change the state follower applied (called in the event loop); ``event``, when
        given, is what made it (changes in other partitions are not this planner's)."""
        if not self.scope.concerns(event):
            return
        if change == PROGRESS:
            self.progressed = True  # planned again on the rolling interval, not at once
            return
        if self.pending_since is None:
            self.pending_since = asyncio.get_running_loop().time()
        self.pending.add(change)
        self.kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        self.sweep = None  # leading again: a sweep starts over when it is due
        await _first(stop, self.follower.ready)
        # planning starts (or takes over from another replica) with a look at everything
        self.pending.add(CAPACITY)
        self.kick.set()
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
            triggers, self.pending, self.pending_since = self.pending, set(), None
            self.progressed = False
            try:
                if OPTIMISE in triggers and triggers != {OPTIMISE}:
                    # what waits (arrivals first) before the sweep's next round
                    await self.plan_once(triggers - {OPTIMISE})
                    triggers = {OPTIMISE}
                await self.plan_once(triggers)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures.failed("pass", "failed", exc,
                                     "planning failed; the published plan stands")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
            finally:
                if self.sweep:  # the next round, once what arrived meanwhile is slotted in
                    self.pending.add(OPTIMISE)
                    self.kick.set()

    async def _debounce(self) -> None:
        """Wait for the burst to settle so it is planned at once: at most max_batch_wait_s
        from the first change waiting. Under a steady stream the changes that came while the
        last pass ran have waited that long already and are planned at once (counted from
        here, every pass waited the whole bound again: a second added to every order)."""
        loop = asyncio.get_running_loop()
        first = self.pending_since if self.pending_since is not None else loop.time()
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
        return any(row.status == "PLANNED" and row.start_ms < late
                   and self.state.status_of(row.operation_id, row.order_id) == "PLANNED"
                   for row in self.scope.rows().values())

    async def plan_once(self, triggers: set[str]) -> PlanningRun | None:
        """One planning pass: solve what fits, settle it against the progress recorded
        meanwhile and publish it. None when there is nothing to plan or report."""
        planning = self._begin(triggers)
        solution = await self._solve_isolating(planning)
        if solution is None:
            return None
        return await self._settle_and_publish(planning, solution)

    def _begin(self, triggers: set[str]) -> PlanningPass:
        """The pass ``triggers`` ask for: a full plan or a repair, new orders slotted in or
        not, and the orders it need not look at."""
        started = time.perf_counter()
        now_ms = int(self.clock() * 1000)
        arrivals_only = triggers <= {ORDERS_ADDED}
        window = self._next_window() if triggers == {OPTIMISE} else None
        exclude = self.scope.outside() | self._still_isolated()
        if arrivals_only:
            # Arrivals add no capacity: an order a plan left out (unchanged since) still does
            # not fit. It is looked at again when capacity, progress or the plan changes, not
            # in every arrival round (over capacity those rounds grew with every order left out).
            exclude |= {o.order_id for o in self.state.plannable() if o.unplannable_reason}
        return PlanningPass(
            triggers=triggers, now_ms=now_ms, started=started,
            repair=not any(t in FULL_PLAN_TRIGGERS for t in triggers),
            # New orders only: slot them into the published plan now (nothing else moves) and
            # optimise the whole pool a little later, so a burst of arrivals is scheduled in
            # well under a second and the solver's time is spent once per burst, not per order.
            insert=arrivals_only and bool(self.scope.rows()),
            horizon=self.settings.horizon_days, exclude=exclude, window=window)

    def _next_window(self) -> frozenset[str] | None:
        """The factories this round of the optimisation sweep optimises, starting a sweep
        when none is under way; None when nothing is published yet (then the round plans
        the whole pool)."""
        if self.sweep is None:
            self.optimise_at = self.slotted_since = None
            loads = factory_loads(self.state, self.scope.factories())
            self.sweep = deque(windows(loads, self.settings.optimise_window_operations))
        window = self.sweep.popleft() if self.sweep else None
        if not self.sweep:
            self.sweep = None
        return window

    def _still_isolated(self) -> set[str]:
        """The orders isolated because planning them raised that have not changed since (a
        new revision is planned again)."""
        for order_id, revision in list(self.isolated.items()):
            order = self.state.orders.get(order_id)
            if order is None or order.revision != revision or order.status != PLANNABLE:
                del self.isolated[order_id]
        return set(self.isolated)

    async def _solve_isolating(self, planning: PlanningPass) -> Solution | None:
        """What fits solved; when solving raises, solved again without the orders that make
        it raise, which are left out with the reason ISOLATED (see isolation.py). Raises
        when the failure is not a few orders' (the published plan stands)."""
        try:
            return await self._solve_what_fits(planning)
        except Exception as exc:
            failure = exc
        suspects = sorted(planning.considered if planning.considered is not None else
                          {o.order_id for o in self.state.plannable()} - planning.exclude)
        found = await culprits(suspects, lambda out: self._fails_without(planning, out))
        if not found:
            raise failure
        for order_id in found:
            revision = self.state.orders[order_id].revision
            planning.exclude.add(order_id)
            planning.excluded[order_id] = self.isolated[order_id] = revision
            planning.reasons[order_id] = ISOLATED
        ISOLATED_ORDERS.labels(self.partition).inc(len(found))
        self.failures.failed("solve", "isolated", failure,
                             "planning failed on some orders: the rest is planned without "
                             "them, and they are left out until they change",
                             orders=sorted(found))
        planning.horizon = self.settings.horizon_days
        return await self._solve_what_fits(planning)

    async def _fails_without(self, planning: PlanningPass, out: set[str]) -> bool:
        """Does solving ``planning`` still raise with the orders ``out`` left out? (A probe:
        the repair's shorter time limit, nothing published.)"""
        probe = replace(planning, exclude=planning.exclude | out,
                        excluded=dict(planning.excluded), reasons=dict(planning.reasons),
                        horizon=self.settings.horizon_days,
                        time_limit_s=self.settings.repair_time_limit_s)
        try:
            await self._solve_what_fits(probe)
        except Exception:
            return True
        return False

    async def _solve_what_fits(self, planning: PlanningPass) -> Solution | None:
        """Gather the problem and solve it until a plan is found: when an order of it fits
        nowhere, what does not fit is left out; any other failure of a repair plans the
        whole pool, and of a whole plan widens the horizon."""
        if planning.insert:
            inserted = await self._insert(planning)
            if inserted is not None:
                return inserted
        last: SchedulingError | None = None
        for _ in range(ATTEMPTS):
            attempt = self._gather(planning)
            if attempt is None:
                return None
            try:
                return await self._find_plan(planning, attempt)
            except SchedulingError as exc:
                last = exc
                if await self._leave_out_unfit(planning, attempt, exc):
                    continue
                if planning.repair:  # what the repair keeps does not hold: plan the pool
                    planning.repair = False
                else:
                    planning.horizon *= 2
        # the last attempt's reason goes with it: the log says why, not only that it failed
        raise SchedulingError(f"no plan after repeated attempts (the last: {last})") from last

    async def _insert(self, planning: PlanningPass) -> Solution | None:
        """New orders slotted into the gaps of the published plan, which stays as it is,
        without the whole pool's problem (see planning.insert); None when that cannot be
        done (then the pass solves as usual)."""
        t0 = time.perf_counter()
        try:
            insertion = new_orders(self.state, self.scope, planning.exclude, planning.now_ms,
                                   planning.horizon, self.settings.setup_minutes)
            if insertion is None:
                return None
            seen = self.state.progress_seen
            plan = await asyncio.to_thread(dispatch, insertion)
        except Exception as exc:  # the whole problem is solved instead (and says why)
            self.failures.failed("insert", "fallback", exc,
                                 "slotting new orders in failed; solving the whole problem")
            return None
        if plan is None:
            return None
        self._optimise_later()
        return Solution(plan, insertion.problem, insertion.index, seen, [],
                        int((time.perf_counter() - t0) * 1000), inserted=True)

    def _gather(self, planning: PlanningPass) -> Attempt | None:
        """The problem as the network state shows it now; None when it has no order, no plan
        is published and no order left out is news."""
        # Orders arriving while this round solves wait for the next round (their arrival
        # asks for one): at 20 orders/s over capacity, each attempt otherwise met new
        # orders that did not fit either, and the round never ended.
        considered = planning.considered
        if planning.window is not None:  # a round of the sweep (see planning/sweep.py)
            if considered is None:  # the orders the window's plans hold
                planning.window = held_with(self.state, planning.window, self.scope.factories())
                considered = {o for o, f in self.state.planned_in.items() if f in planning.window}
            skip = planning.exclude  # only those considered are looked at
        else:
            skip = planning.exclude if considered is None else planning.exclude | {
                o.order_id for o in self.state.plannable() if o.order_id not in considered}
        problem, index = build_problem(self.state, planning.now_ms, planning.horizon,
                                       self.settings.setup_minutes, skip,
                                       self._factories(planning),
                                       considered if planning.window is not None else None)
        if planning.considered is None:
            planning.considered = set(index.op_ids) | set(index.unplannable)
        seen = self.state.progress_seen  # the reports this problem knows of
        left_out = left_out_rows(index, planning.excluded, planning.reasons)
        rows = self._rows(planning)
        if not problem.orders and not rows and not left_out_news(left_out, self.state.orders):
            return None
        return Attempt(problem, index, seen, left_out,
                       plan_in_frame(self.state, problem, index, rows))

    def _factories(self, planning: PlanningPass) -> set[str]:
        """The factories ``planning`` plans: a round's window, else the partition's."""
        return set(planning.window) if planning.window is not None else self.scope.factories()

    def _rows(self, planning: PlanningPass) -> dict[str, PlanRow]:
        """The published rows of the factories ``planning`` plans."""
        if planning.window is None:
            return self.scope.rows()
        plans = self.scope.plans()
        return {op: r for f in planning.window if (p := plans.get(f)) is not None
                for op, r in p.operations.items()}

    async def _find_plan(self, planning: PlanningPass, attempt: Attempt) -> Solution:
        """A plan for ``attempt``: new orders slotted into the published plan when the pass
        inserts and that validates, else solved. Raises SchedulingError when it cannot."""
        s = self.settings
        t0 = time.perf_counter()
        plan = (await asyncio.to_thread(_insert, attempt.problem, attempt.previous)
                if planning.insert else None)
        if planning.window is not None:
            plan = await asyncio.to_thread(_optimise_window, attempt.problem, attempt.previous,
                                           planning.time_limit_s or s.optimise_round_s,
                                           s.workers)
        elif plan is None:
            limit = planning.time_limit_s or (
                s.repair_time_limit_s if planning.repair else s.time_limit_s)
            plan = await asyncio.to_thread(
                _solve, attempt.problem, attempt.previous, planning.repair, limit, s.workers)
        else:
            self._optimise_later()
        return Solution(plan, attempt.problem, attempt.index, attempt.seen, attempt.left_out,
                        int((time.perf_counter() - t0) * 1000))

    def _optimise_later(self) -> None:
        """Orders were slotted in: optimise the whole pool once arrivals have paused for
        optimise_after_s, but no later than optimise_max_wait_s after the first of them. An
        optimisation holds arrivals for as long as it takes (seconds at a chain's 20,000
        orders): under a steady stream it runs at that bound, not every optimise_after_s."""
        now = self.clock()
        if self.slotted_since is None:
            self.slotted_since = now
        self.optimise_at = min(now + self.settings.optimise_after_s,
                               self.slotted_since + self.settings.optimise_max_wait_s)

    async def _leave_out_unfit(self, planning: PlanningPass, attempt: Attempt,
                               exc: SchedulingError) -> bool:
        """Over capacity (``exc`` names an order of the problem): every order that does not
        fit is left out of the pass, not one per attempt. False when ``exc`` is not that."""
        found = _ORDER_IN_ERROR.search(str(exc))
        if not found or found.group(1) not in attempt.index.op_ids:
            return False
        # Around what the warm start keeps of the published plan: orders already planned are
        # not bumped by newcomers, and what is left fits the warm start's own dispatch (so
        # the next attempt starts from it).
        kept = kept_placements(attempt.problem, attempt.previous)
        unfit = await asyncio.to_thread(unfit_orders, attempt.problem, kept[0] if kept else None,
                                        {q.order for q in attempt.previous})
        unfit.setdefault(found.group(1), str(exc))
        for order_id, why in unfit.items():
            planning.exclude.add(order_id)
            planning.excluded[order_id] = attempt.index.revisions[order_id]
            log.warning("order cannot be planned", extra={"order": order_id, "error": why})
        return True

    async def _settle_and_publish(self, planning: PlanningPass,
                                  solution: Solution) -> PlanningRun | None:
        """``solution`` made to agree with the progress recorded while it was solved, and
        published holding the fence; None when that takes planning again (asked for)."""
        # Factories kept reporting while the solver worked from its snapshot: the plan is made
        # to agree with every report recorded so far (work that started meanwhile stays where
        # it runs, and its order in its factory). Once now, then again holding the fence, from
        # which point until the plan is saved no report is recorded (ReportOperation waits):
        # settling first keeps the work done while reports wait small.
        settled = await self._settle(planning, solution)
        if settled is None:
            return self._plan_again(planning.triggers)
        solution, _ = settled
        async with self.fence.publishing():
            for _ in range(SAVES):
                settled = await self._settle(planning, solution)
                if settled is None:
                    return self._plan_again(planning.triggers)
                solution, basis = settled
                outcome = self._outcome(planning, solution)
                # new orders slotted in are news (and the rows held are a few factories')
                if not solution.inserted and not outcome.worth_publishing(
                        self._rows(planning), self.state.orders):
                    return self._record(planning, solution, outcome)
                plan_id = await self._save(planning, solution, outcome, basis)
                if plan_id is not None:
                    break
            else:
                raise SchedulingError("work kept starting while the plan was being saved")
        return await self._published(planning, solution, outcome, plan_id)

    def _plan_again(self, triggers: set[str]) -> None:
        log.warning("work started while solving leaves no valid plan close to the solved one; "
                    "planning again")
        self.pending |= triggers
        self.kick.set()

    async def _settle(self, planning: PlanningPass,
                      solution: Solution) -> tuple[Solution, int] | None:
        """``solution`` made to agree with the progress recorded so far, with the log position
        it agrees with; None when that takes solving again. Only a call holding the fence
        settles for good (no report can follow it unseen)."""
        if not await self.follower.catch_up(CATCH_UP_S):
            raise SchedulingError("the network state is behind the event log; not publishing")
        # Synchronous from here on: the state is the one at this log position.
        basis = self.follower.position
        if self.state.progress_seen == solution.seen:
            return solution, basis
        if solution.inserted:  # the new orders' operations must still clear the work as it is
            if clashes_now(self.state, self.scope, solution.problem, solution.index,
                           list(solution.plan.operations)):
                return None
            return replace(solution, seen=self.state.progress_seen), basis
        solved = set(solution.index.op_ids)
        # the orders the plan was made for (new arrivals wait for the next plan)
        skip = planning.exclude | {
            o.order_id for o in self.state.plannable() if o.order_id not in solved}
        fresh, fresh_index = build_problem(self.state, planning.now_ms, planning.horizon,
                                           self.settings.setup_minutes, skip,
                                           self._factories(planning),
                                           solved if planning.window is not None else None)
        seen = self.state.progress_seen
        candidate = reframe(solution.plan.operations, solution.index, fresh, fresh_index)
        settled = await self.fence.run(settle, fresh, candidate)
        if settled is None:
            return None
        if settled is not candidate:
            plan = Plan(tuple(sorted(settled, key=lambda p: p.key)), evaluate(fresh, settled),
                        "FEASIBLE")
        else:
            plan = Plan(tuple(candidate), evaluate(fresh, candidate), solution.plan.status)
        return replace(solution, plan=plan, problem=fresh, index=fresh_index, seen=seen), basis

    def _outcome(self, planning: PlanningPass, solution: Solution) -> PlanOutcome:
        """What publishing ``solution`` records: the plan, each order's place in it, and the
        orders it leaves out whose leaving out is news."""
        if solution.inserted:
            outcome = self._slotted_in(outcome_of(solution.plan, solution.problem,
                                                  solution.index, {}, planning.now_ms,
                                                  self.settings.at_risk_ms), planning.now_ms)
        elif planning.window is not None:
            outcome = self._in_window(planning.window, outcome_of(
                solution.plan, solution.problem, solution.index, self._rows(planning),
                planning.now_ms, self.settings.at_risk_ms), planning.now_ms)
        else:
            outcome = outcome_of(solution.plan, solution.problem, solution.index,
                                 self.scope.rows(), planning.now_ms, self.settings.at_risk_ms)
        # As the problem solved saw them (settling plans only the orders solved).
        outcome.left_out = left_out_news(solution.left_out, self.state.orders)
        for row in outcome.left_out:
            log.warning("order left out of the plan", extra={"order": row.order_id,
                                                             "reason": row.reason})
        return outcome

    def _slotted_in(self, new: PlanOutcome, now_ms: int) -> PlanOutcome:
        """The publication of new orders slotted in: the plans of the factories they went to
        (whole), every order's place; the other factories' plans are left as they are, so a
        pass costs what the new orders touch, not the whole plan (280,000 rows at a chain's
        30,000 orders, where every pass grew with the plan)."""
        went_to = {r.factory_id for r in new.operations}
        plans = self.scope.plans()
        rows = {op: r for f in went_to if (p := plans.get(f)) is not None
                for op, r in p.operations.items()}
        elsewhere = sum(len(p.operations) for f, p in plans.items() if f not in went_to)
        return with_published(new, rows, self.state.orders, now_ms,
                              lambda skip: self.kept.of(plans, skip), (sorted(went_to), elsewhere))

    def _in_window(self, window: frozenset[str], new: PlanOutcome, now_ms: int) -> PlanOutcome:
        """The publication of a round of the sweep: the plans of its window's factories
        (whole); the others' are left as they are, their orders counted (as _slotted_in)."""
        plans = self.scope.plans()
        elsewhere = sum(len(p.operations) for f, p in plans.items() if f not in window)
        return within_factories(new, sorted(window), self.state.orders, now_ms,
                                lambda skip: self.kept.of(plans, skip), elsewhere)

    async def _save(self, planning: PlanningPass, solution: Solution, outcome: PlanOutcome,
                    basis: int) -> uuid.UUID | None:
        """``outcome`` saved as the plan made at log position ``basis``; None when a report
        was recorded through another replica first (then it is settled again)."""
        outcome.trigger = planning.trigger
        outcome.solve_ms = solution.solve_ms
        outcome.published_at_ms = planning.now_ms
        previous = self.state.publications.get(self.partition)
        outcome.previous_plan_id = str(previous.id) if previous else ""
        plans = self.scope.plans()
        if outcome.factories is not None:  # the others' plans stay as they are
            plans = {f: plans[f] for f in outcome.factories if f in plans}
        try:
            return await self.fence.run(self.app.publish_plan, outcome, basis,
                                        self._unchanged(outcome), plans, self.partition)
        except StalePlan as exc:
            log.info("plan stale before it was saved", extra={"error": str(exc)})
            return None

    def _unchanged(self, outcome: PlanOutcome) -> set[str]:
        """Orders of ``outcome`` whose place needs nothing recorded, as the state shows them."""
        out = set()
        for row in outcome.orders:
            order = self.state.orders.get(row.order_id)
            if (order is not None and order.status == PLANNABLE
                    and order.revision == row.revision
                    and (self.scope.whole or order.partition == self.partition)
                    and not order.is_news(row.factory_id, row.start_ms, row.end_ms, row.risk)):
                out.add(row.order_id)
        return out

    async def _published(self, planning: PlanningPass, solution: Solution, outcome: PlanOutcome,
                         plan_id: uuid.UUID) -> PlanningRun:
        """The pass recorded once the state shows the plan saved."""
        await self.follower.caught_up_with(
            lambda: getattr(self.state.publications.get(self.partition), "id", None) == plan_id,
            10.0)
        run = self._record(planning, solution, outcome, plan_id)
        log.info("plan published", extra={"plan_id": str(plan_id), "trigger": run.trigger,
                                          "orders": run.orders, "operations": run.operations,
                                          "moved": run.moved, "solve_ms": run.solve_ms,
                                          "status": solution.plan.status})
        return run

    def _record(self, planning: PlanningPass, solution: Solution, outcome: PlanOutcome,
                plan_id: uuid.UUID | None = None) -> PlanningRun:
        """The pass as it ended (published when ``plan_id`` is given), kept in ``runs``."""
        published = plan_id is not None
        run = PlanningRun(planning.trigger, planning.repair, len(solution.problem.orders),
                          len(outcome.operations),
                          len(outcome.moved_operation_ids) if published else 0,
                          solution.solve_ms, int((time.perf_counter() - planning.started) * 1000),
                          published, str(plan_id) if published else "")
        self.runs.append(run)
        kind = ("optimise" if planning.window is not None else "slot_in" if solution.inserted
                else "repair" if planning.repair else "full")
        PLANNING_PASS.labels(self.partition, kind, str(published).lower()).observe(
            run.total_ms / 1000)
        return run


def _insert(problem, previous) -> Plan | None:
    """The published plan kept as it is, new orders dispatched into its gaps; None when the
    result does not validate (then the caller solves)."""
    start = warm_start(problem, previous)
    if start is None or validate_plan(problem, start):
        return None
    return Plan(tuple(start), evaluate(problem, start), "FEASIBLE")


def _optimise_window(problem, previous, time_limit, workers) -> Plan:
    """A round of the sweep: the window's orders planned again among its factories, from
    their published plan; that plan as it is when the solver finds nothing it can use (the
    round then publishes nothing: it is the next change's to plan)."""
    try:
        return _solve(problem, previous, False, time_limit, workers)
    except SchedulingError as exc:
        log.warning("an optimisation round found no plan; the published plan stands",
                    extra={"error": str(exc)})
        return Plan(tuple(previous), evaluate(problem, previous), "FEASIBLE")


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
