"""The energy step's quick moves (see ``energy.py``): one operation at a time, on its machine,
to the cheapest start its neighbours leave it — or, when it runs while the factory draws more
than its demand limit, to the cheapest start within the limit, dearer if need be. Its
neighbours: after its routing predecessor (and drying), before its successor (or, for the last
operation, by its due date, or no later than now if it is late already), in a gap of its
machine with changeovers, inside one stretch of working time, and, under a demand limit, with
the factory's load staying within it. No order's end moves past its due date or past where it
was, so weighted tardiness never rises.

Sweeps go latest-first (work moves later, making room for what comes before it) and then
earliest-first, until a sweep saves and repairs nothing or time is up. An energy-blind sweep
moves only what runs above the limit; its latest-first sweeps also push the rest of those
orders as late as their due dates let them, to make room.
"""

from __future__ import annotations

import bisect
import time

import numpy as np

from .model import PlannedOperation


def sweep(problem, orders, frozen, part, deadline: float) -> int:
    """Move operations of ``part`` (an ``energy._Factory``) while that saves or repairs; the
    cost units saved (a repair may spend some)."""
    priced = bool(len(part.at))
    if not priced and not part.excess(problem.horizon):
        return 0
    machines = {m.id: m for m in part.factory.machines}
    barred = {q.order for q in part.ops.values() if machines[q.machine].batch_capacity > 1}
    lanes: dict[str, list[tuple[int, int, str, tuple[str, int]]]] = {}
    for q in part.ops.values():
        lanes.setdefault(q.machine, []).append(
            (q.start, q.end, orders[q.order].operations[q.op].setup_family, q.key))
    for lane in lanes.values():
        lane.sort()
    load = None
    if part.limit is not None:
        load = np.zeros(problem.horizon + 1, dtype=np.int64)
        for q in part.ops.values():
            load[q.start:q.end] += part.power.get(q.machine, 0)
    saved_total = 0
    later = True
    idle = 0
    while idle < 2 and time.monotonic() < deadline:
        keys = sorted((q.start, q.key) for q in part.ops.values()
                      if q.key not in frozen and q.order not in barred and part.power.get(q.machine, 0))
        if later:
            keys.reverse()
        pushed = set()
        if not priced and later and load is not None:  # make room: what runs above the limit
            above = np.flatnonzero(load > part.limit)   # goes later, its routing after it too
            if above.size:
                pushed = {q.order for q in part.ops.values()
                          if np.searchsorted(above, q.start) < np.searchsorted(above, q.end)}
        saved = repaired = 0
        for _, key in keys:
            gain, fixed = _move(problem, orders, part, machines, lanes, load, key, later,
                                priced or key[0] in pushed)
            saved += gain
            repaired += fixed
        saved_total += saved
        idle = 0 if saved > 0 or repaired else idle + 1
        later = not later
    return saved_total


def _move(problem, orders, part, machines, lanes, load, key, later: bool, priced: bool):
    """Move one operation; (cost units saved, whether it left a minute above the limit)."""
    q = part.ops[key]
    order = orders[q.order]
    op = order.operations[q.op]
    d = q.end - q.start
    kw = part.power.get(q.machine, 0)
    lo = max(problem.now, order.release if q.op == 0 else 0)
    if q.op > 0:
        prev = part.ops[(q.order, q.op - 1)]
        lo = max(lo, prev.end + order.operations[q.op - 1].min_wait_after)
    if q.op + 1 < len(order.operations):
        hi_end = part.ops[(q.order, q.op + 1)].start - op.min_wait_after
    else:
        hi_end = max(order.due, q.end)
    hi_end = min(hi_end, problem.horizon)
    if hi_end - d < lo:
        return 0, False
    if load is not None:
        load[q.start:q.end] -= kw
    over = load is not None and int(load[q.start:q.end].max()) + kw > part.limit
    if not priced and not over:
        load[q.start:q.end] += kw  # type: ignore[index]
        return 0, False
    here = part.cost(q.machine, q.start, q.end)
    lane = lanes[q.machine]
    change = problem.setup_minutes(machines[q.machine].type)
    steps = part.at.tolist()
    best = None
    for x0, x1 in _gaps(lane, key, op.setup_family, change, part.free_at[q.machine], lo, hi_end, d):
        cuts = {x0, x1, *(x for m in steps for x in (m, m - d) if x0 < x < x1)}
        if load is not None:  # where the load changes, an operation may start after or end before
            changes = (np.flatnonzero(np.diff(load[x0:x1 + d])) + x0 + 1).tolist()
            cuts.update(x for t in changes for x in (t, t - d) if x0 < x < x1)
        for s in cuts:
            if s == q.start:
                continue
            c = part.cost(q.machine, s, s + d)
            if not over and (c > here or (c == here and (s < q.start if later else s > q.start))):
                continue  # dearer, or as dear and not further the sweep's way
            rank = (c, abs(s - q.start)) if over else (c, -s if later else s)
            if (best is None or rank < best[0]) and \
                    (load is None or int(load[s:s + d].max()) + kw <= part.limit):
                best = (rank, c, s)
    if best is None:
        if load is not None:
            load[q.start:q.end] += kw
        return 0, False
    _, c, s = best
    part.ops[key] = PlannedOperation(q.order, q.op, q.factory, q.machine, s, s + d)
    lane.remove((q.start, q.end, op.setup_family, key))
    bisect.insort(lane, (s, s + d, op.setup_family, key))
    if load is not None:
        load[s:s + d] += kw
    return here - c, over


def _gaps(lane, key, family, change, working, lo, hi_end, d):
    """Intervals of starts ``[x0, x1]`` where ``d`` minutes fit on the machine between its
    other operations (with changeovers) and inside one stretch of working time, within
    ``[lo, hi_end - d]``."""
    others = [it for it in lane if it[3] != key and it[1] + change > lo and it[0] - change < hi_end]
    free = []
    t = lo
    for s, e, fam, _ in others:
        gap = change if fam != family else 0
        if min(s - gap, hi_end) > t:
            free.append((t, min(s - gap, hi_end)))
        t = max(t, e + gap)
    if t < hi_end:
        free.append((t, hi_end))
    out = []
    for a, b in free:
        for wa, wb in working:
            if wb <= a or wa >= b:
                continue
            x0, x1 = max(a, wa), min(b, wb) - d
            if x0 <= x1:
                out.append((x0, x1))
    return out
