"""The deliberately plain CP-SAT model of the FJSP, kept as the benchmark's baseline.

Optional intervals per (operation, eligible machine), one no-overlap per machine, job
precedence, minimise the makespan. No hints, no bounds tightening, no search tricks.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .instance import FjspAssignment, FjspInstance, FjspResult

_STATUS = {cp_model.OPTIMAL: "OPTIMAL", cp_model.FEASIBLE: "FEASIBLE"}


@dataclass
class PlainModel:
    """The plain model and the variables a schedule is read from."""

    model: cp_model.CpModel
    starts: dict
    ends: dict
    choices: dict  # (j, o) -> [(machine, literal)]
    makespan: cp_model.IntVar

    def schedule(self, solver) -> tuple[FjspAssignment, ...]:
        return tuple(
            FjspAssignment(j, o, next(m for m, lit in lits if solver.boolean_value(lit)),
                           solver.value(self.starts[j, o]), solver.value(self.ends[j, o]))
            for (j, o), lits in self.choices.items()
        )


def plain_model(instance: FjspInstance, horizon: int | None = None, lb: int = 0) -> PlainModel:
    """The plain model; ``horizon`` (default: every operation at its longest, one after
    another) bounds every time and the makespan, ``lb`` the makespan from below."""
    model = cp_model.CpModel()
    if horizon is None:
        horizon = sum(max(d for _, d in op.options) for _, _, op in instance.operations())
    per_machine: dict[int, list] = {}
    starts, ends, choices = {}, {}, {}
    for j, job in enumerate(instance.jobs):
        for o, op in enumerate(job):
            lo, hi = op.min_duration, max(d for _, d in op.options)
            s = model.new_int_var(0, horizon, f"s{j}_{o}")
            d = model.new_int_var(lo, hi, f"d{j}_{o}")
            e = model.new_int_var(0, horizon, f"e{j}_{o}")
            model.new_interval_var(s, d, e, f"i{j}_{o}")
            lits = []
            for m, dur in op.options:
                lit = model.new_bool_var(f"x{j}_{o}_{m}")
                ls = model.new_int_var(0, horizon, "")
                le = model.new_int_var(0, horizon, "")
                per_machine.setdefault(m, []).append(
                    model.new_optional_interval_var(ls, dur, le, lit, "")
                )
                model.add(s == ls).only_enforce_if(lit)
                model.add(d == dur).only_enforce_if(lit)
                model.add(e == le).only_enforce_if(lit)
                lits.append((m, lit))
            model.add_exactly_one(lit for _, lit in lits)
            starts[j, o], ends[j, o], choices[j, o] = s, e, lits
            if o:
                model.add(s >= ends[j, o - 1])
    for intervals in per_machine.values():
        model.add_no_overlap(intervals)
    makespan = model.new_int_var(min(lb, horizon), horizon, "makespan")
    model.add_max_equality(makespan, [ends[j, len(job) - 1] for j, job in enumerate(instance.jobs) if job])
    model.minimize(makespan)
    return PlainModel(model, starts, ends, choices, makespan)


def solve_plain(
    instance: FjspInstance, time_limit: float, workers: int = 2, seed: int = 0
) -> FjspResult:
    """Solve with the plain model under ``time_limit`` seconds."""
    pm = plain_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(pm.model)
    if status not in _STATUS:
        return FjspResult(0, 0, "UNKNOWN", ())
    return FjspResult(
        int(solver.objective_value), int(solver.best_objective_bound), _STATUS[status], pm.schedule(solver)
    )
