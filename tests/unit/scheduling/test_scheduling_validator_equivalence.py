"""The column-wise validator judges every plan as the plain one it replaced did: the same
violations with the same messages, in the same order.

The plain validator (per operation, in Python) is kept below as the reference, its logic
unchanged, and only here. Plans come from the greedy dispatch over small generated networks, made
awkward (touching, overlapping, broken and empty shift windows, downtime, batch machines,
tight shares, started work) and then broken in many ways; and, through hypothesis, as
arbitrary rows over tiny arbitrary problems (ids used twice, odd windows and times).
"""

from __future__ import annotations

import bisect
import math
import random
import time
from dataclasses import dataclass, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from network_instances import generate

from services.scheduling.solver.greedy import greedy_plan, unfit_orders
from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    PlannedOperation,
    SetupRule,
    Window,
)
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit


# -- the reference: the validator before it worked on columns (its logic as of 165c111) ----

@dataclass(frozen=True)
class _Violation:
    kind: str
    message: str
    order: str = ""
    op: int = -1


def reference_validate_plan(problem: NetworkProblem, operations) -> list[_Violation]:
    out: list[_Violation] = []
    machines = {(f.id, m.id): m for f in problem.factories for m in f.machines}
    orders = {o.id: o for o in problem.orders}
    planned: dict[tuple[str, int], object] = {}
    for p in operations:
        if (p.order, p.op) in planned:
            out.append(_Violation("duplicate", f"{p.order}#{p.op} planned twice", p.order, p.op))
        planned[p.order, p.op] = p

    for o in problem.orders:
        for i in range(len(o.operations)):
            if (o.id, i) not in planned:
                out.append(_Violation("missing", f"{o.id}#{i} is not planned", o.id, i))

    started = {(f.order, f.op) for f in problem.frozen}
    working = {f.id: _reference_stretches(f.shifts) for f in problem.factories}
    for (oid, i), p in planned.items():
        order = orders.get(oid)
        if order is None or not 0 <= i < len(order.operations):
            out.append(_Violation("unknown", f"{oid}#{i} is not in the problem", oid, i))
            continue
        op = order.operations[i]
        machine = machines.get((p.factory, p.machine))
        if machine is None:
            out.append(_Violation("eligibility", f"{oid}#{i}: no machine {p.machine} in {p.factory}", oid, i))
            continue
        if machine.type != op.machine_type:
            out.append(_Violation(
                "eligibility", f"{oid}#{i} needs {op.machine_type}, {p.machine} is {machine.type}", oid, i))
        want = max(1, math.ceil(op.duration / machine.speed))
        if p.end - p.start != want:
            out.append(_Violation("duration", f"{oid}#{i} lasts {p.end - p.start}, needs {want}", oid, i))
        if p.start < 0 or p.end > problem.horizon:
            out.append(_Violation("horizon", f"{oid}#{i} outside [0, {problem.horizon})", oid, i))
        if (oid, i) in started:
            continue  # started work is a fact: it may have been caught by a breakdown
        stretches = working[p.factory]
        k = bisect.bisect_right(stretches, (p.start, math.inf)) - 1
        if k < 0 or p.end > stretches[k][1]:
            out.append(_Violation("calendar", f"{oid}#{i} [{p.start},{p.end}) is not inside one stretch of working time of {p.factory}", oid, i))
        for w in machine.downtime:
            if p.start < w.end and w.start < p.end:
                out.append(_Violation("downtime", f"{oid}#{i} runs on {p.machine} while it is down [{w.start},{w.end})", oid, i))

    frozen = {(f.order, f.op): f for f in problem.frozen}
    for key, f in frozen.items():
        p = planned.get(key)
        if p is None:
            out.append(_Violation("frozen_moved", f"{key[0]}#{key[1]} has started and is missing "
                                                  "from the plan", *key))
        elif (p.factory, p.machine, p.start, p.end) != (f.factory, f.machine, f.start, f.end):
            out.append(_Violation("frozen_moved", f"{key[0]}#{key[1]} has started and must not "
                                                  f"move: it runs on {f.machine} in {f.factory} "
                                                  f"from {f.start}, the plan has {p.machine} in "
                                                  f"{p.factory} from {p.start}", *key))

    for o in problem.orders:
        ops = [planned.get((o.id, i)) for i in range(len(o.operations))]
        if any(p is None for p in ops):
            continue
        if len({p.factory for p in ops}) > 1:
            out.append(_Violation("factory", f"{o.id} is split over {sorted({p.factory for p in ops})}", o.id))
        if ops and ops[0].start < o.release and (o.id, 0) not in frozen:
            out.append(_Violation("release", f"{o.id} starts before its release {o.release}", o.id, 0))
        for i, p in enumerate(ops):
            if (o.id, i) not in frozen and p.start < problem.now:
                out.append(_Violation("before_now", f"{o.id}#{i} starts in the past", o.id, i))
            if i:
                prev, wait = ops[i - 1], o.operations[i - 1].min_wait_after
                if p.start < prev.end:
                    out.append(_Violation("precedence", f"{o.id}#{i} starts before #{i - 1} ends", o.id, i))
                elif p.start < prev.end + wait:
                    out.append(_Violation("min_wait", f"{o.id}#{i} starts {prev.end + wait - p.start} min before #{i - 1} has waited {wait}", o.id, i))

    out.extend(_reference_machine_checks(problem, planned, machines, orders))
    return out


