"""From the network state to the solver's problem, and back.

Time in the problem is whole minutes from an origin. Started operations are frozen where
they run. An order that has finished some operations but started none of the rest keeps
its last finished operation as a frozen *pin* (packed before the real timeline starts), so
the rest of it stays in the factory that holds its parts; finished operations before it
are gone from the problem.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from services.kit.words import N_, Words
from services.scheduling.domain.calendar import shift_windows
from services.scheduling.domain.capacity import machine_types_said
from services.scheduling.domain.cutting import Cover, live_batches
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PLANNABLE, PoolOrder
from services.scheduling.domain.power import running_kw
from services.scheduling.domain.progress import FINISHED, STARTED
from services.scheduling.domain.tariffs import price_steps
from services.scheduling.domain.values import PlanRow, RoutingStep, minutes
from services.scheduling.solver.model import (
    Electricity,
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    PlannedOperation,
    PriceStep,
    SetupRule,
    Window,
)

MINUTE_MS = 60_000
DAY_MINUTES = 1440
# Why an order a planner holds out of planning is not in the plan (issue 19).
HELD = N_("held out of planning by a planner")
# Why an order is not in the plan when planning it raised (planning/isolation.py); the
# traceback is in the scheduling service's log.
ISOLATED = N_("planning this order failed: it is left out of the plan until it changes "
              "(the error is in the scheduling log)")
NOTHING = Words("")  # nothing keeps an order out


@functools.lru_cache(maxsize=4096)
def due_ms(promised_date: str) -> int | None:
    """End of the promised day (UTC); None without a promise (kept per date: a publication
    asks it of every order in the plan, and there are few dates)."""
    if not promised_date:
        return None
    day = date.fromisoformat(promised_date) + timedelta(days=1)
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


@dataclass
class ProblemIndex:
    """How the problem's minutes and operation indices map back to the network."""

    origin_ms: int
    now_min: int
    horizon: int
    op_ids: dict[str, list[str]] = field(default_factory=dict)
    steps: dict[str, list[RoutingStep]] = field(default_factory=dict)
    key_of: dict[str, tuple[str, int]] = field(default_factory=dict)
    pins: set[tuple[str, int]] = field(default_factory=set)
    started: set[tuple[str, int]] = field(default_factory=set)
    due_ms: dict[str, int | None] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)
    promised: dict[str, str] = field(default_factory=dict)
    unplannable: dict[str, Words] = field(default_factory=dict)  # why, as words

    def ms(self, minute: int) -> int:
        return self.origin_ms + minute * MINUTE_MS

    def minute(self, ms: int) -> int:
        return (ms - self.origin_ms) // MINUTE_MS

    def operation_id(self, p: PlannedOperation) -> str:
        return self.op_ids[p.order][p.op]


@dataclass
class _Entry:
    order_id: str
    steps: list[RoutingStep]  # from a pin on: the pin's (finished) step first
    operations: list[Operation]  # the steps as the solver sees them
    op_ids: list[str]
    frozen: str = ""  # "" | started | pin
    machine_id: str = ""
    at_ms: int = 0  # started at, or finished at (pin)
    cover: Cover | None = None  # its saw step is its cutting batch's (issue 20)


