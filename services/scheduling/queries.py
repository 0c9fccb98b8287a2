"""Answers read from the network state: Gantt lanes and explanations (capable-to-promise is
:mod:`services.scheduling.quoting`).

They run against a problem built from the state as it is now, with the published plan
placed in it, so they never wait for the planner.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from services.kit.words import N_, Words
from services.scheduling import explanation_words as said
from services.scheduling.domain.calendar import shift_windows
from services.scheduling.domain.cutting import batch_label, batch_status
from services.scheduling.domain.errors import OrderNotInPool, OrderNotPlanned
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.outcome import risk_of
from services.scheduling.domain.pool import PLANNABLE, SAID_STATUSES
from services.scheduling.domain.problem import (
    MINUTE_MS,
    ProblemIndex,
    build_problem,
    due_ms,
    plan_in_frame,
)
from services.scheduling.domain.values import PlanRow
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.explain import explain
from services.scheduling.solver.model import NetworkProblem, PlannedOperation


@dataclass(frozen=True)
class Frame:
    problem: NetworkProblem
    index: ProblemIndex
    plan: list[PlannedOperation]


def frame(state: NetworkState, settings: SchedulerSettings, now_ms: int) -> Frame:
    problem, index = build_problem(state, now_ms, settings.horizon_days, settings.setup_minutes)
    placed = plan_in_frame(state, problem, index)
    known = {(f.id, m.id) for f in problem.factories for m in f.machines}
    return Frame(problem, index, [q for q in placed if (q.factory, q.machine) in known])


# --- explanations -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LatenessReason:
    """What holds an order up: a busy (or down) machine, or a promise too short for the work."""

    cause: str  # BOTTLENECK | MACHINE_DOWN | PROMISE_TOO_SHORT
    factory_id: str
    machine_type: str
    machine_id: str
    window: tuple[int, int]  # unix ms
    delay_seconds: int
    message: str
    words: Words | None = None  # the message as words, for the reader's language


@dataclass(frozen=True)
class Suggestion:
    """What would help: another factory, overtime, or a later promise."""

    kind: str  # MOVE_TO_FACTORY | OVERTIME | LATER_PROMISE
    message: str
    factory_id: str = ""
    machine_id: str = ""
    window: tuple[int, int] | None = None  # unix ms
    promised_ms: int | None = None
    words: Words | None = None  # the message as words, for the reader's language


@dataclass(frozen=True)
class OrderExplanation:
    order_id: str
    factory_id: str
    risk: str
    planned_end_ms: int
    promised_date: str
    tardiness_s: int
    reasons: list[LatenessReason]
    suggestions: list[Suggestion]
    summary: str
    plan_id: str
    summary_words: Words | None = None  # the summary as words, for the reader's language
    board_waits: tuple[Words, ...] = ()  # each board its saw work waits for, as words


def explain_order(state: NetworkState, settings: SchedulerSettings, now_ms: int,
                  order_id: str) -> OrderExplanation:
    pooled = state.orders.get(order_id)
    if pooled is None:
        raise OrderNotInPool(Words.of(N_("order %(order_id)s is not in the planning pool"),
            order_id=order_id))
    if not pooled.factory_id or pooled.status != PLANNABLE:
        raise OrderNotPlanned(Words.of(N_("order %(order_id)s is not planned (%(status)s)"),
            order_id=order_id, status=SAID_STATUSES[pooled.status]))
    row = {"factory_id": pooled.factory_id, "end_ms": pooled.planned_end_ms,
           "promised_date": pooled.promised_date}
    f = frame(state, settings, now_ms)
    due = due_ms(row["promised_date"])
    risk = risk_of(row["end_ms"], due, settings.at_risk_ms)
    base = dict(order_id=order_id, factory_id=row["factory_id"], risk=risk,
                planned_end_ms=row["end_ms"], promised_date=row["promised_date"],
                tardiness_s=max(0, row["end_ms"] - due) // 1000 if due else 0,
                plan_id=pooled.plan_id)
    order = next((o for o in f.problem.orders if o.id == order_id), None)
    # issue 20: the boards its saw work waits for (as written before words were kept)
    waits = pooled.boards_said or ((Words(pooled.boards_wait),) if pooled.boards_wait else ())
    base["board_waits"] = pooled.boards_said
    parts = list(waits)
    batch, _, batch_orders = pooled.boards_batch
    if batch:
        parts.append(said.batch(batch, batch_orders - 1))
    found = []
    if order is not None:
        found = explain(replace(f.problem, orders=(order,)), f.plan,
                        at_risk_minutes=int(settings.at_risk_hours * 60))
    if not found:
        whole = said.summary([*parts, said.planned(
            order_id, row["factory_id"], row["end_ms"],
            None if due is None else (due - row["end_ms"]) // MINUTE_MS,
            bool(pooled.boards_wait))])
        return OrderExplanation(**base, reasons=[], suggestions=[], summary=whole.english(),
                                summary_words=whole)
    e = found[0]
    machine_down = any(m.machine_id == e.bottleneck_machine and not m.available
                       for m in state.machines.values())
    cause = ("PROMISE_TOO_SHORT" if e.waited_minutes <= 0 else
             "MACHINE_DOWN" if machine_down else "BOTTLENECK")
    why = said.reason(e, f.index.ms)
    reasons = [LatenessReason(cause, e.factory, e.bottleneck_machine_type, e.bottleneck_machine,
                              (f.index.ms(e.window[0]), f.index.ms(e.window[1])),
                              e.waited_minutes * 60, why.english(), why)]
    whole = said.summary([*parts, why])
    return OrderExplanation(**base, reasons=reasons, suggestions=_suggestions(e, f.index),
                            summary=whole.english(), summary_words=whole)


def _suggestions(e, index: ProblemIndex) -> list[Suggestion]:
    """What would help, as explain() weighs it: another factory, overtime (or another shift
    or machine), a later promise."""
    out = []
    if e.waited_minutes > 0:
        if e.quieter is not None:
            out.append(_suggested("MOVE_TO_FACTORY", said.move(e), factory_id=e.quieter[1]))
        if e.overtime_minutes > 0:
            out.append(_suggested("OVERTIME", said.overtime(e, index.ms), factory_id=e.factory,
                                  machine_id=e.bottleneck_machine,
                                  window=(index.ms(e.window[0]), index.ms(e.window[1]))))
        else:
            out.append(_suggested("OVERTIME", said.another_shift(e), factory_id=e.factory))
    if e.status == "late":
        later = index.ms(e.planned_end)
        out.append(_suggested("LATER_PROMISE", said.later_promise(later, e.planned_end - e.due),
                              promised_ms=later))
    return out


def _suggested(kind: str, words: Words, **where) -> Suggestion:
    return Suggestion(kind, words.english(), words=words, **where)


# --- Gantt ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MachineLane:
    """One machine's row of the Gantt chart: its bars (operations, with their status now) and
    when it cannot work (start ms, end ms, OFF_SHIFT | PLANNED_STOP | OFFLINE | DOWN, and what
    a planned stop is for)."""

    machine_id: str
    factory_id: str
    machine_type: str
    available: bool
    bars: list[PlanRow]
    unavailable: list[tuple[int, int, str, str, Words | None]]  # (start, end, reason, note, said)
    # a bar's description as words (by operation id), for the reader's language
    said: dict[str, Words] = field(default_factory=dict)


def gantt(state: NetworkState, settings: SchedulerSettings, now_ms: int, factory_ids: list[str],
          machine_ids: set[str], window: tuple[int, int] | None) -> list[MachineLane]:
    lo, hi = window or (now_ms - 86_400_000, now_ms + settings.horizon_days * 86_400_000)
    lanes = []
    for fid in factory_ids:
        factory = state.factories.get(fid)
        if factory is None:
            continue
        shifts = shift_windows(factory.weekly_shifts, factory.exceptions, factory.timezone, lo, hi)
        off = _gaps(shifts, lo, hi)
        per_machine: dict[str, list[PlanRow]] = {}
        for r in state.rows_of(fid):
            if r.end_ms > lo and r.start_ms < hi:
                status = state.status_of(r.operation_id, r.order_id)
                per_machine.setdefault(r.machine_id, []).append(
                    r if r.status == status else replace(r, status=status))
        machines = [m for m in state.machines_of(fid)
                    if not machine_ids or m.machine_id in machine_ids]
        _add_finished_bars(state, per_machine, {m.machine_id for m in machines}, lo, hi)
        _add_batch_bars(state, fid, per_machine, lo, hi)
        for m in machines:
            bars = per_machine.get(m.machine_id, [])
            unavailable = [(s, e, "OFF_SHIFT", "", None) for s, e in off]
            unavailable += [(max(lo, st.start_ms), min(hi, st.end_ms), "PLANNED_STOP", st.reason,
                             st.said) for st in factory.stops.values()
                            if st.stops(m.machine_id) and st.end_ms > lo and st.start_ms < hi]
            if not m.available:
                unavailable.append((max(lo, m.state_at_ms), hi,
                                    "OFFLINE" if m.state.endswith("OFFLINE") else "DOWN", "",
                                    None))
            lanes.append(MachineLane(m.machine_id, fid, m.machine_type, m.available and m.active,
                                     sorted(bars, key=lambda b: b.start_ms), unavailable,
                                     _step_words(state, bars)))
    return lanes


def _step_words(state: NetworkState, bars: list[PlanRow]) -> dict[str, Words]:
    """What each bar's operation does, as the configurator wrote it in words (its routing step
    in the pool; none for a step routed before words were kept, or a batch's bar)."""
    out = {}
    for b in bars:
        order = state.orders.get(b.order_id)
        step = next((s for s in order.routing if s.seq == b.seq), None) if order else None
        if step is not None and step.description_words:
            out[b.operation_id] = step.description_words
    return out


