"""Choosing how to plan: repair what a change broke, or plan the pool again warm-started
from the published plan. Pure; CP-SAT runs inside with a time limit."""

from __future__ import annotations

from services.scheduling.solver.greedy import greedy_plan
from services.scheduling.solver.model import NetworkProblem, Plan, PlannedOperation, SchedulingError
from services.scheduling.solver.search import plan_network, replan_machine_down
from services.scheduling.solver.validator import validate_plan


def solve(problem: NetworkProblem, previous: list[PlannedOperation], *, repair: bool,
          time_limit: float, workers: int, seed: int = 0) -> Plan:
    """A validated plan of ``problem``. ``repair``: only orders the change broke move
    (possible when every order is in ``previous``); otherwise everything may move, starting
    from ``previous`` where it still holds and a greedy dispatch for the rest."""
    planned = {q.order for q in previous}
    if repair and previous and all(o.id in planned for o in problem.orders):
        return _whole(replan_machine_down(problem, previous, time_limit, workers, seed))
    start = warm_start(problem, previous)
    if start is None and previous:
        # Nothing of it kept (a machine-wide change, or newcomers that do not fit): dispatch
        # afresh with the orders the plan had placed first, as unfit_orders does, so that
        # over capacity a newcomer does not take an incumbent's room. Raises SchedulingError
        # naming an order that does not fit, like plan_network's own dispatch.
        start = greedy_plan(problem, first={q.order for q in previous})
    return _whole(plan_network(problem, time_limit, workers, seed, start=start))


def _whole(plan: Plan) -> Plan:
    """The planner loop publishes plans of every order it was given: an order the solver
    left out is named in a SchedulingError, as the dispatch names one, so that the loop
    leaves it out with its reason and plans the rest."""
    if plan.left_out:
        order, why = plan.left_out[0]
        raise SchedulingError(why if f"order {order}" in why else f"order {order}: {why}")
    return plan


def warm_start(problem: NetworkProblem, previous: list[PlannedOperation],
               demand: bool = False) -> list[PlannedOperation] | None:
    """``previous`` where it is still valid, with the other orders dispatched greedily;
    ``demand``: within the factories' demand limits, the kept work's draw counted (None when
    an order cannot be)."""
    kept = kept_placements(problem, previous)
    if kept is None:
        return None
    keep, broken = kept
    try:
        # orders the plan had placed (their place no longer holds) before newcomers
        return greedy_plan(problem, keep=keep, orders=[o for o in problem.orders if o.id in broken],
                           first={q.order for q in previous}, demand=demand)
    except SchedulingError:
        return None


def kept_placements(problem: NetworkProblem, previous: list[PlannedOperation]
                    ) -> tuple[list[PlannedOperation], set[str]] | None:
    """What a warm start keeps of ``previous``: the placements still valid (frozen work is
    the problem's own), and the orders it must dispatch again (new, or broken). None when it
    keeps nothing: no previous plan, or a machine-wide problem such as a capacity share."""
    if not previous:
        return None
    orders = {o.id for o in problem.orders}
    candidate = [q for q in previous if q.order in orders]
    violations = validate_plan(problem, candidate)
    if any(not v.order for v in violations):
        return None
    broken = {v.order for v in violations}
    frozen = {q.key for q in problem.frozen}
    return [q for q in candidate if q.order not in broken and q.key not in frozen], broken


def settle(problem: NetworkProblem, solved: list[PlannedOperation]) -> list[PlannedOperation] | None:
    """``solved``, worked out before some work started, made to agree with ``problem``, which
    has that work frozen where it runs (``solved`` is in ``problem``'s frame: see
    ``reframe``). Orders whose plan contradicts the started work, or that are planned where
    it now runs, are dispatched again around everything else, which stays put; an order
    with started work stays in the factory that started it. ``solved`` itself when nothing
    contradicts it; None when settling gives no valid plan (then plan again)."""
    violations = validate_plan(problem, solved)
    if not any(v.order for v in violations):
        return solved  # machine-wide problems (a capacity change) are for the next plan
    broken = {v.order for v in violations if v.order}
    frozen = {q.key: q for q in problem.frozen}
    placed = {q.key: q for q in solved}
    machine_type = {(f.id, m.id): m.type for f in problem.factories for m in f.machines}
    for f in frozen.values():
        if placed.get(f.key) == f:
            continue
        # started somewhere else than the plan expected: whatever the plan put there (or
        # just before or after it, for a changeover) has to make room
        gap = problem.setup_minutes(machine_type.get((f.factory, f.machine), ""))
        broken |= {q.order for q in solved
                   if q.key not in frozen and (q.factory, q.machine) == (f.factory, f.machine)
                   and q.start < f.end + gap and f.start < q.end + gap}
    keep = [q for q in solved if q.order not in broken and q.key not in frozen]
    again = [o for o in problem.orders if o.id in broken]
    try:  # within the demand limits where that can be done, the work around them counted
        settled = greedy_plan(problem, keep=keep, orders=again, demand=True)
    except SchedulingError:
        try:  # a limit no dispatch keeps is the next plan's to repair or report
            settled = greedy_plan(problem, keep=keep, orders=again)
        except SchedulingError:
            return None
    return None if any(v.order for v in validate_plan(problem, settled)) else settled
