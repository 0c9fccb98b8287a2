"""An independent check of plans, written apart from the solvers on purpose: it reads only
the problem data and the plan, and shares no code with the models or heuristics that made
the plan. Every plan is checked here before it is published.

A chain's plan has a quarter of a million operations and a re-plan has two seconds, so each
rule is checked over columns of the plan at once (numpy), and a message is written only for
what is broken. Violations come rule by rule, in the order of ``validate_plan``; within a
rule in the order of the plan's rows, of the problem's orders, or of the machines as the
plan first uses them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter, getitem, itemgetter

import numpy as np

from .energy_audit import demand_excesses
from .model import NetworkProblem, Operation, Order


@dataclass(frozen=True)
class Violation:
    kind: str  # missing, unknown, eligibility, duration, factory, precedence, min_wait,
    #            release, before_now, horizon, calendar, downtime, overlap, setup,
    #            frozen_moved, capacity_share, demand_limit, pinned_elsewhere
    message: str
    order: str = ""
    op: int = -1
    machine: str = ""  # overlap, setup, capacity_share: the machine and its factory
    factory: str = ""


def validate_plan(problem: NetworkProblem, operations, demand: bool = True,
                  around=()) -> list[Violation]:
    """Every way ``operations`` breaks the rules of ``problem`` (empty when valid).
    ``demand=False`` leaves the factories' demand limits unchecked (the tardiness search
    works without them; the energy step that follows it keeps them). ``around``: planned
    work outside ``problem`` that ``operations`` were slotted around (the published plan of
    a slot-in pass): the demand limit holds for both together wherever ``operations`` run."""
    operations = list(operations)
    network = _Network(problem)
    plan = _Plan(network, operations)
    return [*_duplicates(plan), *_missing(network, plan), *_placements(network, plan),
            *_started_moved(network, plan), *_pinned_elsewhere(problem, operations),
            *_routings(network, plan), *_machine_checks(network, plan),
            *(_demand(problem, operations, around) if demand else ())]


def _pinned_elsewhere(problem: NetworkProblem, operations) -> list[Violation]:
    """An operation of an order a planner pinned to a factory, planned at another."""
    pinned = {o.id: o.factory for o in problem.orders if o.factory}
    if not pinned:
        return []
    return [Violation("pinned_elsewhere", f"{p.order}#{p.op} is planned at {p.factory}, but the "
                      f"order is pinned to {pinned[p.order]}", p.order, p.op, p.machine, p.factory)
            for p in operations if p.order in pinned and p.factory != pinned[p.order]]


# -- the rules ---------------------------------------------------------------------------------

def _demand(problem: NetworkProblem, operations, around=()) -> list[Violation]:
    """A factory's planned load (its running machines' kW) above its demand limit, the work
    planned ``around`` counted too."""
    return [Violation("demand_limit", f"{e.factory} would draw {e.peak_kw:.1f} kW at minute {e.at}, "
                                      f"above its demand limit of {e.limit_kw:g} kW", factory=e.factory)
            for e in demand_excesses(problem, operations, around)]


def _duplicates(plan: _Plan) -> list[Violation]:
    return [Violation("duplicate", f"{p.order}#{p.op} planned twice", p.order, p.op)
            for p in map(plan.rows.__getitem__, plan.duplicate_rows)]


def _missing(network: _Network, plan: _Plan) -> list[Violation]:
    out = []
    for k in np.flatnonzero(_rows_by_step(network, plan) < 0).tolist():
        order, i = network.locate(k)
        out.append(Violation("missing", f"{order.id}#{i} is not planned", order.id, i))
    return out


def _placements(network: _Network, plan: _Plan) -> list[Violation]:
    """Each planned operation: in the problem, on a machine of its type in the factory named,
    lasting what that machine takes, inside the horizon and, unless it has started, inside
    one stretch of working time and off the machine's downtime."""
    found = [(first, 0, Violation("unknown", f"{key[0]}#{key[1]} is not in the problem", *key))
             for key, (first, _) in plan.unknown.items()]
    step, row = plan.planned_step, plan.planned_row
    machine, start, end = plan.machine[row], plan.start[row], plan.end[row]
    placed = machine >= 0
    want = np.maximum(1.0, np.ceil(network.duration[step] / network.speed[machine]))
    free = placed & ~network.started[step]  # started work is a fact: a breakdown may catch it
    checks = (
        (1, ~placed),
        (2, placed & (network.machine_type[machine] != network.step_type[step])),
        (3, placed & (end - start != want)),
        (4, placed & ((start < 0) | (end > network.problem.horizon))),
        (5, free & ~_in_working_time(network, network.machine_factory[machine], start, end)),
        (6, free & _on_downtime(network, machine, start, end)),
    )
    for check, broken in checks:
        at = np.flatnonzero(broken)
        for i, op in zip(at.tolist(), network.operations(step[at]), strict=True):
            m = network.machines[machine[i]] if placed[i] else None
            first = int(plan.planned_first[i])  # whose key names the operation
            key = plan.rows[first].order, plan.rows[first].op
            for sub, v in _placement_violations(network, check, key, plan.rows[row[i]], op, m):
                found.append((first, check + sub, v))
    found.sort(key=lambda f: f[:2])
    return [v for *_, v in found]


