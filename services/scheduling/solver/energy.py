"""Energy-aware improvement of a plan (issue 21): after weighted tardiness, a factory's load
above its demand limit, then its electricity cost.

It starts from a plan the tardiness search made and never gives back what that search won:
each step frees a few orders of one factory (those whose work falls in a day the factory pays
most for, or around its worst minute above the limit), keeps every operation on its machine,
and lets CP-SAT move them — at most a day either way — where the load fits and electricity is
cheaper. A step is kept only when the factory's key falls:

1. weighted tardiness — never higher;
2. load above the demand limit (kW x minutes over it), so a plan that broke the limit is
   repaired as far as it can be without making an order later (this runs even when the
   planner is energy-blind);
3. energy cost: the machine's kW times the tariff integrated over the operation.

When the chain allows ``lateness_minutes_per_cny``, the excess comes first and lateness and
cost are one sum: weighted tardiness + that many minutes per CNY of energy cost.

Everything else holds as before: one stretch of working time per operation, downtime, the
machine's other work and changeovers, routing order with drying, release, ``now``, started
work. Machines and durations do not change, so neither does any machine's share of time.
Orders with work on batch machines stay where they are. Factories are independent here: each
worker thread takes its own factories.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .arrays import minus_windows
from .energy_moves import sweep
from .model import Factory, NetworkProblem, PlannedOperation
from .timeline import unavailable

DAY = 24 * 60
RADIUS = DAY  # how far one step may move an operation
ORDERS_PER_STEP = 8
STEP_SECONDS = 0.5
STEP_DETERMINISTIC = 0.25
PRESOLVE = True
STALE_ROUNDS = 3  # a factory rests after this many passes over its days without a gain
PRICE_UNITS = 1000  # per CNY/kWh
POWER_UNITS = 10  # per kW
UNITS_PER_CNY = PRICE_UNITS * POWER_UNITS * 60  # cost units are price x power x minutes
TRADE_UNITS = 100  # lateness-per-CNY setting kept to 1/100 minute


def needs_energy(problem: NetworkProblem) -> bool:
    """Whether the energy step has anything to weigh: a demand limit, or (when the planner is
    energy-aware) a price, in a factory with a machine that draws power."""
    for f in problem.factories:
        e = f.electricity
        if e is None or not any(m.power_kw > 0 for m in f.machines):
            continue
        if e.demand_limit_kw is not None or (problem.energy_aware and e.prices):
            return True
    return False


@dataclass
class _Factory:
    """One factory's part of the plan and what pricing it needs, in integer units."""

    factory: Factory
    ops: dict[tuple[str, int], PlannedOperation]
    power: dict[str, int]  # machine -> 0.1 kW
    at: np.ndarray  # price step minutes
    price: np.ndarray  # price units from each step on
    before: np.ndarray  # the price integral up to each step
    limit: int | None  # 0.1 kW
    free_at: dict[str, list[tuple[int, int]]]  # machine -> windows it can work in

    def cost(self, machine: str, start: int, end: int) -> int:
        kw = self.power.get(machine, 0)
        if not kw or not len(self.at):
            return 0
        return kw * (self._integral(end) - self._integral(start))

    def _integral(self, t: int) -> int:
        k = int(np.searchsorted(self.at, t, side="right")) - 1
        if k < 0:
            return 0
        return int(self.before[k] + self.price[k] * (t - self.at[k]))

    def excess(self, horizon: int) -> int:
        """Load above the limit, summed over the minutes (0.1 kW x minutes): it falls with
        every minute repaired, where the worst minute's excess may not."""
        if self.limit is None:
            return 0
        load = np.zeros(horizon + 1, dtype=np.int64)
        for q in self.ops.values():
            kw = self.power.get(q.machine, 0)
            if kw:
                load[q.start] += kw
                load[q.end] -= kw
        return int(np.maximum(np.cumsum(load) - self.limit, 0).sum())


