"""Free machine time for a promise, within the planning horizon and past it.

The planner looks no further than its horizon; a promise has to, or a large order gets no
date at all. Past the horizon each factory's last planned week repeats (its shifts as the
problem holds them), downtime that lasts to the horizon lasts on, and the chain's share of a
machine holds week by week. Before the horizon the share left is the planner's own, after the
plan's claims, so a promise never takes time the planner could not give it; no operation of a
promise straddles the horizon (each side has its own share).

Working time is the factory's shift windows merged where they touch (a two-shift factory works
through its shift change) minus the machine's downtime; an operation runs inside one stretch.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from functools import cached_property

from .arrays import minus_windows, working_stretches
from .model import Factory, Machine, NetworkProblem, Operation, PlannedOperation, Window

WEEK = 7 * 24 * 60
REACH_WEEKS = 8  # how far past the horizon a promise looks


@dataclass
class FreeTime:
    """What a promise may still use of one machine."""

    machine: Machine
    stretches: list[tuple[int, int]]  # working time, sorted, to the reach
    horizon: int  # the planning horizon
    change: int  # changeover minutes between operations of different families
    left: int  # the chain's share left before the horizon
    share: float  # of the working time offered to the chain
    busy: list[tuple[int, int, str]] = field(default_factory=list)  # sorted (start, end, family)
    used: dict[int, int] = field(default_factory=dict)  # minutes taken in each week past the horizon

    @cached_property
    def longest(self) -> int:
        """The longest stretch of working time: no operation longer than it can run here."""
        return max((e - s for s, e in self.stretches), default=0)

    def earliest(self, ready: int, duration: int, family: str) -> int | None:
        """The earliest start ``>= ready`` of an operation of ``duration`` and ``family``
        inside one stretch, clear of busy time (with changeovers) and within the share."""
        t = ready
        first = max(0, bisect.bisect_right(self.stretches, (ready, math.inf)) - 1)
        for s, e in self.stretches[first:]:
            t = max(t, s)
            while t + duration <= e:
                later = self._clash(t, duration, family)
                if later is None:
                    later = self._over_share(t, duration)
                if later is None:
                    return t
                t = later
        return None

    def place(self, start: int, end: int, family: str, claims_share: bool = True) -> None:
        """Occupy ``[start, end)``; started work (``claims_share=False``) leaves the share."""
        bisect.insort(self.busy, (start, end, family))
        if claims_share:
            self._charge(start, end - start)

    def lift(self, start: int, end: int, family: str) -> None:
        """Undo :meth:`place` of a tentative operation."""
        self.busy.remove((start, end, family))
        self._charge(start, start - end)

    def _clash(self, t: int, duration: int, family: str) -> int | None:
        for s, e, other in self.busy:
            gap = self.change if other != family else 0
            if s < t + duration + gap and e + gap > t:
                return e + gap
        return None

    def _over_share(self, t: int, duration: int) -> int | None:
        """None when the share has room for ``[t, t + duration)``; else the next start to try."""
        if t + duration <= self.horizon:
            return None if duration <= self.left else self.horizon
        if t < self.horizon:
            return self.horizon
        week = (t - self.horizon) // WEEK
        lo = self.horizon + week * WEEK
        room = math.floor(self.share * _working(self.stretches, lo, lo + WEEK)) - self.used.get(week, 0)
        return None if duration <= room else lo + WEEK

    def _charge(self, start: int, minutes: int) -> None:
        if start < self.horizon:
            self.left -= minutes
        else:
            week = (start - self.horizon) // WEEK
            self.used[week] = self.used.get(week, 0) + minutes


def free_time(problem: NetworkProblem, plan: list[PlannedOperation], factories: list[Factory],
              weeks: int = REACH_WEEKS) -> dict[tuple[str, str], FreeTime]:
    """The free time of ``factories``' machines to ``weeks`` past the horizon, ``plan`` in place."""
    reach = problem.horizon + weeks * WEEK
    out = {}
    for f in factories:
        shifts = carried_shifts(f, problem.horizon, reach)
        working = _working(shifts, 0, problem.horizon)
        for m in f.machines:
            down = working_stretches([Window(d.start, reach if d.end >= problem.horizon else d.end)
                                      for d in m.downtime], reach)
            stretches = minus_windows(shifts, down) if down else shifts
            left = f.capacity_share * (_working(stretches, 0, problem.horizon) if down else working)
            out[f.id, m.id] = FreeTime(m, stretches, problem.horizon, problem.setup_minutes(m.type),
                                       math.floor(left), f.capacity_share)
    held = [p for p in plan if (p.factory, p.machine) in out]
    wanted = {p.order for p in held}
    families = {o.id: [op.setup_family for op in o.operations] for o in problem.orders
                if o.id in wanted}
    started = {p.key for p in problem.frozen}
    for p in held:
        family = families[p.order][p.op] if p.order in families else ""
        out[p.factory, p.machine].place(p.start, p.end, family, p.key not in started)
    return out