def _placement_violations(network: _Network, check: int, key, p, op: Operation, m):
    oid, i = key
    if check == 1:
        yield 0, Violation("eligibility", f"{oid}#{i}: no machine {p.machine} in {p.factory}", oid, i)
    elif check == 2:
        yield 0, Violation("eligibility", f"{oid}#{i} needs {op.machine_type}, {p.machine} is {m.type}",
                           oid, i)
    elif check == 3:
        want = max(1, math.ceil(op.duration / m.speed))
        yield 0, Violation("duration", f"{oid}#{i} lasts {p.end - p.start}, needs {want}", oid, i)
    elif check == 4:
        yield 0, Violation("horizon", f"{oid}#{i} outside [0, {network.problem.horizon})", oid, i)
    elif check == 5:
        yield 0, Violation("calendar", f"{oid}#{i} [{p.start},{p.end}) is not inside one stretch "
                                       f"of working time of {p.factory}", oid, i)
    else:
        for n, w in enumerate(m.downtime):
            if p.start < w.end and w.start < p.end:
                yield n, Violation("downtime", f"{oid}#{i} runs on {p.machine} while it is down "
                                               f"[{w.start},{w.end})", oid, i)


def _in_working_time(network: _Network, factory, start, end) -> np.ndarray:
    """Whether [start, end) lies inside one stretch of working time of its factory: the last
    stretch to begin by ``start`` lasts until ``end``."""
    table_factory, table_start, table_end = network.working
    found, at = _last_before(table_factory, table_start, factory, start, "right")
    return found & (end <= table_end[at]) if len(table_end) else found


def _on_downtime(network: _Network, machine, start, end) -> np.ndarray:
    """Whether [start, end) meets a downtime window of its machine: of the machine's windows
    that begin before ``end``, one lasts past ``start``."""
    table_machine, table_start, reach = network.downtime_reach()
    found, at = _last_before(table_machine, table_start, machine, end, "left")
    return found & (reach[at] > start) if len(reach) else found


def _started_moved(network: _Network, plan: _Plan) -> list[Violation]:
    """Started work stays exactly where it is."""
    out = []
    for key, f in {(f.order, f.op): f for f in network.problem.frozen}.items():
        r = plan.row_of(network, key)
        if r < 0:
            # left out (e.g. a plan solved before it started, its order since dropped): the
            # started work would vanish from the plan, and its factory lose the order
            out.append(Violation("frozen_moved", f"{key[0]}#{key[1]} has started and is missing "
                                                 "from the plan", *key))
            continue
        p = plan.rows[r]
        if (p.factory, p.machine, p.start, p.end) != (f.factory, f.machine, f.start, f.end):
            out.append(Violation("frozen_moved", f"{key[0]}#{key[1]} has started and must not "
                                                 f"move: it runs on {f.machine} in {f.factory} "
                                                 f"from {f.start}, the plan has {p.machine} in "
                                                 f"{p.factory} from {p.start}", *key))
    return out


