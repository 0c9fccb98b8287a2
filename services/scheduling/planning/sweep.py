"""The whole-pool optimisation as a sweep of short rounds (issue 15).

Optimising the whole pool at once held arrivals for as long as it took: 12 s at a chain's
15,000 orders on 600 factories (building the problem, the solver, the publication of every
factory's plan), and solving it aside while arrivals went on being slotted in made the merge
hold them 20-30 s instead. A sweep does what real-time planners do with a problem too large to
solve between two changes (Timefold's continuous planning with short planning windows, its
problem changes taken between solver steps): it optimises a window of factories at a time,
each round bounded in size (``optimise_window_operations``) and solver time
(``optimise_round_s``), and publishes only the plans of that window; arrivals are slotted in
between two rounds. Each factory is in one window of a sweep, so a sweep optimises every
plan once.

A round moves orders only between the factories of its window, so the windows are made for
that: the factories under the most pressure (late work, then the most work for their
capacity) each with the least loaded factory able to make what they make, until the window
holds its share of operations. Late orders then have somewhere to go, and no window holds
only full factories.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.problem import MINUTE_MS, due_ms


@dataclass(frozen=True)
class FactoryLoad:
    """What the sweep knows of one factory's plan when it starts."""

    factory_id: str
    operations: int
    tardiness_ms: int  # of the orders its plan holds
    load: float  # planned work minutes per machine, over its share
    types: frozenset[str]  # the machine types it has


def factory_loads(state: NetworkState, factories: Collection[str]) -> list[FactoryLoad]:
    """Each of ``factories`` that is open with a machine, as the published plan holds it."""
    out = []
    for fid in sorted(factories):
        f = state.factories.get(fid)
        machines = [m for m in state.machines_of(fid) if m.active]
        if f is None or not f.active or not machines:
            continue
        plan = state.factory_plans.get(fid)
        rows = plan.operations.values() if plan is not None else ()
        ends: dict[str, tuple[int, str]] = {}
        work = 0
        for r in rows:
            work += r.end_ms - r.start_ms
            end, _ = ends.get(r.order_id, (0, ""))
            if r.end_ms > end:
                ends[r.order_id] = (r.end_ms, r.promised_date)
        late = sum(max(0, end - due) for end, promised in ends.values()
                   if (due := due_ms(promised)) is not None)
        out.append(FactoryLoad(fid, len(rows), late,
                               work / MINUTE_MS / (len(machines) * (f.capacity_share or 1.0)),
                               frozenset(m.machine_type for m in machines)))
    return out


def windows(loads: list[FactoryLoad], operations: int) -> list[frozenset[str]]:
    """The factories in windows of about ``operations`` operations (a factory holding more is
    a window of its own), most pressed first; factories with no plan are only partners."""
    pressed = sorted((f for f in loads if f.operations),
                     key=lambda f: (-f.tardiness_ms, -f.load, f.factory_id))
    idle = sorted(loads, key=lambda f: (f.load, f.factory_id))
    taken: set[str] = set()
    out: list[frozenset[str]] = []
    window: set[str] = set()
    size = 0
    for f in pressed:
        if f.factory_id in taken:
            continue
        for member in (f, _partner(f, idle, taken)):
            if member is None:
                continue
            taken.add(member.factory_id)
            window.add(member.factory_id)
            size += member.operations
        if size >= operations:
            out.append(frozenset(window))
            window, size = set(), 0
    if window:
        out.append(frozenset(window))
    return out


def _partner(f: FactoryLoad, idle: list[FactoryLoad], taken: set[str]) -> FactoryLoad | None:
    """The least loaded factory not taken yet that has every machine type ``f`` has (any,
    least loaded, when none has), less loaded than ``f``."""
    while idle and idle[0].factory_id in taken:
        idle.pop(0)  # partners are taken from the front: the scan stays short
    fallback = None
    for other in idle:
        if other.load >= f.load:
            break
        if other.factory_id in taken or other.factory_id == f.factory_id:
            continue
        if f.types <= other.types:
            return other
        fallback = fallback or other
    return fallback


def held_with(state: NetworkState, window: frozenset[str],
              factories: Collection[str]) -> frozenset[str]:
    """``window`` and the factories of ``factories`` its orders are held to elsewhere (a
    planner's pin, the cutting batch their sheets are in), and theirs in turn: a round plans
    every order of its window's plans, and one held outside it would be left out."""
    out, todo = set(window), set(window)
    while todo:
        held = set()
        for order_id, factory_id in state.planned_in.items():
            if factory_id not in todo:
                continue
            order = state.orders.get(order_id)
            for f in (order.pinned_factory if order is not None else "",
                      state.batch_factory(order_id)):
                if f and f not in out and f in factories:
                    held.add(f)
        out |= held
        todo = held
    return frozenset(out)
