"""Large-neighbourhood search for the FJSP: relax a part of the incumbent, keep the rest's
machines and machine order, re-optimise the part with CP-SAT, repeat.

Each sub-solve is bounded by deterministic time, so for a given seed the sequence of
incumbents does not depend on the machine's load; only how many rounds fit in the wall-clock
budget does. Two neighbourhoods are solved side by side (one CP-SAT worker each) per round.
"""

from __future__ import annotations

import random
import time
from concurrent.futures import ThreadPoolExecutor

from ortools.sat.python import cp_model

from .instance import FjspAssignment, FjspInstance


def _makespan(schedule) -> int:
    return max(a.end for a in schedule)


COMPACT = True


def _score(schedule) -> tuple[int, int]:
    ends: dict[int, int] = {}
    for a in schedule:
        ends[a.job] = max(ends.get(a.job, 0), a.end)
    return _makespan(schedule), sum(ends.values())


def _critical_ops(instance: FjspInstance, schedule) -> set[tuple[int, int]]:
    """Operations on a critical path (ending at the makespan, back through tight job or
    machine predecessors)."""
    by_key = {(a.job, a.op): a for a in schedule}
    by_machine: dict[int, dict[int, FjspAssignment]] = {}
    for a in schedule:
        by_machine.setdefault(a.machine, {})[a.end] = a
    ms = _makespan(schedule)
    stack = [a for a in schedule if a.end == ms]
    seen: set[tuple[int, int]] = set()
    while stack:
        a = stack.pop()
        if (a.job, a.op) in seen:
            continue
        seen.add((a.job, a.op))
        if a.op and by_key[a.job, a.op - 1].end == a.start:
            stack.append(by_key[a.job, a.op - 1])
        prev = by_machine.get(a.machine, {}).get(a.start)
        if prev is not None:
            stack.append(prev)
    return seen