def _reference_machine_checks(problem, planned, machines, orders) -> list[_Violation]:
    out: list[_Violation] = []
    per_machine: dict[tuple[str, str], list] = {}
    for (oid, i), p in planned.items():
        if (p.factory, p.machine) in machines and oid in orders and 0 <= i < len(orders[oid].operations):
            per_machine.setdefault((p.factory, p.machine), []).append(p)
    factories = {f.id: f for f in problem.factories}
    frozen = {(f.order, f.op) for f in problem.frozen}
    for (fid, mid), ops in per_machine.items():
        machine = machines[fid, mid]
        ops.sort(key=lambda p: (p.start, p.end))
        events = []
        for p in ops:
            op = orders[p.order].operations[p.op]
            use = 1 if (op.batchable and machine.batch_capacity > 1) else machine.batch_capacity
            events += [(p.start, use, p), (p.end, -use, p)]
        events.sort(key=lambda e: (e[0], e[1]))
        load = 0
        for t, use, p in events:
            load += use
            if load > machine.batch_capacity:
                out.append(_Violation("overlap", f"{mid} in {fid} runs too much at minute {t}", p.order, p.op))
                break
        change = max((r.change_minutes for r in problem.setups if r.machine_type == machine.type), default=0)
        if change and machine.batch_capacity == 1:
            for a, b in zip(ops, ops[1:], strict=False):
                fa = orders[a.order].operations[a.op].setup_family
                fb = orders[b.order].operations[b.op].setup_family
                if fa != fb and b.start < a.end + change:
                    out.append(_Violation("setup", f"{mid}: {b.order}#{b.op} needs {change} min changeover after {a.order}#{a.op}", b.order, b.op))
        share = factories[fid].capacity_share
        budget = math.floor(share * _reference_available(factories[fid].shifts, machine.downtime, problem.horizon))
        used = sum(p.end - p.start for p in ops if (p.order, p.op) not in frozen)
        if used > budget:
            out.append(_Violation("capacity_share", f"{mid} in {fid} carries {used} min, its share is {budget}"))
    return out


def _reference_stretches(shifts) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for w in sorted(shifts, key=lambda w: (w.start, w.end)):
        if w.end <= w.start:
            continue
        if out and w.start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], w.end))
        else:
            out.append((w.start, w.end))
    return out


def _reference_available(shifts, downtime, horizon) -> int:
    down = _reference_stretches(downtime)
    minutes = 0
    for start, end in _reference_stretches(shifts):
        lo, hi = max(0, start), min(horizon, end)
        if hi <= lo:
            continue
        minutes += hi - lo
        for d_start, d_end in down:
            minutes -= max(0, min(hi, d_end) - max(lo, d_start))
    return max(0, minutes)


# -- the property ----------------------------------------------------------------------------

def _said(violations) -> list[tuple[str, str, str, int]]:
    return [(v.kind, v.message, v.order, v.op) for v in violations]


