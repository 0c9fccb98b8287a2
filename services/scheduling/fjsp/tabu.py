"""Tabu search for the FJSP on the disjunctive graph (after Mastrolilli & Gambardella 2000).

A solution is a machine for every operation and an order of the operations on every
machine. Heads ``r`` (earliest start) and tails ``q`` (longest path after the end) come from
one topological pass each. A move takes an operation ``v`` on a critical path out of its
machine and inserts it on any eligible machine (its own included) at any position that
cannot close a cycle; it is scored by the longest path through ``v`` after the move,
computed from the heads and tails of the current solution (re-derived along ``v``'s old
machine, where they shrink). On its own machine an operation inside its critical block
may only leave the block (N7). The best move that is not tabu (or may beat the best
makespan) and leads to no state seen since the last restart (a hash of every operation's
machine and machine predecessor) is made, then heads and tails are recomputed exactly. A
moved operation stays put for a random tenure. After a long run without a new best the
search goes back to the best and shakes it with a few random moves.

Plain Python, tuned for speed: flat lists indexed by operation, no objects in the loops.
Deterministic for a given seed and iteration count.
"""

from __future__ import annotations

import random
import time
from bisect import bisect_left, bisect_right

from .instance import FjspAssignment, FjspInstance

_INF = 1 << 60


def _first(t):
    return t[0]