def improve_energy(problem: NetworkProblem, operations: list[PlannedOperation], deadline: float,
                   workers: int = 2, seed: int = 0,
                   on_step: Callable[[str], None] | None = None) -> list[PlannedOperation]:
    """``operations`` improved for energy (see the module) until ``deadline`` (monotonic)."""
    if not needs_energy(problem):
        return operations
    orders = {o.id: o for o in problem.orders}
    frozen = {q.key for q in problem.frozen}
    parts = {f.id: _part(problem, f, operations) for f in problem.factories}
    work = [fid for fid, part in parts.items() if part is not None and part.ops]
    work.sort(key=lambda fid: -_potential(parts[fid]))  # type: ignore[arg-type]
    lock = threading.Lock()

    def run(k: int) -> None:
        mine = work[k::max(1, workers)]
        rng = random.Random(seed * 7919 + k)
        _improve_factories(problem, orders, frozen, [parts[f] for f in mine], deadline, rng,  # type: ignore[misc]
                           lambda msg: _note(lock, on_step, msg))

    if workers > 1 and len(work) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(workers)))
    else:
        run(0)
    changed = {key: q for part in parts.values() if part is not None for key, q in part.ops.items()}
    return [changed.get(q.key, q) for q in operations]


def unsettled_savings(problem: NetworkProblem, operations: list[PlannedOperation],
                      deadline: float) -> dict[str, float]:
    """CNY per factory that the energy step's quick moves would still save on ``operations``
    (which are left as they are): work the step has not been over, such as orders slotted in
    since it last ran. Empty when the plan is energy-blind, or nothing is left to save."""
    if not (problem.energy_aware and needs_energy(problem)):
        return {}
    orders = {o.id: o for o in problem.orders}
    frozen = {q.key for q in problem.frozen}
    out = {}
    for f in problem.factories:
        part = _part(problem, f, operations)
        if part is None or not part.ops or not len(part.price):
            continue
        saved = sweep(problem, orders, frozen, part, deadline)
        if saved > 0:
            out[f.id] = saved / UNITS_PER_CNY
    return out


def _note(lock, on_step, msg) -> None:
    if on_step is not None:
        with lock:
            on_step(msg)


def _part(problem: NetworkProblem, factory: Factory, operations) -> _Factory | None:
    e = factory.electricity
    if e is None:
        return None
    steps = e.prices if problem.energy_aware else ()
    at = np.array([s.minute for s in steps], dtype=np.int64)
    price = np.array([round(s.cny_per_kwh * PRICE_UNITS) for s in steps], dtype=np.int64)
    before = np.r_[0, np.cumsum(price[:-1] * np.diff(at))].astype(np.int64) if len(at) else at
    limit = None if e.demand_limit_kw is None else int(e.demand_limit_kw * POWER_UNITS + 1e-9)
    power = {m.id: round(m.power_kw * POWER_UNITS) for m in factory.machines}
    free_at = {m.id: minus_windows([(0, problem.horizon)], unavailable(factory, m, problem.horizon))
               for m in factory.machines}
    ops = {q.key: q for q in operations if q.factory == factory.id}
    return _Factory(factory, ops, power, at, price, before, limit, free_at)


def _potential(part: _Factory) -> int:
    """What the factory's plan could save at most: each operation at its cheapest price."""
    if not len(part.price):
        return 0
    low = int(part.price.min())
    return sum(part.cost(q.machine, q.start, q.end) - part.power.get(q.machine, 0) * low * (q.end - q.start)
               for q in part.ops.values())


def _improve_factories(problem, orders, frozen, parts: list[_Factory], deadline, rng, note) -> None:
    for part in parts:  # quick moves first: they find most of what there is to save
        if time.monotonic() >= deadline - 0.1:
            return
        saved = sweep(problem, orders, frozen, part, deadline - 0.1)
        if saved:
            note(f"{part.factory.id}: moves saved {saved / UNITS_PER_CNY:.2f} CNY")
    active = {p.factory.id: p for p in parts}
    stale = {fid: 0 for fid in active}
    while active and time.monotonic() < deadline - 0.1:
        for fid in list(active):
            if time.monotonic() >= deadline - 0.1:
                return
            part = active[fid]
            gained = _factory_round(problem, orders, frozen, part, deadline, rng, note)
            stale[fid] = 0 if gained else stale[fid] + 1
            if stale[fid] >= STALE_ROUNDS or (not gained and not len(part.price)
                                              and part.excess(problem.horizon) == 0):
                del active[fid]