def _add_batch_bars(state: NetworkState, factory_id: str, per_machine: dict[str, list[PlanRow]],
                    lo: int, hi: int) -> None:
    """Each cutting batch in the window as one bar on its saw (issue 20), labelled with the
    batch and its orders, in place of its orders' saw steps."""
    batches = state.cutting.get(factory_id)
    if batches is None:
        return
    for b in batches.batches.values():
        covered = {op for _, op in b.members}
        bars = per_machine.get(b.machine_id, [])
        per_machine[b.machine_id] = [r for r in bars if r.operation_id not in covered]
        if b.end_ms <= lo or b.start_ms >= hi:
            continue
        per_machine[b.machine_id].append(PlanRow(
            b.operation_id, "", 0, factory_id, b.machine_id, b.machine_type, b.start_ms,
            b.end_ms, (b.end_ms - b.start_ms) // 1000, 0, "", 0,
            batch_label(b.batch, b.order_ids), True, batch_status(b, state.status_of),
            "", ""))


def _add_finished_bars(state, per_machine: dict[str, list[PlanRow]],
                       machine_ids: set[str], lo: int, hi: int) -> None:
    """Operations finished on ``machine_ids`` in the window that the plan no longer shows."""
    shown = {b.operation_id for bars in per_machine.values() for b in bars}
    for progress in state.progress.values():
        for op_id, status in progress.status.items():
            machine_id = progress.machines.get(op_id)
            if status != "FINISHED" or machine_id not in machine_ids or op_id in shown:
                continue
            start, end = progress.started_ms.get(op_id, 0), progress.finished_ms.get(op_id, 0)
            if end > lo and start < hi:
                order = state.orders.get(progress.order_id)
                seq = int(op_id.rpartition("/op-")[2])
                per_machine.setdefault(machine_id, []).append(PlanRow(
                    op_id, progress.order_id, seq, order.factory_id if order else "",
                    machine_id, "", start, end, (end - start) // 1000, 0, "", 0, "", True,
                    "FINISHED", order.promised_date if order else "",
                    order.risk if order else ""))


def _gaps(windows, lo, hi) -> list[tuple[int, int]]:
    out, t = [], lo
    for s, e in windows:
        if s > t:
            out.append((t, s))
        t = max(t, e)
    if t < hi:
        out.append((t, hi))
    return out


hours = said.duration  # "3h20" (what quoting says too)