def assert_judged_as_before(problem: NetworkProblem, plan: list[PlannedOperation]) -> list:
    seen = _said(validate_plan(problem, plan))
    assert seen == _said(reference_validate_plan(problem, plan))
    return seen


# -- small generated networks, made awkward --------------------------------------------------

DAY = 24 * 60


def _awkward_shifts(shifts: tuple[Window, ...], horizon: int, rng: random.Random) -> tuple[Window, ...]:
    """The same days as touching, overlapping or broken shift windows, with odd extras."""
    style = rng.choice(("as_is", "touching", "overlapping", "broken", "odd"))
    out: list[Window] = []
    for w in shifts:
        mid = (w.start + w.end) // 2
        if style == "touching":
            out += [Window(w.start, mid), Window(mid, w.end)]
        elif style == "overlapping":
            out += [Window(mid - 30, w.end), Window(w.start, mid + 30)]
        elif style == "broken":
            out += [Window(w.start, mid - 20), Window(mid + 10, w.end)]
        else:
            out.append(w)
    if style == "odd":
        out += [Window(-60, 30), Window(500, 400), Window(horizon - 30, horizon + 500),
                Window(shifts[0].end, shifts[0].end), Window(shifts[0].end, shifts[0].end + 45)]
    rng.shuffle(out)
    return tuple(out)


