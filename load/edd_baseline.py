"""The plain EDD list schedule with gap filling: the baseline of the chain-scale benchmark.

Written apart from the solver on purpose (it reads only the problem model). Orders by due date
(ties: heavier first, then id). Each order goes to a capable factory (one with every machine
type it needs) that has share left on each of those types, the least loaded relative to its
offered capacity first; the next one when the order does not fit there. Each operation takes
the earliest gap on a machine of its type in that factory (the machine that finishes it first)
that respects the working time (windows that touch are one stretch; a gap between windows is a
break no operation crosses), downtime, changeovers between setup families, the wait after the
previous operation, the order's release, ``now`` and the machine's share budget
(floor(share x available minutes in the horizon)). Started (frozen) operations are laid down
first and stay. An order that fits nowhere is left out. Machines are used one operation at a
time (batch machines too: that is always valid).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace

import numpy as np

from services.scheduling.solver.model import NetworkProblem, Order, PlannedOperation


@dataclass(frozen=True)
class EddPlan:
    operations: tuple[PlannedOperation, ...]
    left_out: tuple[str, ...]  # orders that fit in no factory


class _Line:
    """One machine's timeline: working segments, and the operations on it sorted by start."""

    __slots__ = ("seg_start", "seg_end", "start", "end", "family", "left", "change", "speed")

    def __init__(self, segments: list[tuple[int, int]], budget: int, change: int, speed: float):
        self.seg_start = [s for s, _ in segments]
        self.seg_end = [e for _, e in segments]
        self.start: list[int] = []
        self.end: list[int] = []
        self.family: list[str] = []
        self.left = budget
        self.change = change
        self.speed = speed

    def earliest(self, ready: int, minutes: int, family: str) -> int:
        """The earliest start >= ``ready`` of an operation of ``minutes`` (-1: none)."""
        ss, se, bs, be, bf = self.seg_start, self.seg_end, self.start, self.end, self.family
        change, n_seg, n_busy = self.change, len(ss), len(bs)
        t = ready
        j = bisect_right(se, t)
        k = bisect_right(be, t)
        while True:
            while j < n_seg and se[j] < t + minutes:
                j += 1
            if j == n_seg:
                return -1
            if t < ss[j]:
                t = ss[j]
                continue
            while k < n_busy and be[k] <= t:
                k += 1
            if k and change and bf[k - 1] != family and be[k - 1] + change > t:
                t = be[k - 1] + change
                continue
            if k < n_busy:
                limit = bs[k] - (change if change and bf[k] != family else 0)
                if t + minutes > limit:
                    t = be[k]
                    k += 1
                    continue
            return t

    def put(self, start: int, end: int, family: str) -> None:
        k = bisect_left(self.start, start)
        self.start.insert(k, start)
        self.end.insert(k, end)
        self.family.insert(k, family)

    def take_out(self, start: int) -> None:
        k = bisect_left(self.start, start)
        del self.start[k], self.end[k], self.family[k]


