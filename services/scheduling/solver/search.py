"""Planning the network: greedy first (there is always a plan), then CP-SAT — the whole
model when it is small, otherwise large-neighbourhood search over factories — and the
machine-down repair that moves as little as it can. Every returned plan has passed the
independent validator.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .cpsat import solve_subproblem
from .decompose import ChainSearch
from .energy import improve_energy, needs_energy
from .energy_audit import demand_excesses
from .greedy import capable_factories, greedy_plan
from .model import (
    NetworkProblem,
    Objective,
    Plan,
    PlannedOperation,
    SchedulingError,
    Window,
    evaluate,
)
from .validator import validate_plan

FULL_MODEL_ALTERNATIVES = 3000  # (operation, machine) pairs up to which we solve in one go
LNS_ORDERS = 12  # free orders per neighbourhood
LNS_MAX_OPERATIONS = 20_000  # above it, a neighbourhood costs more to build than it gains
SEARCH_SHARE = 0.5  # of the time, the decomposed search's, where CP-SAT polishes after it
ENERGY_SHARE = 0.4  # of the time, the energy step's, when a factory has a tariff or a limit
REPLAN_MOVE_SHARE = 0.01  # of the operations, at most moved by a re-plan's re-sequencing
SCRATCH_MAX_OPERATIONS = 30_000  # up to which a re-plan that left orders out dispatches afresh
GREEDY_CHECK_MAX_OPERATIONS = 5_000  # up to which a re-plan is held against the greedy dispatch


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
    """The best plan found within ``time_limit`` seconds; orders that fit nowhere are left
    out, each with its reason (``Plan.left_out``), and the rest is planned.

    A compiled dispatch first (there is always a plan), warm-started from ``start`` when it
    is a valid plan; then CP-SAT on the whole model when it is small, otherwise the
    decomposed search (each factory sequenced on its own, in parallel; late orders moved
    across factories), polished by CP-SAT neighbourhoods while the network is of a size
    where each of them is cheap. Where a factory has a tariff or a demand limit, the energy
    step follows on its share of the time, counted from where the search ended when that
    search overran."""
    t0 = time.monotonic()
    energy = needs_energy(problem)
    end = t0 + time_limit
    if energy:  # the tardiness search first, then the energy step (solver/energy.py)
        time_limit *= 1 - ENERGY_SHARE
    deadline = t0 + time_limit
    history: list[tuple[float, Objective]] = []

    def note(obj: Objective) -> None:
        history.append((round(time.monotonic() - t0, 3), obj))
        if on_improvement:
            on_improvement(history[-1][0], obj)

    search = _first_plan(problem, seed, workers, start)
    left_out = _reasons(problem, search.unplaced())
    planned = _without(problem, left_out)
    note(search.objective())
    status = "GREEDY"
    n_ops = search.a.n_ops
    options = _options(search.a, planned) if n_ops <= LNS_MAX_OPERATIONS else {}
    size = sum(len(o.operations) * len(options[o.id]) for o in planned.orders) if options else n_ops
    reserve = _reserve(n_ops)
    if size <= FULL_MODEL_ALTERNATIVES:
        best = _kept(search.operations(), left_out)
        best_obj = evaluate(planned, best)
        res = solve_subproblem(planned, best, [o.id for o in planned.orders], options,
                               deadline - time.monotonic(), workers, seed)
        if res is not None:
            cand = res.operations
            if not validate_plan(planned, cand, demand=False) and \
                    evaluate(planned, cand).key() <= best_obj.key():
                best, best_obj = cand, evaluate(planned, cand)
                status = "OPTIMAL" if res.optimal else "FEASIBLE"
                note(best_obj)
    else:
        polish = n_ops <= LNS_MAX_OPERATIONS
        until = t0 + time_limit * SEARCH_SHARE if polish else deadline - reserve
        if search.improve(until, lambda obj: note(obj)):
            status = "FEASIBLE"
        best = _kept(search.operations(), left_out)
        if polish:
            best, best_obj, improved = _lns(planned, best, options, deadline, workers, seed, note,
                                            until_on_time=energy and problem.energy_aware)
            status = "FEASIBLE" if improved else status
    if energy:
        _check(planned, best, demand=False)
        # The energy step keeps its share when the search overran its own (the solver's
        # kernels compiling beside the first plan, a loaded machine): otherwise it got no
        # time at all, and the plan stayed as dear as an energy-blind one until the next
        # full plan, which may be hours away.
        end = max(end, time.monotonic() + (end - deadline))
        best = improve_energy(planned, best, end, workers, seed)
    _check(planned, best, demand=False)
    return Plan(tuple(sorted(best, key=lambda p: p.key)), evaluate(planned, best), status,
                tuple(history), tuple(sorted(left_out.items())), _over_limit(planned, best))


def _first_plan(problem: NetworkProblem, seed: int, workers: int,
                start: list[PlannedOperation] | None) -> ChainSearch:
    """``start`` when it is a valid plan; otherwise the dispatch by due date and, when that
    leaves work late, the dispatch by weighted modified due date
    (:meth:`ChainSearch.weighted_due`): the one that places more orders, then has less
    weighted tardiness."""
    search = ChainSearch(problem, seed, workers)
    if start is not None and not validate_plan(problem, start, demand=False):
        search.take(start)
        return search
    search.dispatch()
    if search.objective().weighted_tardiness == 0:
        return search
    other = ChainSearch(problem, seed, workers, arrays=search.a)
    other.dispatch(priority=other.weighted_due())

    def rank(s: ChainSearch) -> tuple:
        return (len(s.unplaced()), s.objective().key())

    return other if rank(other) < rank(search) else search


def _reserve(n_ops: int, repair: bool = False) -> float:
    """Seconds kept at the end for turning the arrays into a plan and validating it (a
    repair turns only what moved)."""
    return 0.1 + n_ops * (3e-6 if repair else 7e-6)


def _reasons(problem: NetworkProblem, order_ids: list[str]) -> dict[str, str]:
    """Why each of ``order_ids`` was left out, in words a planner can act on."""
    out = {}
    have = {m.type for f in problem.factories for m in f.machines}
    orders = {o.id: o for o in problem.orders}
    started = {q.order: q.factory for q in problem.frozen}
    down_at: dict[str, set[str]] = {}  # factory → machine types down for the rest of the horizon
    for oid in order_ids:
        order = orders[oid]
        need = {op.machine_type for op in order.operations}
        if oid in started:
            out[oid] = _started_reason(problem, order, started[oid])
        elif order.factory:  # a planner's pin (the problem holds it only where it is capable)
            out[oid] = (f"order {oid} is pinned to factory {order.factory}, which cannot make it "
                        "within the horizon: its shifts and share are taken")
        elif not capable_factories(problem, order):
            missing = sorted(need - have)
            out[oid] = (f"no factory has {', '.join(missing)}" if missing else
                        f"no factory has every machine type order {oid} needs ({', '.join(sorted(need))})")
        else:
            down = []
            for fid in capable_factories(problem, order):
                if fid not in down_at:
                    factory = problem.factory(fid)
                    down_at[fid] = set(_down_types(problem, factory, {m.type for m in factory.machines}))
                down.append((fid, sorted(need & down_at[fid])))
            if all(types for _, types in down):
                out[oid] = f"order {oid} cannot be made within the horizon: " + "; ".join(
                    f"at {fid} the {', '.join(types)} {'is' if len(types) == 1 else 'are'} down"
                    for fid, types in down)
            else:
                out[oid] = (f"order {oid} does not fit in the horizon of any factory: the capable "
                            "factories' shifts and shares are taken")
    return out


def _down_types(problem: NetworkProblem, factory, types: set[str]) -> list[str]:
    """Those of ``types`` whose every machine in ``factory`` is down from now to the end of the
    horizon."""
    now = max(problem.now, 0)
    return sorted(t for t in types if all(
        any(w.start <= now and w.end >= problem.horizon for w in m.downtime)
        for m in factory.machines if m.type == t))


def _started_reason(problem: NetworkProblem, order, factory_id: str) -> str:
    """Why an order with work started at ``factory_id`` (where it must stay) cannot be
    finished there."""
    done = {q.op for q in problem.frozen if q.order == order.id}
    still = {op.machine_type for i, op in enumerate(order.operations) if i not in done}
    down = _down_types(problem, problem.factory(factory_id), still)
    if down:
        return (f"order {order.id} has started at factory {factory_id}, whose "
                f"{', '.join(down)} {'is' if len(down) == 1 else 'are'} down for the rest of the horizon")
    return (f"order {order.id} has started at factory {factory_id}, which cannot finish it within "
            "the horizon: its shifts and share are taken")


def _without(problem: NetworkProblem, left_out: dict[str, str]) -> NetworkProblem:
    """``problem`` without the orders left out, against which the plan is validated. Work a
    left-out order has started stays on its machine (it is running): it becomes downtime of
    that machine, so the validator still holds every other operation off it."""
    if not left_out:
        return problem
    running: dict[str, list[Window]] = {}
    for q in problem.frozen:
        if q.order in left_out:
            running.setdefault(q.machine, []).append(Window(q.start, q.end))
    factories = problem.factories if not running else tuple(
        replace(f, machines=tuple(
            replace(m, downtime=tuple(sorted((*m.downtime, *running[m.id]), key=lambda w: w.start)))
            if m.id in running else m for m in f.machines))
        for f in problem.factories)
    return replace(
        problem, factories=factories,
        orders=tuple(o for o in problem.orders if o.id not in left_out),
        frozen=tuple(q for q in problem.frozen if q.order not in left_out),
        last_plan=tuple(q for q in problem.last_plan if q.order not in left_out))


def _kept(operations: list[PlannedOperation], left_out: dict[str, str]) -> list[PlannedOperation]:
    """``operations`` without those of orders left out (their started work included: the
    plan does not carry an order it cannot finish; the machine stays held by ``frozen``)."""
    if not left_out:
        return operations
    return [q for q in operations if q.order not in left_out]


def _options(arrays, problem: NetworkProblem) -> dict[str, list[str]]:
    """Each order's candidate factories for CP-SAT: those with every machine type it needs
    (from the compiled masks), or the factory its started work is in."""
    by_mask: dict[int, list[str]] = {}
    options = {}
    for order in problem.orders:
        need = int(arrays.o_types[arrays.order_index[order.id]])
        if need not in by_mask:
            by_mask[need] = [arrays.factory_ids[f] for f in np.flatnonzero((arrays.f_types & need) == need)]
        options[order.id] = by_mask[need]
    _pin_started(problem, options)
    return options


def _pin_started(problem, options) -> None:
    """Started work holds an order to its factory; so does a planner's pin."""
    for order in problem.orders:
        if order.factory and order.id in options:
            options[order.id] = [f for f in options[order.id] if f == order.factory]
    for q in problem.frozen:
        options[q.order] = [q.factory]


