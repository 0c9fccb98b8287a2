"""Why an order is planned late (or close to it), in words a planner can act on."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

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
        self.horizon = problem.horizon
        self.factories = {f.id: f for f in problem.factories}
        self.factory_ids = [f.id for f in problem.factories]
        self.factory_types = [{m.type for m in f.machines} for f in problem.factories]
        self._capable: dict[frozenset[str], np.ndarray] = {}
        self.on: dict[tuple[str, str], list[PlannedOperation]] = {}
        for q in plan:
            self.on.setdefault((q.factory, q.machine), []).append(q)
        self.ends: dict[tuple[str, str], list[int]] = {}
        for key, ops in self.on.items():
            ops.sort(key=lambda q: (q.end, q.start))
            self.ends[key] = [q.end for q in ops]
        self._loads: dict[str, _TypeLoad] = {}
        self.problem = problem

    def capable(self, order) -> np.ndarray:
        """Indices of the factories with every machine type ``order`` needs."""
        need = frozenset(op.machine_type for op in order.operations)
        if need not in self._capable:
            self._capable[need] = np.array(
                [i for i, has in enumerate(self.factory_types) if need <= has], np.int64)
        return self._capable[need]

    def load(self, mtype: str) -> _TypeLoad:
        if mtype not in self._loads:
            self._loads[mtype] = _TypeLoad(self, mtype)
        return self._loads[mtype]

    def overlapping(self, factory: str, machine: str, lo: int, hi: int):
        """Operations on the machine that end after ``lo`` and start before ``hi``."""
        ops = self.on.get((factory, machine), [])
        i = bisect.bisect_right(self.ends.get((factory, machine), []), lo)
        return [q for q in ops[i:] if q.start < hi]


class _TypeLoad:
    """Busy minutes of every machine of one type in any window, from prefix sums over the
    operations in (machine, start) order: one vectorised look-up per window."""

    def __init__(self, index: _PlanIndex, mtype: str):
        machines = [(fi, f.id, m.id) for fi, f in enumerate(index.problem.factories)
                    for m in f.machines if m.type == mtype]
        self.factory_of = np.array([fi for fi, _, _ in machines], np.int64)
        self.count = np.bincount(self.factory_of, minlength=len(index.factory_ids))
        span = self.span = index.horizon + 2
        starts, ends, keys = [], [], []
        for k, (_, fid, mid) in enumerate(machines):
            ops = sorted((q.start, q.end) for q in index.on.get((fid, mid), []))
            starts += [a for a, _ in ops]
            ends += [b for _, b in ops]
            keys += [k] * len(ops)
        self.start = np.array(starts, np.int64)
        self.end = np.array(ends, np.int64)
        k = np.array(keys, np.int64)
        # ends are in order only where a machine runs one operation at a time
        self.serial = bool(np.all((k[1:] != k[:-1]) | (self.start[1:] >= self.end[:-1])))
        self.key_start = k * span + np.clip(self.start, -1, span - 2)
        self.key_end = k * span + np.clip(self.end, -1, span - 2)
        self.done = np.concatenate(([0], np.cumsum(self.end - self.start)))
        self.k = np.arange(len(machines), dtype=np.int64) * span

    def busy(self, lo: int, hi: int) -> np.ndarray:
        """Busy minutes in ``[lo, hi)`` per factory."""
        lo_c, hi_c = min(max(lo, -1), self.span - 2), min(max(hi, -1), self.span - 2)
        i1 = np.searchsorted(self.key_end, self.k + lo_c, side="right")
        i2 = np.searchsorted(self.key_start, self.k + hi_c, side="left")
        some = i1 < i2
        total = (self.done[i2] - self.done[i1]).astype(np.int64)
        first = np.minimum(i1, len(self.start) - 1)
        last = np.maximum(i2 - 1, 0)
        if len(self.start):
            total -= np.where(some, np.maximum(0, lo - self.start[first]), 0)
            total -= np.where(some, np.maximum(0, self.end[last] - hi), 0)
        total = np.where(some, total, 0)
        return np.bincount(self.factory_of, weights=total, minlength=len(self.count))


def _explain_order(problem, index, order, ops, end) -> Explanation:
    status = "late" if end > order.due else "at_risk"
    waits = []
    ready = max(order.release, problem.now)
    for i, p in enumerate(ops):
        waits.append((p.start - ready, i, ready, p))
        ready = p.end + order.operations[i].min_wait_after
    waited, i, ready, p = max(waits, key=lambda w: (w[0], -w[1]))
    mtype = order.operations[i].machine_type
    factory = index.factories[p.factory]
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
    """The capable factory (not ``home``) whose ``mtype`` machines are least busy in
    ``window``, as [(share busy, factory)], ties to the first name; [] when there is none."""
    lo, hi = window
    length = max(1, hi - lo)
    load = index.load(mtype)
    candidates = [i for i in index.capable(order).tolist() if index.factory_ids[i] != home]
    if not candidates:
        return []
    if not load.serial:  # overlapping batch work: sum it operation by operation
        out = []
        for i in candidates:
            fid = index.factory_ids[i]
            machines = [m.id for m in index.factories[fid].machines if m.type == mtype]
            busy = sum(max(0, min(q.end, hi) - max(q.start, lo))
                       for mid in machines for q in index.overlapping(fid, mid, lo, hi))
            out.append((busy / (len(machines) * length), fid))
        return sorted(out)[:1]
    cand = np.array(candidates, np.int64)
    share = load.busy(lo, hi)[cand] / (load.count[cand] * length)
    best = share.min()
    fid = min(index.factory_ids[i] for i in cand[share == best].tolist())
    return [(float(best), fid)]
