"""Capable-to-promise: the earliest a new order could be finished, given the current plan,
by slotting its routing into free machine time without moving anything already planned."""

from __future__ import annotations

from dataclasses import dataclass

from .greedy import _simulate, capable_factories
from .model import NetworkProblem, Operation, Order, PlannedOperation, SchedulingError
from .timeline import timelines


@dataclass(frozen=True)
class Quote:
    completion: int  # minute the order would be finished
    factory: str
    operations: tuple[PlannedOperation, ...]


def quote(
    problem: NetworkProblem,
    plan: list[PlannedOperation],
    routing: tuple[Operation, ...],
    release: int = 0,
    order_id: str = "quote",
) -> Quote:
    """Earliest completion of ``routing`` over all capable factories. Raises
    :class:`SchedulingError` when no factory can make it inside the horizon."""
    if not routing:
        raise SchedulingError("the routing has no operations")
    order = Order(order_id, tuple(routing), due=problem.horizon, release=release)
    lines = timelines(problem)
    families = {o.id: [op.setup_family for op in o.operations] for o in problem.orders}
    started = {p.key for p in problem.frozen}
    for p in plan:
        lines[p.factory, p.machine].place(p.start, p.end, families[p.order][p.op], p.key not in started)
    best = None
    for fid in capable_factories(problem, order):
        trial = _simulate(problem, order, fid, {}, lines)
        if trial is not None and (best is None or (trial[-1].end, fid) < (best[-1].end, best[0].factory)):
            best = trial
    if best is None:
        raise SchedulingError("no factory can make this order inside the planning horizon")
    return Quote(best[-1].end, best[0].factory, tuple(best))