def _factory_round(problem, orders, frozen, part: _Factory, deadline, rng, note) -> bool:
    """One pass over the factory's days, dearest first; whether any step was kept."""
    gained = False
    for lo in _windows(problem, part, rng):
        if time.monotonic() >= deadline - 0.1:
            break
        over = part.limit is not None and part.excess(problem.horizon) > 0
        free = _free_orders(orders, frozen, part, lo, rng,
                            _worst_minute(problem, part) if over else None)
        if not free:
            continue
        before = _key(problem, orders, part, free)
        res = _solve(problem, orders, frozen, part, free, deadline, rng.randrange(1 << 30))
        if res is None:
            continue
        old = {k: part.ops[k] for k in res}
        part.ops.update(res)
        after = _key(problem, orders, part, free)
        if after < before:
            gained = True
            note(f"{part.factory.id}: {before} -> {after}")
            sweep(problem, orders, frozen, part, deadline - 0.1)  # what the step made room for
        else:
            part.ops.update(old)
    return gained


def _key(problem, orders, part: _Factory, free) -> tuple:
    """What a step must lower (see the module): the free orders' weighted tardiness, the
    factory's load above its limit, then its energy cost; when the chain trades lateness for
    money, the excess first and then lateness and cost as one sum."""
    excess = part.excess(problem.horizon)
    ends: dict[str, int] = {}
    for q in part.ops.values():
        if q.order in free:
            ends[q.order] = max(ends.get(q.order, 0), q.end)
    tard = sum(orders[o].weight * max(0, e - orders[o].due) for o, e in ends.items())
    cost = sum(part.cost(q.machine, q.start, q.end) for q in part.ops.values() if q.order in free)
    trade = round(problem.lateness_minutes_per_cny * TRADE_UNITS)
    if trade:
        return (excess, tard * UNITS_PER_CNY * TRADE_UNITS + trade * cost)
    return (tard, excess, cost)


def _windows(problem, part: _Factory, rng) -> list[int]:
    """Starts of the days (or, when the limit is broken, of the hours around the worst minute)
    to work on, dearest first with a little shuffling."""
    if part.limit is not None and part.excess(problem.horizon) > 0:
        at = _worst_minute(problem, part)
        return [max(0, at - 6 * 60), max(0, at - 18 * 60)]
    worth: dict[int, int] = {}
    low = int(part.price.min()) if len(part.price) else 0
    for q in part.ops.values():
        day = q.start // DAY * DAY
        extra = part.cost(q.machine, q.start, q.end) - part.power.get(q.machine, 0) * low * (q.end - q.start)
        worth[day] = worth.get(day, 0) + extra
    days = [d for d, w in worth.items() if w > 0]
    days.sort(key=lambda d: -worth[d] * rng.uniform(0.7, 1.0))
    return days


def _worst_minute(problem, part: _Factory) -> int:
    load = np.zeros(problem.horizon + 1, dtype=np.int64)
    for q in part.ops.values():
        kw = part.power.get(q.machine, 0)
        load[q.start] += kw
        load[q.end] -= kw
    return int(np.argmax(np.cumsum(load)))


def _free_orders(orders, frozen, part: _Factory, lo: int, rng, worst: int | None = None) -> list[str]:
    """Up to ORDERS_PER_STEP orders with work in ``[lo, lo + DAY)``, dearest first (those
    running at the ``worst`` minute above the limit before all); not those with work on a
    batch machine."""
    batch = {m.id for m in part.factory.machines if m.batch_capacity > 1}
    barred = {q.order for q in part.ops.values() if q.machine in batch}
    worth: dict[str, int] = {}
    for q in part.ops.values():
        if q.key in frozen or q.order in barred or not (lo <= q.start < lo + DAY):
            continue
        running = worst is not None and q.start <= worst < q.end
        worth[q.order] = worth.get(q.order, 0) + part.cost(q.machine, q.start, q.end) + 1 + \
            (1 << 40) * running
    ids = sorted(worth, key=lambda o: -worth[o] * rng.uniform(0.5, 1.0))
    return ids[:ORDERS_PER_STEP]