def _lns(problem, best, options, deadline, workers, seed, note, until_on_time=False):
    """CP-SAT neighbourhoods until ``deadline``; with ``until_on_time`` (energy comes next,
    before makespan) only while some order is late."""
    rng = random.Random(seed)
    best_obj = evaluate(problem, best)
    improved = False
    while time.monotonic() < deadline - 0.35:  # room for building the model
        if until_on_time and best_obj.weighted_tardiness == 0:
            break
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
        if obj.key() < best_obj.key() and not validate_plan(problem, cand, demand=False):
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


def replan(
    problem: NetworkProblem,
    previous: list[PlannedOperation],
    time_limit: float = 2.0,
    workers: int = 2,
    seed: int = 0,
) -> Plan:
    """Repair ``previous`` for the changed ``problem`` (a machine down or back, orders added,
    changed or withdrawn; started operations frozen, ``previous`` as its last plan): what
    still holds stays; the orders the change broke, then new ones, are dispatched around it;
    then the factories the change touched, and the latest others, are sequenced again as
    long as at most 1 % of the operations move. Never worse in weighted tardiness than a
    dispatch from scratch: where that is cheap to make (small networks), it is made too.
    At chain scale the repair starts from a searched plan and stays far below it (the
    benchmark's EDD-from-scratch column)."""
    t0 = time.monotonic()
    deadline = t0 + time_limit
    search = ChainSearch(problem, seed, workers)
    a = search.a
    keep, prev, broken = search.holding(previous)
    search.take(keep)
    before = {q.order: q.factory for q in previous} if broken else {}
    search.dispatch(first=before)
    moving = int(sum(a.o_ptr[a.order_index[o] + 1] - a.o_ptr[a.order_index[o]] for o in broken))
    budget = int(REPLAN_MOVE_SHARE * a.n_ops) - moving
    pushed = 0
    if broken and budget > 0:
        pushed = search.push_in([a.order_index[o] for o in broken], budget,
                                deadline - _reserve(a.n_ops, repair=True))
    chosen = _replan_factories(search, broken, before, pushed)
    if chosen:
        search.improve(deadline - _reserve(a.n_ops, repair=True), factories=chosen, patience=2)
    status = "FEASIBLE"
    if search.unplaced() and a.n_ops <= SCRATCH_MAX_OPERATIONS:
        # the repair could not place everything: a dispatch from scratch may
        scratch = ChainSearch(problem, seed, workers, arrays=a)
        scratch.dispatch()
        if len(scratch.unplaced()) < len(search.unplaced()):
            search, status = scratch, "GREEDY"
    left_out = _reasons(problem, search.unplaced())
    planned = _without(problem, left_out)
    cand = _kept(search.operations_from(previous, prev[0], prev[1]), left_out)
    if not left_out and a.n_ops <= GREEDY_CHECK_MAX_OPERATIONS:
        # never worse than the greedy dispatch from scratch (cheap to make at this size)
        try:
            greedy = greedy_plan(problem)
        except SchedulingError:
            greedy = None
        if greedy is not None and evaluate(problem, greedy).weighted_tardiness < \
                search.objective().weighted_tardiness:
            search.take(greedy)
            cand, status = greedy, "GREEDY"
    limits = needs_energy(replace(planned, energy_aware=False))
    if limits:  # a repair keeps the demand limits, and re-prices nothing
        _check(planned, cand, demand=False)
        cand = improve_energy(replace(planned, energy_aware=False), cand,
                              max(deadline, time.monotonic() + 0.5), workers, seed)
    _check(planned, cand, demand=False)
    obj = search.objective()
    if limits:
        obj = evaluate(planned, cand)
    elif _same(problem.last_plan, previous):
        obj = replace(obj, moved=search.moved_from(prev[0], prev[1]))
    else:
        obj = evaluate(planned, cand)
    return Plan(tuple(cand), obj, status, (), tuple(sorted(left_out.items())),
                _over_limit(planned, cand) if limits else ())


