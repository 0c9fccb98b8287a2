"""New orders slotted into the published plan without building the whole pool's problem.

An arrivals-only pass keeps the published plan as it is and dispatches the new orders into
its gaps. Building the problem of every order in the pool for that (and converting every
operation of the plan, and every row back) grew with the pool: 1.5 s a pass at 5,000
orders, several times that at a chain's 30,000. Here the problem holds only the new orders;
the published operations occupy their machines as they are (with their changeover family
and their claim on the chain's share) and draw on their factory's demand limit, and the new
orders' operations are placed within it and checked against the problem (shifts, downtime,
sequence, horizon) and against those operations (machines, and the limit with their load).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.problem import MINUTE_MS, ProblemIndex, build_problem
from services.scheduling.domain.progress import FINISHED, STARTED
from services.scheduling.domain.values import PlanRow
from services.scheduling.planning.scope import PartitionScope
from services.scheduling.solver.energy_audit import demand_excesses
from services.scheduling.solver.greedy import CANDIDATE_FACTORIES, greedy_plan
from services.scheduling.solver.model import (
    NetworkProblem,
    Plan,
    PlannedOperation,
    SchedulingError,
    evaluate,
)
from services.scheduling.solver.validator import validate_plan

CANDIDATES = CANDIDATE_FACTORIES + 2  # per kind of order: those the dispatch looks at, and two


@dataclass(frozen=True)
class Insertion:
    """The new orders' problem and the published operations they go around."""

    problem: NetworkProblem  # the new orders only
    index: ProblemIndex
    keep: list[PlannedOperation]
    others: dict[tuple[str, int], tuple[str, bool]]


def new_orders(state: NetworkState, scope: PartitionScope, exclude: set[str], now_ms: int,
               horizon_days: int, setup_minutes: dict[str, int]) -> Insertion | None:
    """The problem of the plannable orders of ``scope`` no plan holds yet (but those in
    ``exclude``), read from ``state`` (in the event loop: the state changes between its
    turns); None when there are none, or one can be made nowhere (then the whole problem
    is solved, which leaves it out with the reason)."""
    new = [o for o in state.unplanned() if o.order_id not in exclude]
    if not new:
        return None
    factories = _candidates(state, scope, new)
    if factories is None:
        return None  # one can be made nowhere: the whole problem says why
    chosen = {o.order_id for o in new}
    # of the new orders alone: excluding the rest of the pool still sorted it all
    problem, index = build_problem(state, now_ms, horizon_days, setup_minutes,
                                   factory_ids=factories, only=chosen)
    if index.unplannable or not problem.orders:
        return None
    rows = {op: r for f in factories if (plan := state.factory_plans.get(f)) is not None
            for op, r in plan.operations.items()}
    if any(r.order_id in chosen for r in rows.values()):
        return None  # the plan holds one already: not new (the whole problem is solved)
    keep, others = _published(state, rows, problem, index)
    return Insertion(problem, index, keep, others)


def _candidates(state: NetworkState, scope: PartitionScope, new) -> set[str] | None:
    """The factories the new orders may go to: for each kind of order (the machine types it
    needs), the least loaded that have them all. Their operations are all the published
    plan the dispatch needs to see (the other factories it would not choose)."""
    have: dict[str, frozenset[str]] = {}
    ratio: dict[str, float] = {}
    for fid in scope.factories():
        f = state.factories[fid]
        machines = [m for m in state.machines_of(fid) if m.active]
        if not f.active or not machines:
            continue
        have[fid] = frozenset(m.machine_type for m in machines)
        plan = state.factory_plans.get(fid)
        ratio[fid] = (_work_minutes(plan) if plan is not None else 0.0) / (
            len(machines) * (f.capacity_share or 1.0))
    out: set[str] = set()
    for need in {frozenset(step.machine_type for step in o.routing) for o in new}:
        able = sorted((f for f, types in have.items() if need <= types),
                      key=lambda f: (ratio[f], f))
        if not able:
            return None
        out.update(able[:CANDIDATES])
    out.update(o.pinned_factory for o in new if o.pinned_factory in have)  # a planner's pin
    out.update(f for o in new if (f := state.batch_factory(o.order_id)) in have)  # its batch's
    return out


_WORK: dict[int, tuple[Any, float]] = {}  # id(plan operations) -> (them, minutes of work)


def _work_minutes(plan) -> float:
    """Minutes of work a factory plan holds (kept per revision: a revision makes a new
    operations dict)."""
    ops = plan.operations
    cached = _WORK.get(id(ops))
    if cached is not None and cached[0] is ops:
        return cached[1]
    minutes = sum(r.end_ms - r.start_ms for r in ops.values()) / MINUTE_MS
    if len(_WORK) > 100_000:
        _WORK.clear()
    _WORK[id(ops)] = (ops, minutes)
    return minutes


