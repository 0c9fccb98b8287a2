"""What one machine is doing over the horizon, for the heuristics: blocked windows (off
shift, down), operations already placed, and the minutes left of the chain's share."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from .model import Factory, Machine, NetworkProblem


def unavailable(factory: Factory, machine: Machine, horizon: int) -> list[tuple[int, int]]:
    """Sorted, merged windows in ``[0, horizon)`` when ``machine`` cannot work."""
    blocked = []
    t = 0
    for w in sorted(factory.shifts, key=lambda w: w.start):
        if w.start > t:
            blocked.append((t, min(w.start, horizon)))
        t = max(t, w.end)
    if t < horizon:
        blocked.append((t, horizon))
    blocked += [(max(0, d.start), min(horizon, d.end)) for d in machine.downtime]
    blocked = sorted(b for b in blocked if b[1] > b[0])
    merged: list[list[int]] = []
    for s, e in blocked:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def share_budget(factory: Factory, machine: Machine, horizon: int) -> int:
    """Minutes of this machine the chain may use: its share of the available minutes."""
    free = horizon - sum(e - s for s, e in unavailable(factory, machine, horizon))
    return math.floor(factory.capacity_share * free)


@dataclass
class MachineTimeline:
    factory: str
    machine: Machine
    blocked: list[tuple[int, int]]
    budget: int
    change_minutes: int = 0  # setup between different families
    ops: list[tuple[int, int, str]] = field(default_factory=list)  # sorted (start, end, family)

    def earliest(self, ready: int, duration: int, family: str, horizon: int) -> int | None:
        """The earliest start ``>= ready`` for an operation of ``duration`` and ``family``
        that fits between blocked windows and placed operations, with changeovers."""
        if duration > self.budget:
            return None
        t = ready
        while t + duration <= horizon:
            moved = False
            i = bisect.bisect_left(self.blocked, (t + duration,))
            for s, e in self.blocked[max(0, i - 1): i + 1]:
                if s < t + duration and e > t:
                    t, moved = e, True
                    break
            if moved:
                continue
            for s, e, fam in self.ops:
                gap = self.change_minutes if fam != family else 0
                if s < t + duration + gap and e + gap > t:
                    t, moved = e + gap, True
                    break
            if not moved:
                return t
        return None

    def place(self, start: int, end: int, family: str, claims_share: bool = True) -> None:
        """Occupy ``[start, end)``; started work (``claims_share=False``) leaves the share."""
        bisect.insort(self.ops, (start, end, family))
        if claims_share:
            self.budget -= end - start


def timelines(problem: NetworkProblem) -> dict[tuple[str, str], MachineTimeline]:
    """A fresh timeline per (factory, machine), holding nothing yet."""
    out = {}
    for f in problem.factories:
        for m in f.machines:
            out[f.id, m.id] = MachineTimeline(
                f.id, m, unavailable(f, m, problem.horizon), share_budget(f, m, problem.horizon),
                problem.setup_minutes(m.type),
            )
    return out