def _routings(network: _Network, plan: _Plan) -> list[Violation]:
    """Each order planned in full: in one factory, not before its release nor (unless
    started) before now, each operation after the one before it has ended and waited."""
    rows = _rows_by_step(network, plan)
    if not len(plan.rows) or not len(rows):
        return []
    first, length = network.first, network.length
    unplanned = np.concatenate(([0], np.cumsum(rows < 0)))
    whole = (unplanned[first[1:]] == unplanned[first[:-1]]) & (length > 0)  # per order
    at = np.maximum(rows, 0)
    start, end = plan.start[at], plan.end[at]
    started = network.by_step(network.started, network.started_elsewhere.__contains__)
    routed = np.flatnonzero(length > 0)
    heads = first[routed]
    factory = plan.factory_code(network)[at]
    split = whole[routed] & (np.minimum.reduceat(factory, heads) != np.maximum.reduceat(factory, heads))
    early = whole[routed] & (start[heads] < network.release[routed]) & ~started[heads]
    complete = np.repeat(whole, length)
    follows = complete.copy()
    follows[heads] = False
    before = np.concatenate(([0], end[:-1]))  # when the operation before ends
    waited = before + np.concatenate(([0], network.wait[:-1]))
    overtakes = follows & (start < before)
    checks = (
        (0, heads[split]), (1, heads[early]),
        (2, np.flatnonzero(complete & ~started & (start < network.problem.now))),
        (3, np.flatnonzero(overtakes)),
        (4, np.flatnonzero(follows & ~overtakes & (start < waited))),
    )
    found = sorted((k, check) for check, steps in checks for k in steps.tolist())
    return [_routing_violation(network, plan, rows, check, k) for k, check in found]


def _routing_violation(network: _Network, plan: _Plan, rows, check: int, k: int) -> Violation:
    o, i = network.locate(k)
    if check == 0:
        factories = sorted({plan.rows[r].factory for r in rows[k:k + len(o.operations)].tolist()})
        return Violation("factory", f"{o.id} is split over {factories}", o.id)
    if check == 1:
        return Violation("release", f"{o.id} starts before its release {o.release}", o.id, 0)
    if check == 2:
        return Violation("before_now", f"{o.id}#{i} starts in the past", o.id, i)
    if check == 3:
        return Violation("precedence", f"{o.id}#{i} starts before #{i - 1} ends", o.id, i)
    p, prev, wait = plan.rows[rows[k]], plan.rows[rows[k - 1]], o.operations[i - 1].min_wait_after
    return Violation("min_wait", f"{o.id}#{i} starts {prev.end + wait - p.start} min before "
                                 f"#{i - 1} has waited {wait}", o.id, i)


def _machine_checks(network: _Network, plan: _Plan) -> list[Violation]:
    """Each machine, in the order the plan first uses it: never more at once than it takes,
    changeovers between families, and no more minutes than the chain's share of it."""
    on = plan.machine[plan.planned_row] >= 0  # operations of the problem on a machine of it
    row, step = plan.planned_row[on], plan.planned_step[on]
    machine, start, end = plan.machine[row], plan.start[row], plan.end[row]
    order = _by_machine_and_time(machine, start, end)
    runs = _Runs(machine[order], step[order], row[order], start[order], end[order])
    found = [*_overloads(network, plan, runs), *_changeovers(network, plan, runs),
             *_shares(network, machine, ~network.started[step], end - start)]
    if not found:
        return []
    first_use = np.full(len(network.machines), len(machine), np.int64)
    np.minimum.at(first_use, machine, np.arange(len(machine)))
    found.sort(key=lambda f: (first_use[f[0]], *f[1:3]))
    return [v for *_, v in found]


@dataclass(frozen=True)
class _Runs:
    """The plan's operations by machine, each machine's in order of (start, end), ties in
    the order of the plan."""

    machine: np.ndarray
    step: np.ndarray
    row: np.ndarray
    start: np.ndarray
    end: np.ndarray

    def follows_on_machine(self) -> np.ndarray:
        """Per position, whether it follows the one before on the same machine."""
        return np.concatenate(([False], self.machine[1:] == self.machine[:-1]))


def _by_machine_and_time(machine, start, end) -> np.ndarray:
    if not len(machine):
        return np.zeros(0, np.int64)
    lo = int(min(start.min(), end.min()))
    span = int(max(start.max(), end.max())) - lo + 1
    if (int(machine.max()) + 1) * span * span < 2**62:  # one number per operation sorts faster
        return np.argsort((machine * span + (start - lo)) * span + (end - lo), kind="stable")
    return np.lexsort((end, start, machine))


