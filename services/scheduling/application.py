"""The scheduling application: load → act → save. No wire types here.

Policies call the `record_*` methods, which return the aggregates they changed (the
consumer saves their events with the upstream tracking record). The planner publishes
plans; factories report progress.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import get_topic

from services.kit.errors import InvalidArgument, Violations
from services.kit.persistence import ServiceApplication
from services.kit.stored_values import register_values
from services.kit.words import N_, Words
from services.scheduling.cutting import CuttingDesk
from services.scheduling.domain.boards import BoardsDue, order_waits
from services.scheduling.domain.capacity import (
    FactoryCapacity,
    MachineCapacity,
    machine_type_said,
)
from services.scheduling.domain.carbon import CarbonProfile, checked_profile
from services.scheduling.domain.cutting import batch_of_operation
from services.scheduling.domain.errors import (
    FactoryNotRegistered,
    MachineNotRegistered,
    NotAssignedToFactory,
    OperationNotFound,
    OrderNotPlanned,
    PlanKeptChanging,
    PlanNotFound,
    ProgressBusy,
    StalePlan,
)
from services.scheduling.domain.ids import (
    factory_key,
    factory_plan_key,
    machine_key,
    parse_operation_id,
    pool_key,
    progress_key,
)
from services.scheduling.domain.outcome import PlanOutcome
from services.scheduling.domain.plans import (
    FactoryPlan,
    PlanPublication,
    PublishedPlan,
    revise_factories,
)
from services.scheduling.domain.pool import PLANNABLE, SAID_STATUSES, PoolOrder
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.domain.tariffs import Tariff, checked
from services.scheduling.domain.values import (
    STORED_VALUES,
    LeftOut,
    PlanRow,
    RoutingStep,
)
from services.scheduling.maintenance import MaintenanceDesk
from services.scheduling.stored_rows import PlanRowAsArray

MAX_RETRIES = 10
# Days a cutting batch's saw work waits for boards that are short and not on order (issue 20):
# an assumed supplier lead time, until a purchase with its expected day is entered.
BOARDS_LEAD_DAYS = 3
A = TypeVar("A")
_STARTED_TOPIC = get_topic(OrderProgress.OperationStarted)


@dataclass(frozen=True)
class ReportOutcome:
    operation_id: str
    order_id: str
    status: str
    duplicate: bool


class SchedulingApplication(MaintenanceDesk, CuttingDesk, ServiceApplication):
    name = "scheduling"
    # A factory plan rebuilds from its latest snapshot and the revisions after it.
    snapshotting_intervals = {FactoryPlan: 50}

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._batch = threading.local()  # see pool_orders_read_together

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder, STORED_VALUES)
        transcoder.register(PlanRowAsArray())

    def _find(self, aggregate_id: uuid.UUID, kind: type[A]) -> A | None:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, kind) else None

    # --- capacity, from iot -------------------------------------------------------------

    def record_factory(self, factory_id: str, **record: Any) -> list[FactoryCapacity]:
        factory = self._find(factory_key(factory_id), FactoryCapacity)
        if factory is None:
            return [FactoryCapacity(factory_id=factory_id, **record)]
        return [factory] if factory.describe(**record) else []

    def record_machine(self, machine_id: str, **record: Any) -> list[MachineCapacity]:
        machine = self._find(machine_key(machine_id), MachineCapacity)
        if machine is None:
            return [MachineCapacity(machine_id=machine_id, **record)]
        return [machine] if machine.describe(**record) else []

    def record_machine_state(self, machine_id: str, state: str, available: bool, at_ms: int,
                             reason: str) -> list[MachineCapacity]:
        machine = self._find(machine_key(machine_id), MachineCapacity)
        if machine is None:
            raise MachineNotRegistered(Words.of(N_("machine %(machine_id)s is not registered"),
                machine_id=machine_id))
        return [machine] if machine.change_state(state, available, at_ms, reason) else []

    def record_planned_stop(self, factory_id: str, stop_id: str, machine_ids: list[str],
                            start_ms: int, end_ms: int, reason: str) -> list[FactoryCapacity]:
        factory = self._find(factory_key(factory_id), FactoryCapacity)
        if factory is None:
            raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
                factory_id=factory_id))
        changed = factory.declare_stop(stop_id, machine_ids, start_ms, end_ms, reason)
        return [factory] if changed else []

    # --- tariffs, set by the chain (issue 21) ----------------------------------------------

    def set_tariff(self, factory_id: str, tariff: Tariff | None, at_ms: int, by: str
                   ) -> FactoryCapacity:
        """Set (or with None clear) the factory's time-of-use tariff and demand limit; every
        bad field is named (InvalidArgument) before anything is saved."""
        if tariff is not None:
            checked(tariff)
        for _ in range(MAX_RETRIES):
            factory = self._find(factory_key(factory_id), FactoryCapacity)
            if factory is None:
                raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
                    factory_id=factory_id))
            if factory.set_tariff(tariff, at_ms, by):
                try:
                    self.save(factory)
                except IntegrityError:  # iot described the factory meanwhile
                    continue
            return factory
        raise PlanKeptChanging(Words.of(N_("factory %(factory_id)s kept changing while its tariff "
                                           "was set"),
            factory_id=factory_id))

    def factory_capacity(self, factory_id: str) -> FactoryCapacity | None:
        """The factory's capacity as stored: a read after a write sees the write (the state
        follower's copy may still be behind)."""
        return self._find(factory_key(factory_id), FactoryCapacity)

    def set_carbon_profile(self, factory_id: str, profile: CarbonProfile | None, at_ms: int,
                           by: str) -> FactoryCapacity:
        """Set (or with None clear) the factory's hourly CO2e profile; every bad field is
        named (InvalidArgument) before anything is saved."""
        if profile is not None:
            checked_profile(profile)
        for _ in range(MAX_RETRIES):
            factory = self._find(factory_key(factory_id), FactoryCapacity)
            if factory is None:
                raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
                    factory_id=factory_id))
            if factory.set_carbon_profile(profile, at_ms, by):
                try:
                    self.save(factory)
                except IntegrityError:  # iot described the factory meanwhile
                    continue
            return factory
        raise PlanKeptChanging(Words.of(N_("factory %(factory_id)s kept changing while its CO2e "
                                           "profile was set"),
            factory_id=factory_id))

    def record_machine_power(self, machine_id: str, running_kw: float, hours: float
                             ) -> list[MachineCapacity]:
        """iot's estimate of a machine's running draw (from telemetry); unknown machines are
        skipped (their registration comes first on the same stream)."""
        machine = self._find(machine_key(machine_id), MachineCapacity)
        return [machine] if machine is not None and machine.learn_power(running_kw, hours) else []

    # --- the planning pool, from configurator and orders ---------------------------------

    @contextlib.contextmanager
    def pool_orders_read_together(self, order_ids: Collection[str]) -> Iterator[None]:
        """Within this context (in this thread), these orders are looked up in the pool with
        one query: a new one (most configured orders) is then not read alone, which cost two
        queries apiece (snapshot, events). An order stored meanwhile by another writer makes
        the save fail (its version 1 is taken), and the consumer applies the events again
        one at a time, outside this context."""
        keys = {pool_key(o) for o in order_ids}
        self._batch.absent = keys - self.stored_among(keys) if keys else set()
        try:
            yield
        finally:
            self._batch.absent = set()

    def _pool_order(self, order_id: str, tenant: str = "") -> PoolOrder:
        key = pool_key(order_id)
        absent: set[uuid.UUID] = getattr(self._batch, "absent", set())
        if key in absent:
            absent.discard(key)  # created once: a second event about it in the run reads
            return PoolOrder(order_id=order_id, tenant=tenant)
        order = self._find(key, PoolOrder)
        return order if order is not None else PoolOrder(order_id=order_id, tenant=tenant)

    def record_configured(self, order_id: str, tenant: str, revision: int,
                          routing: list[RoutingStep], promised_date: str) -> list[PoolOrder]:
        order = self._pool_order(order_id, tenant)
        return [order] if order.configure(revision, routing, promised_date) else []

    def record_boards_awaited(self, order_ids: list[str], factory_id: str, batch: str,
                              revision: int, nested_ms: int, waits: list[BoardsDue]
                              ) -> list[PoolOrder]:
        """A cutting batch of these orders was nested at the factory (revision 0), or stock
        moved what it waits for (1, 2, ...; issue 20). Each order's saw work starts no earlier
        than the factory's midnight of the day its own boards come, or BOARDS_LEAD_DAYS after
        the nesting when some are not on order; orders no wait holds are cut at once. An
        older revision than an order has heard is ignored; orders not in the pool skipped."""
        factory = self._find(factory_key(factory_id), FactoryCapacity)
        zone = factory.timezone if factory is not None and factory.timezone else "Asia/Shanghai"
        each = order_waits(order_ids, waits, factory_id, zone, nested_ms, BOARDS_LEAD_DAYS)
        changed = []
        for order_id in order_ids:
            order = self._find(pool_key(order_id), PoolOrder)
            if order is not None and order.await_boards(
                    factory_id, batch, each[order_id].from_ms, each[order_id].words, revision,
                    len(order_ids), nested_ms, each[order_id].said):
                changed.append(order)
        return changed

    def record_rejected(self, order_id: str, revision: int, reason: str) -> list[PoolOrder]:
        order = self._find(pool_key(order_id), PoolOrder)
        return [order] if order is not None and order.reject(revision, reason) else []

    def record_amended(self, order_id: str, revision: int, reason: str) -> list[PoolOrder]:
        order = self._find(pool_key(order_id), PoolOrder)
        return [order] if order is not None and order.amend(revision, reason) else []

    def record_cancelled(self, order_id: str, reason: str) -> list[PoolOrder]:
        # Kept even for an order we never saw, so a late configuration is not planned.
        order = self._pool_order(order_id)
        return [order] if order.withdraw(reason) else []

    # --- plans ----------------------------------------------------------------------------

    def publish_plan(self, outcome: PlanOutcome, made_at_position: int | None = None,
                     unchanged: Collection[str] = (),
                     current: Mapping[str, FactoryPlan] | None = None,
                     partition: str = "") -> uuid.UUID:
        """Record the plan as its changes: a publication, a revision of each factory plan it
        changes, each order's new place in it and the orders it leaves out (when that is
        news, see PoolOrder.record_left_out), in one transaction.

        ``current``: the factory plans as the planner's state shows them (the partition's:
        a factory of it missing from the plan has nothing planned any more); revised as
        copies, so a concurrent revision by another writer fails the save (IntegrityError,
        tried again, then PlanKeptChanging) instead of being overwritten.

        Orders that left the pool (or changed revision) while we were solving are left
        out: the next plan is already on its way.

        ``made_at_position``: the plan agrees with every event up to this notification id.
        A STARTED report recorded after it for one of the plan's orders makes the plan
        stale (it may move work that has started, or its order to another factory):
        StalePlan, nothing recorded. The planner publishes holding the ProgressFence, so
        this process records no report meanwhile; the check is for other writers.

        ``unchanged``: orders the planner's state (caught up with the log) shows in the pool
        at the plan's revision with nothing about their place worth recording. They are kept
        without being loaded: loading every order of the plan took most of the time reports
        wait for the planner. As before, an order that leaves the pool while the plan is
        being saved is dropped by the next plan.
        """
        for _ in range(MAX_RETRIES):
            changed, keep = [], set()
            loaded = self._pool_orders_read_at_once(
                [r.order_id for r in outcome.orders if r.order_id not in unchanged])
            for row in outcome.orders:
                if row.order_id in unchanged:
                    keep.add(row.order_id)
                    continue
                order = loaded.get(row.order_id)
                if (order is None or order.status != PLANNABLE or order.revision != row.revision
                        or (order.partition and order.partition != partition)):
                    continue  # gone, changed, or moved to another partition meanwhile
                keep.add(row.order_id)
                changed.append(order)
            if made_at_position is not None:
                started = self.started_since(made_at_position, keep)
                if started:
                    raise StalePlan(started)
            plan = outcome.publication(partition, keep)
            revised = revise_factories(current or {}, outcome.rows_by_factory(keep),
                                       str(plan.id), outcome.published_at_ms)
            rows = {r.order_id: r for r in outcome.orders}
            changed = [o for o in changed if o.record_scheduled(
                str(plan.id), o.revision, (r := rows[o.order_id]).factory_id, r.start_ms,
                r.end_ms, r.risk, r.tardiness_s)]
            held = [o for o, row in self._pool_orders_of(outcome.left_out)
                    if o.record_left_out(str(plan.id), row.revision, row.reason, row.words)]
            try:
                self.save(*revised, plan, *changed, *held)
                return plan.id
            except IntegrityError:
                continue
        raise PlanKeptChanging(Words.of(N_("the pool or the factory plans kept changing while the "
                                           "plan was being saved")))

    def record_partitions(self, choices: list[tuple[str, str, str]]) -> int:
        """Put orders in partitions: (order id, partition, why). Orders changed meanwhile by
        another writer are left for the next round. Returns how many were recorded."""
        saved = 0
        for start in range(0, len(choices), 200):
            orders = []
            for order_id, partition, why in choices[start:start + 200]:
                order = self._find(pool_key(order_id), PoolOrder)
                if order is not None and order.choose_partition(partition, why):
                    orders.append(order)
            try:
                self.save(*orders)
                saved += len(orders)
            except IntegrityError:
                for order in orders:  # one at a time: only those changed meanwhile wait
                    with contextlib.suppress(IntegrityError, AggregateNotFoundError):
                        fresh = self.repository.get(order.id)
                        choice = next(c for c in choices if c[0] == order.order_id)
                        if fresh.choose_partition(choice[1], choice[2]):
                            self.save(fresh)
                            saved += 1
        return saved

    def _pool_orders_read_at_once(self, order_ids: list[str]) -> dict[str, PoolOrder]:
        """These orders of the pool, those that exist, with one query (a slotting-in pass
        records the place of every new order: reading each alone cost two queries)."""
        found = self.get_many([pool_key(o) for o in order_ids])
        return {a.order_id: a for a in found.values() if isinstance(a, PoolOrder)}

    def _pool_orders_of(self, rows: list[LeftOut]) -> list[tuple[PoolOrder, LeftOut]]:
        found = self._pool_orders_read_at_once([r.order_id for r in rows])
        return [(found[r.order_id], r) for r in rows if r.order_id in found]

    def started_since(self, position: int, order_ids: set[str]) -> set[str]:
        """Orders of ``order_ids`` with an operation reported STARTED after ``position``."""
        started: set[uuid.UUID] = set()
        start = position + 1
        while True:
            batch = self.recorder.select_notifications(start, 500, topics=[_STARTED_TOPIC])
            started |= {n.originator_id for n in batch}
            if len(batch) < 500:
                break
            start = batch[-1].id + 1
        if not started:  # as a rule: the keys of a whole plan's orders are not worked out
            return set()
        return {o for o in order_ids if progress_key(o) in started}

    def get_plan(self, plan_id: uuid.UUID) -> PlanPublication | PublishedPlan:
        plan = self._find(plan_id, PlanPublication) or self._find(plan_id, PublishedPlan)
        if plan is None:
            raise PlanNotFound(Words.of(N_("plan %(plan_id)s does not exist"), plan_id=plan_id))
        return plan

    def factory_rows_at(self, factory_id: str, published_at_ms: int) -> list[PlanRow]:
        """The factory's operations as the plan published at ``published_at_ms`` left them
        (its revisions up to then, replayed)."""
        plan = None
        for e in self.events.get(factory_plan_key(factory_id)):
            if getattr(e, "published_at_ms", 0) > published_at_ms:
                break
            plan = e.mutate(plan)
        return list(plan.operations.values()) if plan is not None else []

    # --- progress, from the factories ---------------------------------------------------

    def report_operation(self, factory_id: str, operation_id: str, kind: str, key: str,
                         machine_id: str, at_ms: int, scrap_quantity: int = 0,
                         reason: str = "") -> ReportOutcome:
        if batch_of_operation(operation_id):  # a cutting batch's: each order's saw step
            return self.report_batch_operation(factory_id, operation_id, kind, key,
                                               machine_id, at_ms, scrap_quantity, reason)
        order_id, seq = parse_operation_id(operation_id)
        order = self._find(pool_key(order_id), PoolOrder)
        if order is None or not order.routing:
            raise OperationNotFound(Words.of(N_("operation %(operation_id)s does not exist"),
                operation_id=operation_id))
        step = order.step(seq)
        if order.status != PLANNABLE:
            raise OrderNotPlanned(
                Words.of(N_("order %(order_id)s is %(status)s: its operations are no longer "
                            "planned"),
                    order_id=order_id, status=SAID_STATUSES[order.status]))
        if not order.factory_id:
            raise OrderNotPlanned(Words.of(N_("operation %(operation_id)s is not scheduled yet"),
                operation_id=operation_id))
        if order.factory_id != factory_id:
            raise NotAssignedToFactory(
                Words.of(N_("operation %(operation_id)s is not assigned to factory %(factory_id)s"),
                    operation_id=operation_id, factory_id=factory_id))
        machine = self._find(machine_key(machine_id), MachineCapacity)
        v = Violations()
        if machine is None or machine.factory_id != factory_id:
            v.add("machine_id", N_("'%(machine_id)s' is not a machine of factory %(factory_id)s"),
                  machine_id=machine_id, factory_id=factory_id)
        elif machine.machine_type != step.machine_type:
            v.add("machine_id",
                  N_("%(machine_id)s is of type %(machine_type)s; the operation needs one of type %(needed)s"),
                  machine_id=machine_id, machine_type=machine_type_said(machine.machine_type),
                  needed=machine_type_said(step.machine_type))
        v.raise_if_any()
        report = Report(operation_id, kind, key, factory_id, machine_id, step.machine_type,
                        at_ms, step.duration_s, scrap_quantity, reason, order.promised_date)
        return self._change_progress(order, lambda progress: progress.report(report), report)

    def _change_progress(self, order: PoolOrder, act: Callable[[OrderProgress], bool],
                         report: Report) -> ReportOutcome:
        for _ in range(MAX_RETRIES):
            progress = self._find(progress_key(order.order_id), OrderProgress)
            if progress is None:
                progress = OrderProgress(order_id=order.order_id, operation_ids=order.operation_ids)
            recorded = act(progress)
            try:
                if recorded:
                    self.save(progress)
            except IntegrityError:
                continue
            return ReportOutcome(report.operation_id, order.order_id,
                                 progress.status[report.operation_id], duplicate=not recorded)
        raise ProgressBusy(Words.of(N_("order %(order_id)s is being reported by others; try again"),
            order_id=order.order_id))

    def progress_of(self, order_id: str) -> OrderProgress | None:
        return self._find(progress_key(order_id), OrderProgress)


def must_be_uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidArgument(Violations.one(field, N_("must be a UUID"))) from None
