"""Planning a chain-sized network by decomposition, over the compiled kernels:

1. **assign and dispatch**: orders by due date (heavier first), each to the factory where it
   finishes best among those that rank best on aggregated capacity (factory x machine type x
   day buckets), laid down in the earliest gaps there (:func:`kernels.dispatch`);
2. **sequence each factory on its own**: a search over the order in which a factory's orders
   are laid down, on the factories with late work, in parallel threads over disjoint
   factories (the kernels release the GIL) (:func:`kernels.improve`);
3. **repair across factories**: late orders move to another factory when the two factories'
   weighted tardiness falls (:func:`kernels.relocate`); then back to 2.

Pure: no I/O. The caller checks the result with the independent validator.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import kernels as K
from .arrays import NetworkArrays, compile_problem
from .model import NetworkProblem, Objective, PlannedOperation

CANDIDATES = 6  # factories tried exactly per order, of those ranked best on the buckets
SAMPLE = 32  # capable factories ranked on the buckets per order, at most
PARTITION_MIN_ORDERS = 4000  # a pool this large is dispatched in partitions, one per worker
RELOCATE_TARGETS = 3
RELOCATE_FIRST = 2000  # late orders the first relocation round of a search tries, at most
MAX_ITERATIONS = 4000  # moves per factory in one round of the sequence search


class ChainSearch:
    """One network's plan, held as per-operation arrays, improved in place."""

    def __init__(self, problem: NetworkProblem, seed: int = 0, workers: int = 1,
                 arrays: NetworkArrays | None = None):
        ensure_compiled()
        self.problem = problem
        self.a = a = arrays or compile_problem(problem)
        self.workers = max(1, workers)
        self.rs = [np.array([seed * 7919 + 17 * i + 1], np.int64) for i in range(self.workers)]
        self.A = (a.f_mptr, a.m_type, a.m_speed, a.m_change, a.w_ptr, a.w_start, a.w_end,
                  a.o_ptr, a.o_release, a.op_type, a.op_dur, a.op_fam, a.op_wait,
                  a.fz_machine, a.fz_start, a.fz_end)
        n = a.n_ops
        self.om = np.full(n, -1, np.int64)
        self.ost = np.full(n, -1, np.int64)
        self.oen = np.full(n, -1, np.int64)
        self.ofac = np.full(len(a.order_ids), -1, np.int64)
        self._started()
        self.base = self._base()
        per_machine = np.bincount(a.fz_machine[a.fz_machine >= 0], minlength=len(a.m_type))
        self._alloc(max(64, int(per_machine.max(initial=0)) * 2 + 32))
        self.fcap = a.cap.sum(axis=(1, 2))
        self.B = (a.cap, a.rate, a.day_first, a.day_last)
        self.relocate_seconds = 0.0  # per late order tried, as last measured (0: not yet)

    # -- state -----------------------------------------------------------------------------

    def _alloc(self, C: int) -> None:
        M = len(self.a.m_type)
        self.C = C
        self.S = (np.zeros((M, C), np.int64), np.zeros((M, C), np.int64),
                  np.zeros((M, C), np.int64), np.zeros(M, np.int64), self.a.m_budget.copy())

    def _grow(self) -> None:
        self._alloc(self.C * 2)
        self._rebuild()

    def _rebuild(self) -> None:
        while K.rebuild(self.A, self.S, self.a.m_budget, self.om, self.ost, self.oen) == K.FULL:
            self._alloc(self.C * 2)

    def _started(self) -> None:
        """Started work is always placed, where it runs (the machine state holds it)."""
        a = self.a
        fixed = a.fz_machine >= 0
        self.om[fixed] = a.fz_machine[fixed]
        self.ost[fixed] = a.fz_start[fixed]
        self.oen[fixed] = a.fz_end[fixed]

    def _base(self):
        """Started work per machine (CSR), what a factory's machines hold before any order."""
        a = self.a
        started = np.flatnonzero(a.fz_machine >= 0)
        m = a.fz_machine[started]
        order = np.lexsort((a.fz_start[started], m))
        started, m = started[order], m[order]
        ptr = np.zeros(len(a.m_type) + 1, np.int64)
        np.cumsum(np.bincount(m, minlength=len(a.m_type)), out=ptr[1:])
        return (ptr, a.fz_start[started].copy(), a.fz_end[started].copy(), a.op_fam[started].copy())

    def _pins(self) -> None:
        """Orders with started work stay in that work's factory; orders a planner pinned to
        a factory go there."""
        a = self.a
        started = np.flatnonzero(a.fz_machine >= 0)
        owner = np.searchsorted(a.o_ptr, started, side="right") - 1
        self.ofac[owner] = a.m_factory[a.fz_machine[started]]
        pinned = self.pinned_factory
        self.ofac[pinned >= 0] = pinned[pinned >= 0]

    @functools.cached_property
    def pinned_factory(self) -> np.ndarray:
        """Per order, the factory index a planner pinned it to (-1: none)."""
        a = self.a
        index = {fid: i for i, fid in enumerate(a.factory_ids)}
        out = np.full(len(a.order_ids), -1, np.int64)
        for order in self.problem.orders:
            if order.factory and order.id in a.order_index:
                out[a.order_index[order.id]] = index.get(order.factory, -1)
        return out

    # -- building a plan --------------------------------------------------------------------

    def dispatch(self, orders: np.ndarray | None = None, first: Collection[str] = (),
                 priority: np.ndarray | None = None, candidates: int = CANDIDATES,
                 sample: int = SAMPLE) -> None:
        """Place ``orders`` (indices; default all not placed) around what is placed, by due
        date (or ``priority``), those in ``first`` before the others. With several workers a
        large pool is dispatched in partitions of the network (factories split at random,
        orders dealt out in turn), one thread each; what a partition cannot place is tried
        once more over every factory."""
        a = self.a
        if orders is None:
            orders = np.flatnonzero(self.order_ends() < 0)
        firsts = np.zeros(len(a.order_ids), bool)
        for oid in first:
            if oid in a.order_index:
                firsts[a.order_index[oid]] = True
        key = a.o_due if priority is None else priority
        seq = orders[np.lexsort((orders, -a.o_weight[orders], key[orders], ~firsts[orders]))]
        self.ofac[seq] = -1
        self._pins()
        self._rebuild()
        while True:
            load = self.bucket_load()
            fload = np.zeros(len(a.factory_ids))
            parts = self._partitions(seq) if self.workers > 1 and len(seq) >= PARTITION_MIN_ORDERS \
                else [(seq, self._classes())]
            jobs = [(i, part, classes, candidates, sample, load, fload) for i, (part, classes) in enumerate(parts)]
            if len(jobs) > 1:
                with ThreadPoolExecutor(len(jobs)) as pool:
                    rcs = list(pool.map(lambda job: self._dispatch_part(*job), jobs))
            else:
                rcs = [self._dispatch_part(*jobs[0])]
            rest = seq[self.ofac[seq] == -2]
            if K.FULL not in rcs and len(parts) > 1 and rest.size:
                self.ofac[rest] = -1
                rcs.append(self._dispatch_part(0, rest, self._classes(), candidates, sample, load, fload))
            if K.FULL not in rcs:
                return
            for o in seq:  # start again with room to spare
                self.om[a.o_ptr[o]:a.o_ptr[o + 1]] = -1
            self._started()
            self.ofac[seq] = -1
            self._pins()
            self._alloc(self.C * 2)
            self._rebuild()

    def weighted_due(self) -> np.ndarray:
        """Per order, a dispatch priority for a network where much is late: its modified due
        date (the due date, or release plus base minutes of work when that is later) over
        its weight. Where many orders cannot be on time, laying the heavy and the short ones
        down first lowers weighted tardiness; by due date alone, a weight-10 order waits
        behind every lighter order due a minute earlier."""
        a = self.a
        work = np.add.reduceat(a.op_dur, a.o_ptr[:-1]) if a.n_ops else np.zeros(0, np.int64)
        return np.maximum(a.o_due, a.o_release + work) // np.maximum(1, a.o_weight)

    def _dispatch_part(self, i, seq, classes, candidates, sample, load, fload) -> int:
        a = self.a
        return K.dispatch(seq, candidates, sample, self.rs[i], a.now, self.A, self.S, *classes,
                          a.o_due, a.o_weight, self.B, load, fload, self.fcap, self.om, self.ost,
                          self.oen, self.ofac)

    def _partitions(self, seq: np.ndarray):
        """``seq`` split over as many partitions of the factories as there are workers:
        (orders in dispatch order, their factory classes) per partition. An order with
        started work goes with its factory."""
        a = self.a
        W = self.workers
        rng = np.random.default_rng(int(self.rs[0][0]) & 0xFFFFFFFF)
        group = np.empty(len(a.factory_ids), np.int64)
        group[rng.permutation(len(a.factory_ids))] = np.arange(len(a.factory_ids)) % W
        part = np.arange(len(seq)) % W
        pinned = self.ofac[seq] >= 0
        part[pinned] = group[self.ofac[seq][pinned]]
        return [(seq[part == g], self._classes(group == g)) for g in range(W)]

    def _classes(self, factories: np.ndarray | None = None):
        """Orders grouped by the machine types they need, with the factories (of the mask
        ``factories``; default all) able to make each group: (class per order, CSR
        pointers, factories)."""
        a = self.a
        masks, o_class = np.unique(a.o_types, return_inverse=True)
        able = a.f_types if factories is None else np.where(factories, a.f_types, 0)
        lists = [np.flatnonzero((able & m) == m) for m in masks]
        ptr = np.zeros(len(masks) + 1, np.int64)
        np.cumsum([len(x) for x in lists], out=ptr[1:])
        fac = np.concatenate(lists).astype(np.int64) if lists else np.zeros(0, np.int64)
        return o_class.astype(np.int64), ptr, fac

    def take(self, operations: list[PlannedOperation] | tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        """Hold ``operations`` (a valid plan, or part of one; or its per-op arrays) as the
        current placements."""
        a = self.a
        arrays = operations if isinstance(operations, tuple) and len(operations) == 3 and \
            isinstance(operations[0], np.ndarray) else a.op_arrays(operations)
        self.om, self.ost, self.oen = (x.copy() for x in arrays)
        self._started()
        first = self.om[a.o_ptr[:-1]]
        self.ofac[:] = np.where(first >= 0, a.m_factory[np.maximum(first, 0)], -1)
        # an order only part of which is held is not placed
        whole = np.minimum.reduceat(self.om, a.o_ptr[:-1]) >= 0 if a.n_ops else np.zeros(0, bool)
        for o in np.flatnonzero(~whole & (first >= 0)):
            self.om[a.o_ptr[o]:a.o_ptr[o + 1]] = -1
            self.ofac[o] = -1
        self._started()
        self._rebuild()

    def bucket_load(self) -> np.ndarray:
        """Base minutes placed per (factory, machine type, day)."""
        a = self.a
        load = np.zeros_like(a.cap)
        j = np.flatnonzero((self.om >= 0) & (a.fz_machine < 0))
        days = np.minimum(self.ost[j] // K.DAY, load.shape[2] - 1)
        np.add.at(load, (a.m_factory[self.om[j]], a.op_type[j], days), a.op_dur[j])
        return load

    # -- reading it -------------------------------------------------------------------------

    def order_ends(self) -> np.ndarray:
        """Each order's end (-1 where it is not placed)."""
        last = self.a.o_ptr[1:] - 1
        return np.where(self.om[last] >= 0, self.oen[last], -1)

    def objective(self) -> Objective:
        """Weighted tardiness and makespan of what is placed (moves are counted later)."""
        a = self.a
        ends = self.order_ends()
        placed = ends >= 0
        wt = int((a.o_weight[placed] * np.maximum(0, ends[placed] - a.o_due[placed])).sum())
        return Objective(wt, int(ends.max(initial=0)), 0)

    def unplaced(self) -> list[str]:
        return [self.a.order_ids[o] for o in np.flatnonzero(self.order_ends() < 0)]

    def operations(self, reuse=None) -> list[PlannedOperation]:
        return self.a.planned(self.om, self.ost, self.oen, reuse)

    def holding(self, operations: list[PlannedOperation]
                ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, ...], set[str]]:
        """What of ``operations`` (a plan of an earlier state of this problem) still holds
        (per-op arrays), all of it (per-op arrays), and the orders that must be placed
        again: new, changed, or broken by the change
        (an operation off its machine's working time now, in the past and not started, its
        routing changed, or its machine over its share: then the orders on it that end last,
        until the rest fits). Checked on the arrays; the caller validates what comes of it."""
        a = self.a
        om, ost, oen = a.op_arrays(operations)
        n = a.n_ops
        fixed = a.fz_machine >= 0
        has = om >= 0
        bad = ~has & ~fixed
        m = np.maximum(om, 0)
        j = np.flatnonzero(has & ~fixed)
        mj = m[j]
        want = np.maximum(1, np.ceil(a.op_dur[j] / a.m_speed[mj])).astype(np.int64)
        ok = (a.m_type[mj] == a.op_type[j]) & (oen[j] - ost[j] == want) & (ost[j] >= a.now)
        # inside one working window of its machine (sorted and disjoint per machine, so the
        # key machine x (horizon + 1) + start is sorted over all of them)
        span = a.horizon + 1
        wkey = np.repeat(np.arange(len(a.m_type)), np.diff(a.w_ptr)) * span + a.w_start
        w = np.searchsorted(wkey, mj * span + np.clip(ost[j], 0, a.horizon), side="right") - 1
        ok &= (w >= a.w_ptr[mj]) & (w < a.w_ptr[mj + 1])
        w = np.clip(w, 0, max(0, len(a.w_end) - 1))
        ok &= oen[j] <= a.w_end[w] if len(a.w_end) else False
        bad[j[~ok]] = True
        # routing order, waits, release, one factory
        owner = np.searchsorted(a.o_ptr, np.arange(n), side="right") - 1
        first = np.zeros(n, bool)
        first[a.o_ptr[:-1][a.o_ptr[:-1] < n]] = True
        prev = np.arange(n) - 1
        k = np.flatnonzero(~first & has)
        late_start = (ost[k] < oen[prev[k]] + a.op_wait[prev[k]]) & ~fixed[k]
        split = a.m_factory[m[k]] != a.m_factory[m[prev[k]]]
        bad[k[late_start | split | (om[prev[k]] < 0)]] = True
        f0 = np.flatnonzero(first & has & ~fixed)
        bad[f0[ost[f0] < a.o_release[owner[f0]]]] = True
        # a planner's pin: placed at another factory, it is placed again
        pin = self.pinned_factory[owner]
        bad[has & ~fixed & (pin >= 0) & (a.m_factory[m] != pin)] = True
        # started work where the plan had other work (started early, or on another machine
        # than planned): what it runs into makes room, as settling does
        bad[j[self._into_started(mj, ost[j], oen[j], a.op_fam[j])]] = True
        broken = np.zeros(len(a.order_ids), bool)
        broken[owner[bad]] = True
        # shares: the orders ending last leave a machine until what stays fits its share
        whole = ~broken[owner] & has & ~fixed
        used = np.bincount(om[whole], weights=(oen - ost)[whole], minlength=len(a.m_type))
        for mach in np.flatnonzero(used > a.m_budget):
            on = np.flatnonzero(whole & (om == mach))
            on = on[np.argsort(-oen[on], kind="stable")]
            excess = used[mach] - a.m_budget[mach]
            for op in on:
                if excess <= 0:
                    break
                if not broken[owner[op]]:
                    broken[owner[op]] = True
                excess -= oen[op] - ost[op]
        gone = broken[owner]
        keep = (np.where(gone, -1, om), np.where(gone, -1, ost), np.where(gone, -1, oen))
        return keep, (om, ost, oen), {a.order_ids[o] for o in np.flatnonzero(broken)}

    def _into_started(self, machine: np.ndarray, start: np.ndarray, end: np.ndarray,
                      family: np.ndarray) -> np.ndarray:
        """Which operations (on ``machine`` over [start, end), of ``family``) run into
        started work on their machine, the changeover between families included."""
        a = self.a
        ptr, st, en, fam = self._base()
        hit = np.zeros(len(machine), bool)
        if not len(st) or not len(machine):
            return hit
        on = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))  # each started op's machine
        gap = a.m_change[machine]
        lo = min(int(st.min()), int(start.min()))
        span = max(int(en.max()), int((end + gap).max())) - lo + 1
        # the started work on the machine that starts last before the operation ends (its
        # work there is one after the other), and the one before it (a changeover it owes)
        last = np.searchsorted(on * span + (st - lo), machine * span + (end + gap - lo))
        for k in (last - 1, last - 2):
            there = k >= ptr[machine]
            k = np.maximum(k, 0)
            g = np.where(fam[k] != family, gap, 0)
            hit |= there & (st[k] < end + g) & (en[k] + g > start)
        return hit

    def push_in(self, orders, budget: int, deadline: float) -> int:
        """Bring late orders (new, or placed again after a change) forward by a right shift:
        each is tried first in its factory's sequence, and in the few other factories that
        rank best for it, the other orders there staying where they are unless pushed
        (:func:`kernels.place_order` with floors). The move that lowers weighted tardiness
        most, within ``budget`` moved operations, is taken. Returns operations moved."""
        a = self.a
        used = 0
        res = np.zeros(3, np.int64)
        classes = self._classes()
        tard = lambda: a.o_weight * np.maximum(0, self.order_ends() - a.o_due)  # noqa: E731
        late = [o for o in orders if tard()[o] > 0]
        late.sort(key=lambda o: -tard()[o])
        for o in late:
            if time.monotonic() >= deadline or used >= budget:
                break
            home = int(self.ofac[o])
            if home < 0:
                continue
            ptr, seq = self.sequences()
            val = self.factory_values(ptr, seq)
            options = [home]
            if not (a.fz_machine[a.o_ptr[o]:a.o_ptr[o + 1]] >= 0).any():
                options += self._ranked(o, classes, home, RELOCATE_TARGETS)
            before = (self.om.copy(), self.ost.copy(), self.oen.copy())
            best = None
            for b in options:
                gain, moved = self._try_first(o, home, b, ptr, seq, val, res, before)
                if gain > 0 and used + moved <= budget and (best is None or gain > best[0]):
                    best = (gain, moved, b)
                self.om[:], self.ost[:], self.oen[:] = before
            if best is not None:
                self._try_first(o, home, best[2], ptr, seq, val, res, before)
                self.ofac[o] = best[2]
                used += best[1]
        self._rebuild()
        return used

    def _ranked(self, o: int, classes, skip: int, k: int) -> list[int]:
        """Up to ``k`` factories able to make order ``o`` (not ``skip``), best on the buckets."""
        a = self.a
        o_class, ptr, fac = classes
        load = self.bucket_load()
        ready = max(int(a.o_release[o]), a.now)
        able = fac[ptr[o_class[o]]:ptr[o_class[o] + 1]]
        ends = [(K._estimate(o, int(f), ready, a.o_ptr, a.op_type, a.op_dur, a.op_wait, self.B, load), int(f))
                for f in able[:256] if f != skip]
        return [f for _, f in sorted(ends)[:k]]

    def _try_first(self, o, home, b, ptr, seq, val, res, before) -> tuple[int, int]:
        """Lay factory ``b`` down with order ``o`` first and its orders right-shifted (and
        ``home`` without ``o``): (fall in weighted tardiness, operations moved)."""
        a = self.a
        floor = before[1].copy()
        floor[a.o_ptr[o]:a.o_ptr[o + 1]] = -1
        gain = 0
        if b != home:
            rest = np.array([x for x in seq[ptr[home]:ptr[home + 1]] if x != o], np.int64)
            K.decode(home, rest, 0, len(rest), a.now, self.A, self.S, a.m_budget, self.base,
                     a.o_due, a.o_weight, self.om, self.ost, self.oen, res, floor)
            gain += int(val[home, 0] - res[0]) if res[2] == 0 else -(1 << 60)
        order = np.concatenate(([o], [x for x in seq[ptr[b]:ptr[b + 1]] if x != o])).astype(np.int64)
        rc = K.decode(b, order, 0, len(order), a.now, self.A, self.S, a.m_budget, self.base,
                      a.o_due, a.o_weight, self.om, self.ost, self.oen, res, floor)
        if rc == K.FULL or res[2] > 0:
            return -(1 << 60), 0
        gain += int(val[b, 0] - res[0])
        others = [x for x in order[1:]] + ([x for x in seq[ptr[home]:ptr[home + 1]] if x != o] if b != home else [])
        if not others:
            return gain, 0
        touched = np.concatenate([np.arange(a.o_ptr[x], a.o_ptr[x + 1]) for x in others])
        moved = int(((self.om[touched] != before[0][touched]) | (self.ost[touched] != before[1][touched])).sum())
        return gain, moved

    def moved_from(self, om, ost) -> int:
        """Operations whose machine or start differ from the per-op arrays of a plan (of
        those that plan has)."""
        had = om >= 0
        return int(((self.om[had] != om[had]) | (self.ost[had] != ost[had])).sum())

    def operations_from(self, previous: list[PlannedOperation], om, ost) -> list[PlannedOperation]:
        """The current placements as ``previous`` with what changed replaced: the objects
        that did not move are the same ones (cheap at chain scale, where little moves)."""
        a = self.a
        changed = (self.om != om) | (self.ost != ost)
        if not changed.any() and len(previous) == int((om >= 0).sum()):
            return list(previous)
        dropped = {a.order_ids[o] for o in np.unique(np.searchsorted(a.o_ptr, np.flatnonzero(changed), side="right") - 1)}
        out = [q for q in previous if q.order not in dropped and q.order in a.order_index]
        mask = np.zeros(a.n_ops, np.int64) - 1
        for oid in dropped:
            o = a.order_index[oid]
            mask[a.o_ptr[o]:a.o_ptr[o + 1]] = self.om[a.o_ptr[o]:a.o_ptr[o + 1]]
        out += a.planned(mask, self.ost, self.oen)
        return out

    # -- improving it -----------------------------------------------------------------------

    def sequences(self) -> tuple[np.ndarray, np.ndarray]:
        """Each factory's orders in the order they start (CSR over all factories)."""
        a = self.a
        placed = np.flatnonzero(self.ofac >= 0)
        first = self.ost[a.o_ptr[placed]]
        order = placed[np.lexsort((placed, first, self.ofac[placed]))]
        ptr = np.zeros(len(a.factory_ids) + 1, np.int64)
        np.cumsum(np.bincount(self.ofac[order], minlength=len(a.factory_ids)), out=ptr[1:])
        return ptr, order

    def factory_values(self, ptr, seq) -> np.ndarray:
        """(weighted tardiness, sum of ends, unfit) per factory."""
        a = self.a
        ends = self.order_ends()
        val = np.zeros((len(a.factory_ids), 3), np.int64)
        placed = np.flatnonzero(self.ofac >= 0)
        f = self.ofac[placed]
        np.add.at(val[:, 0], f, a.o_weight[placed] * np.maximum(0, ends[placed] - a.o_due[placed]))
        np.add.at(val[:, 1], f, ends[placed])
        return val

    def improve(self, deadline: float, on_improvement: Callable[[Objective], None] | None = None,
                factories: Collection[int] | None = None, patience: int = 0) -> bool:
        """Sequence factories and move late orders between them until ``deadline``
        (monotonic seconds), or ``patience`` rounds in a row without a better plan (0: until
        the deadline). Returns whether the plan got better."""
        start = self.objective()
        best = start
        iters = 16
        idle = 0
        pool = ThreadPoolExecutor(self.workers) if self.workers > 1 else None
        try:
            while time.monotonic() < deadline:
                ptr, seq = self.sequences()
                val = self.factory_values(ptr, seq)
                late = np.flatnonzero(val[:, 0] > 0)
                if factories is not None:
                    late = np.intersect1d(late, np.fromiter(factories, np.int64))
                if late.size == 0:
                    break
                t = time.monotonic()
                self._improve_round(late, ptr, seq, val, iters, pool)
                took = time.monotonic() - t
                if factories is None and time.monotonic() < deadline:
                    self._relocate_round(deadline)
                now_obj = self.objective()
                if now_obj.key() < best.key():
                    best = now_obj
                    idle = 0
                    if on_improvement:
                        on_improvement(best)
                else:
                    idle += 1
                    if patience and idle >= patience:
                        break
                # aim at rounds of about a second, and never past the deadline
                left = deadline - time.monotonic()
                if took > 0:
                    scale = min(2.0, max(0.25, min(1.0, left / 2) / took))
                    iters = max(4, min(MAX_ITERATIONS, int(iters * scale)))
        finally:
            if pool:
                pool.shutdown()
        self._rebuild()
        return best.key() < start.key()

    def _improve_round(self, facs, ptr, seq, val, iters, pool) -> None:
        a = self.a
        chunks = [facs[i::self.workers] for i in range(self.workers)] if pool else [facs]

        def run(i, chunk):
            if chunk.size == 0:
                return
            fptr = np.zeros(len(chunk) + 1, np.int64)
            np.cumsum(ptr[chunk + 1] - ptr[chunk], out=fptr[1:])
            cseq = np.concatenate([seq[ptr[f]:ptr[f + 1]] for f in chunk])
            cval = val[chunk].copy()
            rc = K.improve(chunk, fptr, cseq, iters, self.rs[i], a.now, self.A, self.S,
                           a.m_budget, self.base, a.o_due, a.o_weight, self.om, self.ost,
                           self.oen, cval)
            return rc

        if pool:
            results = list(pool.map(run, range(len(chunks)), chunks))
        else:
            results = [run(0, chunks[0])]
        if any(r == K.FULL for r in results):
            self._grow()

    def _relocate_round(self, deadline: float | None = None) -> None:
        """Late orders, the latest first, each moved to another factory where the two
        factories' weighted tardiness falls; before ``deadline`` as many as half the time
        left allows at the last measured pace (where most orders are late there are tens of
        thousands: tight@xl's 46,000 took 18.9 s in one round, past a 20 s limit)."""
        a = self.a
        ptr, seq = self.sequences()
        val = self.factory_values(ptr, seq)
        ends = self.order_ends()
        placed = ends >= 0
        tard = np.where(placed, a.o_weight * np.maximum(0, ends - a.o_due), 0)
        late = np.flatnonzero((tard > 0) & (self.pinned_factory < 0))  # pinned: they stay
        if late.size == 0:
            return
        late = late[np.argsort(-tard[late], kind="stable")]
        if deadline is not None:
            left = max(0.0, deadline - time.monotonic())
            late = late[:max(1, int(left / 2 / self.relocate_seconds)) if self.relocate_seconds
                        else RELOCATE_FIRST]
        started = time.monotonic()
        load = self.bucket_load()
        touched = np.zeros(len(a.factory_ids), bool)
        moves = np.zeros((max(1, len(a.factory_ids) // 2), 4), np.int64)
        rc = K.relocate(late, RELOCATE_TARGETS, a.now, self.A, self.S, a.m_budget, self.base,
                        a.f_types, a.o_types, a.o_due, a.o_weight, self.B, load, self.ofac,
                        ptr, seq, val, touched, self.om, self.ost, self.oen, moves)
        self.relocate_seconds = (time.monotonic() - started) / len(late)
        if rc == K.FULL:
            self._grow()


_WARMING = threading.RLock()
_warm_state = {"done": False, "running": False}


def ensure_compiled() -> None:
    """Every kernel compiled (or loaded from the cache) in this process, once, by one
    thread, before any runs on threads: the other threads wait. Compiling and loading the
    cache from several threads at once is where numba is least safe."""
    if _warm_state["done"]:
        return
    with _WARMING:
        if _warm_state["done"] or _warm_state["running"]:
            return  # done meanwhile, or this thread is the one warming
        _warm_state["running"] = True
        try:
            warm()
            _warm_state["done"] = True
        finally:
            _warm_state["running"] = False


def warm() -> None:
    """Compile (or load from the cache) every kernel on a tiny network, so that the first
    plan does not wait for the compiler."""
    from .model import Factory, Machine, Operation, Order, PlannedOperation, Window

    factories = tuple(Factory(f"W{i}", (Machine(f"W{i}-saw", "panel_saw"), Machine(f"W{i}-asm", "assembly")),
                              (Window(0, 480), Window(480, 960)), 0.9) for i in range(2))
    orders = tuple(Order(f"w{i}", (Operation("panel_saw", 200, "a" if i % 2 else "b"), Operation("assembly", 60)),
                         due=300, weight=1 + i % 3) for i in range(8))
    started = (PlannedOperation("w0", 0, "W0", "W0-saw", 0, 223),)
    problem = NetworkProblem(960, factories, orders, frozen=started, now=10)
    search = ChainSearch(problem, workers=1)  # one thread: nothing compiles side by side
    search.dispatch()
    search.improve(time.monotonic() + 0.05)
    search._relocate_round()
    search.holding(search.operations())
    search.push_in([0], 10, time.monotonic() + 0.05)