def _overloads(network: _Network, plan: _Plan, runs: _Runs):
    """The first moment each machine runs more than it takes (batchable operations share a
    batch machine up to its capacity, anything else takes all of it)."""
    not_positive = np.bincount(runs.machine[runs.end <= runs.start], minlength=len(network.machines))
    swept = ((network.capacity[:-1] != 1) | (not_positive > 0))[runs.machine]
    # one at a time and all of positive length: the first operation to start before the
    # one before it ends is the first moment two run at once
    clash = np.flatnonzero(runs.follows_on_machine() & ~swept
                           & (runs.start < np.append(0, runs.end[:-1])))
    found = _first_per_machine(runs.machine[clash], runs.start[clash], runs.row[clash])
    found += _sweep(network, runs, np.flatnonzero(swept))
    return [(m, 0, 0, _machine_violation(network, "overlap", m, f"runs too much at minute {t}",
                                         plan.rows[r]))
            for m, t, r in found]


def _sweep(network: _Network, runs: _Runs, at: np.ndarray) -> list[tuple[int, int, int]]:
    """The load over time of the operations at positions ``at``: starts and ends by minute,
    at the same minute ends first (larger first), then starts (smaller first)."""
    if not len(at):
        return []
    machine = runs.machine[at]
    capacity = network.capacity[machine]
    batchable = np.fromiter(map(attrgetter("batchable"), network.operations(runs.step[at])), bool,
                            len(at))
    use = np.where(batchable & (capacity > 1), 1, capacity)
    time = np.stack((runs.start[at], runs.end[at]), axis=1).ravel()
    load = np.stack((use, -use), axis=1).ravel()
    event_machine, event_at = np.repeat(machine, 2), np.repeat(at, 2)
    order = np.lexsort((load, time, event_machine))
    time, load, event_machine, event_at = time[order], load[order], event_machine[order], event_at[order]
    begins = np.concatenate(([True], event_machine[1:] != event_machine[:-1]))
    total = np.cumsum(load)
    earlier = (total - load)[begins][np.cumsum(begins) - 1]  # the load of the machines before
    over = np.flatnonzero(total - earlier > network.capacity[event_machine])
    return _first_per_machine(event_machine[over], time[over], runs.row[event_at[over]])


def _first_per_machine(machine, minute, row) -> list[tuple[int, int, int]]:
    _, first = np.unique(machine, return_index=True)
    return list(zip(machine[first].tolist(), minute[first].tolist(), row[first].tolist(),
                    strict=True))


def _changeovers(network: _Network, plan: _Plan, runs: _Runs):
    """A change of family on a one-at-a-time machine takes the changeover of its type."""
    change = network.change[runs.machine]
    close = runs.follows_on_machine() & (change != 0) & (network.capacity[runs.machine] == 1)
    close = np.flatnonzero(close & (runs.start < np.append(0, runs.end[:-1]) + change))
    pairs = network.operations(runs.step[np.stack((close - 1, close), axis=1).ravel()])
    family = map(attrgetter("setup_family"), pairs)
    found = []
    for t, before, after in zip(close.tolist(), family, family, strict=True):
        if before != after:
            a, b = plan.rows[runs.row[t - 1]], plan.rows[runs.row[t]]
            m = int(runs.machine[t])
            fid, mid = network.machine_keys[m]
            found.append((m, 1, t, Violation(
                "setup", f"{mid}: {b.order}#{b.op} needs {int(change[t])} min changeover after "
                         f"{a.order}#{a.op}", b.order, b.op, mid, fid)))
    return found


def _shares(network: _Network, machine, counted, minutes):
    """The chain's share of each machine's available minutes. Started work is a fact, not a
    claim on the share (it may sit on a machine that has since gone down)."""
    machines = len(network.machines)
    used = np.zeros(machines, np.int64)
    np.add.at(used, machine[counted], minutes[counted])
    available = network.available()
    share = network.share[network.machine_factory[:-1]]
    over = (np.bincount(machine, minlength=machines) > 0) & (used > np.floor(share * available))
    found = []
    for m in np.flatnonzero(over).tolist():
        factory = network.factories[network.machine_factory[m]]
        budget = math.floor(factory.capacity_share * int(available[m]))
        found.append((m, 2, 0, _machine_violation(
            network, "capacity_share", m, f"carries {int(used[m])} min, its share is {budget}")))
    return found


def _machine_violation(network: _Network, kind: str, m: int, what: str, p=None) -> Violation:
    fid, mid = network.machine_keys[m]
    return Violation(kind, f"{mid} in {fid} {what}", p.order if p else "", p.op if p else -1,
                     mid, fid)


