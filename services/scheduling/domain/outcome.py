"""A solved plan as the rows that are published: operations, orders and their risk, and the
orders it leaves out (and why)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace

from services.kit.words import N_, Words
from services.scheduling.domain.plans import PlanPublication
from services.scheduling.domain.pool import PLANNABLE, PoolOrder
from services.scheduling.domain.problem import ProblemIndex, due_ms
from services.scheduling.domain.values import LeftOut, ObjectiveValues, OrderPlacement, PlanRow
from services.scheduling.solver.model import NetworkProblem, Plan

ON_TIME, AT_RISK, LATE = "ON_TIME", "AT_RISK", "LATE"
# Why an order the solver could not fit in was left out (the solver's own words name the order).
DOES_NOT_FIT = N_("does not fit in the planning horizon: the factories that could make it are "
                  "full")


def risk_of(end_ms: int, due: int | None, at_risk_ms: int) -> str:
    if due is None:
        return ""
    if end_ms > due:
        return LATE
    return AT_RISK if end_ms > due - at_risk_ms else ON_TIME


@dataclass(frozen=True)
class OrdersKept:
    """Orders of the published plan a slotting-in pass leaves where they are (in plans it
    does not revise), counted for the publication instead of listed: listing each of a
    chain's 30,000 orders in every pass took 12 % of the scheduling process. ``count`` and
    ``risk_counts`` are those still in the pool (as publish_plan keeps orders); the
    tardiness (weight 1) and the last planned end are of them all."""

    count: int = 0
    risk_counts: Mapping[str, int] = field(default_factory=dict)
    tardiness_s: int = 0
    last_end_ms: int = 0

    @classmethod
    def of(cls, orders: Iterable[PoolOrder]) -> OrdersKept:
        """These orders, as a publication counts them."""
        count = tardiness = last_end = 0
        risks = {ON_TIME: 0, AT_RISK: 0, LATE: 0}
        for o in orders:
            due = due_ms(o.promised_date)
            if due:
                tardiness += max(0, o.planned_end_ms - due) // 1000
            last_end = max(last_end, o.planned_end_ms)
            if o.status == PLANNABLE:
                count += 1
                if o.risk in risks:
                    risks[o.risk] += 1
        return cls(count, risks, tardiness, last_end)

    @classmethod
    def total(cls, parts: Iterable[OrdersKept]) -> OrdersKept:
        """The orders of all ``parts`` (each counts different orders)."""
        count = tardiness = last_end = 0
        risks = {ON_TIME: 0, AT_RISK: 0, LATE: 0}
        for part in parts:
            count += part.count
            tardiness += part.tardiness_s
            last_end = max(last_end, part.last_end_ms)
            for risk, n in part.risk_counts.items():
                risks[risk] += n
        return cls(count, risks, tardiness, last_end)


# The orders of the published plan's other factories, but those named (listed or new in
# the outcome), as counted: see planning/kept.py, which sums them per factory.
KeptCounter = Callable[[set[str]], OrdersKept]


@dataclass
class PlanOutcome:
    """Everything a plan publication records."""

    status: str
    objective: ObjectiveValues
    operations: list[PlanRow]
    orders: list[OrderPlacement]
    moved_operation_ids: list[str]
    affected_factory_ids: list[str]
    trigger: str = ""
    solve_ms: int = 0
    previous_plan_id: str = ""
    published_at_ms: int = 0
    # Orders the plan leaves out whose leaving out is recorded.
    left_out: list[LeftOut] = field(default_factory=list)
    # The factories whose plans `operations` holds whole (None: every factory planned);
    # the plans of the others stay as published, holding `operations_elsewhere` operations.
    factories: list[str] | None = None
    operations_elsewhere: int = 0
    # ... and the orders of those plans, still in the pool, as counted (see OrdersKept).
    orders_elsewhere: OrdersKept = field(default_factory=OrdersKept)

    def publication(self, partition: str, keep: Collection[str]) -> PlanPublication:
        """The publication to record, counting only the orders in ``keep``."""
        risks = [r.risk for r in self.orders if r.order_id in keep]
        kept = self.orders_elsewhere
        return PlanPublication(
            partition=partition, previous_plan_id=self.previous_plan_id,
            published_at_ms=self.published_at_ms, status=self.status, objective=self.objective,
            trigger=self.trigger, solve_ms=self.solve_ms, order_count=len(risks) + kept.count,
            operation_count=self.operations_elsewhere + sum(
                1 for r in self.operations if r.order_id in keep),
            risk_counts={k: risks.count(k) + kept.risk_counts.get(k, 0)
                         for k in (ON_TIME, AT_RISK, LATE)},
            moved_operation_ids=self.moved_operation_ids,
            affected_factory_ids=self.affected_factory_ids)

    def rows_by_factory(self, keep: Collection[str]) -> dict[str, list[PlanRow]]:
        """The operations of the orders in ``keep``, per factory."""
        out: dict[str, list[PlanRow]] = {}
        for row in self.operations:
            if row.order_id in keep:
                out.setdefault(row.factory_id, []).append(row)
        return out

    def same_as(self, rows: Mapping[str, PlanRow]) -> bool:
        """Does the published plan already place every operation exactly like this?"""
        if set(rows) != {r.operation_id for r in self.operations}:
            return False
        return all(_place(rows[r.operation_id]) == _place(r) for r in self.operations)

    def worth_publishing(self, rows: Mapping[str, PlanRow],
                         pool: Mapping[str, PoolOrder]) -> bool:
        """Is there anything to record against the published plan ``rows``: an operation
        placed differently, an order newly left out, or one back in after it was left out?"""
        return (bool(self.left_out) or not self.same_as(rows)
                or any(_left_out_before(pool.get(r.order_id)) for r in self.orders))


def _left_out_before(order: PoolOrder | None) -> bool:
    return order is not None and bool(order.unplannable_reason)


def left_out_rows(index: ProblemIndex, excluded: Mapping[str, int],
                  reasons: Mapping[str, str] | None = None) -> list[LeftOut]:
    """Every order a plan leaves out: those no factory could ever make (from the problem) and
    those the pass left out (``excluded``: order id → revision), because the solver could
    not fit them in or for the reason ``reasons`` gives (a text of the catalogue, such as
    problem.ISOLATED)."""
    rows = {o: LeftOut(o, index.revisions[o], why.english(), why)
            for o, why in index.unplannable.items()}
    for o, revision in excluded.items():
        why = (reasons or {}).get(o, DOES_NOT_FIT)
        rows.setdefault(o, LeftOut(o, revision, why, Words(why)))
    return [rows[o] for o in sorted(rows)]


def left_out_news(rows: list[LeftOut], pool: Mapping[str, PoolOrder]) -> list[LeftOut]:
    """The rows whose leaving out is news, as the pool shows the orders now: in the pool at
    that revision, and not left out for the same reason before (cancelled orders are not)."""
    return [r for r in rows if (o := pool.get(r.order_id)) is not None
            and o.left_out_is_news(r.revision, r.reason)]


def _place(row: PlanRow) -> tuple:
    return row.factory_id, row.machine_id, row.start_ms, row.end_ms, row.risk


def outcome_of(plan: Plan, problem: NetworkProblem, index: ProblemIndex,
               before: Mapping[str, PlanRow], now_ms: int, at_risk_ms: int) -> PlanOutcome:
    """The rows publishing ``plan`` records; ``before``: the published plan's rows (of the
    factories planned), to tell what moved."""
    machines = {(f.id, m.id): m for f in problem.factories for m in f.machines}
    orders = {o.id: o for o in problem.orders}
    ends: dict[str, int] = {}
    starts: dict[str, int] = {}
    factory_of: dict[str, str] = {}
    for p in plan.operations:
        if p.key in index.pins:
            continue
        ends[p.order] = max(ends.get(p.order, 0), index.ms(p.end))
        starts[p.order] = min(starts.get(p.order, index.ms(p.start)), index.ms(p.start))
        factory_of[p.order] = p.factory
    risk = {oid: risk_of(end, index.due_ms[oid], at_risk_ms) for oid, end in ends.items()}
    setup = _setups(plan, problem, orders)
    rows = []
    for p in plan.operations:
        if p.key in index.pins:
            continue
        op_id = index.operation_id(p)
        step = index.steps[p.order][p.op]
        start_ms, end_ms, setup_s = index.ms(p.start), index.ms(p.end), setup.get(p.key, 0) * 60
        started = p.key in index.started
        old = before.get(op_id)
        if (old is not None and old.start_ms == start_ms and old.end_ms == end_ms
                and old.machine_id == p.machine and old.factory_id == p.factory
                and old.risk == risk[p.order] and old.setup_s == setup_s
                and old.frozen == started and old.seq == step.seq
                and old.description == step.description and old.setup_key == step.setup_key
                and old.min_wait_after_s == step.min_wait_after_s
                and old.promised_date == index.promised[p.order]):
            rows.append(old)  # placed as published, the same work: the same row
            continue
        rows.append(PlanRow(
            op_id, p.order, step.seq, p.factory, p.machine, machines[p.factory, p.machine].type,
            start_ms, end_ms, (p.end - p.start) * 60, setup_s, step.setup_key,
            step.min_wait_after_s, step.description, started,
            "STARTED" if started else "PLANNED", index.promised[p.order], risk[p.order]))
    order_rows: list[OrderPlacement] = []
    tardiness_total = 0
    for oid in sorted(ends):
        due = index.due_ms[oid]
        tardiness = max(0, ends[oid] - due) // 1000 if due is not None else 0
        tardiness_total += tardiness
        order_rows.append(OrderPlacement(oid, index.revisions[oid], factory_of[oid], starts[oid],
                                         ends[oid], risk[oid], tardiness, index.promised[oid]))
    moved = sorted(r.operation_id for r in rows if (b := before.get(r.operation_id)) is not None
                   and (b.machine_id, b.start_ms) != (r.machine_id, r.start_ms))
    now_ids = {r.operation_id: r for r in rows}
    moved_ids = set(moved)  # (looked up per row: in the list, an optimisation moving 40,000
    # of 100,000 operations spent most of its 45 s here)
    affected = {r.factory_id for r in rows if r.operation_id not in before
                or r.operation_id in moved_ids}
    affected |= {r.factory_id for op, r in before.items()
                 if op not in now_ids or now_ids[op].factory_id != r.factory_id}
    objective = ObjectiveValues(
        weighted_tardiness=float(sum(orders[o.order_id].weight * o.tardiness_s
                                     for o in order_rows)),
        makespan_seconds=max(0, (max(ends.values(), default=now_ms) - now_ms) // 1000),
        operations_moved=len(moved), total_tardiness_seconds=tardiness_total)
    return PlanOutcome(plan.status, objective, rows, order_rows, moved, sorted(affected))


def with_published(outcome: PlanOutcome, rows: Mapping[str, PlanRow],
                   pool: Mapping[str, PoolOrder], now_ms: int,
                   kept: KeptCounter | None = None,
                   elsewhere: tuple[list[str], int] | None = None) -> PlanOutcome:
    """``outcome`` of new orders slotted into the published plan ``rows`` (which stays as
    it is): the plan's rows, the place of each order they hold (the published orders' as
    the pool holds it) and the objective over all of them.

    ``elsewhere``: ``rows`` are only those of these factories (those the new orders went
    to), and this many operations of the other factories stay as they are; ``kept`` then
    counts every other order of the published plan (OrdersKept), which is not listed. A
    slotting-in pass at a chain's 30,000 orders then carries a few factories' rows and
    orders, not the 280,000 rows of the whole plan, and costs what those factories hold."""
    new_ops = {r.operation_id for r in outcome.operations}
    new_orders = {r.order_id for r in outcome.operations} | {r.order_id for r in outcome.orders}
    operations = outcome.operations + [r for op, r in rows.items() if op not in new_ops]
    listed = {r.order_id for r in rows.values()} - new_orders
    orders = list(outcome.orders)
    for order_id in sorted(listed):
        o = pool.get(order_id)
        if o is not None:
            orders.append(_placement_of(o))
    others = kept(listed | new_orders) if kept is not None else OrdersKept()
    tardiness = sum(r.tardiness_s for r in orders) + others.tardiness_s
    last_end = max(max((r.end_ms for r in orders), default=now_ms), others.last_end_ms)
    objective = ObjectiveValues(
        weighted_tardiness=float(tardiness),  # weight 1: the pool has no weights
        makespan_seconds=max(0, (last_end - now_ms) // 1000),
        operations_moved=0, total_tardiness_seconds=tardiness)
    factories, operations_elsewhere = elsewhere if elsewhere is not None else (None, 0)
    return PlanOutcome(outcome.status, objective, operations, orders, [],
                       sorted({r.factory_id for r in outcome.operations}),
                       factories=factories, operations_elsewhere=operations_elsewhere,
                       orders_elsewhere=OrdersKept(others.count, others.risk_counts))


def within_factories(outcome: PlanOutcome, factories: list[str],
                     pool: Mapping[str, PoolOrder], now_ms: int, kept: KeptCounter,
                     elsewhere: int) -> PlanOutcome:
    """``outcome`` of a plan of ``factories`` alone (a round of the optimisation sweep, every
    order of their plans planned again): their plans whole; the other factories' plans stay
    as they are, holding ``elsewhere`` operations, their orders counted by ``kept`` as a
    slotting-in pass counts them. What moved is ``outcome``'s."""
    whole = with_published(outcome, {}, pool, now_ms, kept, (factories, elsewhere))
    return replace(whole, moved_operation_ids=outcome.moved_operation_ids,
                   affected_factory_ids=outcome.affected_factory_ids,
                   objective=replace(whole.objective,
                                     operations_moved=outcome.objective.operations_moved))


def _placement_of(o: PoolOrder) -> OrderPlacement:
    """A published order's place as the pool holds it."""
    due = due_ms(o.promised_date)
    return OrderPlacement(o.order_id, o.revision, o.factory_id, o.planned_start_ms,
                          o.planned_end_ms, o.risk,
                          max(0, o.planned_end_ms - due) // 1000 if due else 0, o.promised_date)


def _setups(plan: Plan, problem: NetworkProblem, orders) -> dict[tuple[str, int], int]:
    """Changeover minutes planned before each operation on its machine."""
    out: dict[tuple[str, int], int] = {}
    per_machine: dict[tuple[str, str], list] = {}
    for p in plan.operations:
        per_machine.setdefault((p.factory, p.machine), []).append(p)
    types = {(f.id, m.id): m.type for f in problem.factories for m in f.machines}
    for key, ops in per_machine.items():
        change = problem.setup_minutes(types[key])
        if not change:
            continue
        ops.sort(key=lambda p: p.start)
        for a, b in zip(ops, ops[1:], strict=False):
            fa = orders[a.order].operations[a.op].setup_family
            fb = orders[b.order].operations[b.op].setup_family
            if fa != fb:
                out[b.key] = change
    return out
