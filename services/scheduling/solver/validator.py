"""An independent check of plans, written apart from the solvers on purpose: it reads only
the problem data and the plan, and shares no code with the models or heuristics that made
the plan. Every plan is checked here before it is published.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from .model import NetworkProblem


@dataclass(frozen=True)
class Violation:
    kind: str  # missing, unknown, eligibility, duration, factory, precedence, min_wait,
    #            release, before_now, horizon, calendar, downtime, overlap, setup,
    #            frozen_moved, capacity_share
    message: str
    order: str = ""
    op: int = -1


def validate_plan(problem: NetworkProblem, operations) -> list[Violation]:
    """Every way ``operations`` breaks the rules of ``problem`` (empty when valid)."""
    out: list[Violation] = []
    machines = {(f.id, m.id): m for f in problem.factories for m in f.machines}
    orders = {o.id: o for o in problem.orders}
    planned: dict[tuple[str, int], object] = {}
    for p in operations:
        if (p.order, p.op) in planned:
            out.append(Violation("duplicate", f"{p.order}#{p.op} planned twice", p.order, p.op))
        planned[p.order, p.op] = p

    for o in problem.orders:
        for i in range(len(o.operations)):
            if (o.id, i) not in planned:
                out.append(Violation("missing", f"{o.id}#{i} is not planned", o.id, i))

    started = {(f.order, f.op) for f in problem.frozen}
    working = {f.id: _stretches(f.shifts) for f in problem.factories}
    for (oid, i), p in planned.items():
        order = orders.get(oid)
        if order is None or not 0 <= i < len(order.operations):
            out.append(Violation("unknown", f"{oid}#{i} is not in the problem", oid, i))
            continue
        op = order.operations[i]
        machine = machines.get((p.factory, p.machine))
        if machine is None:
            out.append(Violation("eligibility", f"{oid}#{i}: no machine {p.machine} in {p.factory}", oid, i))
            continue
        if machine.type != op.machine_type:
            out.append(Violation(
                "eligibility", f"{oid}#{i} needs {op.machine_type}, {p.machine} is {machine.type}", oid, i))
        want = max(1, math.ceil(op.duration / machine.speed))
        if p.end - p.start != want:
            out.append(Violation("duration", f"{oid}#{i} lasts {p.end - p.start}, needs {want}", oid, i))
        if p.start < 0 or p.end > problem.horizon:
            out.append(Violation("horizon", f"{oid}#{i} outside [0, {problem.horizon})", oid, i))
        if (oid, i) in started:
            continue  # started work is a fact: it may have been caught by a breakdown
        stretches = working[p.factory]
        k = bisect.bisect_right(stretches, (p.start, math.inf)) - 1
        if k < 0 or p.end > stretches[k][1]:
            out.append(Violation("calendar", f"{oid}#{i} [{p.start},{p.end}) is not inside one stretch of working time of {p.factory}", oid, i))
        for w in machine.downtime:
            if p.start < w.end and w.start < p.end:
                out.append(Violation("downtime", f"{oid}#{i} runs on {p.machine} while it is down [{w.start},{w.end})", oid, i))

    frozen = {(f.order, f.op): f for f in problem.frozen}
    for key, f in frozen.items():
        p = planned.get(key)
        if p is None:
            # left out (e.g. a plan solved before it started, its order since dropped): the
            # started work would vanish from the plan, and its factory lose the order
            out.append(Violation("frozen_moved", f"{key[0]}#{key[1]} has started and is missing "
                                                 "from the plan", *key))
        elif (p.factory, p.machine, p.start, p.end) != (f.factory, f.machine, f.start, f.end):
            out.append(Violation("frozen_moved", f"{key[0]}#{key[1]} has started and must not "
                                                 f"move: it runs on {f.machine} in {f.factory} "
                                                 f"from {f.start}, the plan has {p.machine} in "
                                                 f"{p.factory} from {p.start}", *key))

    for o in problem.orders:
        ops = [planned.get((o.id, i)) for i in range(len(o.operations))]
        if any(p is None for p in ops):
            continue
        if len({p.factory for p in ops}) > 1:
            out.append(Violation("factory", f"{o.id} is split over {sorted({p.factory for p in ops})}", o.id))
        if ops and ops[0].start < o.release and (o.id, 0) not in frozen:
            out.append(Violation("release", f"{o.id} starts before its release {o.release}", o.id, 0))
        for i, p in enumerate(ops):
            if (o.id, i) not in frozen and p.start < problem.now:
                out.append(Violation("before_now", f"{o.id}#{i} starts in the past", o.id, i))
            if i:
                prev, wait = ops[i - 1], o.operations[i - 1].min_wait_after
                if p.start < prev.end:
                    out.append(Violation("precedence", f"{o.id}#{i} starts before #{i - 1} ends", o.id, i))
                elif p.start < prev.end + wait:
                    out.append(Violation("min_wait", f"{o.id}#{i} starts {prev.end + wait - p.start} min before #{i - 1} has waited {wait}", o.id, i))

    out.extend(_machine_checks(problem, planned, machines, orders))
    return out


def _machine_checks(problem, planned, machines, orders) -> list[Violation]:
    out: list[Violation] = []
    per_machine: dict[tuple[str, str], list] = {}
    for (oid, i), p in planned.items():
        if (p.factory, p.machine) in machines and oid in orders and 0 <= i < len(orders[oid].operations):
            per_machine.setdefault((p.factory, p.machine), []).append(p)
    factories = {f.id: f for f in problem.factories}
    frozen = {(f.order, f.op) for f in problem.frozen}
    for (fid, mid), ops in per_machine.items():
        machine = machines[fid, mid]
        ops.sort(key=lambda p: (p.start, p.end))
        # overlap: batchable operations may share a batch machine up to its capacity
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
                out.append(Violation("overlap", f"{mid} in {fid} runs too much at minute {t}", p.order, p.op))
                break
        change = max((r.change_minutes for r in problem.setups if r.machine_type == machine.type), default=0)
        if change and machine.batch_capacity == 1:
            for a, b in zip(ops, ops[1:], strict=False):
                fa = orders[a.order].operations[a.op].setup_family
                fb = orders[b.order].operations[b.op].setup_family
                if fa != fb and b.start < a.end + change:
                    out.append(Violation("setup", f"{mid}: {b.order}#{b.op} needs {change} min changeover after {a.order}#{a.op}", b.order, b.op))
        share = factories[fid].capacity_share
        budget = math.floor(share * _available(factories[fid].shifts, machine.downtime, problem.horizon))
        # started work is a fact, not a claim on the chain's share (it may sit on a machine
        # that has since gone down and has no share left)
        used = sum(p.end - p.start for p in ops if (p.order, p.op) not in frozen)
        if used > budget:
            out.append(Violation("capacity_share", f"{mid} in {fid} carries {used} min, its share is {budget}"))
    return out


def _stretches(shifts) -> list[tuple[int, int]]:
    """Shift windows as stretches of working time: windows that touch or overlap are one
    stretch (a two-shift factory works through its shift change); only a gap is a break."""
    out: list[tuple[int, int]] = []
    for w in sorted(shifts, key=lambda w: (w.start, w.end)):
        if w.end <= w.start:
            continue
        if out and w.start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], w.end))
        else:
            out.append((w.start, w.end))
    return out


def _available(shifts, downtime, horizon) -> int:
    """Working minutes inside the horizon minus downtime during them (each counted once)."""
    down = _stretches(downtime)
    minutes = 0
    for start, end in _stretches(shifts):
        lo, hi = max(0, start), min(horizon, end)
        if hi <= lo:
            continue
        minutes += hi - lo
        for d_start, d_end in down:
            minutes -= max(0, min(hi, d_end) - max(lo, d_start))
    return max(0, minutes)