def build_problem(state: NetworkState, now_ms: int, horizon_days: int,
                  setup_minutes: dict[str, int], exclude: Collection[str] = frozenset(),
                  factory_ids: Collection[str] | None = None,
                  only: Collection[str] | None = None) -> tuple[NetworkProblem, ProblemIndex]:
    """The problem of planning every plannable order of ``state`` (but those in
    ``exclude``) from ``now_ms`` on, on the factories ``factory_ids`` (default: all);
    ``only``: of these orders alone (a few of a large pool: not every order looked at)."""
    entries = _entries(state, exclude, only)
    # cutting batches (issue 20): frozen load on their saws, covering their orders' saw steps
    batch_load, covers = live_batches(state.cutting.values(), state.status_of, now_ms)
    if covers:  # (no batch: nothing to look up per order)
        entries = [e for e in entries if _uncover(e, covers.get(e.order_id), state)]
    machine_of = state.machines
    pin_load: dict[str, int] = {}
    for e in entries:
        if e.frozen == "pin":
            m = machine_of[e.machine_id]
            pin_load[e.machine_id] = pin_load.get(e.machine_id, 0) + _duration(m, e.steps[0])
    prehistory = max(pin_load.values(), default=0)
    real_origin = min([now_ms] + [e.at_ms for e in entries if e.frozen == "started"])
    origin = real_origin - real_origin % MINUTE_MS - prehistory * MINUTE_MS
    now_min = math.ceil((now_ms - origin) / MINUTE_MS)
    horizon = now_min + horizon_days * DAY_MINUTES
    index = ProblemIndex(origin, now_min, horizon)

    hosts = {e.machine_id for e in entries if e.frozen}
    factories = _factories(state, index, hosts, factory_ids, batch_load)
    known = {(f.id, m.id): m for f in factories for m in f.machines}
    capabilities = [_Capability.of(f, now_min) for f in factories]
    orders, frozen = [], []
    pin_cursor: dict[str, int] = {}
    reasons: dict[tuple, Words] = {}
    for e in entries:
        host = machine_of.get(e.machine_id) if e.frozen else None
        if e.frozen and (host is None or (host.factory_id, host.machine_id) not in known):
            if e.frozen == "pin":  # its step is finished: not planned again
                e.steps, e.operations, e.op_ids = e.steps[1:], e.operations[1:], e.op_ids[1:]
            e.frozen = ""  # its machine is gone: plan the rest freely
        operations = e.operations
        if e.frozen and host is not None:  # a frozen entry kept its machine (above)
            machine = known[host.factory_id, host.machine_id]
            d = machine.duration(operations[0].duration)
            if e.frozen == "started":
                start = index.minute(e.at_ms)
                index.started.add((e.order_id, 0))
            else:
                start = pin_cursor.get(machine.id, 0)
                pin_cursor[machine.id] = start + d
                index.pins.add((e.order_id, 0))
                # the next operation waits for the real finish (plus drying), not the pin
                ready = math.ceil((e.at_ms - origin) / MINUTE_MS) + operations[0].min_wait_after
                operations[0] = replace(operations[0], min_wait_after=max(0, ready - start - d))
            frozen.append(PlannedOperation(e.order_id, 0, host.factory_id, machine.id, start, start + d))
        pool = state.orders[e.order_id]
        due = due_ms(pool.promised_date)
        # boards its cutting batch waits for (issue 20): the saw work starts no earlier
        boards = 0 if e.frozen else pool.boards_from_ms
        # its batch's saw operation: its next step starts at the batch's end, in its factory
        cover = None if e.frozen else e.cover
        if cover is not None:
            boards = max(boards, cover.end_ms)
        order = Order(e.order_id, tuple(operations),
                      due=horizon if due is None else (due - origin) // MINUTE_MS,
                      release=max(0, -(-(boards - origin) // MINUTE_MS)) if boards else 0,
                      weight=max(1, pool.weight),
                      # started work holds the order where it runs, whatever the pin says
                      factory="" if e.frozen else
                      cover.factory_id if cover is not None else pool.pinned_factory)
        reason = NOTHING
        if e.frozen:
            pass
        elif pool.held:
            reason = Words(HELD)
        elif order.factory:
            reason = _pinned_unplannable(order, factories, now_min)
        else:  # orders with the same routing get the same answer: ask once
            need = tuple((op.machine_type, op.duration) for op in operations)
            if need not in reasons:
                reasons[need] = _unplannable(order, capabilities)
            reason = reasons[need]
        index.revisions[e.order_id] = state.orders[e.order_id].revision
        if reason:
            index.unplannable[e.order_id] = reason
            continue
        orders.append(order)
        index.op_ids[e.order_id] = e.op_ids
        index.steps[e.order_id] = e.steps
        index.due_ms[e.order_id] = due
        index.promised[e.order_id] = state.orders[e.order_id].promised_date
        for i, op_id in enumerate(e.op_ids):
            index.key_of[op_id] = (e.order_id, i)
    frozen = _untangle(frozen, index.pins, now_min)
    problem = NetworkProblem(
        horizon=horizon, factories=tuple(factories), orders=tuple(orders),
        setups=tuple(SetupRule(t, m) for t, m in sorted(setup_minutes.items()) if m > 0),
        frozen=tuple(q for q in frozen if q.order in index.op_ids), now=now_min,
        lateness_minutes_per_cny=state.lateness_minutes_per_cny)
    return problem, index


def _entries(state: NetworkState, exclude, only=None) -> list[_Entry]:
    out = []
    pool = state.plannable() if only is None else [
        o for oid in only if (o := state.orders.get(oid)) is not None
        and o.status == PLANNABLE and o.routing]
    for order in sorted(pool, key=lambda o: o.order_id):
        if order.order_id in exclude:
            continue
        progress = state.progress.get(order.order_id)
        op_ids = order.operation_ids
        status = [progress.status.get(i, "PLANNED") if progress else "PLANNED" for i in op_ids]
        done = next((i for i, s in enumerate(status) if s != FINISHED), len(op_ids))
        if done == len(op_ids):
            continue  # produced
        if status[done] == STARTED and progress is not None:  # only progress says started
            op = op_ids[done]
            out.append(_entry(order, op_ids, done, "started", progress.machines.get(op, ""),
                              progress.started_ms[op]))
        elif done and progress is not None:  # only progress says finished
            op = op_ids[done - 1]
            out.append(_entry(order, op_ids, done - 1, "pin", progress.machines.get(op, ""),
                              progress.finished_ms.get(op, 0)))
        else:
            out.append(_entry(order, op_ids, 0))
    return out


def _uncover(e: _Entry, cover: Cover | None, state: NetworkState) -> bool:
    """Drop the order's saw step from its entry when its cutting batch covers it (started
    or not: the batch is the saw's load); False when nothing is left to plan."""
    if (cover is None or e.frozen == "pin" or not e.op_ids or e.op_ids[0] != cover.operation_id
            or state.orders[e.order_id].boards_batch[0] != cover.batch):
        return True
    e.steps, e.operations, e.op_ids = e.steps[1:], e.operations[1:], e.op_ids[1:]
    e.frozen, e.machine_id, e.at_ms, e.cover = "", "", 0, cover
    return bool(e.op_ids)


def _entry(order: PoolOrder, op_ids: list[str], first: int, frozen: str = "",
           machine_id: str = "", at_ms: int = 0) -> _Entry:
    """The order from its ``first`` operation on."""
    return _Entry(order.order_id, list(order.routing[first:]), list(order.operations[first:]),
                  op_ids[first:], frozen, machine_id, at_ms)


def _duration(machine, step: RoutingStep) -> int:
    speed = machine.speed if machine.speed > 0 else 1.0
    return max(1, math.ceil(minutes(step.duration_s) / speed))


def _factories(state: NetworkState, index: ProblemIndex, hosts: set[str],
               factory_ids: Collection[str] | None,
               load: Mapping[str, list[tuple[int, int]]] | None = None) -> list[Factory]:
    out = []
    end_ms = index.ms(index.horizon)
    for fid in sorted(state.factories if factory_ids is None else
                      set(factory_ids) & state.factories.keys()):
        f = state.factories[fid]
        machines = [m for m in state.machines_of(fid) if m.active or m.machine_id in hosts]
        if not machines or not (f.active or any(m.machine_id in hosts for m in machines)):
            continue
        shifts = tuple(
            Window(max(0, math.ceil((s - index.origin_ms) / MINUTE_MS)), index.minute(e))
            for s, e in shift_windows(f.weekly_shifts, f.exceptions, f.timezone,
                                      index.origin_ms, end_ms))
        out.append(Factory(fid, tuple(_machine(m, f, index, (load or {}).get(m.machine_id, ()))
                                      for m in machines),
                           tuple(w for w in shifts if w.end > w.start),
                           f.capacity_share if f.capacity_share > 0 else 1.0,
                           electricity_of(f, index.origin_ms, index.horizon)))
    return out


@functools.lru_cache(maxsize=256)
def _steps(tariff, origin_ms: int, horizon: int) -> tuple[PriceStep, ...]:
    start = datetime.fromtimestamp(origin_ms / 1000, UTC)
    return tuple(PriceStep(s.minute, float(s.cny_per_kwh), str(s.band))
                 for s in price_steps(tariff, start, horizon))


def electricity_of(factory, origin_ms: int, horizon: int) -> Electricity | None:
    """The factory's stored tariff as the planner sees it: price steps in minutes from the
    problem's origin, and its demand limit (None without a tariff: energy is not priced)."""
    tariff = factory.tariff
    if tariff is None:
        return None
    limit = tariff.demand_limit_kw
    # the steps depend on the bands and prices alone: factories of one province with limits
    # of their own share them (~1 ms each over 14 days, worked out once a pass, not per factory)
    steps = _steps(replace(tariff, demand_limit_kw=None, source=""), origin_ms, horizon)
    return Electricity(steps, None if limit is None else float(limit))


def _machine(m, factory, index: ProblemIndex, batches=()) -> Machine:
    down: list[Window] = []
    for start_ms, end_ms in batches:  # its cutting batches' operations: nothing else runs
        lo = max(0, index.minute(start_ms))
        hi = min(index.horizon, math.ceil((end_ms - index.origin_ms) / MINUTE_MS))
        if hi > lo:
            down.append(Window(lo, hi))
    if not m.active or not factory.active:
        down.append(Window(0, index.horizon))
    elif not m.available:
        down.append(Window(max(0, index.minute(m.state_at_ms)), index.horizon))
    for stop in factory.stops.values():
        if stop.stops(m.machine_id):
            lo = max(0, index.minute(stop.start_ms))
            hi = min(index.horizon, math.ceil((stop.end_ms - index.origin_ms) / MINUTE_MS))
            if hi > lo:
                down.append(Window(lo, hi))
    return Machine(m.machine_id, m.machine_type, m.speed if m.speed > 0 else 1.0, tuple(down),
                   max(1, m.batch_capacity),
                   running_kw(m.machine_type, m.learnt_kw))


@dataclass(frozen=True)
class _Capability:
    """What one factory can make: its machine types, the fastest speed of each and its
    longest stretch of work from now (an operation must fit in one)."""

    types: frozenset[str]
    fastest: dict[str, float]
    longest: int

    @classmethod
    def of(cls, factory: Factory, now_min: int) -> _Capability:
        fastest: dict[str, float] = {}
        for m in factory.machines:
            fastest[m.type] = max(fastest.get(m.type, 0.0), m.speed)
        longest = max((w.end - max(w.start, now_min) for w in factory.shifts), default=0)
        return cls(frozenset(fastest), fastest, longest)

    def fits(self, order: Order) -> bool:
        return all(max(1, math.ceil(op.duration / self.fastest[op.machine_type])) <= self.longest
                   for op in order.operations)


def _unplannable(order: Order, capabilities: list[_Capability]) -> Words:
    """Why no factory could ever make ``order`` (empty when one could)."""
    need = {op.machine_type for op in order.operations}
    capable = [c for c in capabilities if need <= c.types]
    if not capable:
        return Words.of(N_("no factory has every machine type it needs: %(types)s"),
                        types=machine_types_said(need))
    if any(c.fits(order) for c in capable):
        return NOTHING
    return Words(N_("an operation is longer than any shift of the factories that could make it"))


def _pinned_unplannable(order: Order, factories: list[Factory], now_min: int) -> Words:
    """Why the factory a planner pinned ``order`` to cannot make it (empty when it can)."""
    factory = next((f for f in factories if f.id == order.factory), None)
    if factory is None:
        return Words.of(N_("pinned to factory %(factory)s, which is not open for planning"),
                        factory=order.factory)
    capability = _Capability.of(factory, now_min)
    missing = sorted({op.machine_type for op in order.operations} - capability.types)
    if missing:
        return Words.of(N_("pinned to factory %(factory)s, which has no %(types)s"),
                        factory=order.factory, types=machine_types_said(missing))
    if not capability.fits(order):
        return Words.of(N_("pinned to factory %(factory)s, where an operation is longer than "
                           "any shift"), factory=order.factory)
    return NOTHING


def _untangle(frozen: list[PlannedOperation], pins: set[tuple[str, int]], now_min: int
              ) -> list[PlannedOperation]:
    """Started work as the solver must see it: an overrun is expected to end within the
    minute, and two reports on one machine run one after the other."""
    out = []
    cursor: dict[tuple[str, str], int] = {}
    for q in sorted(frozen, key=lambda q: (q.factory, q.machine, q.start, q.order)):
        d = q.end - q.start
        start = q.start
        if q.key not in pins:
            start = max(start, now_min - d + 1)
            start = max(start, cursor.get((q.factory, q.machine), start))
            cursor[q.factory, q.machine] = start + d
        out.append(replace(q, start=start, end=start + d))
    return out


def plan_in_frame(state: NetworkState, problem: NetworkProblem, index: ProblemIndex,
                  rows: Mapping[str, PlanRow] | None = None) -> list[PlannedOperation]:
    """The published plan (``rows``, default the whole network's) in this problem's minutes:
    frozen work where it is now, the rest where the plan put it (operations that are gone
    are left out)."""
    chosen = (state.plan_rows if rows is None else rows).values()
    return _in_frame(((r.operation_id, r.factory_id, r.machine_id, r.start_ms, r.end_ms)
                      for r in chosen), problem, index,
                     {q.key for q in problem.frozen})


def reframe(operations, solved_in: ProblemIndex, problem: NetworkProblem, index: ProblemIndex
            ) -> list[PlannedOperation]:
    """A plan solved for an earlier problem of the same state, in this problem's minutes.

    Pins are taken from this problem (they only hold an order to its factory, and their
    place before the timeline changes with the set of pins). Everything else stays where
    the plan put it, including operations that have started since: checking the result
    against this problem shows where the plan contradicts that work ("frozen_moved").
    Operations no longer in the problem are left out.
    """
    rows = ((solved_in.operation_id(p), p.factory, p.machine, solved_in.ms(p.start),
             solved_in.ms(p.end)) for p in operations if p.key not in solved_in.pins)
    return _in_frame(rows, problem, index, index.pins)


def _in_frame(rows, problem: NetworkProblem, index: ProblemIndex, substitute
              ) -> list[PlannedOperation]:
    """(operation id, factory, machine, start ms, end ms) rows as planned operations of
    ``problem``; frozen operations whose key is in ``substitute`` are the problem's own."""
    frozen = {q.key: q for q in problem.frozen if q.key in substitute}
    out = list(frozen.values())
    for op_id, factory_id, machine_id, start_ms, end_ms in rows:
        key = index.key_of.get(op_id)
        if key is None or key in frozen:
            continue
        out.append(PlannedOperation(key[0], key[1], factory_id, machine_id,
                                    index.minute(start_ms), index.minute(end_ms)))
    return out