class TabuSearch:
    """State and moves of one tabu search over an instance."""

    tenure = 3.0  # tabu tenure, in units of 2 + operations / machines / 2
    stall_per_op = 10.0  # moves without a new best before a restart, per operation
    blocks = True  # same-machine moves must leave the critical block (N7)
    shake = 0.025  # random moves per operation when restarting from the best

    def __init__(self, instance: FjspInstance, schedule, seed: int = 0):
        self.instance = instance
        self.rng = random.Random(seed)
        ids, key = {}, []
        jp, js, opts = [], [], []
        for j, job in enumerate(instance.jobs):
            for o, op in enumerate(job):
                v = len(key)
                ids[j, o] = v
                key.append((j, o))
                jp.append(v - 1 if o else -1)
                js.append(v + 1 if o + 1 < len(job) else -1)
                opts.append(tuple(op.options))
        self.n = len(key)
        self.ids, self.key, self.jp, self.js, self.opts = ids, key, jp, js, opts
        self.dur_on = [dict(o) for o in opts]
        self.nm = instance.machines
        self.load(schedule)

    def load(self, schedule) -> None:
        """Take machines and machine orders from ``schedule``."""
        n, ids = self.n, self.ids
        self.mach = [0] * n
        self.d = [0] * n
        seqs: list[list] = [[] for _ in range(self.nm)]
        for a in sorted(schedule, key=lambda a: (a.start, a.end)):
            v = ids[a.job, a.op]
            self.mach[v] = a.machine
            self.d[v] = self.dur_on[v][a.machine]
            seqs[a.machine].append(v)
        self.seq = seqs
        self.mp = [-1] * n
        self.ms = [-1] * n
        for s in seqs:
            self._link(s)
        self.cmax = self._times()
        if self.cmax < 0:
            raise ValueError("the schedule's machine orders contradict the job orders")
        self.h = self._hash()

    # ------------------------------------------------------------------ graph
    def _link(self, s):
        mp, ms = self.mp, self.ms
        prev = -1
        for v in s:
            mp[v] = prev
            if prev >= 0:
                ms[prev] = v
            prev = v
        if prev >= 0:
            ms[prev] = -1

    def _times(self) -> int:
        """Heads and tails by two topological passes; -1 when the graph has a cycle."""
        n, jp, js, mp, ms, d = self.n, self.jp, self.js, self.mp, self.ms, self.d
        indeg = [(jp[v] >= 0) + (mp[v] >= 0) for v in range(n)]
        stack = [v for v in range(n) if not indeg[v]]
        r = [0] * n
        order = []
        push, pop, add = stack.append, stack.pop, order.append
        while stack:
            v = pop()
            add(v)
            e = r[v] + d[v]
            s = js[v]
            if s >= 0:
                if r[s] < e:
                    r[s] = e
                indeg[s] -= 1
                if not indeg[s]:
                    push(s)
            s = ms[v]
            if s >= 0:
                if r[s] < e:
                    r[s] = e
                indeg[s] -= 1
                if not indeg[s]:
                    push(s)
        if len(order) < n:
            return -1
        q = [0] * n
        cmax = 0
        for v in reversed(order):
            t = 0
            s = js[v]
            if s >= 0:
                t = q[s] + d[s]
            s = ms[v]
            if s >= 0:
                u = q[s] + d[s]
                if u > t:
                    t = u
            q[v] = t
            t += r[v] + d[v]
            if t > cmax:
                cmax = t
        self.r, self.q, self.order = r, q, order
        return cmax

    def _move(self, v, k, i):
        """Take ``v`` off its machine and insert it on ``k`` at index ``i`` of ``k``'s
        sequence without ``v``. Returns what :meth:`_move` needs to undo it."""
        m0 = self.mach[v]
        s0 = self.seq[m0]
        p0 = s0.index(v)
        del s0[p0]
        self.seq[k].insert(i, v)
        self.mach[v] = k
        self.d[v] = self.dur_on[v][k]
        self._link(s0)
        if k != m0:
            self._link(self.seq[k])
        return m0, p0

    # ------------------------------------------------------------------ search
    def _candidates(self, cut):
        """Moves whose estimate is at most ``cut``: (estimate, v, machine, index, new machine
        predecessor, new machine successor), critical operations in random order."""
        r, q, d, jp, js, mach, seq = self.r, self.q, self.d, self.jp, self.js, self.mach, self.seq
        cmax = self.cmax
        crit = [v for v in range(self.n) if r[v] + d[v] + q[v] == cmax]
        self.rng.shuffle(crit)
        cache: dict = {}
        out = []
        add = out.append
        for v in crit:
            a = jp[v]
            rj = r[a] + d[a] if a >= 0 else 0
            b = js[v]
            qj = q[b] + d[b] if b >= 0 else 0
            # inserting v between a and b closes a cycle only through a path js(v) -> a or
            # b -> jp(v); such a path needs r[a] >= r[js] + d[js], r[jp] >= r[b] + d[b]
            lim_a = r[b] + d[b] if b >= 0 else _INF
            lim_a0 = rj + d[b] if b >= 0 else _INF
            rjp = r[a] if a >= 0 else -1
            m0 = mach[v]
            for k, p in self.opts[v]:
                c = cache.get(k)
                if c is None:
                    sk = seq[k]
                    c = cache[k] = (
                        sk,
                        [r[w] for w in sk],
                        [r[w] + d[w] for w in sk],
                        [q[w] + d[w] for w in sk] + [0],
                    )
                s, heads, fins, rt = c
                if k != m0:
                    # positions that cannot close a cycle (heads grow along s)
                    nlen = len(s)
                    hi = bisect_left(heads, lim_a)
                    if b >= 0 and mach[b] == k:
                        hi = min(hi, s.index(b))
                    lo = bisect_right(fins, rjp)
                    if lo < nlen and s[lo] == a:
                        lo += 1
                    if lo > hi:
                        continue
                    budget = cut - p
                    for i in range(lo, hi + 1):
                        x = fins[i - 1] if i else 0
                        y = rt[i]
                        est = (x if x > rj else rj) + (y if y > qj else qj)
                        if est <= budget:
                            add((est + p, v, k, i, s[i - 1] if i else -1, s[i] if i < nlen else -1))
                    continue
                # v's own machine: positions are indices of s without v. Before v's old
                # place p0 the heads, after it the tails are those of the current graph;
                # the others are re-derived without v (upper bounds, as job neighbours
                # keep their current values).
                p0 = s.index(v)
                nlen = len(s) - 1
                lo = bisect_right(fins, rjp, 0, p0)
                if lo < p0 and s[lo] == a:
                    lo += 1
                # moving later: a = the op after v's old place must not be reachable
                # from js(v) in the graph without v's machine arcs
                ext = []
                h = fins[p0 - 1] if p0 else 0
                x = p0 + 1
                while x <= nlen:
                    w = s[x]
                    if w == b:
                        break
                    y = jp[w]
                    t = r[y] + d[y] if y >= 0 else 0
                    hw = t if t > h else h
                    if hw >= lim_a0 and r[w] >= lim_a:
                        break
                    h = hw + d[w]
                    ext.append(h)
                    x += 1
                hi = p0 + len(ext)
                back = []
                h = rt[p0 + 1]
                for x in range(p0 - 1, lo - 1, -1):
                    w = s[x]
                    y = js[w]
                    t = q[y] + d[y] if y >= 0 else 0
                    h = (t if t > h else h) + d[w]
                    back.append(h)
                skip_lo = skip_hi = p0
                if self.blocks:
                    # inside its critical block v only helps by leaving the block (N7)
                    x = self.mp[v]
                    y = self.ms[v]
                    first = x < 0 or r[x] + d[x] + q[x] != cmax or r[x] + d[x] != r[v]
                    last = y < 0 or r[y] + d[y] + q[y] != cmax or r[v] + d[v] != r[y]
                    if not first and not last:
                        bs = p0 - 1
                        while bs > 0:
                            x2 = s[bs - 1]
                            if r[x2] + d[x2] + q[x2] != cmax or fins[bs - 1] != heads[bs]:
                                break
                            bs -= 1
                        be = p0 + 1
                        while be < nlen:
                            y2 = s[be + 1]
                            if r[y2] + d[y2] + q[y2] != cmax or fins[be] != heads[be + 1]:
                                break
                            be += 1
                        skip_lo, skip_hi = bs + 1, be - 1
                budget = cut - p
                for i in range(lo, hi + 1):
                    if skip_lo <= i <= skip_hi:
                        continue
                    # i counts positions in s without v: s[i] there is s[i + 1] here when i >= p0
                    if i <= p0:
                        x = fins[i - 1] if i else 0
                        y = back[p0 - 1 - i] if i < p0 else rt[p0 + 1]
                        pa = s[i - 1] if i else -1
                        pb = s[i] if i < p0 else (s[p0 + 1] if p0 < nlen else -1)
                    else:
                        x = ext[i - p0 - 1]
                        y = rt[i + 1]
                        pa = s[i]
                        pb = s[i + 1] if i < nlen else -1
                    est = (x if x > rj else rj) + (y if y > qj else qj)
                    if est <= budget:
                        add((est + p, v, k, i, pa, pb))
        return out

    def run(self, deadline: float, max_iters: int = 10**9, target: int = 0, shared=None):
        """Search until ``deadline`` (monotonic seconds), ``max_iters`` moves, or a makespan
        of ``target``. Returns the best schedule as a list of :class:`FjspAssignment`.

        ``shared``, if given, is polled every few iterations: ``shared.stop`` ends the
        search, ``shared.offer(makespan, schedule)`` receives each new best, and at a
        restart ``shared.better(makespan)`` may hand back a better schedule to go on from.
        """
        rng = self.rng
        best_cmax = self.cmax
        best_state = self._snapshot()
        tabu: dict = {}
        visited: set = set()
        n = self.n
        base = max(1, int(self.tenure * (2 + n // max(1, self.nm) // 2)))
        stall = max(200, int(self.stall_per_op * n))
        since = 0
        it = 0
        clock = time.monotonic
        while it < max_iters and best_cmax > target:
            if not it & 15 and (clock() >= deadline or (shared is not None and shared.stop)):
                break
            it += 1
            mv = None
            for cut in (self.cmax, _INF):
                mv = self._choose(self._candidates(cut), tabu, visited, it, best_cmax)
                if mv is not None:
                    break
            if mv is not None:
                h, v, k, i = mv
                m0 = self.mach[v]
                old_prev = self.mp[v]
                back = self._move(v, k, i)
                cmax = self._times()
                if cmax < 0:  # the window test rules this out; undo to be safe
                    self._undo(v, k, back)
                    self.cmax = self._times()
                    self.h = self._hash()
                    tabu[v] = it + base
                    continue
                visited.add(h)
                self.h = h
                self.cmax = cmax
                until = it + base + rng.randrange(base + 1)
                tabu[v] = until  # v stays where it is for a while
                tabu[v, m0, old_prev] = until  # and does not go back
                if cmax < best_cmax:
                    best_cmax = cmax
                    best_state = self._snapshot()
                    since = 0
                    if shared is not None:
                        shared.offer(cmax, self.schedule())
                    continue
                since += 1
                if since < stall:
                    continue
            # stuck: go back to the best (or a better one found elsewhere) and shake it
            outside = shared.better(best_cmax) if shared is not None else None
            if outside is not None:
                self.load(outside)
                best_cmax = self.cmax
                best_state = self._snapshot()
            else:
                self._restore(best_state)
                self._perturb(max(2, int(n * self.shake)))
            tabu.clear()
            visited.clear()
            since = 0
        self.iterations = it
        self._restore(best_state)
        return self.schedule()

    def _choose(self, cands, tabu, visited, it, best_cmax):
        """The best move that is not tabu (unless it may beat the best makespan) and leads to
        no state seen since the last restart: (state hash, v, machine, index) or None."""
        cands.sort(key=_first)
        mp, ms, mach, h0 = self.mp, self.ms, self.mach, self.h
        get = tabu.get
        for est, v, k, i, a, b in cands:
            if est >= best_cmax and (get(v, -1) >= it or get((v, k, a), -1) >= it):
                continue
            m0, pv, u = mach[v], mp[v], ms[v]
            h = h0 ^ hash((v, pv, m0)) ^ hash((v, a, k))
            if u >= 0:
                h ^= hash((u, v, m0)) ^ hash((u, pv, m0))
            if b >= 0:
                h ^= hash((b, a, k)) ^ hash((b, v, k))
            if h not in visited:
                return h, v, k, i
        return None

    def _undo(self, v, k, back):
        m0, p0 = back
        self.seq[k].remove(v)
        self.seq[m0].insert(p0, v)
        self.mach[v] = m0
        self.d[v] = self.dur_on[v][m0]
        self._link(self.seq[k])
        self._link(self.seq[m0])

    def _perturb(self, count):
        """A few random feasible moves of critical operations."""
        rng = self.rng
        for _ in range(count):
            crit = [v for v in range(self.n) if self.r[v] + self.d[v] + self.q[v] == self.cmax]
            v = rng.choice(crit)
            k, _ = rng.choice(self.opts[v])
            s = [w for w in self.seq[k] if w != v]
            i = rng.randrange(len(s) + 1)
            back = self._move(v, k, i)
            c = self._times()
            if c < 0:
                self._undo(v, k, back)
                c = self._times()
            self.cmax = c
        self.h = self._hash()

    def _hash(self) -> int:
        mp, mach = self.mp, self.mach
        h = 0
        for v in range(self.n):
            h ^= hash((v, mp[v], mach[v]))
        return h

    def _snapshot(self):
        return [list(s) for s in self.seq], list(self.mach), list(self.d), self.cmax

    def _restore(self, state):
        seqs, mach, d, _ = state
        self.seq = [list(s) for s in seqs]
        self.mach = list(mach)
        self.d = list(d)
        for s in self.seq:
            self._link(s)
        self.cmax = self._times()
        self.h = self._hash()

    def schedule(self) -> list[FjspAssignment]:
        out = []
        for v, (j, o) in enumerate(self.key):
            out.append(FjspAssignment(j, o, self.mach[v], self.r[v], self.r[v] + self.d[v]))
        return out


def tabu_search(instance, schedule, deadline, seed=0, target=0, max_iters=10**9):
    ts = TabuSearch(instance, schedule, seed)
    out = ts.run(deadline, max_iters=max_iters, target=target)
    return out, ts.iterations