def _replan_factories(search: ChainSearch, broken: set[str], before: dict[str, str],
                      pushed: int) -> list[int]:
    """Factories a re-plan sequences again: those the change touched, then the latest
    others, while their operations stay within the share of a re-plan's moves (less those
    ``pushed`` already)."""
    a = search.a
    budget = int(REPLAN_MOVE_SHARE * a.n_ops) - pushed
    index = {fid: i for i, fid in enumerate(a.factory_ids)}
    moving = 0
    touched = set()
    for oid in broken:
        o = a.order_index[oid]
        moving += int(a.o_ptr[o + 1] - a.o_ptr[o])
        if oid in before:
            touched.add(index[before[oid]])
        if search.ofac[o] >= 0:
            touched.add(int(search.ofac[o]))
    ptr, seq = search.sequences()
    val = search.factory_values(ptr, seq)
    placed = search.ofac >= 0
    sizes = np.bincount(search.ofac[placed], weights=np.diff(a.o_ptr)[placed], minlength=len(a.factory_ids))
    chosen: list[int] = []
    room = budget - moving
    order = sorted(touched, key=lambda f: -val[f, 0]) + np.argsort(-val[:, 0], kind="stable").tolist()
    for f in order:
        if val[f, 0] > 0 and f not in chosen and sizes[f] <= room:
            chosen.append(f)
            room -= int(sizes[f])
    return chosen


def _same(a, b) -> bool:
    """``a`` and ``b`` hold the same planned operations (by identity; cheap)."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def replan_machine_down(
    problem: NetworkProblem,
    previous: list[PlannedOperation],
    time_limit: float = 2.0,
    workers: int = 2,
    seed: int = 0,
) -> Plan:
    """:func:`replan` after a machine went down (the name the planner loop knows)."""
    return replan(problem, previous, time_limit, workers, seed)


def _over_limit(problem, plan) -> tuple[tuple[str, float], ...]:
    """Factories whose load the energy step could not bring within their demand limit (a
    limit below what one operation draws, or work that cannot move): the plan says so, and
    planning goes on."""
    return tuple((e.factory, round(e.peak_kw, 2)) for e in demand_excesses(problem, plan))


def _check(problem, plan, demand: bool = True) -> None:
    problems = validate_plan(problem, plan, demand)
    if problems:
        raise InvalidPlanError("; ".join(v.message for v in problems[:5]))
