"""Greedy dispatch over the network: always a feasible plan, quickly.

Orders in order of due date (heavier first on ties); each goes to the factory where it
would finish with the least weighted tardiness (then earliest), each operation on the
machine of its type there that finishes it first, in the earliest gap that respects
shifts, downtime, changeovers, minimum waits and the chain's share of the machine.
Started operations are laid down first and never move.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from .model import NetworkProblem, Order, PlannedOperation, SchedulingError
from .timeline import MachineTimeline, timelines

CANDIDATE_FACTORIES = 6  # evaluated per order, least loaded first; keeps 400 orders fast


def capable_factories(problem: NetworkProblem, order: Order) -> list[str]:
    """Factories that have a machine for every operation of the order."""
    need = {op.machine_type for op in order.operations}
    return [f.id for f in problem.factories if need <= {m.type for m in f.machines}]


def greedy_plan(
    problem: NetworkProblem,
    keep: list[PlannedOperation] | None = None,
    orders: list[Order] | None = None,
    first: Collection[str] = (),
    others: Mapping[tuple[str, int], tuple[str, bool]] | None = None,
    demand: bool = False,
) -> list[PlannedOperation]:
    """Plan ``orders`` (default: all) around the frozen operations and ``keep`` (already
    placed operations that stay), those in ``first`` before the others, each group by due
    date. Raises :class:`SchedulingError` when an order does not fit inside the horizon
    anywhere.

    ``others``: kept operations of orders the problem does not hold (they only occupy their
    machines), key → (setup family, whether it claims the chain's share: not when started).
    ``demand``: an operation starts only where its machine's draw keeps the factory's load
    (the kept and frozen work's included) within its demand limit, later if need be; an
    order that cannot is unfit there (a slot-in pass; a whole plan repairs limits instead).
    """
    placed, _ = _dispatch(problem, keep, orders, first, stop_at_unfit=True, others=others,
                          demand=_Demand(problem) if demand else None)
    return placed


class _Demand:
    """The load of the factories with a demand limit, minute by minute (kW), as operations
    are laid down: where an operation may run within the limit."""

    def __init__(self, problem: NetworkProblem):
        self.limit: dict[str, float] = {}
        self.power: dict[str, dict[str, float]] = {}
        self.load: dict[str, np.ndarray] = {}
        for f in problem.factories:
            e = f.electricity
            if e is None or e.demand_limit_kw is None:
                continue
            self.limit[f.id] = float(e.demand_limit_kw) + 1e-6
            self.power[f.id] = {m.id: m.power_kw for m in f.machines}
            self.load[f.id] = np.zeros(problem.horizon + 1)

    def add(self, p: PlannedOperation) -> None:
        kw = self.power.get(p.factory, {}).get(p.machine, 0.0)
        if kw:
            self.load[p.factory][max(0, p.start):max(0, p.end)] += kw

    def after_excess(self, factory: str, machine: str, start: int, d: int) -> int | None:
        """None when ``machine`` may run over [start, start + d) within the limit; else the
        minute after the last one it may not (where to look again)."""
        kw = self.power.get(factory, {}).get(machine, 0.0)
        if not kw:
            return None
        over = np.flatnonzero(self.load[factory][start:start + d] + kw > self.limit[factory])
        return None if not over.size else start + int(over[-1]) + 1


def unfit_orders(problem: NetworkProblem, keep: list[PlannedOperation] | None = None,
                 first: Collection[str] = ()) -> dict[str, str]:
    """Every order the greedy dispatch cannot place (id → why), in one pass.

    The dispatch stops at the first order that does not fit; over capacity, a planner that
    excluded one such order per attempt gave up before it had a plan for the orders that do
    fit. This pass goes on past them, so they can all be left out together.

    ``keep``: placements that stay (the published plan where it still holds, as the warm
    start keeps them) and ``first``: orders dispatched before the others (those the plan had
    placed, whose place no longer holds, e.g. their start passed without them starting).
    So orders already planned are not bumped by newcomers, and the orders this finds are
    exactly those the warm start's dispatch, given the same, cannot place.
    """
    _, unfit = _dispatch(problem, keep, None, first, stop_at_unfit=False)
    return unfit


def _dispatch(problem: NetworkProblem, keep: list[PlannedOperation] | None,
              orders: list[Order] | None, first: Collection[str], stop_at_unfit: bool,
              others: Mapping[tuple[str, int], tuple[str, bool]] | None = None,
              demand: _Demand | None = None,
              ) -> tuple[list[PlannedOperation], dict[str, str]]:
    lines = timelines(problem)
    placed: list[PlannedOperation] = []
    fixed = {p.key: p for p in (keep or [])}
    fixed.update({p.key: p for p in problem.frozen})
    orders_by_id = {o.id: o for o in problem.orders}
    started = {p.key for p in problem.frozen}
    others = others or {}
    for p in fixed.values():
        if p.key in others and p.order not in orders_by_id:
            family, claims = others[p.key]
        else:
            family = orders_by_id[p.order].operations[p.op].setup_family
            claims = p.key not in started
        lines[p.factory, p.machine].place(p.start, p.end, family, claims)
        if demand is not None:
            demand.add(p)
        placed.append(p)
    todo = [o for o in (orders if orders is not None else problem.orders)
            if any((o.id, i) not in fixed for i in range(len(o.operations)))]
    first = set(first)
    todo.sort(key=lambda o: (o.id not in first, o.due, -o.weight, o.id))
    load = {f.id: 0 for f in problem.factories}
    for p in placed:
        load[p.factory] += p.end - p.start
    unfit: dict[str, str] = {}
    for order in todo:
        try:
            placed += _plan_order(problem, order, fixed, lines, load, demand)
        except SchedulingError as exc:
            if stop_at_unfit:
                raise
            unfit[order.id] = str(exc)
    return placed, unfit


def _plan_order(problem, order, fixed, lines, load, demand=None) -> list[PlannedOperation]:
    pinned = {fixed[order.id, i].factory for i in range(len(order.operations)) if (order.id, i) in fixed}
    candidates = sorted(pinned) if pinned else capable_factories(problem, order)
    if order.factory:  # a planner's pin: there or nowhere
        candidates = [f for f in candidates if f == order.factory]
    if not candidates:
        raise SchedulingError(f"no factory can make order {order.id}")
    capacity = {f.id: max(1, len(f.machines) * f.capacity_share) for f in problem.factories}
    candidates.sort(key=lambda f: (load[f] / capacity[f], f))
    best = None
    for i, fid in enumerate(candidates):
        if i >= CANDIDATE_FACTORIES and best is not None:
            break
        trial = _simulate(problem, order, fid, fixed, lines, demand)
        if trial is None:
            continue
        end = trial[-1].end
        key = (order.weight * max(0, end - order.due), end, fid)
        if best is None or key < best[0]:
            best = (key, trial)
    if best is None:
        raise SchedulingError(f"order {order.id} does not fit in the horizon of any factory")
    out = []
    for p in best[1]:
        if p.key not in fixed:
            family = order.operations[p.op].setup_family
            lines[p.factory, p.machine].place(p.start, p.end, family)
            load[p.factory] += p.end - p.start
            if demand is not None:
                demand.add(p)
            out.append(p)
    return out


def _simulate(problem, order, fid, fixed, lines, demand=None) -> list[PlannedOperation] | None:
    factory = problem.factory(fid)
    ready = max(order.release, problem.now)
    trial: list[PlannedOperation] = []
    tentative: dict[str, list[tuple[int, int, str]]] = {}
    for i, op in enumerate(order.operations):
        if (order.id, i) in fixed:
            p = fixed[order.id, i]
        else:
            p = None
            for m in factory.machines:
                if m.type != op.machine_type:
                    continue
                line: MachineTimeline = lines[fid, m.id]
                d = m.duration(op.duration)
                start = _earliest_with(line, tentative.get(m.id, []), ready, d, op.setup_family, problem.horizon)
                while start is not None and demand is not None and fid in demand.limit:
                    again = demand.after_excess(fid, m.id, start, d)
                    if again is None:
                        break
                    start = _earliest_with(line, tentative.get(m.id, []), again, d,
                                           op.setup_family, problem.horizon)
                if start is not None and (p is None or start + d < p.end):
                    p = PlannedOperation(order.id, i, fid, m.id, start, start + d)
            if p is None:
                return None
            tentative.setdefault(p.machine, []).append((p.start, p.end, op.setup_family))
        trial.append(p)
        ready = max(ready, p.end + op.min_wait_after)
    return trial


def _earliest_with(line, extra, ready, d, family, horizon):
    """Earliest start on ``line`` that also clears this order's own earlier operations."""
    if not extra:
        return line.earliest(ready, d, family, horizon)
    saved_ops, saved_budget = line.ops, line.budget
    line.ops = sorted(saved_ops + extra)
    line.budget = saved_budget - sum(e - s for s, e, _ in extra)
    try:
        return line.earliest(ready, d, family, horizon)
    finally:
        line.ops, line.budget = saved_ops, saved_budget
