"""Planning the network: greedy first (there is always a plan), then CP-SAT — the whole
model when it is small, otherwise large-neighbourhood search over factories — and the
machine-down repair that moves as little as it can. Every returned plan has passed the
independent validator.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from .cpsat import solve_subproblem
from .greedy import capable_factories, greedy_plan
from .model import NetworkProblem, Objective, Plan, PlannedOperation, SchedulingError, evaluate
from .validator import validate_plan

FULL_MODEL_ALTERNATIVES = 3000  # (operation, machine) pairs up to which we solve in one go
LNS_ORDERS = 12  # free orders per neighbourhood


class InvalidPlanError(SchedulingError):
    """A plan failed validation (a bug: it is never published)."""


def plan_network(
    problem: NetworkProblem,
    time_limit: float = 10.0,
    workers: int = 2,
    seed: int = 0,
    start: list[PlannedOperation] | None = None,
    on_improvement: Callable[[float, Objective], None] | None = None,
) -> Plan:
    """The best plan found within ``time_limit`` seconds. Deterministic for a given seed
    and worker count as long as the same number of search rounds fit in the time limit
    (sub-solves stop on deterministic time; only the outer loop watches the clock)."""
    t0 = time.monotonic()
    deadline = t0 + time_limit
    history: list[tuple[float, Objective]] = []

    def note(obj: Objective) -> None:
        history.append((round(time.monotonic() - t0, 3), obj))
        if on_improvement:
            on_improvement(history[-1][0], obj)

    best = list(start) if start is not None and not validate_plan(problem, start) else greedy_plan(problem)
    _check(problem, best)
    best_obj = evaluate(problem, best)
    note(best_obj)
    status = "GREEDY"
    options = {o.id: capable_factories(problem, o) for o in problem.orders}
    _pin_started(problem, options)
    size = sum(len(o.operations) * len(options[o.id]) for o in problem.orders)
    if size <= FULL_MODEL_ALTERNATIVES:
        res = solve_subproblem(problem, best, [o.id for o in problem.orders], options,
                               deadline - time.monotonic(), workers, seed)
        if res is not None:
            cand = res.operations
            if not validate_plan(problem, cand) and evaluate(problem, cand).key() <= best_obj.key():
                best, best_obj = cand, evaluate(problem, cand)
                status = "OPTIMAL" if res.optimal else "FEASIBLE"
                note(best_obj)
    else:
        best, best_obj, improved = _lns(problem, best, options, deadline, workers, seed, note)
        status = "FEASIBLE" if improved else "GREEDY"
    _check(problem, best)
    return Plan(tuple(sorted(best, key=lambda p: p.key)), best_obj, status, tuple(history))


def _pin_started(problem, options) -> None:
    for q in problem.frozen:
        options[q.order] = [q.factory]


def _lns(problem, best, options, deadline, workers, seed, note):
    rng = random.Random(seed)
    best_obj = evaluate(problem, best)
    improved = False
    while time.monotonic() < deadline - 0.35:  # room for building the model
        free, opts = _neighbourhood(problem, best, options, rng)
        if not free:
            break
        left = deadline - time.monotonic()
        res = solve_subproblem(problem, best, free, opts,
                               min(left - 0.25, 1.0), workers, rng.randrange(1 << 30),
                               deterministic_time=0.5)
        if res is None:
            continue
        cand = [q for q in best if q.order not in set(free)] + res.operations
        obj = evaluate(problem, cand)
        if obj.key() < best_obj.key() and not validate_plan(problem, cand):
            best, best_obj, improved = cand, obj, True
            note(obj)
    return best, best_obj, improved


def _neighbourhood(problem, plan, options, rng):
    """Orders of two factories (one of them where the worst-late order is, if any), free
    to swap between those two factories."""
    factory_of = {q.order: q.factory for q in plan}
    orders = {o.id: o for o in problem.orders}
    ends: dict[str, int] = {}
    for q in plan:
        ends[q.order] = max(ends.get(q.order, 0), q.end)
    late = [o for o in orders.values() if ends.get(o.id, 0) > o.due]
    factories = [f.id for f in problem.factories]
    if late and rng.random() < 0.7:
        worst = max(late, key=lambda o: (o.weight * (ends[o.id] - o.due), o.id))
        first = factory_of[worst.id]
        others = [f for f in options[worst.id] if f != first] or [first]
        pair = {first, rng.choice(others)}
    else:
        pair = set(rng.sample(factories, min(2, len(factories))))
    members = sorted(o for o, f in factory_of.items() if f in pair)
    rng.shuffle(members)
    late_ids = {o.id for o in late}
    members.sort(key=lambda o: o not in late_ids)  # late orders first
    free = members[:LNS_ORDERS]
    opts = {o: [f for f in options[o] if f in pair] or [factory_of[o]] for o in free}
    return free, opts


def replan_machine_down(
    problem: NetworkProblem,
    previous: list[PlannedOperation],
    time_limit: float = 2.0,
    workers: int = 2,
    seed: int = 0,
) -> Plan:
    """Repair ``previous`` for ``problem`` (which carries the new downtime, the started
    operations frozen and ``previous`` as its last plan): only orders the change breaks are
    re-planned, in their factory or one of two others, everything else stays put."""
    t0 = time.monotonic()
    broken = {v.order for v in validate_plan(problem, previous) if v.order}
    if not broken:
        return Plan(tuple(previous), evaluate(problem, previous), "FEASIBLE")
    keep = [q for q in previous if q.order not in broken]
    options = {o.id: capable_factories(problem, o) for o in problem.orders}
    _pin_started(problem, options)
    factory_of = {q.order: q.factory for q in previous}
    load: dict[str, int] = {}
    for q in keep:
        load[q.factory] = load.get(q.factory, 0) + q.end - q.start
    opts = {}
    for oid in broken:
        home = factory_of[oid]
        others = sorted((f for f in options[oid] if f != home), key=lambda f: (load.get(f, 0), f))
        opts[oid] = [home] + others[:4] if len(options[oid]) > 1 else options[oid]
    res = solve_subproblem(problem, previous, sorted(broken), opts,
                           time_limit - (time.monotonic() - t0) - 0.1, workers, seed)
    cand = keep + res.operations if res is not None else None
    if cand is None or validate_plan(problem, cand):
        orders = [o for o in problem.orders if o.id in broken]
        cand = greedy_plan(problem, keep=[q for q in keep if q.key not in {f.key for f in problem.frozen}], orders=orders)
    _check(problem, cand)
    status = "FEASIBLE" if res is not None else "GREEDY"
    # what is left of the budget goes to late orders (stability stays in the objective)
    if evaluate(problem, cand).weighted_tardiness > 0 and time.monotonic() < t0 + time_limit - 0.3:
        cand, _, better = _lns(problem, cand, options, t0 + time_limit, workers, seed, lambda o: None)
        status = "FEASIBLE" if better else status
    return Plan(tuple(sorted(cand, key=lambda p: p.key)), evaluate(problem, cand), status)


def _check(problem, plan) -> None:
    problems = validate_plan(problem, plan)
    if problems:
        raise InvalidPlanError("; ".join(v.message for v in problems[:5]))
