"""Our FJSP solver: tabu searches on the disjunctive graph beside CP-SAT.

* a compiled tabu search (:mod:`jit` / :mod:`fast`: insertion moves of critical
  operations, each scored by its exact makespan, op- and arc-level tabu plus a
  visited-state hash) does most of the work: an elite pool of short tabu runs, each from
  a crossover of two pool members, seeded with a few randomised dispatches. Without numba
  the pure-Python :mod:`tabu` takes its place;
* on the second worker CP-SAT solves the whole model (one start variable per operation
  shared by its fixed-size optional intervals, start windows from heads and tails, a
  redundant cumulative over all machines) for a share of the time, which proves bounds and
  closes the small instances; if that phase shows the instance suits CP-SAT
  (:func:`suits_cpsat`), CP-SAT gets both workers for the rest, hinted with and bounded by
  the incumbent; else a second tabu search joins the first one's pool (or,
  with ``SIDE_TABU`` off or without numba, CP-SAT re-optimises windows of the shared
  incumbent, :mod:`lns`);
* all sides share one incumbent and one bound: the searches stop at the bound and take
  over an incumbent found elsewhere when it is better than their own.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from . import fast
from .greedy import dispatches
from .instance import FjspAssignment, FjspInstance, FjspResult, lower_bound
from .lns import choose_neighbourhood, solve_neighbourhood
from .plain import plain_model
from .tabu import TabuSearch


@dataclass
class _Model:
    model: cp_model.CpModel
    starts: dict
    lits: dict  # (j, o) -> [(machine, duration, literal)]
    makespan: cp_model.IntVar


def _build(instance: FjspInstance, ub: int, lb: int, redundant: bool = True) -> _Model:
    model = cp_model.CpModel()
    starts, lits, ends = {}, {}, {}
    per_machine: dict[int, list] = {}
    all_intervals, demands = [], []
    for j, job in enumerate(instance.jobs):
        head = 0
        tails = [0] * (len(job) + 1)
        for o in range(len(job) - 1, -1, -1):
            tails[o] = tails[o + 1] + job[o].min_duration
        for o, op in enumerate(job):
            s = model.new_int_var(head, ub - tails[o], f"s{j}_{o}")
            starts[j, o] = s
            alts = []
            if len(op.options) == 1:
                m, d = op.options[0]
                per_machine.setdefault(m, []).append(model.new_fixed_size_interval_var(s, d, ""))
                alts.append((m, d, model.new_constant(1)))
                end = s + d
            else:
                for m, d in op.options:
                    lit = model.new_bool_var(f"x{j}_{o}_{m}")
                    per_machine.setdefault(m, []).append(
                        model.new_optional_fixed_size_interval_var(s, d, lit, "")
                    )
                    alts.append((m, d, lit))
                model.add_exactly_one(lit for _, _, lit in alts)
                end = s + sum(d * lit for _, d, lit in alts)
            lits[j, o] = alts
            e = model.new_int_var(head + op.min_duration, ub - tails[o + 1], f"e{j}_{o}")
            model.add(e == end)
            ends[j, o] = e
            if redundant:
                lo = op.min_duration
                hi = max(d for _, d in op.options)
                size = model.new_int_var(lo, hi, "")
                model.add(size == end - s)
                all_intervals.append(model.new_interval_var(s, size, e, ""))
                demands.append(1)
            if o:
                model.add(s >= ends[j, o - 1])
            head += op.min_duration
    for intervals in per_machine.values():
        model.add_no_overlap(intervals)
    if redundant:
        model.add_cumulative(all_intervals, demands, len(per_machine))
    makespan = model.new_int_var(lb, ub, "makespan")
    for j, job in enumerate(instance.jobs):
        if job:
            model.add(makespan >= ends[j, len(job) - 1])
    model.minimize(makespan)
    return _Model(model, starts, lits, makespan)


def _hint(m: _Model, schedule) -> None:
    m.model.clear_hints()
    for a in schedule:
        m.model.add_hint(m.starts[a.job, a.op], a.start)
        for mach, _, lit in m.lits[a.job, a.op]:
            if not isinstance(lit, int) and lit.index >= 0 and not _is_const(lit):
                m.model.add_hint(lit, mach == a.machine)
    m.model.add_hint(m.makespan, max(a.end for a in schedule))


def _is_const(lit) -> bool:
    return lit.name == "" and lit.proto.domain and len(lit.proto.domain) == 2 and lit.proto.domain[0] == lit.proto.domain[1]


def _extract(instance, m: _Model, solver) -> list[FjspAssignment]:
    out = []
    for (j, o), alts in m.lits.items():
        s = solver.value(m.starts[j, o])
        mach, d = next((mm, d) for mm, d, lit in alts if solver.boolean_value(lit))
        out.append(FjspAssignment(j, o, mach, s, s + d))
    return out


def _solver(time_limit, workers, seed) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    return solver


EXACT_SHARE = 0.2  # of the time limit for the whole CP-SAT model on the side
PLAIN_SHARE = 0.1  # then for the plain model, before the side decides what to do next
SIDE_TABU = True  # after it, a second compiled tabu search instead of CP-SAT's LNS
SHARE_POOL = True  # and the two tabu searches share one elite pool
STARTS = 8  # dispatches the main tabu search starts from, before crossing pool members
SIDE_CROSS_ONLY = True  # the second one starts from the incumbent, then crosses pool members


def _makespan(schedule) -> int:
    return max((a.end for a in schedule), default=0)


class _Shared:
    """The incumbent and the proven bound, shared by the tabu search and CP-SAT.

    ``stop`` ends the tabu searches: when the incumbent meets the bound, or when the
    side hands the rest of the time (and both workers) to CP-SAT."""

    def __init__(self, schedule, lb: int):
        self.lock = threading.Lock()
        self.best = list(schedule)
        self.makespan = _makespan(schedule)
        self.lb = lb
        self.closed = self.makespan <= lb
        self.handed_over = False
        self.found: dict[str, int] = {}  # the best makespan each side found itself

    @property
    def stop(self) -> bool:
        return self.closed or self.handed_over

    def offer(self, makespan: int, schedule, source: str = "tabu") -> None:
        with self.lock:
            self.found[source] = min(makespan, self.found.get(source, makespan))
            if makespan < self.makespan:
                self.best, self.makespan = list(schedule), makespan
            self.closed = self.closed or self.makespan <= self.lb

    def better(self, makespan: int):
        with self.lock:
            return list(self.best) if self.makespan < makespan else None

    def bound(self, lb: int) -> None:
        with self.lock:
            self.lb = max(self.lb, lb)
            self.closed = self.closed or self.makespan <= self.lb


CLOSE_GAP = 0.01  # CP-SAT's bound within this share of the incumbent: let it close the gap


def suits_cpsat(cpsat: int | None, tabu: int | None, incumbent: int, bound: int) -> bool:
    """After the first phase: does this instance suit CP-SAT better than the tabu search?

    Yes when CP-SAT's own best makespan is at least as good as the tabu search's (near
    job shops and small instances, where CP-SAT with both workers proves the optimum), or
    when its proven bound is within ``CLOSE_GAP`` of the incumbent (what is left is to
    close the gap, which CP-SAT does and the tabu search cannot). ``None``: that side has
    nothing yet (no evidence either way: keep the tabu search)."""
    if cpsat is None:
        return False
    if tabu is None:
        return False
    if cpsat <= tabu:
        return True
    return incumbent - bound <= CLOSE_GAP * incumbent


class _Report(cp_model.CpSolverSolutionCallback):
    def __init__(self, m: _Model, shared: _Shared):
        super().__init__()
        self.m, self.shared = m, shared

    def on_solution_callback(self) -> None:
        ms = int(self.objective_value)
        if ms < self.shared.makespan:
            self.shared.offer(ms, _extract(None, self.m, self), "cpsat")


def _cpsat_side(instance, shared: _Shared, deadline: float, exact_share: float, workers: int, seed: int,
                starts=(), searches=None, all_workers: int = 0):
    """The CP-SAT side: the whole model first (bounds; small instances close); then, if
    the instance suits CP-SAT (:func:`suits_cpsat`), the whole model again on
    ``all_workers`` for the rest of the time, the tabu searches stopped; else a second
    tabu search or relax-and-reoptimise rounds around the shared incumbent."""
    t0 = time.monotonic()
    m = _build(instance, shared.makespan, shared.lb)
    _hint(m, shared.best)
    solver = _solver(min(exact_share, deadline - time.monotonic()), workers, seed)
    status = solver.solve(m.model, _Report(m, shared))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        shared.offer(int(solver.objective_value), _extract(instance, m, solver), "cpsat")
        shared.bound(int(solver.best_objective_bound))
    if PLAIN_SHARE and not shared.stop:
        _plain_phase(instance, shared, min(deadline, time.monotonic() + PLAIN_SHARE * exact_share / EXACT_SHARE),
                     workers, seed)
    if all_workers and not shared.stop and deadline - time.monotonic() > 0.1 and suits_cpsat(
        shared.found.get("cpsat"), _tabu_best(shared, searches), shared.makespan, shared.lb
    ):
        _cpsat_rest(instance, shared, deadline, all_workers, seed)
        return time.monotonic() - t0
    if SIDE_TABU and starts and not shared.stop and fast.ready(deadline):
        # a second tabu search (another seed) rather than CP-SAT's neighbourhoods
        main = searches[0] if searches else None
        joined = main is not None and SHARE_POOL
        firsts = [shared.better(1 << 60)] + ([] if joined and SIDE_CROSS_ONLY else list(starts[1:]))
        search = fast.EliteTabu(instance, firsts, seed=seed + 1, share=main if joined else None)
        search.run(deadline, target=shared.lb, shared=shared)
        return time.monotonic() - t0
    rng = random.Random(seed)
    n = instance.operation_count
    size = max(8, min(n, 30))
    while not shared.stop and time.monotonic() < deadline - 0.1:
        best = shared.better(1 << 60)
        hood = choose_neighbourhood(instance, best, rng, size)
        left = deadline - time.monotonic()
        cand, optimal = solve_neighbourhood(instance, best, hood, rng.randrange(1 << 30), 0.25, min(left, 0.5))
        if cand is not None:
            shared.offer(_makespan(cand), cand)
        size = min(n, int(size * 1.15) + 1) if optimal else max(8, int(size * 0.9))
    return time.monotonic() - t0


class _PlainReport(cp_model.CpSolverSolutionCallback):
    def __init__(self, pm, shared: _Shared):
        super().__init__()
        self.pm, self.shared = pm, shared

    def on_solution_callback(self) -> None:
        self.shared.offer(int(self.objective_value), self.pm.schedule(self), "cpsat")


def _plain_phase(instance, shared: _Shared, until: float, workers: int, seed: int) -> None:
    """The plain model (its own start per machine option, no start windows), bounded by the
    incumbent, unhinted: on near job shops CP-SAT finds good schedules with it far sooner
    than with the whole model above (Barnes setb4xyz: 902 in 0.8 s against 955 in 2 s on
    one worker), so the decision after the first phase sees what CP-SAT can do there."""
    with shared.lock:
        ub, lb = shared.makespan, shared.lb
    pm = plain_model(instance, ub, lb)
    solver = _solver(until - time.monotonic(), workers, seed)
    status = solver.solve(pm.model, _PlainReport(pm, shared))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        shared.bound(int(solver.best_objective_bound))


def _tabu_best(shared: _Shared, searches) -> int | None:
    """The best makespan the main tabu search holds (its own or one it took over), or
    None while it has not started."""
    if not searches:
        return None
    own = shared.found.get("tabu")
    return min(searches[0].best_cmax, own if own is not None else 1 << 60)


def _cpsat_rest(instance, shared: _Shared, deadline: float, workers: int, seed: int) -> None:
    """The rest of the time to CP-SAT on all workers: the tabu searches stop; the plain
    model (which CP-SAT proves near job shops with far sooner than the whole model above:
    Barnes mt10xyz in 0.7 s against not in 8 s), bounded by the incumbent's makespan and the
    proven bound, hinted with the incumbent."""
    shared.handed_over = True
    with shared.lock:
        best, ub, lb = list(shared.best), shared.makespan, shared.lb
    pm = plain_model(instance, ub, lb)
    for a in best:
        pm.model.add_hint(pm.starts[a.job, a.op], a.start)
        for mach, lit in pm.choices[a.job, a.op]:
            pm.model.add_hint(lit, mach == a.machine)
    solver = _solver(deadline - time.monotonic(), workers, seed + 1)
    status = solver.solve(pm.model, _PlainReport(pm, shared))
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        shared.bound(int(solver.best_objective_bound))


def _wait_for_kernel(shared: _Shared, deadline: float) -> bool:
    """Wait for the compiled tabu search (imported and compiled, or loaded from numba's
    cache, in the background) until the deadline or until CP-SAT closes the instance."""
    while not shared.stop:
        if fast.ready(min(deadline, time.monotonic() + 0.05)):
            return True
        if time.monotonic() >= deadline:
            return False
    return False


def solve_fjsp(
    instance: FjspInstance, time_limit: float, workers: int = 2, seed: int = 0
) -> FjspResult:
    """Minimise the makespan within ``time_limit`` seconds (wall clock, model building
    included).

    A tabu search does most of the work: compiled (:mod:`fast`, an elite pool of tabu
    runs restarted from crossovers) when numba is there, else the pure-Python
    :mod:`tabu`; it starts from a few randomised dispatches. Beside it (on the second
    worker) CP-SAT solves the whole model for a while, which proves bounds and closes the
    small instances; then, if that showed the instance suits CP-SAT, CP-SAT takes both
    workers for the rest; else a second compiled tabu search joins the first one's pool (without
    numba: CP-SAT re-optimises windows of the shared incumbent). All sides exchange
    incumbents. With one worker the CP-SAT model runs first, briefly, then the tabu search.
    Deterministic for a given seed up to where the time limit cuts each side."""
    t0 = time.monotonic()
    deadline = t0 + time_limit - min(0.25, 0.05 * time_limit)
    if instance.operation_count == 0:
        return FjspResult(0, 0, "OPTIMAL", ())
    compiled = fast.available()
    if compiled:
        fast.ready(t0)  # start importing / compiling the kernel in the background
    lb = lower_bound(instance)
    starts = dispatches(instance, seed=seed, runs=fast.EliteTabu.pool_size)
    shared = _Shared(starts[0], lb)
    searches: list = []  # the main tabu search, once it is there, for the side to join
    if workers >= 2:
        side = threading.Thread(
            target=_cpsat_side,
            args=(instance, shared, deadline, EXACT_SHARE * time_limit, workers - 1, seed,
                  starts if compiled else (), searches, workers),
            daemon=True,
        )
        side.start()
    else:
        side = None
        _cpsat_side(instance, shared, t0 + 0.2 * time_limit, 0.2 * time_limit, 1, seed)
    if not shared.stop:
        if compiled and _wait_for_kernel(shared, deadline):
            search = fast.EliteTabu(instance, [shared.better(1 << 60)] + starts[1:STARTS], seed=seed)
            searches.append(search)
            search.run(deadline, target=shared.lb, shared=shared)
        elif not compiled:
            ts = TabuSearch(instance, shared.better(1 << 60), seed=seed)
            ts.run(deadline, target=shared.lb, shared=shared)
    if side is not None:
        side.join(max(0.0, deadline - time.monotonic() + 0.2))
    with shared.lock:
        best, ms, lb = list(shared.best), shared.makespan, shared.lb
    st = "OPTIMAL" if ms <= lb else "FEASIBLE"
    return FjspResult(ms, lb, st, tuple(sorted(best, key=lambda a: (a.job, a.op))))