def stretches(windows, horizon: int) -> list[tuple[int, int]]:
    """Windows inside [0, horizon) merged where they touch or overlap."""
    out: list[tuple[int, int]] = []
    for w in sorted(windows, key=lambda w: (w.start, w.end)):
        lo, hi = max(0, w.start), min(horizon, w.end)
        if hi <= lo:
            continue
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _segments(working: list[tuple[int, int]], down: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Working stretches with the downtime cut out."""
    if not down:
        return working
    out = []
    for lo, hi in working:
        for d_lo, d_hi in down:
            if d_hi <= lo or d_lo >= hi:
                continue
            if d_lo > lo:
                out.append((lo, d_lo))
            lo = max(lo, d_hi)
        if lo < hi:
            out.append((lo, hi))
    return out


class _Network:
    """Timelines of every machine, the factories' machines by type, and their loads."""

    def __init__(self, problem: NetworkProblem):
        types = sorted({m.type for f in problem.factories for m in f.machines}
                       | {op.machine_type for o in problem.orders for op in o.operations})
        self.type_index = {t: i for i, t in enumerate(types)}
        self.factory_index = {f.id: i for i, f in enumerate(problem.factories)}
        self.factories = problem.factories
        n_f = len(problem.factories)
        self.lines: dict[tuple[str, str], _Line] = {}
        self.by_type: list[dict[str, list[tuple[str, _Line]]]] = []
        self.masks = np.zeros(n_f, dtype=np.int64)
        self.share_left = np.zeros((n_f, len(types)), dtype=np.int64)
        self.offered = np.zeros(n_f)
        self.load = np.zeros(n_f)
        working: dict[tuple, list[tuple[int, int]]] = {}
        for fi, f in enumerate(problem.factories):
            calendar = working.get(f.shifts)
            if calendar is None:
                calendar = working[f.shifts] = stretches(f.shifts, problem.horizon)
            lines: dict[str, list[tuple[str, _Line]]] = {}
            for m in f.machines:
                segments = _segments(calendar, stretches(m.downtime, problem.horizon))
                budget = math.floor(f.capacity_share * sum(e - s for s, e in segments))
                line = _Line(segments, budget, problem.setup_minutes(m.type), m.speed)
                self.lines[f.id, m.id] = line
                lines.setdefault(m.type, []).append((m.id, line))
                self.offered[fi] += budget
            self.by_type.append(lines)
            for t in lines:
                self.masks[fi] |= 1 << self.type_index[t]
                self._refresh(fi, t)
        self.fastest = max((m.speed for f in problem.factories for m in f.machines), default=1.0)
        self.capable: dict[int, np.ndarray] = {}

    def _refresh(self, fi: int, machine_type: str) -> None:
        self.share_left[fi, self.type_index[machine_type]] = max(
            line.left for _, line in self.by_type[fi][machine_type])

    def candidates(self, order: Order):
        """Capable factories with share left on each type the order needs, least loaded
        (relative to offered capacity) first; lazily, as the order fails in each."""
        need: dict[int, int] = {}
        for op in order.operations:
            t = self.type_index[op.machine_type]
            need[t] = max(need.get(t, 0), math.ceil(op.duration / self.fastest))
        mask = sum(1 << t for t in need)
        capable = self.capable.get(mask)
        if capable is None:
            capable = self.capable[mask] = np.flatnonzero((self.masks & mask) == mask)
        cols = np.fromiter(need, dtype=np.int64, count=len(need))
        least = np.fromiter(need.values(), dtype=np.int64, count=len(need))
        ok = capable[(self.share_left[np.ix_(capable, cols)] >= least).all(axis=1)]
        if not len(ok):
            return
        ratio = self.load[ok] / np.maximum(self.offered[ok], 1.0)
        first = int(np.argmin(ratio))
        yield int(ok[first])
        for i in np.argsort(ratio, kind="stable"):
            if i != first:
                yield int(ok[i])

    def place(self, order: Order, fi: int, ready: int, first_op: int = 0):
        """The order's operations from ``first_op`` on in factory ``fi`` (None: it does not
        fit; nothing is left behind)."""
        factory = self.factories[fi]
        lines = self.by_type[fi]
        done: list[tuple[PlannedOperation, _Line]] = []
        for i in range(first_op, len(order.operations)):
            op = order.operations[i]
            best = None
            for mid, line in lines.get(op.machine_type, ()):
                minutes = max(1, math.ceil(op.duration / line.speed))
                if line.left < minutes:
                    continue
                start = line.earliest(ready, minutes, op.setup_family)
                if start >= 0 and (best is None or start + minutes < best[1] + best[2]):
                    best = (mid, start, minutes, line)
            if best is None:
                for p, line in done:
                    line.take_out(p.start)
                    line.left += p.end - p.start
                return None
            mid, start, minutes, line = best
            line.put(start, start + minutes, op.setup_family)
            line.left -= minutes
            done.append((PlannedOperation(order.id, i, factory.id, mid, start, start + minutes), line))
            ready = start + minutes + op.min_wait_after
        for p, _ in done:
            self.load[fi] += p.end - p.start
        for t in {order.operations[p.op].machine_type for p, _ in done}:
            self._refresh(fi, t)
        return [p for p, _ in done]


def edd_plan(problem: NetworkProblem) -> EddPlan:
    """The EDD list schedule of ``problem`` (see the module text)."""
    net = _Network(problem)
    orders = {o.id: o for o in problem.orders}
    started: dict[str, list[PlannedOperation]] = {}
    for p in problem.frozen:
        if p.order in orders:
            net.lines[p.factory, p.machine].put(p.start, p.end, orders[p.order].operations[p.op].setup_family)
            started.setdefault(p.order, []).append(p)
    planned: list[PlannedOperation] = []
    left_out: list[str] = []
    for order in sorted(problem.orders, key=lambda o: (o.due, -o.weight, o.id)):
        done = started.get(order.id)
        if done:
            done.sort(key=lambda p: p.op)
            last = done[-1]
            ready = max(problem.now, last.end + order.operations[last.op].min_wait_after)
            rest = net.place(order, net.factory_index[last.factory], ready, last.op + 1)
            ops = None if rest is None else done + rest
        else:
            ready = max(problem.now, order.release)
            ops = next((found for fi in net.candidates(order)
                        if (found := net.place(order, fi, ready)) is not None), None)
        if ops is None:
            left_out.append(order.id)
        else:
            planned.extend(ops)
    return EddPlan(tuple(planned), tuple(left_out))


def _lone_end(order: Order, segments: list[tuple[int, int]], speed: dict[str, float],
              ready: int) -> int:
    """The end of ``order`` alone on machines of ``speed`` (per type) working ``segments``
    (-1: an operation fits in no segment)."""
    for op in order.operations:
        minutes = max(1, math.ceil(op.duration / speed[op.machine_type]))
        j = bisect_right([e for _, e in segments], ready)
        while j < len(segments) and segments[j][1] - max(ready, segments[j][0]) < minutes:
            j += 1
        if j == len(segments):
            return -1
        ready = max(ready, segments[j][0]) + minutes + op.min_wait_after
    return ready - order.operations[-1].min_wait_after


def tardiness_floor(problem: NetworkProblem) -> int:
    """A lower bound of any plan's weighted tardiness over the orders it places: each order
    alone in the network, on the fastest machine of each type among the factories of one
    calendar and one set of machine types, downtime, shares and changeovers ignored (each
    of them only delays it); orders that fit nowhere count nothing. Where it is close to the EDD plan's, no plan can be much better than EDD:
    the lateness is the due dates', not the schedule's."""
    fastest: dict[tuple, dict[str, float]] = {}  # (calendar, types) -> fastest per type
    for f in problem.factories:
        best = fastest.setdefault((f.shifts, frozenset(m.type for m in f.machines)), {})
        for m in f.machines:
            best[m.type] = max(best.get(m.type, 0.0), m.speed)
    groups = [(stretches(shifts, problem.horizon), speeds)
              for (shifts, _), speeds in fastest.items()]
    total = 0
    for o in problem.orders:
        need = {op.machine_type for op in o.operations}
        ready = max(problem.now, o.release)
        ends = [e for segments, speeds in groups if need <= speeds.keys()
                and (e := _lone_end(o, segments, speeds, ready)) >= 0]
        if ends:
            total += o.weight * max(0, min(ends) - o.due)
    return total


def without(problem: NetworkProblem, order_ids) -> NetworkProblem:
    """``problem`` without the orders ``order_ids`` (and their started or planned work): what a
    plan that left them out is checked against."""
    gone = set(order_ids)
    if not gone:
        return problem
    return replace(problem, orders=tuple(o for o in problem.orders if o.id not in gone),
                   frozen=tuple(p for p in problem.frozen if p.order not in gone),
                   last_plan=tuple(p for p in problem.last_plan if p.order not in gone))