def _solve(problem, orders, frozen, part: _Factory, free: list[str], deadline, seed):
    b = _StepModel(problem, orders, frozen, part, set(free))
    b.build()
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = max(0.05, min(STEP_SECONDS, deadline - time.monotonic() - 0.1))
    solver.parameters.max_deterministic_time = STEP_DETERMINISTIC
    solver.parameters.cp_model_presolve = PRESOLVE
    status = solver.solve(b.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return b.extract(solver)


class _StepModel:
    """The CP-SAT model of one step: the free orders' operations re-timed on their machines."""

    def __init__(self, problem, orders, frozen, part: _Factory, free: set[str]):
        self.p, self.orders, self.frozen, self.part, self.free = problem, orders, frozen, part, free
        self.model = cp_model.CpModel()
        self.starts: dict[tuple[str, int], cp_model.IntVar] = {}
        self.items: dict[str, list] = {}  # machine -> [(interval, family, start expr, end expr, lo, hi)]

    def build(self) -> None:
        p, model, part = self.p, self.model, self.part
        tard_terms, costs, ends = [], [], []
        cost_bound = 0
        tard_now = 0
        for oid in sorted(self.free):
            order = self.orders[oid]
            prev = None
            last = None
            for i, op in enumerate(order.operations):
                q = part.ops[(oid, i)]
                d = q.end - q.start
                if (oid, i) in self.frozen:
                    s = model.new_constant(q.start)
                    lo, hi = q.start, q.start
                else:
                    lo = max(p.now, order.release if i == 0 else 0, q.start - RADIUS)
                    hi = min(p.horizon - d, q.start + RADIUS)
                    ranges = [(max(a, lo), min(b - d, hi)) for a, b in part.free_at[q.machine]
                              if max(a, lo) <= min(b - d, hi)]
                    s = model.new_int_var_from_domain(cp_model.Domain.from_intervals(ranges), "")
                    model.add_hint(s, q.start)
                    cost, bound = self._cost(s, q.machine, d, ranges, q.start)
                    if cost is not None:
                        costs.append(cost)
                        cost_bound += bound
                self.starts[(oid, i)] = s
                iv = model.new_fixed_size_interval_var(s, d, "")
                self.items.setdefault(q.machine, []).append((iv, op.setup_family, s, s + d, lo, hi + d, d))
                if prev is not None:
                    model.add(s >= prev)
                prev = s + d + op.min_wait_after
                last = (s, d, q.end)
            assert last is not None
            ends.append(last[0] + last[1])
            tard = model.new_int_var(0, p.horizon, "")
            model.add(tard >= last[0] + last[1] - order.due)
            model.add_hint(tard, max(0, last[2] - order.due))
            tard_now += order.weight * max(0, last[2] - order.due)
            tard_terms.append(order.weight * tard)
        self._machines()
        excess = self._demand()
        trade = round(p.lateness_minutes_per_cny * TRADE_UNITS)
        ends_bound = len(ends) * (p.horizon + 1)
        b = cost_bound + ends_bound + 1  # one unit of excess outweighs any cost
        weights = sum(o.weight for o in map(self.orders.get, self.free))
        if excess is None:
            excess, self._excess_bound = 0, 0
        if trade:  # excess first, then lateness and cost as one sum
            low = UNITS_PER_CNY * TRADE_UNITS * sum(tard_terms) + trade * sum(costs) + sum(ends)
            top = UNITS_PER_CNY * TRADE_UNITS * weights * p.horizon + trade * cost_bound + ends_bound + 1
            model.minimize(min(top, (1 << 60) // max(1, self._excess_bound)) * excess + low)
        else:  # lateness never rises; then excess, then cost
            model.add(sum(tard_terms) <= tard_now)
            per_tard = min(b * (self._excess_bound + 1), (1 << 60) // max(1, tard_now + 1))
            model.minimize(per_tard * sum(tard_terms) + b * excess + sum(costs) + sum(ends))

    def _cost(self, s, machine: str, d: int, ranges, current: int):
        """Cost units of running ``d`` minutes on ``machine`` from start ``s``: piecewise
        linear in the start, one piece between consecutive points where the price at the
        start or at the end changes. Returns the cost variable and its upper bound."""
        part = self.part
        kw = part.power.get(machine, 0)
        if not kw or not len(part.at):
            return None, 0
        model = self.model
        steps = part.at.tolist()
        pieces = []
        for a, b in ranges:
            cuts = {a, *(x for m in steps for x in (m, m - d) if a < x <= b)}
            xs = sorted(cuts)
            for k, x in enumerate(xs):
                y = xs[k + 1] - 1 if k + 1 < len(xs) else b
                c0 = part.cost(machine, x, x + d)
                slope = part.cost(machine, x + 1, x + 1 + d) - c0 if y > x else 0
                pieces.append((x, y, c0, slope))
        cmax = max(max(c0, c0 + slope * (y - x)) for x, y, c0, slope in pieces)
        cost = model.new_int_var(0, cmax, "")
        if len(pieces) == 1:
            x, _, c0, slope = pieces[0]
            model.add(cost == c0 + slope * (s - x))
            return cost, cmax
        lits = []
        for x, y, c0, slope in pieces:
            z = model.new_bool_var("")
            model.add(s >= x).only_enforce_if(z)
            model.add(s <= y).only_enforce_if(z)
            model.add(cost >= c0 + slope * (s - x)).only_enforce_if(z)
            model.add_hint(z, x <= current <= y)
            lits.append(z)
        model.add_exactly_one(lits)
        model.add_hint(cost, part.cost(machine, current, current + d))
        return cost, cmax

    def _machines(self) -> None:
        model, part = self.model, self.part
        for mid, free_items in self.items.items():
            machine = next(m for m in part.factory.machines if m.id == mid)
            change = self.p.setup_minutes(machine.type)
            lo = min(it[4] for it in free_items) - change
            hi = max(it[5] for it in free_items) + change
            fixed = [q for q in part.ops.values()
                     if q.machine == mid and q.order not in self.free and q.end > lo and q.start < hi]
            fixed_items = [(model.new_fixed_size_interval_var(q.start, q.end - q.start, ""),
                            self.orders[q.order].operations[q.op].setup_family, q.start, q.end)
                           for q in fixed]
            model.add_no_overlap([it[0] for it in free_items] + [it[0] for it in fixed_items])
            if change:
                self._setups(change, free_items, fixed_items)

    def _setups(self, change, free_items, fixed_items) -> None:
        model = self.model
        for k, a in enumerate(free_items):
            _, fam_a, s_a, e_a, lo_a, hi_a, _ = a
            for b in free_items[k + 1:]:
                if b[1] == fam_a:
                    continue
                first = model.new_bool_var("")
                model.add(b[2] >= e_a + change).only_enforce_if(first)
                model.add(s_a >= b[3] + change).only_enforce_if(~first)
            for _, fam_b, fs, fe in fixed_items:
                if fam_b == fam_a or fe + change <= lo_a or fs >= hi_a + change:
                    continue
                first = model.new_bool_var("")
                model.add(e_a + change <= fs).only_enforce_if(first)
                model.add(s_a >= fe + change).only_enforce_if(~first)

    def _demand(self):
        """The factory's load within its limit, with the excess as a variable to minimise
        (zero when the plan kept the limit here)."""
        part, model = self.part, self.model
        self._excess_bound = 1
        if part.limit is None:
            return None
        intervals, demands = [], []
        lo, hi = self.p.horizon, 0
        for mid, free_items in self.items.items():
            kw = part.power.get(mid, 0)
            if not kw:
                continue
            for it in free_items:
                intervals.append(it[0])
                demands.append(kw)
                lo, hi = min(lo, it[4]), max(hi, it[5])
        if not intervals:
            return None
        for q in part.ops.values():
            kw = part.power.get(q.machine, 0)
            if kw and q.order not in self.free and q.end > lo and q.start < hi:
                intervals.append(model.new_fixed_size_interval_var(q.start, q.end - q.start, ""))
                demands.append(kw)
        self._excess_bound = sum(demands)
        excess = model.new_int_var(0, self._excess_bound, "")
        model.add_cumulative(intervals, demands, part.limit + excess)
        return excess

    def extract(self, solver) -> dict[tuple[str, int], PlannedOperation]:
        out = {}
        for key, s in self.starts.items():
            q = self.part.ops[key]
            start = solver.value(s)
            out[key] = PlannedOperation(q.order, q.op, q.factory, q.machine, start, start + q.end - q.start)
        return out