def choose_neighbourhood(instance, schedule, rng: random.Random, size: int) -> set:
    """Pick about ``size`` operations to relax, by one of four rules."""
    keys = [(a.job, a.op) for a in schedule]
    size = min(size, len(keys))
    kind = rng.randrange(4)
    if kind == 0:  # a time window
        ordered = sorted(schedule, key=lambda a: (a.start, a.job, a.op))
        i = rng.randrange(max(1, len(ordered) - size + 1))
        return {(a.job, a.op) for a in ordered[i : i + size]}
    if kind == 1:  # whole jobs
        jobs = list(range(len(instance.jobs)))
        rng.shuffle(jobs)
        out: set = set()
        for j in jobs:
            if len(out) >= size:
                break
            out.update((j, o) for o in range(len(instance.jobs[j])))
        return out
    if kind == 2:  # critical path plus random company
        crit = sorted(_critical_ops(instance, schedule))
        rng.shuffle(crit)
        out = set(crit[: size // 2])
        rest = [k for k in keys if k not in out]
        out.update(rng.sample(rest, max(0, size - len(out))))
        return out
    # a few machines: everything on them in a random time window
    machines = sorted({a.machine for a in schedule})
    rng.shuffle(machines)
    chosen = set(machines[: max(2, len(machines) // 3)])
    on = sorted((a for a in schedule if a.machine in chosen), key=lambda a: a.start)
    i = rng.randrange(max(1, len(on) - size + 1))
    return {(a.job, a.op) for a in on[i : i + size]}


def solve_neighbourhood(
    instance, schedule, relaxed: set, seed: int, dtime: float, wall: float, compact: bool = COMPACT
):
    """Re-optimise the relaxed operations; the others keep machine and machine order."""
    model = cp_model.CpModel()
    ms = _makespan(schedule)
    by_key = {(a.job, a.op): a for a in schedule}
    starts, choice = {}, {}
    per_machine: dict[int, list] = {}
    ends = {}
    makespan = model.new_int_var(0, ms, "makespan")
    for j, job in enumerate(instance.jobs):
        for o, op in enumerate(job):
            a = by_key[j, o]
            s = model.new_int_var(0, ms, "")
            starts[j, o] = s
            model.add_hint(s, a.start)
            options = op.options if (j, o) in relaxed else ((a.machine, a.end - a.start),)
            if len(options) == 1:
                m, d = options[0]
                per_machine.setdefault(m, []).append(model.new_fixed_size_interval_var(s, d, ""))
                choice[j, o] = [(m, d, None)]
                end = s + d
            else:
                alts = []
                for m, d in options:
                    lit = model.new_bool_var("")
                    model.add_hint(lit, m == a.machine)
                    per_machine.setdefault(m, []).append(
                        model.new_optional_fixed_size_interval_var(s, d, lit, "")
                    )
                    alts.append((m, d, lit))
                model.add_exactly_one(x for _, _, x in alts)
                choice[j, o] = alts
                end = s + sum(d * x for _, d, x in alts)
            ends[j, o] = end
            if o:
                model.add(s >= ends[j, o - 1])
        if job:
            model.add(makespan >= ends[j, len(job) - 1])
    # keep the machine order of the operations that stay
    fixed_on: dict[int, list] = {}
    for a in schedule:
        if (a.job, a.op) not in relaxed:
            fixed_on.setdefault(a.machine, []).append(a)
    for seq in fixed_on.values():
        seq.sort(key=lambda a: a.start)
        for p, q in zip(seq, seq[1:], strict=False):
            model.add(starts[q.job, q.op] >= starts[p.job, p.op] + (p.end - p.start))
    for intervals in per_machine.values():
        model.add_no_overlap(intervals)
    model.add_hint(makespan, ms)
    # makespan first; then the sum of job completions, which keeps the schedule compact
    # so later rounds find room
    last = [ends[j, len(job) - 1] for j, job in enumerate(instance.jobs) if job]
    if compact:
        model.minimize(makespan * (len(last) * ms + 1) + sum(last))
    else:
        model.minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = dtime
    solver.parameters.max_time_in_seconds = wall
    solver.parameters.symmetry_level = 0
    solver.parameters.linearization_level = 0
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    out = []
    for (j, o), alts in choice.items():
        s = solver.value(starts[j, o])
        m, d = next((m, d) for m, d, x in alts if x is None or solver.boolean_value(x))
        out.append(FjspAssignment(j, o, m, s, s + d))
    return out, status == cp_model.OPTIMAL


def improve(instance, schedule, deadline: float, lower: int, seed: int = 0, workers: int = 2):
    """Run rounds of relax-and-reoptimise until ``deadline`` (monotonic seconds) or the
    makespan reaches ``lower``. Returns the best schedule found."""
    rng = random.Random(seed)
    best = list(schedule)
    n = instance.operation_count
    size = max(8, min(n, 30))
    lanes = max(1, workers)
    pool = ThreadPoolExecutor(lanes) if lanes > 1 else None
    try:
        round_no = 0
        while time.monotonic() < deadline - 0.05 and _makespan(best) > lower:
            left = deadline - time.monotonic()
            hoods = [choose_neighbourhood(instance, best, rng, size) for _ in range(lanes)]
            seeds = [rng.randrange(1 << 30) for _ in range(lanes)]
            args = [(instance, best, h, s, 0.25, max(0.05, min(left, 0.5))) for h, s in zip(hoods, seeds, strict=True)]
            if pool:
                results = list(pool.map(lambda a: solve_neighbourhood(*a), args))
            else:
                results = [solve_neighbourhood(*a) for a in args]
            closed = 0
            for cand, optimal in results:
                closed += optimal
                if cand is not None and _score(cand) <= _score(best):
                    best = cand
            # grow the neighbourhood while sub-problems close, shrink when they time out
            size = min(n, int(size * 1.15) + 1) if closed == lanes else max(8, int(size * 0.9))
            round_no += 1
    finally:
        if pool:
            pool.shutdown()
    return best