def dispatch(insertion: Insertion) -> Plan | None:
    """The new orders dispatched into the gaps of the published plan (pure: runs in a
    thread); None when one does not fit (then the whole problem is solved)."""
    problem = insertion.problem
    try:
        placed = greedy_plan(problem, keep=insertion.keep, others=insertion.others, demand=True)
    except SchedulingError:
        return None
    new = {o.id for o in problem.orders}
    ops = [p for p in placed if p.order in new]
    if (validate_plan(problem, ops, around=insertion.keep)
            or _clashes(problem, ops, insertion.keep, insertion.others)):
        return None
    return Plan(tuple(ops), evaluate(problem, ops), "FEASIBLE")


def clashes_now(state: NetworkState, scope: PartitionScope, problem: NetworkProblem,
                index: ProblemIndex, ops: list[PlannedOperation]) -> bool:
    """Do the new orders' operations clash with the published plan and the work reported
    since they were dispatched, on a machine or over a factory's demand limit? (Only the
    plans of the factories they went to can.)"""
    plans = scope.plans()
    rows = {op: r for f in {p.factory for p in ops} if (plan := plans.get(f)) is not None
            for op, r in plan.operations.items()}
    keep, others = _published(state, rows, problem, index)
    return _clashes(problem, ops, keep, others) or bool(demand_excesses(problem, ops, keep))


def _published(state: NetworkState, rows: Mapping[str, PlanRow], problem: NetworkProblem,
               index: ProblemIndex
               ) -> tuple[list[PlannedOperation], dict[tuple[str, int], tuple[str, bool]]]:
    """The published operations still to run, in the problem's minutes, where they run when
    they have started (as reported), and what each is: its changeover family and whether
    it claims the chain's share (not once started). Those on a machine the problem does not
    have (retired, say, with work started on it) hold nothing the new orders could use."""
    machines = {(f.id, m.id) for f in problem.factories for m in f.machines}
    keep, others = [], {}
    for r in rows.values():
        machine, start_ms, end_ms, started = r.machine_id, r.start_ms, r.end_ms, r.frozen
        progress = state.progress.get(r.order_id)
        status = progress.status.get(r.operation_id, "PLANNED") if progress else "PLANNED"
        if status == FINISHED:
            continue
        if status == STARTED:  # where and since when it runs, for as long as planned
            machine = progress.machines.get(r.operation_id, machine)
            start_ms = progress.started_ms.get(r.operation_id, start_ms)
            end_ms = max(start_ms + (r.end_ms - r.start_ms), index.ms(index.now_min + 1))
            started = True
        end = math.ceil((end_ms - index.origin_ms) / MINUTE_MS)
        if end <= index.now_min or (r.factory_id, machine) not in machines:
            continue  # in the past, or not on a machine of the problem
        start = max(0, (start_ms - index.origin_ms) // MINUTE_MS)
        key = (r.order_id, r.seq)
        keep.append(PlannedOperation(r.order_id, r.seq, r.factory_id, machine, start, end))
        others[key] = (_family(state, r), not started)
    return keep, others


_GROUPS: dict[str, tuple[Any, dict[int, str]]] = {}  # order id -> (its routing, seq -> group)


def _family(state: NetworkState, row: PlanRow) -> str:
    """The changeover family of the row's step (kept per order while its routing is the
    same: the published operations of the candidate factories are looked up every pass)."""
    order = state.orders.get(row.order_id)
    if order is None:
        return ""
    routing = order.routing
    kept = _GROUPS.get(row.order_id)
    if kept is None or kept[0] is not routing:
        if len(_GROUPS) > 200_000:
            _GROUPS.clear()
        kept = _GROUPS[row.order_id] = (routing, {s.seq: s.setup_group for s in reversed(routing)})
    return kept[1].get(row.seq, "")


def _clashes(problem: NetworkProblem, ops: list[PlannedOperation],
             keep: list[PlannedOperation], others) -> bool:
    """Does a new operation overlap a published one on its machine (with the changeover
    between different families)?"""
    orders = {o.id: o for o in problem.orders}
    busy: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for q in keep:
        busy.setdefault((q.factory, q.machine), []).append((q.start, q.end, others[q.key][0]))
    for line in busy.values():
        line.sort()
    types = {(f.id, m.id): m.type for f in problem.factories for m in f.machines}
    for p in ops:
        line = busy.get((p.factory, p.machine), [])
        gap_minutes = problem.setup_minutes(types[p.factory, p.machine])
        family = orders[p.order].operations[p.op].setup_family
        i = bisect_left(line, (p.start,))
        for s, e, fam in line[max(0, i - 2): i + 2]:
            gap = gap_minutes if fam != family else 0
            if s < p.end + gap and p.start < e + gap:
                return True
    return False
