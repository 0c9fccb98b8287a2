"""The compiled tabu search (:mod:`jit`) behind the interface of :class:`TabuSearch`.

:class:`FastTabu` holds the problem and the search state in numpy arrays and runs the
kernel in chunks of moves, between which it watches the clock and the other solver;
:class:`EliteTabu` runs it from crossovers of an elite pool.

numba is imported, and the kernel compiled (or loaded from numba's cache in
``__pycache__``), on first use, in a background thread: :func:`ready` waits for that up to
a deadline, so a caller's time limit holds even on a first run that has to compile. When
numba cannot be imported, :func:`ready` says no and the caller falls back to the
pure-Python :class:`tabu.TabuSearch`.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from .instance import FjspAssignment, FjspInstance, FjspOperation

_jit = None  # the jit module, once imported and compiled
_warm = threading.Event()
_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None
_warm_error: BaseException | None = None


def _warm_up() -> None:
    global _jit, _warm_error
    try:
        from . import jit

        _jit = jit
        # compile (or load) every kernel on a tiny instance: 2 jobs x 2 machines
        op = FjspOperation(((0, 1), (1, 2)))
        tiny = FjspInstance(2, ((op, op), (op, op)))
        sched = [FjspAssignment(0, 0, 0, 0, 1), FjspAssignment(0, 1, 0, 2, 3),
                 FjspAssignment(1, 0, 1, 0, 2), FjspAssignment(1, 1, 0, 3, 4)]
        es = EliteTabu(tiny, [sched, sched], 0)
        es.run(time.monotonic() + 60, max_iters=50)
        ts = FastTabu(tiny, sched, 0)
        ts.run(time.monotonic() + 60, max_iters=50)
    except Exception as exc:  # numba missing or broken: the caller falls back
        _jit = None
        _warm_error = exc
    finally:
        _warm.set()


def ready(deadline: float | None = None) -> bool:
    """Start importing and compiling the kernel (once per process) and wait for it until
    ``deadline`` (monotonic seconds; ``None`` waits as long as it takes). True when the
    compiled search can be used."""
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(target=_warm_up, name="fjsp-jit-warm-up", daemon=True)
            _warm_thread.start()
    timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
    return _warm.wait(timeout) and _jit is not None


def finish_warm_up() -> None:
    """Wait for a compile still running in the background, so that numba's cache gets
    written: a process whose time limits are shorter than the compile (the first run after
    an install) calls this after its answer is out, and the next process loads the
    kernel from the cache in about a second."""
    if _warm_thread is not None:
        _warm_thread.join()


def available() -> bool:
    """Can numba be imported at all (without compiling anything)?"""
    try:
        import numba  # noqa: F401
    except Exception:
        return False
    return True


def next_chunk(chunk: int, moves: int, spent: float, chunk_seconds: float,
               deadline: float) -> int:
    """Moves for the next chunk: aimed at `chunk_seconds` at the rate just seen, never past
    the deadline, at most four times the last."""
    rate = moves / max(spent, 1e-4)
    room = max(0.0, min(chunk_seconds, deadline - time.monotonic()))
    return int(max(1, min(4 * chunk, rate * room)))


class FastTabu:
    """State and moves of one compiled tabu search over an instance."""

    tenure_op = 4.0  # per-operation tabu tenure, in units of 1 + operations / machines / 4
    tenure_arc = 12.0  # tabu tenure of going back after the old machine predecessor, same units
    stall_per_op = 20.0  # moves without a new best before a restart, per operation
    shake = 0.03  # random moves per operation when restarting from the best
    mode = 0  # jit.P_MODE bits
    chunk_seconds = 0.03  # how long one kernel call should last (clock and peers polled)

    def __init__(self, instance: FjspInstance, schedule, seed: int = 0):
        if _jit is None and not ready():
            raise RuntimeError(f"the compiled tabu search is not available: {_warm_error}")
        self.instance = instance
        ids, key, jp, js, lasts = {}, [], [], [], []
        for j, job in enumerate(instance.jobs):
            for o, _op in enumerate(job):
                v = len(key)
                ids[j, o] = v
                key.append((j, o))
                jp.append(v - 1 if o else -1)
                js.append(v + 1 if o + 1 < len(job) else -1)
            if job:
                lasts.append(len(key) - 1)
        n, nm = len(key), instance.machines
        self.n, self.nm, self.ids, self.key = n, nm, ids, key
        i64 = np.int64
        self.jp = np.array(jp, i64)
        self.js = np.array(js, i64)
        self.lasts = np.array(lasts, i64)
        maxk = max((len(op.options) for _, _, op in instance.operations()), default=1)
        self.ocnt = np.zeros(n, i64)
        self.omach = np.zeros((n, maxk), i64)
        self.odur = np.zeros((n, maxk), i64)
        self.dur = np.zeros((n, nm), i64)
        for (j, o), v in ids.items():
            opts = instance.jobs[j][o].options
            self.ocnt[v] = len(opts)
            for t, (m, p) in enumerate(opts):
                self.omach[v, t], self.odur[v, t] = m, p
                self.dur[v, m] = p
        zr = np.random.default_rng(12345 + 7 * n + nm)
        self.zk = zr.integers(1, np.iinfo(np.int64).max, size=(n, n + nm), dtype=np.int64)
        self.mach = np.zeros(n, i64)
        self.d = np.zeros(n, i64)
        self.seq = np.zeros((nm, n), i64)
        self.slen = np.zeros(nm, i64)
        self.pos = np.zeros(n, i64)
        self.mp = np.zeros(n, i64)
        self.ms = np.zeros(n, i64)
        self.r = np.zeros(n, i64)
        self.q = np.zeros(n, i64)
        self.order = np.zeros(n, i64)
        self.tpos = np.zeros(n, i64)
        self.sc = np.zeros(12, i64)
        self.rs = np.zeros(2, i64)  # the generator's state, the current state's hash
        self.rs[0] = (seed * 2654435761 + 88172645463325252) % (1 << 63)
        self.bmach = np.zeros(n, i64)
        self.bseq = np.zeros((nm, n), i64)
        self.bslen = np.zeros(nm, i64)
        self.tabu_op = np.zeros(n, i64)
        self.tabu_arc = np.zeros(1 << min(20, max(10, (n * (n + nm) - 1).bit_length())), i64)
        self.table = np.zeros(1 << 20, i64)
        self.indeg = np.zeros(n + 1, i64)
        self.stack = np.zeros(n + 1, i64)
        self.rr = np.zeros(n, i64)
        self.qq = np.zeros(n, i64)
        self.dirty = np.zeros(n, i64)
        self.changed = np.zeros(2 * n + 2, i64)
        self.prm = np.zeros(8, i64)
        self.iterations = 0
        self.load(schedule)

    # ------------------------------------------------------------------ state
    def load(self, schedule) -> None:
        """Take machines and machine orders from ``schedule``; it becomes the best too."""
        self.slen[:] = 0
        for a in sorted(schedule, key=lambda a: (a.start, a.end, a.job, a.op)):
            v = self.ids[a.job, a.op]
            self.mach[v] = a.machine
            self.d[v] = self.dur[v, a.machine]
            self.seq[a.machine, self.slen[a.machine]] = v
            self.slen[a.machine] += 1
        _jit.relink(self.n, self.nm, self.seq, self.slen, self.pos, self.mp, self.ms)
        cmax = self._times()
        if cmax < 0:
            raise ValueError("the schedule's machine orders contradict the job orders")
        self.sc[_jit.CMAX] = cmax
        self.sc[_jit.BEST] = cmax
        self.sc[_jit.SINCE] = 0
        self.bmach[:] = self.mach
        self.bseq[:] = self.seq
        self.bslen[:] = self.slen
        self.sc[_jit.IT] += _jit.EXPIRE  # every tabu entry expires; the visited set stays
        self.rs[1] = _jit.state_hash(self.n, self.mach, self.mp, self.zk)

    def _times(self) -> int:
        return int(_jit.times(self.n, self.jp, self.js, self.mp, self.ms, self.d, self.r, self.q,
                              self.order, self.tpos, self.indeg, self.stack))

    @property
    def cmax(self) -> int:
        return int(self.sc[_jit.CMAX])

    @property
    def best_cmax(self) -> int:
        return int(self.sc[_jit.BEST])

    def _params(self, target: int) -> None:
        unit = 1 + self.n / max(1, self.nm) / 4
        self.prm[_jit.P_TEN_OP] = max(0, round(self.tenure_op * unit))
        self.prm[_jit.P_TEN_ARC] = max(0, round(self.tenure_arc * unit))
        self.prm[_jit.P_STALL] = max(100, int(self.stall_per_op * self.n))
        self.prm[_jit.P_SHAKE] = max(2, int(self.n * self.shake))
        self.prm[_jit.P_TARGET] = target
        self.prm[_jit.P_MODE] = self.mode

    def step(self, moves: int, target: int = 0) -> int:
        """Make up to ``moves`` moves (fewer if ``target`` is reached); returns how many."""
        self._params(target)
        done = _jit.run(
            moves, self.prm, self.n, self.nm, self.jp, self.js, self.lasts, self.ocnt,
            self.omach, self.odur, self.dur, self.zk, self.mach, self.d, self.seq, self.slen,
            self.pos, self.mp, self.ms, self.r, self.q, self.order, self.tpos, self.sc, self.rs,
            self.bmach, self.bseq, self.bslen, self.tabu_op, self.tabu_arc, self.table,
            self.indeg, self.stack, self.rr, self.qq, self.dirty, self.changed,
        )
        self.iterations += int(done)
        return int(done)

    def run(self, deadline: float, max_iters: int = 10**9, target: int = 0, shared=None):
        """Search until ``deadline`` (monotonic seconds), ``max_iters`` moves, or a makespan
        of ``target``; returns the best schedule. ``shared`` works as for
        :meth:`TabuSearch.run`, polled between chunks: a better schedule found elsewhere
        is taken over at once."""
        clock = time.monotonic
        chunk = 64
        offered = self.best_cmax
        while self.iterations < max_iters and self.best_cmax > target:
            now = clock()
            if now >= deadline or (shared is not None and shared.stop):
                break
            if shared is not None:
                outside = shared.better(self.best_cmax)
                if outside is not None:
                    self.load(outside)
                    offered = self.best_cmax
            moves = min(chunk, max_iters - self.iterations)
            self.step(moves, target)
            chunk = next_chunk(chunk, moves, clock() - now, self.chunk_seconds, deadline)
            if shared is not None and self.best_cmax < offered:
                offered = self.best_cmax
                shared.offer(offered, self.best_schedule())
        return self.best_schedule()

    def _schedule_of(self, mach) -> list[FjspAssignment]:
        out = []
        for v, (j, o) in enumerate(self.key):
            m = int(mach[v])
            s = int(self.r[v])
            out.append(FjspAssignment(j, o, m, s, s + int(self.dur[v, m])))
        return out

    def best_schedule(self) -> list[FjspAssignment]:
        """The best schedule so far (its heads recomputed, the current state kept)."""
        saved = (self.mach.copy(), self.d.copy(), self.seq.copy(), self.slen.copy())
        self.mach[:] = self.bmach
        self.d[:] = self.dur[np.arange(self.n), self.bmach]
        self.seq[:] = self.bseq
        self.slen[:] = self.bslen
        _jit.relink(self.n, self.nm, self.seq, self.slen, self.pos, self.mp, self.ms)
        self._times()
        out = self._schedule_of(self.mach)
        self.mach[:], self.d[:], self.seq[:], self.slen[:] = saved
        _jit.relink(self.n, self.nm, self.seq, self.slen, self.pos, self.mp, self.ms)
        self._times()
        return out

    def schedule(self) -> list[FjspAssignment]:
        return self.best_schedule()


class EliteTabu:
    """A small memetic search around :class:`FastTabu`: an elite pool of schedules, each
    the end of a tabu run; new runs start from a crossover of two pool members (the
    operations of a random half of the jobs keep machine and place from one parent, the
    others from the other parent), until the deadline.

    Deterministic for a given seed and iteration count, like the tabu search itself."""

    pool_size = 8
    stall_per_op = 4.0  # moves without a new best before a run ends, per operation

    def __init__(self, instance: FjspInstance, starts, seed: int = 0, share: EliteTabu | None = None):
        """``share``: another search over the same instance whose pool this one joins (each
        runs in its own thread; the kernel releases the GIL)."""
        self.ts = FastTabu(instance, starts[0], seed)
        self.ts.mode |= 4
        self.ts.stall_per_op = self.stall_per_op
        self.starts = list(starts)
        self.rng = np.random.default_rng(seed)
        self.job_of = np.array([j for j, _ in self.ts.key], np.int64)
        if share is None:
            self.pool: list[tuple[int, int, np.ndarray, np.ndarray]] = []  # cmax, hash, mach, start
            self.lock = threading.Lock()
        else:
            self.pool, self.lock = share.pool, share.lock
        self.runs = 0

    @property
    def iterations(self) -> int:
        return self.ts.iterations

    @property
    def best_cmax(self) -> int:
        with self.lock:
            return min(e[0] for e in self.pool) if self.pool else self.ts.best_cmax

    def _segment(self, deadline, max_iters, target, shared, offered) -> int:
        """One tabu run until it stalls (or the deadline); returns the makespan offered."""
        ts, clock = self.ts, time.monotonic
        ts.sc[_jit.STALLED] = 0
        ts.sc[_jit.SINCE] = 0
        chunk = 64
        while not ts.sc[_jit.STALLED] and ts.iterations < max_iters and ts.best_cmax > target:
            now = clock()
            if now >= deadline or (shared is not None and shared.stop):
                break
            moves = min(chunk, max_iters - ts.iterations)
            ts.step(moves, target)
            chunk = next_chunk(chunk, moves, clock() - now, ts.chunk_seconds, deadline)
            if shared is not None and ts.best_cmax < offered:
                offered = ts.best_cmax
                shared.offer(offered, ts.best_schedule())
        return offered

    def _keep(self) -> None:
        """Put the tabu run's best into the pool (if new, and better than the worst)."""
        ts = self.ts
        ts.mach[:] = ts.bmach
        ts.d[:] = ts.dur[np.arange(ts.n), ts.bmach]
        ts.seq[:] = ts.bseq
        ts.slen[:] = ts.bslen
        _jit.relink(ts.n, ts.nm, ts.seq, ts.slen, ts.pos, ts.mp, ts.ms)
        cmax = ts._times()
        h = int(_jit.state_hash(ts.n, ts.mach, ts.mp, ts.zk))
        entry = (cmax, h, ts.mach.copy(), ts.r.copy())
        with self.lock:
            if any(e[1] == h for e in self.pool):
                return
            if len(self.pool) < self.pool_size:
                self.pool.append(entry)
            else:
                worst = max(range(len(self.pool)), key=lambda i: self.pool[i][0])
                if cmax <= self.pool[worst][0]:
                    self.pool[worst] = entry

    def _load(self, mach, order) -> None:
        ts = self.ts
        ts.slen[:] = 0
        for v in order:
            m = mach[v]
            ts.seq[m, ts.slen[m]] = v
            ts.slen[m] += 1
        ts.mach[:] = mach
        ts.d[:] = ts.dur[np.arange(ts.n), mach]
        _jit.relink(ts.n, ts.nm, ts.seq, ts.slen, ts.pos, ts.mp, ts.ms)
        cmax = ts._times()
        ts.sc[_jit.CMAX] = cmax
        ts.sc[_jit.BEST] = cmax
        ts.bmach[:] = ts.mach
        ts.bseq[:] = ts.seq
        ts.bslen[:] = ts.slen
        ts.sc[_jit.IT] += _jit.EXPIRE
        ts.rs[1] = _jit.state_hash(ts.n, ts.mach, ts.mp, ts.zk)

    def _child(self):
        rng = self.rng
        with self.lock:
            i, k = rng.choice(len(self.pool), size=2, replace=False)
            _, _, m1, s1 = self.pool[i]
            _, _, m2, s2 = self.pool[k]
        keep = rng.random(len(self.ts.instance.jobs)) < 0.5
        first = keep[self.job_of]
        o1 = np.lexsort((np.arange(self.ts.n), s1))
        o2 = np.lexsort((np.arange(self.ts.n), s2))
        order = o1.copy()
        slots = ~first[o1]
        order[slots] = o2[~first[o2]]
        mach = np.where(first, m1, m2)
        return mach, order

    def run(self, deadline: float, max_iters: int = 10**9, target: int = 0, shared=None):
        offered = min(self.ts.best_cmax, shared.makespan if shared is not None else 1 << 60)
        starts = list(self.starts)
        while self.ts.iterations < max_iters and time.monotonic() < deadline:
            if shared is not None and shared.stop:
                break
            if self.best_cmax <= target:
                break
            outside = shared.better(self.best_cmax) if shared is not None else None
            if outside is not None:
                self.ts.load(outside)
            elif starts:
                self.ts.load(starts.pop(0))
            elif len(self.pool) >= 2:
                self._load(*self._child())
            else:  # too few distinct schedules to cross: go on from the one there is
                with self.lock:
                    _, _, m, s = self.pool[0]
                self._load(m, np.lexsort((np.arange(self.ts.n), s)))
            offered = self._segment(deadline, max_iters, target, shared, offered)
            self.runs += 1
            self._keep()
        return self.best_schedule()

    def best_schedule(self) -> list[FjspAssignment]:
        with self.lock:
            if not self.pool:
                return self.ts.best_schedule()
            cmax, _, mach, start = min(self.pool, key=lambda e: e[0])
        ts = self.ts
        return [FjspAssignment(j, o, int(mach[v]), int(start[v]), int(start[v]) + int(ts.dur[v, mach[v]]))
                for v, (j, o) in enumerate(ts.key)]

