"""Why an order is planned late (or close to it), in words a planner can act on."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

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
    # what ``text`` says, as values (for words in the reader's language, queries.py)
    busy_orders: int = 0  # other orders on the bottleneck machine in the window
    off_minutes: int = 0  # of the window off shift
    down_minutes: int = 0  # of the window down
    quieter: tuple[float, str] | None = None  # (share busy, factory) to move the order to
    overtime_minutes: int = 0  # overtime that would help (0: add a shift or machine instead)


def _hm(minutes: int) -> str:
    return f"{minutes // 60}h{minutes % 60:02d}"


def explain(
    problem: NetworkProblem, plan: list[PlannedOperation], at_risk_minutes: int = 240
) -> list[Explanation]:
    """An explanation for every order finishing after ``due - at_risk_minutes``."""
    by_order: dict[str, list[PlannedOperation]] = {o.id: [] for o in problem.orders}
    for p in plan:
        ops = by_order.get(p.order)
        if ops is not None:
            ops.append(p)
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
    """The plan per machine, sorted, built once for all the orders explained (as arrays:
    a chain's 280,000 operations in a fraction of a second)."""

    def __init__(self, problem: NetworkProblem, plan: list[PlannedOperation]):
        self.horizon = problem.horizon
        self.problem = problem
        self.factories = {f.id: f for f in problem.factories}
        self.factory_ids = [f.id for f in problem.factories]
        self.factory_types = [{m.type for m in f.machines} for f in problem.factories]
        self._capable: dict[frozenset[str], np.ndarray] = {}
        self._loads: dict[str, _TypeLoad] = {}
        machines = [(fi, f.id, m.id, m.type) for fi, f in enumerate(problem.factories) for m in f.machines]
        self.machine_index = {(fid, mid): k for k, (_, fid, mid, _) in enumerate(machines)}
        self.machine_factory = np.array([fi for fi, _, _, _ in machines], np.int64)
        self.machine_type = [t for _, _, _, t in machines]
        self.ops = ops = list(plan)
        self.factory_pos = {fid: i for i, fid in enumerate(self.factory_ids)}
        where = zip(map(attrgetter("factory"), ops), map(attrgetter("machine"), ops), strict=True)
        try:
            key = np.fromiter(map(self.machine_index.__getitem__, where), np.int64, len(ops))
        except KeyError:  # an operation on a machine the problem does not have
            key = np.fromiter((self.machine_index.get((q.factory, q.machine), -1) for q in ops),
                              np.int64, len(ops))
        self.start = np.fromiter(map(attrgetter("start"), ops), np.int64, len(ops))
        self.end = np.fromiter(map(attrgetter("end"), ops), np.int64, len(ops))
        # per machine by (end, start): for the operations around a window
        self.by_end = np.lexsort((self.start, self.end, key))
        self.ptr = np.searchsorted(key[self.by_end], np.arange(len(machines) + 1))
        self.sorted_end = self.end[self.by_end]
        # per machine by (start, end): for busy minutes
        self.by_start = np.lexsort((self.end, self.start, key))
        self.key = key

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
        k = self.machine_index.get((factory, machine))
        if k is None:
            return []
        a, b = int(self.ptr[k]), int(self.ptr[k + 1])
        i = a + int(np.searchsorted(self.sorted_end[a:b], lo, side="right"))
        return [self.ops[j] for j in self.by_end[i:b].tolist() if self.ops[j].start < hi]


class _TypeLoad:
    """Busy minutes of every machine of one type in any window, from prefix sums over the
    operations in (machine, start) order: one vectorised look-up per window."""

    def __init__(self, index: _PlanIndex, mtype: str):
        ks = np.array([k for k, t in enumerate(index.machine_type) if t == mtype], np.int64)
        local = np.full(len(index.machine_type) + 1, -1, np.int64)
        local[ks] = np.arange(len(ks))
        self.factory_of = index.machine_factory[ks]
        self.count = np.bincount(self.factory_of, minlength=len(index.factory_ids))
        span = self.span = index.horizon + 2
        rows = index.by_start[local[index.key[index.by_start]] >= 0]
        k = local[index.key[rows]]
        self.start = index.start[rows]
        self.end = index.end[rows]
        # ends are in order only where a machine runs one operation at a time
        self.serial = bool(np.all((k[1:] != k[:-1]) | (self.start[1:] >= self.end[:-1])))
        self.key_start = k * span + np.clip(self.start, -1, span - 2)
        self.key_end = k * span + np.clip(self.end, -1, span - 2)
        self.done = np.concatenate(([0], np.cumsum(self.end - self.start)))
        self.k = np.arange(len(ks), dtype=np.int64) * span

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
    alt = []
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
                       max(0, waited), tuple(suggestions), text,
                       busy_orders=len({q.order for q in busy}), off_minutes=off,
                       down_minutes=down, quieter=alt[0] if alt else None,
                       overtime_minutes=min(off, max(late_by, waited)) if off > 0 else 0)


def _quieter_factories(index, order, mtype, window, home):
    """The capable factory (not ``home``) whose ``mtype`` machines are least busy in
    ``window``, as [(share busy, factory)], ties to the first name; [] when there is none."""
    lo, hi = window
    length = max(1, hi - lo)
    load = index.load(mtype)
    capable = index.capable(order)
    cand = capable[capable != index.factory_pos.get(home, -1)]
    if not len(cand):
        return []
    if not load.serial:  # overlapping batch work: sum it operation by operation
        out = []
        for i in cand.tolist():
            fid = index.factory_ids[i]
            machines = [m.id for m in index.factories[fid].machines if m.type == mtype]
            busy = sum(max(0, min(q.end, hi) - max(q.start, lo))
                       for mid in machines for q in index.overlapping(fid, mid, lo, hi))
            out.append((busy / (len(machines) * length), fid))
        return sorted(out)[:1]
    share = load.busy(lo, hi)[cand] / (load.count[cand] * length)
    best = share.min()
    fid = min(index.factory_ids[i] for i in cand[share == best].tolist())
    return [(float(best), fid)]
