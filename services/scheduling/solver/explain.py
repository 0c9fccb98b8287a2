"""Why an order is planned late (or close to it), in words a planner can act on."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .model import NetworkProblem, PlannedOperation
from .timeline import unavailable


@dataclass(frozen=True)
class Explanation:
    order: str
    status: str  # late | at_risk
    factory: str
    planned_end: int
    due: int
    bottleneck_machine_type: str
    bottleneck_machine: str
    window: tuple[int, int]  # when the order waited for the bottleneck
    waited_minutes: int
    suggestions: tuple[str, ...]
    text: str


def _hm(minutes: int) -> str:
    return f"{minutes // 60}h{minutes % 60:02d}"


def explain(
    problem: NetworkProblem, plan: list[PlannedOperation], at_risk_minutes: int = 240
) -> list[Explanation]:
    """An explanation for every order finishing after ``due - at_risk_minutes``."""
    by_order: dict[str, list[PlannedOperation]] = {}
    for p in plan:
        by_order.setdefault(p.order, []).append(p)
    index = None
    out = []
    for order in problem.orders:
        ops = sorted(by_order.get(order.id, []), key=lambda p: p.op)
        if len(ops) != len(order.operations):
            continue
        end = ops[-1].end
        if end <= order.due - at_risk_minutes:
            continue
        index = index or _PlanIndex(problem, plan)
        out.append(_explain_order(problem, index, order, ops, end))
    return out


class _PlanIndex:
    """The plan per machine, sorted, built once for all the orders explained."""

    def __init__(self, problem: NetworkProblem, plan: list[PlannedOperation]):
        self.types = {(f.id, m.id): m.type for f in problem.factories for m in f.machines}
        self.machines_of: dict[tuple[str, str], list[str]] = {}
        for (fid, mid), mtype in self.types.items():
            self.machines_of.setdefault((fid, mtype), []).append(mid)
        self.factory_types = [(f.id, {m.type for m in f.machines}) for f in problem.factories]
        self._capable: dict[frozenset[str], list[str]] = {}
        self.on: dict[tuple[str, str], list[PlannedOperation]] = {}
        for q in plan:
            self.on.setdefault((q.factory, q.machine), []).append(q)
        self.ends: dict[tuple[str, str], list[int]] = {}
        for key, ops in self.on.items():
            ops.sort(key=lambda q: (q.end, q.start))
            self.ends[key] = [q.end for q in ops]

    def capable(self, order) -> list[str]:
        need = frozenset(op.machine_type for op in order.operations)
        if need not in self._capable:
            self._capable[need] = [fid for fid, has in self.factory_types if need <= has]
        return self._capable[need]

    def overlapping(self, factory: str, machine: str, lo: int, hi: int):
        """Operations on the machine that end after ``lo`` and start before ``hi``."""
        ops = self.on.get((factory, machine), [])
        i = bisect.bisect_right(self.ends.get((factory, machine), []), lo)
        return [q for q in ops[i:] if q.start < hi]


def _explain_order(problem, index, order, ops, end) -> Explanation:
    status = "late" if end > order.due else "at_risk"
    waits = []
    ready = max(order.release, problem.now)
    for i, p in enumerate(ops):
        waits.append((p.start - ready, i, ready, p))
        ready = p.end + order.operations[i].min_wait_after
    waited, i, ready, p = max(waits, key=lambda w: (w[0], -w[1]))
    mtype = order.operations[i].machine_type
    factory = problem.factory(p.factory)
    machine = next(m for m in factory.machines if m.id == p.machine)
    window = (ready, p.start)
    off = sum(max(0, min(e, p.start) - max(s, ready)) for s, e in unavailable(factory, machine, problem.horizon))
    down = sum(max(0, min(w.end, p.start) - max(w.start, ready)) for w in machine.downtime)
    busy = [q for q in index.overlapping(p.factory, p.machine, ready, p.start) if q.order != order.id]
    late_by = end - order.due
    suggestions = []
    if waited > 0:
        alt = _quieter_factories(index, order, mtype, window, p.factory)
        if alt:
            suggestions.append(f"move the order to {alt[0][1]} (its {mtype} is {alt[0][0]:.0%} loaded in that window)")
        if off > 0:
            suggestions.append(f"overtime on {p.machine} ({mtype}) in {p.factory}: up to {_hm(min(off, max(late_by, waited)))} before minute {p.start}")
        else:
            suggestions.append(f"add a shift or a second {mtype} in {p.factory}")
    if status == "late":
        suggestions.append(f"promise minute {end} instead of {order.due} ({_hm(late_by)} later)")
    if waited <= 0:
        text = (f"{order.id} ({status}) runs without waiting in {p.factory}; its routing is longer than "
                f"the time to its promise.")
    else:
        why = []
        if busy:
            why.append(f"busy with {len({q.order for q in busy})} other orders")
        if off:
            why.append(f"{_hm(off)} off shift")
        if down:
            why.append(f"{_hm(down)} down")
        text = (f"{order.id} ({status}, ends minute {end}, due {order.due}) waits {_hm(waited)} for "
                f"{mtype} {p.machine} in {p.factory} between minutes {ready} and {p.start}"
                f" ({', '.join(why) or 'sequencing'}); the bottleneck is {p.factory}'s {mtype}.")
    return Explanation(order.id, status, p.factory, end, order.due, mtype, p.machine, window,
                       max(0, waited), tuple(suggestions), text)


def _quieter_factories(index, order, mtype, window, home):
    lo, hi = window
    length = max(1, hi - lo)
    out = []
    for fid in index.capable(order):
        if fid == home:
            continue
        machines = index.machines_of.get((fid, mtype), [])
        busy = sum(max(0, min(q.end, hi) - max(q.start, lo))
                   for mid in machines for q in index.overlapping(fid, mid, lo, hi))
        out.append((busy / (len(machines) * length), fid))
    return sorted(out)[:1]
