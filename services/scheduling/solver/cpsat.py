"""CP-SAT model of the network (or of a neighbourhood of it).

The *free* orders are re-planned; every other planned operation stays where the incumbent
puts it and only takes up machine time. Per free order a literal per candidate factory
(exactly one); per operation a start variable shared by optional fixed-size intervals, one
per eligible machine of the candidate factories (duration scaled by the machine's speed).

* shifts and downtime: fixed intervals in each machine's no-overlap, so an operation runs
  inside one shift and never while its machine is down;
* batch machines (capacity > 1): a cumulative instead; batchable work takes 1 unit, other
  work the whole machine;
* changeovers on machines with a setup rule: for every pair of operations of different
  families that may share the machine, one runs ``change_minutes`` after the other ends
  (exact for a constant changeover, which satisfies the triangle inequality);
* capacity share: each machine's chain minutes stay within ``share x available minutes``
  over the horizon (a budget per machine, not per day: simple and checkable);
* objective: lexicographic as one weighted sum with safe weights
  ``W1 * weighted tardiness + W2 * makespan + moved``, ``W2 = operations + 1``,
  ``W1 = W2 * (horizon + 1)``, so no amount of a lower objective pays for a higher one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from .model import NetworkProblem, PlannedOperation
from .timeline import share_budget, unavailable


@dataclass(frozen=True)
class SubproblemResult:
    operations: list[PlannedOperation]  # the free orders' operations
    optimal: bool


def solve_subproblem(
    problem: NetworkProblem,
    incumbent: list[PlannedOperation],
    free_orders: list[str],
    factory_options: dict[str, list[str]],
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    deterministic_time: float | None = None,
) -> SubproblemResult | None:
    """Re-plan ``free_orders`` (each in one of its ``factory_options``) around the rest of
    ``incumbent``. Returns ``None`` when no plan was found within the limits."""
    b = _Builder(problem, incumbent, set(free_orders), factory_options)
    b.build()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, time_limit)
    if deterministic_time is not None:
        solver.parameters.max_deterministic_time = deterministic_time
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(b.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return SubproblemResult(b.extract(solver), status == cp_model.OPTIMAL)


class _Builder:
    def __init__(self, problem, incumbent, free, factory_options):
        self.p = problem
        self.model = cp_model.CpModel()
        self.free = free
        self.options = factory_options
        self.inc = {q.key: q for q in incumbent}
        self.frozen = {q.key: q for q in problem.frozen}
        self.orders = {o.id: o for o in problem.orders}
        self.fixed = [q for q in incumbent if q.order not in free]
        self.alts: dict = {}  # (order, op) -> [(factory, machine, duration, lit)]
        self.starts: dict = {}
        self.per_machine: dict = {}  # (f, m) -> [(interval, demand, family, start, end, lit, dur)]

    def build(self):
        p, model = self.p, self.model
        free_ops = 0
        ends_last = []
        objective_tard = []
        machines_used = set()
        for oid in sorted(self.free):
            order = self.orders[oid]
            fopts = self.options[oid]
            flits = {f: model.new_bool_var(f"y{oid}{f}") for f in fopts}
            model.add_exactly_one(flits.values())
            cur = self.inc.get((oid, 0))
            for f, lit in flits.items():
                model.add_hint(lit, cur is not None and cur.factory == f)
            prev_end = None
            for i, op in enumerate(order.operations):
                free_ops += 1
                key = (oid, i)
                if key in self.frozen:
                    q = self.frozen[key]
                    s = model.new_constant(q.start)
                    lit = model.new_constant(1)
                    model.add(flits[q.factory] == 1)
                    alts = [(q.factory, q.machine, q.end - q.start, lit)]
                else:
                    lo = max(p.now, order.release if i == 0 else 0)
                    s = model.new_int_var(lo, p.horizon, f"s{oid}.{i}")
                    alts = []
                    for f in fopts:
                        fac = p.factory(f)
                        group = []
                        for m in fac.machines:
                            if m.type == op.machine_type:
                                lit = model.new_bool_var("")
                                group.append((f, m.id, m.duration(op.duration), lit))
                        model.add(sum(g[3] for g in group) == flits[f])
                        alts += group
                if not alts:
                    raise ValueError(f"{oid}#{i}: no eligible machine in {fopts}")
                self.starts[key] = s
                cur = self.inc.get(key)
                if cur is not None and key not in self.frozen:
                    model.add_hint(s, cur.start)
                for f, mid, d, lit in alts:
                    if key not in self.frozen and cur is not None:
                        model.add_hint(lit, (f, mid) == (cur.factory, cur.machine))
                    iv = model.new_optional_fixed_size_interval_var(s, d, lit, "")
                    self.per_machine.setdefault((f, mid), []).append(
                        (iv, op, s, s + d, lit, d, key))
                    machines_used.add((f, mid))
                    model.add(s + d <= p.horizon).only_enforce_if(lit)
                self.alts[key] = alts
                end = s + sum(d * lit for _, _, d, lit in alts)
                if prev_end is not None:
                    model.add(s >= prev_end)
                prev_end = end + op.min_wait_after
                last_end = end
            ends_last.append(last_end)
            tard = model.new_int_var(0, p.horizon, "")
            model.add(tard >= last_end - order.due)
            last_inc = self.inc.get((oid, len(order.operations) - 1))
            if last_inc is not None:
                model.add_hint(tard, max(0, last_inc.end - order.due))
            objective_tard.append(order.weight * tard)
        self._machines(machines_used)
        fixed_end = max((q.end for q in self.fixed), default=0)
        makespan = model.new_int_var(fixed_end, p.horizon, "makespan")
        for e in ends_last:
            model.add(makespan >= e)
        model.add_hint(makespan, max((q.end for q in self.inc.values()), default=fixed_end))
        moved = self._stability()
        w2 = len(self.inc) + len(self.free) * 8 + 1
        w1 = w2 * (p.horizon + 1)
        model.minimize(w1 * sum(objective_tard) + w2 * makespan + sum(moved))

    def _machines(self, used):
        p, model = self.p, self.model
        fixed_on: dict = {}
        for q in self.fixed:
            if (q.factory, q.machine) in used:
                fixed_on.setdefault((q.factory, q.machine), []).append(q)
        for f, mid in sorted(used):
            fac = p.factory(f)
            machine = next(m for m in fac.machines if m.id == mid)
            free_items = self.per_machine[f, mid]
            started = [(q.start, q.end) for q in self.frozen.values() if (q.factory, q.machine) == (f, mid)]
            blocked = [model.new_fixed_size_interval_var(s, e - s, "")
                       for s, e in _cut(unavailable(fac, machine, p.horizon), started)]
            fixed_items = []
            for q in fixed_on.get((f, mid), []):
                op = self.orders[q.order].operations[q.op]
                fixed_items.append((model.new_fixed_size_interval_var(q.start, q.end - q.start, ""), op, q.start, q.end))
            cap = machine.batch_capacity
            if cap > 1:
                def use(op, cap=cap):
                    return 1 if op.batchable else cap
                model.add_cumulative(
                    [it[0] for it in free_items] + [it[0] for it in fixed_items] + blocked,
                    [use(it[1]) for it in free_items] + [use(it[1]) for it in fixed_items] + [cap] * len(blocked),
                    cap,
                )
            else:
                model.add_no_overlap([it[0] for it in free_items] + [it[0] for it in fixed_items] + blocked)
                self._setups(machine, free_items, fixed_items)
            # started operations do not count against the chain's share (see the validator)
            claimed = sum(q.end - q.start for q in fixed_on.get((f, mid), []) if q.key not in self.frozen)
            budget = share_budget(fac, machine, p.horizon) - claimed
            model.add(sum(it[5] * it[4] for it in free_items if it[6] not in self.frozen) <= max(0, budget))

    def _setups(self, machine, free_items, fixed_items):
        change = self.p.setup_minutes(machine.type)
        if not change:
            return
        model = self.model
        for a_i, a in enumerate(free_items):
            _, op_a, s_a, e_a, lit_a, _, _ = a
            inc_a = self.inc.get(a[6])
            for b in free_items[a_i + 1:]:
                _, op_b, s_b, e_b, lit_b, _, _ = b
                if op_a.setup_family == op_b.setup_family or a[6] == b[6]:
                    continue
                before = model.new_bool_var("")
                inc_b = self.inc.get(b[6])
                if inc_a is not None and inc_b is not None:
                    model.add_hint(before, inc_a.start <= inc_b.start)
                model.add(s_b >= e_a + change).only_enforce_if(before, lit_a, lit_b)
                model.add(s_a >= e_b + change).only_enforce_if(~before, lit_a, lit_b)
            for _, op_b, fs, fe in fixed_items:
                if op_a.setup_family == op_b.setup_family:
                    continue
                before = model.new_bool_var("")
                if inc_a is not None:
                    model.add_hint(before, inc_a.start >= fe)
                model.add(s_a >= fe + change).only_enforce_if(before, lit_a)
                model.add(e_a + change <= fs).only_enforce_if(~before, lit_a)

    def _stability(self):
        model, moved = self.model, []
        for q in self.p.last_plan:
            if q.order not in self.free or q.key in self.frozen or q.key not in self.alts:
                continue
            lit = next((x for f, m, _, x in self.alts[q.key] if (f, m) == (q.factory, q.machine)), None)
            if lit is None:
                moved.append(1)
                continue
            same = model.new_bool_var("")
            cur = self.inc.get(q.key)
            model.add_hint(same, cur is not None and (cur.machine, cur.start) == (q.machine, q.start))
            model.add_implication(same, lit)
            model.add(self.starts[q.key] == q.start).only_enforce_if(same)
            moved.append(1 - same)
        return moved

    def extract(self, solver) -> list[PlannedOperation]:
        out = []
        for (oid, i), alts in self.alts.items():
            s = solver.value(self.starts[oid, i])
            f, mid, d, _ = next(a for a in alts if solver.boolean_value(a[3]))
            out.append(PlannedOperation(oid, i, f, mid, s, s + d))
        return out


def _cut(windows, holes):
    """``windows`` minus ``holes``: a started operation keeps running through a breakdown
    that began after it started, so its time is not blocked for it."""
    out = []
    for s, e in windows:
        parts = [(s, e)]
        for hs, he in holes:
            parts = [piece for a, b in parts for piece in ((a, min(b, hs)), (max(a, he), b)) if piece[1] > piece[0]]
        out += parts
    return out
