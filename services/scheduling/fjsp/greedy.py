"""Randomised dispatch for the FJSP: a quick feasible schedule to warm-start CP-SAT."""

from __future__ import annotations

import random

from .instance import FjspAssignment, FjspInstance


def dispatch(instance: FjspInstance, rng: random.Random, noise: float = 0.0) -> list[FjspAssignment]:
    """Build one active schedule (Giffler-Thompson style): find the operation and machine
    that can finish earliest; among operations that could start on that machine before
    then, take the one whose job has the most work left. ``noise`` randomises the work-left
    priority so repeated calls explore different schedules."""
    remaining = [sum(op.min_duration for op in job) for job in instance.jobs]
    next_op = [0] * len(instance.jobs)
    job_ready = [0] * len(instance.jobs)
    machine_free = [0] * instance.machines
    out: list[FjspAssignment] = []
    active = [j for j, job in enumerate(instance.jobs) if job]
    while active:
        options = []  # (end, start, job, machine)
        for j in active:
            for m, d in instance.jobs[j][next_op[j]].options:
                start = max(job_ready[j], machine_free[m])
                options.append((start + d, start, j, m))
        first = min(options)
        c_star, _, _, m_star = first
        # the first itself belongs (it is the only one when it lasts no time)
        conflict = [o for o in options if o[3] == m_star and o[1] < c_star or o == first]
        # each job in conflict contributes its best machine for that op
        best_key, choice = None, None
        for end, start, j, _m in conflict:
            own = min(o[0] for o in options if o[2] == j)
            prio = remaining[j] * (1.0 + noise * rng.random())
            key = (-prio, end - own, start, j)
            if best_key is None or key < best_key:
                best_key, choice = key, (j, end, start)
        j, _, _ = choice
        # the chosen job then goes to its own earliest-finishing machine
        end, start, _, m = min(o for o in options if o[2] == j)
        out.append(FjspAssignment(j, next_op[j], m, start, end))
        remaining[j] -= instance.jobs[j][next_op[j]].min_duration
        job_ready[j] = machine_free[m] = end
        next_op[j] += 1
        if next_op[j] == len(instance.jobs[j]):
            active.remove(j)
    return out


def best_dispatch(instance: FjspInstance, seed: int = 0, runs: int = 30) -> list[FjspAssignment]:
    """The shortest of ``runs`` dispatch schedules (the first one without noise)."""
    return dispatches(instance, seed, runs)[0]


def dispatches(instance: FjspInstance, seed: int = 0, runs: int = 30) -> list[list[FjspAssignment]]:
    """``runs`` dispatch schedules (the first one without noise), shortest first (stable
    among equals)."""
    rng = random.Random(seed)
    out = [dispatch(instance, rng, noise=0.0 if i == 0 else 0.5) for i in range(max(1, runs))]
    return sorted(out, key=_makespan)


def _makespan(schedule: list[FjspAssignment]) -> int:
    return max((a.end for a in schedule), default=0)
