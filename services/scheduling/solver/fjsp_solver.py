"""Our FJSP solver: greedy warm start, a tight CP-SAT model, then large-neighbourhood search.

Model choices (each measured against :mod:`fjsp_plain` on Brandimarte):

* one start variable per operation shared by all its alternatives (fixed-size optional
  intervals), the end as ``start + sum(duration_k * x_k)``: fewer variables and links;
* start windows from heads and tails (longest path at shortest durations) against the
  incumbent's makespan;
* a redundant cumulative over all operations (capacity = machines) that lifts the bound;
* a hint from the best randomised dispatch, then repeated relax-and-reoptimise rounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .fjsp_greedy import best_dispatch
from .fjsp_instance import FjspAssignment, FjspInstance, FjspResult, lower_bound
from .fjsp_lns import improve


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


def solve_fjsp(
    instance: FjspInstance, time_limit: float, workers: int = 2, seed: int = 0
) -> FjspResult:
    """Minimise the makespan within ``time_limit`` seconds (wall clock, model building
    included). Deterministic for a given seed and worker count, except where the time limit
    cuts a search at a different point on a busier machine."""
    t0 = time.monotonic()
    lb = lower_bound(instance)
    best = best_dispatch(instance, seed=seed)
    ub = max(a.end for a in best)
    m = _build(instance, ub, lb)
    _hint(m, best)
    # phase 1: the whole model briefly; small instances close here
    solver = _solver(min(time_limit * 0.2, time_limit - (time.monotonic() - t0)), workers, seed)
    status = solver.solve(m.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best = _extract(instance, m, solver)
        lb = max(lb, int(solver.best_objective_bound))
    # phase 2: large-neighbourhood search on what is left of the budget
    if max(a.end for a in best) > lb:
        best = improve(instance, best, t0 + time_limit, lb, seed=seed, workers=workers)
    ms = max(a.end for a in best)
    st = "OPTIMAL" if ms <= lb else "FEASIBLE"
    return FjspResult(ms, lb, st, tuple(sorted(best, key=lambda a: (a.job, a.op))))