def carried_shifts(factory: Factory, horizon: int, reach: int) -> list[tuple[int, int]]:
    """The factory's working time to ``reach``, windows merged where they touch: as the
    problem has it before the horizon, then its last week (or whole horizon, if shorter)
    again and again."""
    period = min(WEEK, horizon)
    own = [Window(w.start, min(w.end, horizon)) for w in factory.shifts]
    last = [Window(max(w.start, horizon - period), w.end) for w in own if w.end > horizon - period]
    repeats = range(1, math.ceil((reach - horizon) / period) + 1) if period > 0 else ()
    carried = [Window(w.start + k * period, w.end + k * period) for k in repeats for w in last]
    return working_stretches(own + carried, reach)


def earliest_run(lines: dict[tuple[str, str], FreeTime], factory: Factory,
                 routing: tuple[Operation, ...], ready: int, order_id: str
                 ) -> list[PlannedOperation] | None:
    """The earliest way to run ``routing`` in ``factory`` from ``ready`` (each operation on the
    machine of its type that finishes it first, in routing order, with minimum waits), or
    None when some operation finds no time. Nothing is left placed."""
    run: list[PlannedOperation] = []
    try:
        for i, op in enumerate(routing):
            best = None
            for m in factory.machines:
                if m.type != op.machine_type:
                    continue
                d = m.duration(op.duration)
                start = lines[factory.id, m.id].earliest(ready, d, op.setup_family)
                if start is not None and (best is None or start + d < best.end):
                    best = PlannedOperation(order_id, i, factory.id, m.id, start, start + d)
            if best is None:
                return None
            # held while the rest is placed: later operations of the order must clear it
            lines[factory.id, best.machine].place(best.start, best.end, op.setup_family)
            run.append(best)
            ready = best.end + op.min_wait_after
        return run
    finally:
        for p in run:
            lines[p.factory, p.machine].lift(p.start, p.end, routing[p.op].setup_family)


def hold(lines: dict[tuple[str, str], FreeTime], run: list[PlannedOperation],
         routing: tuple[Operation, ...], keep: bool = True) -> None:
    """Place a run found by :func:`earliest_run` (``keep=False``: take it away again)."""
    for p in run:
        line = lines[p.factory, p.machine]
        if keep:
            line.place(p.start, p.end, routing[p.op].setup_family)
        else:
            line.lift(p.start, p.end, routing[p.op].setup_family)


def _working(stretches: list[tuple[int, int]], lo: int, hi: int) -> int:
    """Minutes of working time in ``[lo, hi)``."""
    first = max(0, bisect.bisect_right(stretches, (lo, math.inf)) - 1)
    total = 0
    for s, e in stretches[first:]:
        if s >= hi:
            break
        total += max(0, min(e, hi) - max(s, lo))
    return total