def _awkward_network(seed: int) -> NetworkProblem:
    rng = random.Random(seed)
    problem = generate(rng.randint(4, 18), rng.randint(2, 4), rng.randint(5, 8), seed=seed, days=rng.randint(2, 4))
    factories = []
    for f in problem.factories:
        machines = []
        for m in f.machines:
            if rng.random() < 0.3:
                day = rng.randrange(problem.horizon // DAY) * DAY
                down = [Window(day + rng.randint(360, 1200), day + rng.randint(1200, 1400))]
                if rng.random() < 0.5:  # a second window, overlapping, touching or empty
                    w = down[0]
                    down.append(rng.choice((Window(w.start + 20, w.end + 60), Window(w.end, w.end + 30),
                                            Window(w.end + 10, w.end), Window(w.start - 90, w.start - 30))))
                m = replace(m, downtime=tuple(down))
            if m.type in ("assembly", "paint_line") and rng.random() < 0.5:
                m = replace(m, batch_capacity=rng.randint(2, 3))
            machines.append(m)
        factories.append(replace(f, machines=tuple(machines),
                                 shifts=_awkward_shifts(f.shifts, problem.horizon, rng),
                                 capacity_share=rng.choice((f.capacity_share, 0.02, 0.3))))
    orders = tuple(replace(o, operations=tuple(
        replace(op, batchable=op.machine_type in ("assembly", "paint_line") and rng.random() < 0.6)
        for op in o.operations)) for o in problem.orders)
    setups = problem.setups + ((SetupRule("edge_bander", rng.randint(5, 40)),) if rng.random() < 0.3 else ())
    return replace(problem, factories=tuple(factories), orders=orders, setups=setups)


def _greedy(problem: NetworkProblem) -> list[PlannedOperation]:
    """The greedy plan, leaving out the orders that fit nowhere."""
    unfit = unfit_orders(problem)
    return greedy_plan(problem, orders=[o for o in problem.orders if o.id not in unfit])


def _with_started_work(problem: NetworkProblem, plan: list[PlannedOperation], rng: random.Random):
    """Some planned operations started (one perhaps since moved, one perhaps dropped from
    the problem), and now a little later."""
    if not plan or rng.random() < 0.4:
        return problem
    started = rng.sample(plan, min(len(plan), rng.randint(1, 4)))
    if rng.random() < 0.3:
        started[0] = replace(started[0], start=started[0].start + 5, end=started[0].end + 5)
    if rng.random() < 0.2:
        started.append(PlannedOperation("gone", 0, plan[0].factory, plan[0].machine, 0, 30))
    now = min(p.start for p in started) + rng.randint(0, 60)
    return replace(problem, frozen=tuple(started), now=now)


class _Breaker:
    """Ways to break a plan, each a small change to a copy of it."""

    def __init__(self, problem: NetworkProblem, rng: random.Random):
        self.problem, self.rng = problem, rng
        self.machines = [(f, m) for f in problem.factories for m in f.machines]

    def any(self, plan: list[PlannedOperation]) -> list[PlannedOperation]:
        if not plan:
            return plan
        name = self.rng.choice([n for n in dir(self) if n.startswith("_b_")])
        return getattr(self, name)(list(plan), self.rng.randrange(len(plan)))

    def _b_shift(self, plan, i):
        d = self.rng.choice((-300, -61, -15, -1, 1, 7, 30, 120, 600))
        plan[i] = replace(plan[i], start=plan[i].start + d, end=plan[i].end + d)
        return plan

    def _b_stretch(self, plan, i):
        plan[i] = replace(plan[i], end=plan[i].end + self.rng.choice((-500, -1, 1, 13)))
        return plan

    def _b_empty(self, plan, i):
        plan[i] = replace(plan[i], end=plan[i].start - self.rng.choice((0, 0, 5)))
        return plan

    def _b_other_machine(self, plan, i):
        f, m = self.rng.choice(self.machines)
        plan[i] = replace(plan[i], factory=f.id, machine=m.id)
        return plan

    def _b_same_type_elsewhere(self, plan, i):
        here = next((m for f, m in self.machines if (f.id, m.id) == (plan[i].factory, plan[i].machine)), None)
        there = [(f, m) for f, m in self.machines if here is not None and m.type == here.type]
        if there:
            f, m = self.rng.choice(there)
            plan[i] = replace(plan[i], factory=f.id, machine=m.id)
        return plan

    def _b_nowhere(self, plan, i):
        change = self.rng.choice(({"machine": "X-9"}, {"factory": "nowhere"}, {"factory": "F00"}))
        plan[i] = replace(plan[i], **change)
        return plan

    def _b_drop(self, plan, i):
        del plan[i]
        return plan

    def _b_twice(self, plan, i):
        copy = plan[i] if self.rng.random() < 0.5 else replace(plan[i], start=plan[i].start + 10, end=plan[i].end + 10)
        plan.insert(self.rng.randrange(len(plan) + 1), copy)
        return plan

    def _b_unknown(self, plan, i):
        change = self.rng.choice(({"order": "O9999"}, {"op": 5}, {"op": -1}, {"op": 99}))
        plan[i] = replace(plan[i], **change)
        if self.rng.random() < 0.5:
            plan.append(plan[i])
        return plan

    def _b_overtake(self, plan, i):
        p = plan[i]
        j = next((j for j, q in enumerate(plan) if (q.order, q.op) == (p.order, p.op + 1)), None)
        if j is not None:
            plan[i], plan[j] = (replace(p, start=plan[j].start, end=plan[j].start + p.end - p.start),
                                replace(plan[j], start=p.start, end=p.start + plan[j].end - plan[j].start))
        return plan

    def _b_just_after(self, plan, i):
        p = plan[i]
        prev = next((q for q in plan if (q.order, q.op) == (p.order, p.op - 1)), None)
        if prev is not None:
            gap = self.rng.choice((0, 1, 60, 119))
            plan[i] = replace(p, start=prev.end + gap, end=prev.end + gap + p.end - p.start)
        return plan

    def _b_early(self, plan, i):
        start = self.rng.choice((-30, 0, self.problem.now - 1, self.problem.horizon - 5))
        plan[i] = replace(plan[i], start=start, end=start + plan[i].end - plan[i].start)
        return plan

    def _b_across_a_break(self, plan, i):
        f = next((f for f in self.problem.factories if f.id == plan[i].factory), None)
        if f and f.shifts:
            w = self.rng.choice(f.shifts)
            d = plan[i].end - plan[i].start
            plan[i] = replace(plan[i], start=w.end - d // 2, end=w.end - d // 2 + d)
        return plan

    def _b_into_downtime(self, plan, i):
        down = [(f, m, w) for f, m in self.machines for w in m.downtime]
        if down:
            f, m, w = self.rng.choice(down)
            d = plan[i].end - plan[i].start
            start = w.start + self.rng.choice((-d + 1, -d, 0, 5))
            plan[i] = replace(plan[i], factory=f.id, machine=m.id, start=start, end=start + d)
        return plan

    def _b_against(self, plan, i):
        """Right after, or at the same time as, another operation on its machine."""
        p = plan[i]
        others = [q for q in plan if (q.factory, q.machine) == (p.factory, p.machine) and q is not p]
        if others:
            q = self.rng.choice(others)
            start = self.rng.choice((q.end, q.end + 3, q.start, q.start + 1))
            plan[i] = replace(p, start=start, end=start + p.end - p.start)
        return plan

    def _b_far_off(self, plan, i):
        start = self.rng.choice((-(10**12), 10**12, 2**40))
        plan[i] = replace(plan[i], start=start, end=start + plan[i].end - plan[i].start)
        return plan

    def _b_shuffle(self, plan, i):
        self.rng.shuffle(plan)
        return plan

    def _b_move_started(self, plan, i):
        keys = {(f.order, f.op) for f in self.problem.frozen}
        for j, p in enumerate(plan):
            if (p.order, p.op) in keys:
                plan[j] = replace(p, start=p.start + 1, end=p.end + 1)
                break
        return plan


@pytest.mark.parametrize("seed", range(120))
def test_broken_plans_of_small_networks_are_judged_as_before(seed):
    rng = random.Random(seed)
    problem = _awkward_network(seed)
    plan = _greedy(problem)
    problem = _with_started_work(problem, plan, rng)
    breaker = _Breaker(problem, rng)
    assert_judged_as_before(problem, plan)
    for _ in range(12):
        broken = plan
        for _ in range(rng.randint(1, 4)):
            broken = breaker.any(broken)
        assert_judged_as_before(problem, broken)


def test_every_kind_of_violation_is_met_by_the_broken_plans():
    """The property is not vacuous: the broken plans above meet every rule."""
    kinds = set()
    for seed in range(40):
        rng = random.Random(seed)
        problem = _awkward_network(seed)
        plan = _greedy(problem)
        problem = _with_started_work(problem, plan, rng)
        breaker = _Breaker(problem, rng)
        for _ in range(12):
            broken = plan
            for _ in range(rng.randint(1, 4)):
                broken = breaker.any(broken)
            kinds |= {v[0] for v in assert_judged_as_before(problem, broken)}
    assert kinds >= {"duplicate", "missing", "unknown", "eligibility", "duration", "factory",
                     "precedence", "min_wait", "release", "before_now", "horizon", "calendar",
                     "downtime", "overlap", "setup", "frozen_moved", "capacity_share"}


def test_ids_used_twice_in_the_problem_are_read_as_a_dict_reads_them():
    problem = _awkward_network(7)
    plan = _greedy(problem)
    o, f = problem.orders[0], problem.factories[0]
    twice = replace(problem, orders=problem.orders + (replace(o, operations=o.operations[:2], release=5),
                                                      replace(problem.orders[1], id=o.id)),
                    factories=problem.factories + (replace(f, machines=f.machines[:3], capacity_share=0.1),),
                    frozen=(replace(plan[0], op=4),))
    assert_judged_as_before(twice, plan)
    assert_judged_as_before(twice, plan[::-1])


# -- tiny arbitrary problems and plans (hypothesis) ------------------------------------------

TYPES = ("saw", "edge", "asm")
minutes = st.integers(-40, 160)


@st.composite
def windows(draw, most=3):
    return tuple(Window(draw(minutes), draw(minutes)) for _ in range(draw(st.integers(0, most))))


@st.composite
def tiny_problems(draw):
    factories = tuple(
        Factory(draw(st.sampled_from("AB")), tuple(
            Machine(draw(st.sampled_from(("m1", "m2", "m3"))), draw(st.sampled_from(TYPES)),
                    speed=draw(st.sampled_from((0.7, 1.0, 1.3, 2))), downtime=draw(windows(2)),
                    batch_capacity=draw(st.integers(0, 3)))
            for _ in range(draw(st.integers(1, 3)))),
            draw(windows(3)), draw(st.sampled_from((1.0, 0.5, 0.1, 0))))
        for _ in range(draw(st.integers(1, 3))))
    orders = tuple(
        Order(draw(st.sampled_from(("O1", "O2", "O3"))), tuple(
            Operation(draw(st.sampled_from((*TYPES, "paint"))), draw(st.integers(1, 40)),
                      draw(st.sampled_from(("", "white", "oak"))), draw(st.sampled_from((0, 0, 15))),
                      draw(st.booleans()))
            for _ in range(draw(st.integers(0, 3)))),
            due=100, release=draw(st.sampled_from((0, 0, 20))))
        for _ in range(draw(st.integers(1, 3))))
    setups = tuple(SetupRule(draw(st.sampled_from(TYPES)), draw(st.integers(-5, 20)))
                   for _ in range(draw(st.integers(0, 2))))
    return NetworkProblem(horizon=draw(st.integers(0, 150)), factories=factories, orders=orders,
                          setups=setups, now=draw(st.sampled_from((0, 0, 10))))


@st.composite
def rows(draw):
    start = draw(minutes)
    return PlannedOperation(draw(st.sampled_from(("O1", "O2", "O3", "O4"))), draw(st.integers(-1, 3)),
                            draw(st.sampled_from("ABC")), draw(st.sampled_from(("m1", "m2", "m3", "m4"))),
                            start, start + draw(st.integers(-3, 50)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=tiny_problems(), plan=st.lists(rows(), max_size=14), started=st.lists(rows(), max_size=3))
def test_arbitrary_plans_of_tiny_problems_are_judged_as_before(problem, plan, started):
    assert_judged_as_before(replace(problem, frozen=tuple(started)), plan)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=tiny_problems(), plan=st.lists(rows(), max_size=14), data=st.data())
def test_plans_with_their_own_started_work_are_judged_as_before(problem, plan, data):
    started = tuple(data.draw(st.lists(st.sampled_from(plan), max_size=3))) if plan else ()
    assert_judged_as_before(replace(problem, frozen=started), plan)


# -- chain scale ------------------------------------------------------------------------------

def test_a_chain_sized_plan_is_judged_as_before_and_faster():
    """A chain-shaped plan of 250,000 operations (50,000 orders over 1,600 factories), laid
    out factory by factory, valid and then broken; the timings are printed, not asserted."""
    problem = generate(50000, 1600, 8, seed=0, days=28)
    plan = _laid_out(problem)
    rng = random.Random(1)
    broken = list(plan)
    breaker = _Breaker(problem, rng)
    for _ in range(40):
        broken = breaker.any(broken)
    for name, ops in (("valid", plan), ("broken", broken)):
        t0 = time.perf_counter()
        seen = _said(validate_plan(problem, ops))
        t1 = time.perf_counter()
        before = _said(reference_validate_plan(problem, ops))
        t2 = time.perf_counter()
        assert seen == before
        print(f"\n{name} plan of {len(ops)} operations, {len(seen)} violations: "
              f"column-wise {t1 - t0:.3f} s, plain {t2 - t1:.3f} s")


def _laid_out(problem: NetworkProblem) -> list[PlannedOperation]:
    """Each order in the next factory that can make it, each operation on the first machine of
    its type there, in turn, inside a shift, with a changeover's room between any two (shares
    are not minded: a few machines go over theirs, and a few orders past the horizon)."""
    out = []
    free: dict[tuple[str, str], int] = {}
    factories = problem.factories
    for n, o in enumerate(problem.orders):
        for k in range(len(factories)):
            f = factories[(n + k) % len(factories)]
            types = {m.type: m for m in reversed(f.machines)}
            if all(op.machine_type in types for op in o.operations):
                break
        t = o.release
        for i, op in enumerate(o.operations):
            m = types[op.machine_type]
            d = m.duration(op.duration)
            t = max(t, free.get((f.id, m.id), -DAY) + problem.setup_minutes(m.type))
            day, into = divmod(t, DAY)
            if into < 360 or into + d > 1320 or day % 7 == 6:
                t = (day + (1 if into + d > 1320 or day % 7 == 6 else 0)) * DAY + 360
                if (t // DAY) % 7 == 6:
                    t += DAY
            out.append(PlannedOperation(o.id, i, f.id, m.id, t, t + d))
            free[f.id, m.id] = t + d
            t += d + op.min_wait_after
    return out
