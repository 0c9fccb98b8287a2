"""Wire (protobuf) ↔ domain for the scheduling service."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.common.v1 import types_pb2
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.errors import Violations
from services.kit.words import N_, Words
from services.kit.words_pb import words_or_none
from services.scheduling.domain.outcome import risk_of
from services.scheduling.domain.values import ObjectiveValues, PlanRow, RoutingStep
from services.scheduling.queries import MachineLane
from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Order,
    Plan,
    PlannedOperation,
    SetupRule,
    Window,
)

MINUTE_MS = 60_000
OPERATION_STATUS = {"PLANNED": pb.OPERATION_STATUS_PLANNED, "STARTED": pb.OPERATION_STATUS_STARTED,
                    "FINISHED": pb.OPERATION_STATUS_FINISHED,
                    "SCRAPPED": pb.OPERATION_STATUS_SCRAPPED}
CHANGE_KIND = {"ASSIGNED": pb.ASSIGNMENT_CHANGE_KIND_ASSIGNED,
               "RESCHEDULED": pb.ASSIGNMENT_CHANGE_KIND_RESCHEDULED,
               "WITHDRAWN": pb.ASSIGNMENT_CHANGE_KIND_WITHDRAWN,
               "PROGRESSED": pb.ASSIGNMENT_CHANGE_KIND_PROGRESSED}
REPORT_KIND = {pb.OPERATION_REPORT_KIND_STARTED: "STARTED",
               pb.OPERATION_REPORT_KIND_FINISHED: "FINISHED",
               pb.OPERATION_REPORT_KIND_SCRAPPED: "SCRAPPED"}


def ts(ms: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.fromtimestamp(ms / 1000, UTC))
    return stamp


def date_pb(text: str) -> types_pb2.Date | None:
    if not text:
        return None
    year, month, day = (int(x) for x in text.split("-"))
    return types_pb2.Date(year=year, month=month, day=day)


def machine_type_pb(name: str) -> int:
    return types_pb2.MachineType.Value(f"MACHINE_TYPE_{name.upper()}") if name else 0


def risk_pb(risk: str) -> int:
    return pb.ScheduleRisk.Value(f"SCHEDULE_RISK_{risk}") if risk else 0


def plan_status_pb(status: str) -> int:
    return pb.PLAN_STATUS_OPTIMAL if status == "OPTIMAL" else pb.PLAN_STATUS_FEASIBLE


def objective_pb(objective: ObjectiveValues) -> pb.ObjectiveValues:
    return pb.ObjectiveValues(
        weighted_tardiness=objective.weighted_tardiness,
        makespan_seconds=objective.makespan_seconds, operations_moved=objective.operations_moved,
        total_tardiness_seconds=objective.total_tardiness_seconds)


def machine_type_name(value: int) -> str:
    return types_pb2.MachineType.Name(value).removeprefix("MACHINE_TYPE_").lower()


def ms_of(stamp) -> int:
    return stamp.seconds * 1000 + stamp.nanos // 1_000_000


def date_text(d) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}" if d.year else ""


def assignment_pb(a: dict[str, Any]) -> pb.Assignment:
    return pb.Assignment(
        operation_id=a["operation_id"], order_id=a["order_id"], seq=a["seq"],
        factory_id=a["factory_id"], machine_id=a["machine_id"],
        machine_type=machine_type_pb(a["machine_type"]), planned_start=ts(a["start_ms"]),
        planned_end=ts(a["end_ms"]), duration_seconds=a["duration_s"], setup_seconds=a["setup_s"],
        setup_key=a["setup_key"], min_wait_after_seconds=a["min_wait_after_s"],
        description=a["description"], status=OPERATION_STATUS.get(a.get("status", ""), 0),
        plan_id=a.get("plan_id", ""), promised_date=date_pb(a.get("promised_date", "")),
        risk=risk_pb(a.get("risk", "")))


def feed_item_pb(item) -> pb.SubscribeAssignmentsResponse:
    changed = ts(int(item.changed_at.timestamp() * 1000))
    return pb.SubscribeAssignmentsResponse(sequence=item.sequence, kind=CHANGE_KIND[item.kind],
                                           assignment=assignment_pb(item.assignment),
                                           live=item.live, changed_at=changed)


def steps_from_specs(specs, field: str, v: Violations) -> list[RoutingStep]:
    steps = []
    for i, op in enumerate(specs):
        if not op.machine_type:
            v.add(f"{field}[{i}].machine_type", N_("is required"))
        if op.duration_seconds <= 0:
            v.add(f"{field}[{i}].duration_seconds", N_("must be positive"))
        steps.append(RoutingStep(
            seq=op.seq or i + 1, machine_type=machine_type_name(op.machine_type),
            duration_s=op.duration_seconds, setup_family=op.setup_family,
            setup_key=op.setup_key, min_wait_after_s=max(0, op.min_wait_after_seconds),
            batch_key=op.batch_key, description=op.description,
            routing_operation_id=op.operation_id or f"op-{i + 1:02d}"))
    if not specs:
        v.add(field, N_("at least one operation is required"))
    return steps


def quote_pb(answer) -> pb.QuoteResponse:
    """A capable-to-promise answer (services.scheduling.quoting.QuoteAnswer) on the wire."""
    return pb.QuoteResponse(
        earliest_completion=ts(answer.completion_ms),
        earliest_completion_date=date_pb(answer.completion_date), factory_id=answer.factory_id,
        confidence=answer.confidence, meets_promise=bool(answer.meets_promise),
        explanation=answer.explanation, plan_id=answer.plan_id, time_zone=answer.time_zone,
        beyond_horizon=answer.beyond_horizon,
        explanation_words=words_or_none(answer.explanation_words),
        parts=[pb.QuotePart(units=p.units, factory_id=p.factory_id, completion=ts(p.completion_ms),
                            completion_date=date_pb(p.completion_date)) for p in answer.parts])


def lane_pb(lane: MachineLane) -> pb.MachineLane:
    return pb.MachineLane(
        machine_id=lane.machine_id, factory_id=lane.factory_id,
        machine_type=machine_type_pb(lane.machine_type), available=lane.available,
        bars=[_bar_pb(b, lane.said.get(b.operation_id)) for b in lane.bars],
        unavailable=[pb.UnavailableWindow(start_unix_ms=s, end_unix_ms=e,
                                          reason=pb.UnavailabilityReason.Value(
                                              f"UNAVAILABILITY_REASON_{r}"), note=note,
                                          note_words=words_or_none(said))
                     for s, e, r, note, said in lane.unavailable])


def _bar_pb(b: PlanRow, said: Words | None = None) -> pb.GanttBar:
    return pb.GanttBar(operation_id=b.operation_id, order_id=b.order_id, seq=b.seq,
                       start_unix_ms=b.start_ms, end_unix_ms=b.end_ms, setup_seconds=b.setup_s,
                       setup_key=b.setup_key, status=OPERATION_STATUS.get(b.status, 0),
                       risk=risk_pb(b.risk), frozen=b.frozen or b.status in ("STARTED", "FINISHED"),
                       label=b.description or b.operation_id, label_words=words_or_none(said))


# --- what-if problems ---------------------------------------------------------------------------

class SimulationFrame:
    """A SchedulingProblem in solver minutes, and the way back to operation ids."""

    def __init__(self, origin_ms: int):
        self.origin_ms = origin_ms
        self.op_ids: dict[str, list[str]] = {}
        self.due: dict[str, int] = {}

    def minute(self, ms: int) -> int:
        return (ms - self.origin_ms) // MINUTE_MS

    def ms(self, minute: int) -> int:
        return self.origin_ms + minute * MINUTE_MS


def problem_from_pb(p: pb.SchedulingProblem, origin_ms: int, horizon_minutes: int
                    ) -> tuple[NetworkProblem, SimulationFrame]:
    origin = origin_ms - origin_ms % MINUTE_MS
    frame = SimulationFrame(origin)
    v = Violations()
    orders, longest = [], 0
    for i, o in enumerate(p.orders):
        field = f"problem.orders[{i}]"
        if not o.order_id:
            v.add(f"{field}.order_id", N_("is required"))
        if o.eligible_factory_ids:
            v.add(f"{field}.eligible_factory_ids",
                  N_("is not supported in a simulation; leave it empty"))
        steps = steps_from_specs(o.operations, f"{field}.operations", v)
        ops = tuple(s.operation() for s in steps)
        release = max(0, frame.minute(o.release_unix_ms)) if o.release_unix_ms else 0
        due = frame.minute(o.due_unix_ms) if o.due_unix_ms else None
        orders.append((o.order_id, ops, release, due, max(1, round(o.weight or 1))))
        frame.op_ids[o.order_id] = [s.routing_operation_id for s in steps]
        longest = max(longest, release, due or 0) + sum(op.duration + op.min_wait_after for op in ops)
    horizon = max(horizon_minutes, longest + 1440)
    factories = []
    for i, f in enumerate(p.factories):
        if not f.factory_id:
            v.add(f"problem.factories[{i}].factory_id", N_("is required"))
        if not f.machines:
            v.add(f"problem.factories[{i}].machines", N_("at least one machine is required"))
        factories.append(_factory_from_pb(f, frame, horizon, f"problem.factories[{i}]", v))
    if not p.factories:
        v.add("problem.factories", N_("at least one factory is required"))
    if not p.orders:
        v.add("problem.orders", N_("at least one order is required"))
    setups: dict[str, int] = {}
    for r in p.setup_rules:
        name = machine_type_name(r.machine_type)
        setups[name] = max(setups.get(name, 0), math.ceil(r.changeover_seconds / 60))
    frozen = _planned(p.frozen, frame, "problem.frozen", v)
    previous = _planned(p.previous_plan, frame, "problem.previous_plan", v)
    v.raise_if_any()
    for oid, _ops, _release, due, _weight in orders:
        frame.due[oid] = horizon if due is None else due
    problem = NetworkProblem(
        horizon=horizon, factories=tuple(factories),
        orders=tuple(Order(oid, ops, frame.due[oid], weight, release)
                     for oid, ops, release, due, weight in orders),
        setups=tuple(SetupRule(t, m) for t, m in sorted(setups.items()) if m > 0),
        frozen=tuple(frozen), last_plan=tuple(previous), now=0)
    return problem, frame


def _factory_from_pb(f, frame: SimulationFrame, horizon: int, field: str, v: Violations) -> Factory:
    def windows(items) -> list[tuple[int, int]]:
        return [(max(0, frame.minute(w.start_unix_ms)), min(horizon, frame.minute(w.end_unix_ms)))
                for w in items if w.end_unix_ms > w.start_unix_ms]

    own = {m.machine_id: windows(m.available) or [(0, horizon)] for m in f.machines}
    union = _merge([w for ws in own.values() for w in ws]) or [(0, horizon)]
    machines = []
    for j, m in enumerate(f.machines):
        if not m.machine_id:
            v.add(f"{field}.machines[{j}].machine_id", N_("is required"))
        if not m.machine_type:
            v.add(f"{field}.machines[{j}].machine_type", N_("is required"))
        down = _gaps(_merge(own[m.machine_id]), union) + windows(m.unavailable)
        machines.append(Machine(m.machine_id, machine_type_name(m.machine_type),
                                m.speed_factor if m.speed_factor > 0 else 1.0,
                                tuple(Window(s, e) for s, e in down), max(1, m.batch_capacity)))
    share = f.capacity_share_percent / 100 if f.capacity_share_percent > 0 else 1.0
    return Factory(f.factory_id, tuple(machines), tuple(Window(s, e) for s, e in union), min(1.0, share))


def _merge(ws):
    out: list[list[int]] = []
    for s, e in sorted(ws):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _gaps(own, union):
    """Parts of ``union`` not covered by ``own`` (both merged)."""
    out = []
    for us, ue in union:
        t = us
        for s, e in own:
            if e <= t or s >= ue:
                continue
            if s > t:
                out.append((t, s))
            t = max(t, e)
        if t < ue:
            out.append((t, ue))
    return out


def _planned(items, frame: SimulationFrame, field: str, v: Violations) -> list[PlannedOperation]:
    where = {op: (oid, i) for oid, ops in frame.op_ids.items() for i, op in enumerate(ops)}
    out = []
    for k, q in enumerate(items):
        key = where.get(q.operation_id)
        if key is None:
            v.add(f"{field}[{k}].operation_id",
                  N_("'%(operation_id)s' is not an operation of the problem"),
                  operation_id=q.operation_id)
            continue
        out.append(PlannedOperation(key[0], key[1], q.factory_id, q.machine_id,
                                    frame.minute(q.start_unix_ms), frame.minute(q.end_unix_ms)))
    return out


def plan_pb(plan: Plan, problem: NetworkProblem, frame: SimulationFrame, solve_s: float,
            violations: list[str], at_risk_ms: int) -> pb.Plan:
    frozen = {q.key for q in problem.frozen}
    ops, ends, starts, factory = [], {}, {}, {}
    for q in plan.operations:
        ops.append(pb.PlannedOperation(
            operation_id=frame.op_ids[q.order][q.op], order_id=q.order, factory_id=q.factory,
            machine_id=q.machine, start_unix_ms=frame.ms(q.start), end_unix_ms=frame.ms(q.end),
            frozen=q.key in frozen))
        ends[q.order] = max(ends.get(q.order, q.end), q.end)
        starts[q.order] = min(starts.get(q.order, q.start), q.start)
        factory[q.order] = q.factory
    orders = []
    tardiness_total = 0
    for oid in sorted(ends):
        due = frame.ms(frame.due[oid])
        end = frame.ms(ends[oid])
        tardiness = max(0, end - due) // 1000
        tardiness_total += tardiness
        orders.append(pb.OrderPlan(order_id=oid, factory_id=factory[oid],
                                   planned_start_unix_ms=frame.ms(starts[oid]),
                                   planned_end_unix_ms=end,
                                   risk=risk_pb(risk_of(end, due, at_risk_ms)),
                                   tardiness_seconds=tardiness))
    status = (pb.PLAN_STATUS_INVALID if violations else
              pb.PLAN_STATUS_OPTIMAL if plan.status == "OPTIMAL" else pb.PLAN_STATUS_FEASIBLE)
    weights = {o.id: o.weight for o in problem.orders}
    objective = objective_pb(ObjectiveValues(
        weighted_tardiness=float(sum(weights[o.order_id] * o.tardiness_seconds for o in orders)),
        makespan_seconds=plan.objective.makespan * 60, operations_moved=plan.objective.moved,
        total_tardiness_seconds=tardiness_total))
    return pb.Plan(status=status, objective=objective, solve_seconds=round(solve_s, 3),
                   operations=ops, orders=orders, violations=violations)