# -- the problem and the plan as columns -------------------------------------------------------

class _Network:
    """The problem read once into arrays. Its operations are numbered (steps) in the order
    of its orders. The plan names an operation by (order, op); where an order id is used
    twice, that key means the last order with the id, as a dict would. Per-machine arrays end
    with a sentinel, so that index -1 (no such machine) reads harmless values."""

    def __init__(self, problem: NetworkProblem):
        self.problem = problem
        self.orders = problem.orders
        self.order_index = _numbered(list(map(attrgetter("id"), self.orders)))
        self.routings = list(map(attrgetter("operations"), self.orders))
        self.length = np.fromiter(map(len, self.routings), np.int64, len(self.orders))
        self.first = np.concatenate(([0], np.cumsum(self.length)))  # each order's first step
        self.release = np.fromiter(map(attrgetter("release"), self.orders), np.int64, len(self.orders))
        self._read_machines(problem)
        self._read_operations()
        self.started = np.zeros(len(self.wait), bool)  # by key: (order, op) of started work
        self.started_elsewhere = set()  # started keys that name no step of the problem
        for key in {(f.order, f.op) for f in problem.frozen}:
            step = self.step_of(key)
            if step < 0:
                self.started_elsewhere.add(key)
            else:
                self.started[step] = True
        self.alias = self._alias()

    def _read_operations(self) -> None:
        steps = int(self.first[-1])
        kind, duration, wait = _attributes(chain.from_iterable(self.routings), steps,
                                           "machine_type", "duration", "min_wait_after").T
        self.step_type = _numbers(self.type_code, kind)
        self.duration = duration.astype(np.float64)
        self.wait = wait.astype(np.int64)

    def _read_machines(self, problem: NetworkProblem) -> None:
        machines = {(f.id, m.id): m for f in problem.factories for m in f.machines}
        factories = {f.id: f for f in problem.factories}
        self.machine_index = _numbered(machines)
        self.machine_keys = list(machines)
        self.machines = ms = list(machines.values())
        self.factory_index = _numbered(factories)
        self.factories = list(factories.values())
        changes: dict[str, int] = {}
        for rule in problem.setups:
            changes[rule.machine_type] = max(changes.get(rule.machine_type, rule.change_minutes),
                                             rule.change_minutes)
        types = list(map(attrgetter("type"), ms))
        self.type_code = _numbered(dict.fromkeys(types))
        self.machine_type = _with_sentinel(map(self.type_code.__getitem__, types), np.int64, -2)
        self.speed = _with_sentinel(map(attrgetter("speed"), ms), np.float64, 1.0)
        self.capacity = _with_sentinel(map(attrgetter("batch_capacity"), ms), np.int64, 1)
        self.change = _with_sentinel(map(changes.get, types, repeat(0)), np.int64, 0)
        self.machine_factory = _with_sentinel(
            map(self.factory_index.__getitem__, map(itemgetter(0), machines)), np.int64, -1)
        self.share = np.array([f.capacity_share for f in self.factories], np.float64)
        shifts = [f.shifts for f in self.factories]
        self.working = _stretches(np.repeat(np.arange(len(shifts)), list(map(len, shifts))),
                                  *_windows(chain.from_iterable(shifts)))
        down = [m.downtime for m in ms]
        self.down_machine = np.repeat(np.arange(len(down)), list(map(len, down)))
        self.down_start, self.down_end = _windows(chain.from_iterable(down))

    def _alias(self) -> np.ndarray | None:
        """Per step, the step its key names (-1: a key past the last order with the id), or
        None when every order id is used once and each step names itself."""
        if len(self.order_index) == len(self.orders):
            return None
        last = np.fromiter((self.order_index[o.id] for o in self.orders), np.int64, len(self.orders))
        entry = np.repeat(np.arange(len(self.orders)), self.length)
        i = np.arange(int(self.first[-1])) - self.first[entry]
        owner = last[entry]
        return np.where(i < self.length[owner], self.first[owner] + i, -1)

    def by_step(self, values: np.ndarray, of_key) -> np.ndarray:
        """``values`` (by key) per step of the problem's orders; ``of_key(key)`` for the keys
        that name no step (past the last order with their id)."""
        if self.alias is None:
            return values
        out = values[self.alias]
        for k in np.flatnonzero(self.alias < 0).tolist():
            order, i = self.locate(k)
            out[k] = of_key((order.id, i))
        return out

    def step_of(self, key) -> int:
        """The step the key (order, op) names, -1 when it names none."""
        e = self.order_index.get(key[0])
        if e is None or not 0 <= key[1] < self.length[e]:
            return -1
        return int(self.first[e] + key[1])

    def locate(self, step: int) -> tuple[Order, int]:
        """The order a step belongs to and its index in the routing."""
        e = int(np.searchsorted(self.first, step, "right")) - 1
        return self.orders[e], step - int(self.first[e])

    def operations(self, steps: np.ndarray) -> list[Operation]:
        """The operations at ``steps``."""
        order = np.searchsorted(self.first, steps, "right") - 1
        return list(map(getitem, map(self.routings.__getitem__, order.tolist()),
                        (steps - self.first[order]).tolist()))

    def available(self) -> np.ndarray:
        """Per machine, its factory's working minutes inside the horizon, less its downtime
        during them (overlapping windows and downtime counted once)."""
        factory, start, end = self.working
        lo, hi = np.maximum(start, 0), np.minimum(end, self.problem.horizon)
        inside = np.maximum(hi - lo, 0)
        per_factory = np.zeros(len(self.factories), np.int64)
        np.add.at(per_factory, factory, inside)
        out = per_factory[self.machine_factory[:-1]]
        machine, down_start, down_end = _stretches(self.down_machine, self.down_start, self.down_end)
        if len(machine) and len(factory):
            worked = _Worked(factory, lo, hi, inside)
            at = self.machine_factory[machine]
            np.subtract.at(out, machine, worked.before(at, down_end) - worked.before(at, down_start))
        return np.maximum(out, 0)

    def downtime_reach(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every downtime window by machine and start, with the latest end of the machine's
        windows so far: (machine, start, reach)."""
        order = np.lexsort((self.down_start, self.down_machine))
        machine, start, end = self.down_machine[order], self.down_start[order], self.down_end[order]
        if not len(machine):
            return machine, start, end
        return machine, start, _running_max(machine, end)


class _Plan:
    """The plan as columns, a row per planned operation, and what it plans: each key once,
    in the place of its first row with the values of its last row, as a dict keeps them."""

    def __init__(self, network: _Network, rows: list):
        n = len(rows)
        self.rows = rows
        order, op, start, end, factory, machine = _attributes(
            rows, n, "order", "op", "start", "end", "factory", "machine").T
        order = _numbers(network.order_index, order)
        op, self.start, self.end = np.array((op, start, end), np.int64)
        self.machine = _numbers(network.machine_index, zip(factory, machine, strict=True), n)
        known = (order >= 0) & (op >= 0) & (op < np.append(network.length, 0)[order])
        known_rows = np.flatnonzero(known)
        step = network.first[order[known_rows]] + op[known_rows]
        first_row = np.full(len(network.wait), n, np.int64)
        np.minimum.at(first_row, step, known_rows)
        self.last_row = np.full(len(network.wait), -1, np.int64)  # the row placing each step
        np.maximum.at(self.last_row, step, known_rows)
        first = first_row[step] == known_rows
        self.duplicate_rows = known_rows[~first].tolist()
        self.unknown: dict[tuple, list[int]] = {}  # key -> [first row, last row]
        for r in np.flatnonzero(~known).tolist():
            p = rows[r]
            seen = self.unknown.setdefault((p.order, p.op), [r, r])
            if seen[0] != r:
                seen[1] = r
                self.duplicate_rows.append(r)
        self.duplicate_rows.sort()
        # the planned operations of the problem, in the order of their first rows
        self.planned_step = step[first]
        self.planned_first = known_rows[first]
        self.planned_row = self.last_row[self.planned_step]

    def row_of(self, network: _Network, key) -> int:
        """The row that places ``key`` (-1: not planned)."""
        step = network.step_of(key)
        if step >= 0:
            return int(self.last_row[step])
        return self.unknown.get(key, (-1, -1))[1]

    def factory_code(self, network: _Network) -> np.ndarray:
        """Per row, a number for its factory (the same number for the same factory id)."""
        codes = network.machine_factory[self.machine]
        extra: dict[str, int] = {}
        for r in np.flatnonzero(self.machine < 0).tolist():
            fid = self.rows[r].factory
            codes[r] = network.factory_index.get(
                fid, len(network.factories) + extra.setdefault(fid, len(extra)))
        return codes


def _rows_by_step(network: _Network, plan: _Plan) -> np.ndarray:
    """The row placing each step of the problem's orders (-1: not planned)."""
    return network.by_step(plan.last_row, lambda key: plan.unknown.get(key, (-1, -1))[1])


def _attributes(objects, n: int, *names: str) -> np.ndarray:
    """The attributes ``names`` (two or more) of ``n`` objects, a row each. Read in one pass:
    each object is visited once, which counts when a plan's rows lie scattered in memory."""
    values = chain.from_iterable(map(attrgetter(*names), objects))
    return np.fromiter(values, object, n * len(names)).reshape(n, len(names))


def _numbers(index: dict, keys, n: int = -1) -> np.ndarray:
    """Each key's number in ``index``, -1 for a key not in it."""
    return np.fromiter(map(index.get, keys, repeat(-1)), np.int64, len(keys) if n < 0 else n)


def _numbered(keys) -> dict:
    """Each key's number: its place among ``keys`` (the last place where a key repeats)."""
    return dict(zip(keys, range(len(keys)), strict=True))


def _with_sentinel(values, dtype, sentinel) -> np.ndarray:
    return np.fromiter(chain(values, (sentinel,)), dtype)


def _windows(windows) -> tuple[np.ndarray, np.ndarray]:
    bounds = np.fromiter(chain.from_iterable(map(attrgetter("start", "end"), windows)), np.int64)
    return bounds[0::2], bounds[1::2]


# -- minutes ---------------------------------------------------------------------------------------

def _lex(group, value, marks) -> np.ndarray:
    """(group, value) pairs as one number each, in the order of the pairs: a value is ranked
    among the sorted distinct ``marks`` (a mark odd, a value between two marks the even rank
    between theirs), so any minute fits beside any number of groups."""
    at = np.searchsorted(marks, value)
    hit = marks[np.minimum(at, len(marks) - 1)] == value if len(marks) else False
    return group * (2 * len(marks) + 1) + 2 * at + hit


def _last_before(table_group, table_value, group, value, side: str):
    """Per (group, value): whether the table (sorted by group and value) has a row of the
    group with a value before ``value`` ("left") or at most ``value`` ("right"), and the last
    such row (0 where none)."""
    if not len(table_value):
        return np.zeros(len(value), bool), np.zeros(len(value), np.int64)
    marks = np.unique(table_value)
    k = np.searchsorted(_lex(table_group, table_value, marks), _lex(group, value, marks), side) - 1
    at = np.maximum(k, 0)
    return (k >= 0) & (table_group[at] == group), at


def _running_max(group, value) -> np.ndarray:
    """The largest ``value`` so far within each group (the pairs sorted by group)."""
    marks = np.unique(value)
    ranked = np.maximum.accumulate(_lex(group, value, marks))  # a group's ranks pass all before
    return marks[(ranked - group * (2 * len(marks) + 1)) // 2]


def _stretches(group, start, end) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows as stretches per group, by group and start: windows that touch or overlap are
    one stretch (a two-shift factory works through its shift change); only a gap is a break."""
    keep = end > start
    group, start, end = group[keep], start[keep], end[keep]
    if not len(group):
        return group, start, end
    order = np.lexsort((start, group))
    group, start, end = group[order], start[order], end[order]
    reach = _running_max(group, end)
    begins = np.flatnonzero(np.concatenate(
        ([True], (group[1:] != group[:-1]) | (start[1:] > reach[:-1]))))
    return group[begins], start[begins], np.maximum.reduceat(end, begins)


@dataclass(frozen=True)
class _Worked:
    """Stretches of working time clipped to the horizon (lo, hi, minutes inside), by factory
    and start, to count the minutes worked before a moment."""

    factory: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    inside: np.ndarray

    def before(self, factory, minute) -> np.ndarray:
        found, at = _last_before(self.factory, self.lo, factory, minute, "left")
        total = np.cumsum(self.inside) - self.inside  # minutes in the stretches before each
        begins = np.searchsorted(self.factory, self.factory, "left")  # its factory's first
        earlier = total[at] - total[begins[at]]
        partial = np.maximum(np.minimum(self.hi[at], minute) - self.lo[at], 0)
        return np.where(found, earlier + partial, 0)
