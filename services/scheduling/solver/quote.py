"""Capable-to-promise: the earliest a new order could be finished, given the current plan,
by slotting its routing into free machine time without moving anything already planned.

Always a date or a reason. The order is promised whole, past the planning horizon if need be
(:mod:`.promise` carries the calendar on), as the planner will plan it. An order of several
identical units that cannot be made whole (an operation of the whole is longer than any
stretch of working time) is promised in as few parts as it takes, each part a share of the
routing in whichever factory finishes it first; the promise is the last part's. When nothing
works, the reason says what would have to change (:class:`CannotPromise`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .model import Factory, NetworkProblem, Operation, PlannedOperation, SchedulingError
from .promise import REACH_WEEKS, FreeTime, earliest_run, free_time, hold

PART_CANDIDATES = 8  # factories tried for each further part: those the first part liked best

# Why an order cannot be promised; each names what a person would change.
MISSING_MACHINE_TYPE = "MISSING_MACHINE_TYPE"  # no factory has every machine type it needs
MACHINE_UNAVAILABLE = "MACHINE_UNAVAILABLE"  # the machines of a type it needs are all down
OPERATION_TOO_LONG = "OPERATION_TOO_LONG"  # an operation is longer than any stretch of work
NO_CAPACITY = "NO_CAPACITY"  # the capable factories have no time for it within the reach


class CannotPromise(SchedulingError):
    """No date can be promised for the order; ``reason`` is one of the names above,
    ``facts`` the figures a person needs ("machine_type", "factory_id", minutes, ...)."""

    def __init__(self, reason: str, message: str, **facts: str):
        super().__init__(message)
        self.reason = reason
        self.facts = facts


@dataclass(frozen=True)
class PromisedPart:
    units: int
    factory: str
    completion: int
    operations: tuple[PlannedOperation, ...]


@dataclass(frozen=True)
class Quote:
    completion: int  # minute the order would be finished: its last part
    parts: tuple[PromisedPart, ...]  # one part: the order made whole
    beyond_horizon: bool  # finished past the planning horizon (its calendar carried on)

    @property
    def factory(self) -> str:
        """The factory of the part that finishes last."""
        return max(self.parts, key=lambda p: p.completion).factory

    @property
    def operations(self) -> tuple[PlannedOperation, ...]:
        return tuple(p for part in self.parts for p in part.operations)


def quote(problem: NetworkProblem, plan: list[PlannedOperation], routing: tuple[Operation, ...],
          release: int = 0, order_id: str = "quote", quantity: int = 1) -> Quote:
    """Earliest completion of ``routing`` (which makes ``quantity`` identical units) over all
    capable factories. Raises :class:`CannotPromise` with the reason when there is none."""
    if not routing:
        raise SchedulingError("the routing has no operations")
    capable = [f for f in problem.factories if _types(routing) <= {m.type for m in f.machines}]
    if not capable:
        raise _missing_type(problem.factories, routing)
    ask = _Ask(free_time(problem, plan, capable), capable, tuple(routing), max(1, quantity),
               max(release, problem.now), order_id, problem.horizon)
    largest = _largest_part(ask)
    whole = _parts(ask, [ask.units]) if largest == ask.units else None
    if whole is None and largest and ask.units > 1:
        # as few parts as it takes: each part cuts and sets up on its own
        whole = _parts(ask, _balanced(ask.units, max(2, math.ceil(ask.units / largest))))
    if whole is None:
        raise _why_not(ask, largest)
    return whole


def part_routing(routing: tuple[Operation, ...], units: int, of: int) -> tuple[Operation, ...]:
    """The routing of ``units`` of the ``of`` units ``routing`` makes: each operation's time in
    proportion (drying and other waits stay as they are)."""
    if units == of:
        return routing
    return tuple(replace(op, duration=math.ceil(op.duration * units / of)) for op in routing)


@dataclass(frozen=True)
class _Ask:
    lines: dict[tuple[str, str], FreeTime]
    capable: list[Factory]
    routing: tuple[Operation, ...]
    units: int
    ready: int
    order_id: str
    horizon: int


def _parts(ask: _Ask, sizes: list[int]) -> Quote | None:
    """Each part, largest first, where it finishes first given the parts before it."""
    candidates = ask.capable
    done: list[tuple[PromisedPart, tuple[Operation, ...]]] = []
    try:
        for i, units in enumerate(sizes):
            ops = part_routing(ask.routing, units, ask.units)
            name = ask.order_id if len(sizes) == 1 else f"{ask.order_id}#{i + 1}"
            runs = [(run[-1].end, f.id, run) for f in candidates
                    if _fits(ask, f, ops) and (run := earliest_run(ask.lines, f, ops, ask.ready, name))]
            if not runs:
                return None
            runs.sort(key=lambda r: (r[0], r[1]))
            if i == 0:  # further parts try the factories the first one liked best
                ranked = {fid for _, fid, _ in runs[:PART_CANDIDATES]}
                candidates = [f for f in ask.capable if f.id in ranked]
            end, fid, run = runs[0]
            hold(ask.lines, run, ops)
            done.append((PromisedPart(units, fid, end, tuple(run)), ops))
    finally:
        for part, ops in done:
            hold(ask.lines, list(part.operations), ops, keep=False)
    completion = max(part.completion for part, _ in done)
    return Quote(completion, tuple(part for part, _ in done), completion > ask.horizon)


def _largest_part(ask: _Ask) -> int:
    """The most units one part can hold: each of its operations within the longest stretch of
    a machine of its type, in some capable factory (0: not even one unit)."""
    lo, hi = 0, ask.units
    while lo < hi:
        mid = (lo + hi + 1) // 2
        ops = part_routing(ask.routing, mid, ask.units)
        if any(_fits(ask, f, ops) for f in ask.capable):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _fits(ask: _Ask, factory: Factory, ops) -> bool:
    return all(any(m.duration(op.duration) <= ask.lines[factory.id, m.id].longest
                   for m in factory.machines if m.type == op.machine_type) for op in ops)


def _balanced(units: int, parts: int) -> list[int]:
    return [units // parts + (1 if i < units % parts else 0) for i in range(parts)]


def _types(routing) -> set[str]:
    return {op.machine_type for op in routing}


def _missing_type(factories, routing) -> CannotPromise:
    need = _types(routing)
    absent = sorted(need - {m.type for f in factories for m in f.machines})
    if absent or not factories:
        return CannotPromise(MISSING_MACHINE_TYPE,
                             f"no factory has a {' or a '.join(absent or sorted(need))}, "
                             f"which this order needs", machine_type=",".join(absent),
                             needed=",".join(sorted(need)))
    closest = min(factories, key=lambda f: (len(need - {m.type for m in f.machines}), f.id))
    lacks = sorted(need - {m.type for m in closest.machines})
    return CannotPromise(MISSING_MACHINE_TYPE,
                         f"no factory has every machine type this order needs "
                         f"({', '.join(sorted(need))}); the closest, {closest.id}, has no "
                         f"{' and no '.join(lacks)}",
                         machine_type=",".join(lacks), factory_id=closest.id,
                         needed=",".join(sorted(need)))


def _why_not(ask: _Ask, largest: int) -> CannotPromise:
    ids = ", ".join(f.id for f in ask.capable)
    if largest:
        return CannotPromise(NO_CAPACITY,
                             f"the factories that could make it ({ids}) have no free time for it "
                             f"within {REACH_WEEKS} weeks past the planning horizon (their share "
                             f"for the chain is taken)", factory_id=ids, weeks=str(REACH_WEEKS))
    one = part_routing(ask.routing, 1, ask.units)
    misfits = {f.id: [op for op in one if not _fits(ask, f, (op,))] for f in ask.capable}
    f = min(ask.capable, key=lambda f: (len(misfits[f.id]), f.id))
    op = misfits[f.id][0]
    machines = [m for m in f.machines if m.type == op.machine_type]
    longest = max(ask.lines[f.id, m.id].longest for m in machines)
    others = ", and no other factory can make it" if len(ask.capable) > 1 else ""
    if longest == 0:
        down = ",".join(m.id for m in machines)
        return CannotPromise(MACHINE_UNAVAILABLE,
                             f"the {op.machine_type} of {f.id} ({down}) is down with no end "
                             f"planned{others}", machine_type=op.machine_type, machine_id=down,
                             factory_id=f.id, capable_factories=str(len(ask.capable)))
    need = min(m.duration(op.duration) for m in machines)
    each = "one unit's " if ask.units > 1 else ""
    return CannotPromise(OPERATION_TOO_LONG,
                         f"{each}{op.machine_type} takes {_hours(need)} at {f.id}, whose longest "
                         f"stretch of working time is {_hours(longest)}; an operation cannot stop "
                         f"at a break, so a longer shift or a faster {op.machine_type} would make "
                         f"it{others}", machine_type=op.machine_type, factory_id=f.id,
                         operation_minutes=str(need), longest_stretch_minutes=str(longest),
                         units=str(ask.units), capable_factories=str(len(ask.capable)))


def _hours(minutes: int) -> str:
    return f"{minutes // 60}h{minutes % 60:02d}"
