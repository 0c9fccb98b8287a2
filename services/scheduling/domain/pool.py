"""The planning pool: configured orders' routings, waiting to be (re-)planned.

An order enters with its configuration, leaves when cancelled or rejected, and waits for
its new configuration after an amendment. A plan that cannot take it leaves it out, with a
reason that is recorded when it is news (the first time, or a different reason). Facts about older revisions are ignored: the
orders and configurator streams are read independently, so they may arrive in any order.
A planner may pin it to a factory, hold it out of planning and weigh its lateness more
(issue 19); each override names who made it, in what role, and why.
"""

from __future__ import annotations

import uuid
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.kit.words import N_, Words
from services.scheduling.domain.errors import OperationNotFound
from services.scheduling.domain.ids import operation_id, pool_key
from services.scheduling.domain.values import RoutingStep
from services.scheduling.solver.model import Operation

PLANNABLE = "PLANNABLE"
AWAITING_CONFIGURATION = "AWAITING_CONFIGURATION"
WITHDRAWN = "WITHDRAWN"
REJECTED = "REJECTED"
NEW = "NEW"
# An order's state in the pool as a refusal names it, said in the reader's language
SAID_STATUSES = {PLANNABLE: Words.of(N_("plannable")),
                 AWAITING_CONFIGURATION: Words.of(N_("awaiting configuration")),
                 WITHDRAWN: Words.of(N_("withdrawn")), REJECTED: Words.of(N_("rejected")),
                 NEW: Words.of(N_("new"))}

# Re-announcing an order's dates for less than this would only be noise downstream.
NOTICE_SHIFT_MS = 15 * 60 * 1000


class PoolOrder(Aggregate):
    """One order in the planning pool: its routing, its revision, where it is planned."""

    class Configured(Aggregate.Event):
        # v2: the routing is RoutingStep values (v1 stored plain objects of the same fields)
        class_version = 2
        revision: int
        routing: list[RoutingStep]
        promised_date: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["routing"] = [RoutingStep(**step) for step in state["routing"]]

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return pool_key(order_id)

    @event("Opened")
    def __init__(self, order_id: str, tenant: str):
        self.order_id = order_id
        self.tenant = tenant
        self.status = NEW
        self.revision = 0
        self.routing: tuple[RoutingStep, ...] = ()
        self.operations: tuple[Operation, ...] = ()  # the routing as the solver sees it
        self.promised_date = ""
        self.factory_id = ""
        self.planned_start_ms = 0
        self.planned_end_ms = 0
        self.risk = ""
        self.plan_id = ""
        self.unplannable_reason = ""  # why the last plan left it out ("" when planned)
        self.partition = ""  # where the assignment step put it (with several partitions)

    # --- facts from orders and configurator ------------------------------------------------

    def configure(self, revision: int, routing: list[RoutingStep], promised_date: str) -> bool:
        """The configuration of ``revision`` (0: unknown) arrived; plan it if it is current."""
        if self.status in (WITHDRAWN,):
            return False
        if revision and revision < self.revision:
            return False
        if self.status == PLANNABLE and (not revision or revision == self.revision):
            return False  # a repeat of what we plan already
        self._configured(revision=revision or self.revision or 1, routing=routing,
                         promised_date=promised_date)
        return True

    @event(Configured)
    def _configured(self, revision: int, routing: list[RoutingStep], promised_date: str) -> None:
        self.status = PLANNABLE
        self.revision = revision
        self.routing = tuple(routing)
        # worked out once per configuration, not in every problem built from the pool
        self.operations = tuple(step.operation() for step in routing)
        self.promised_date = promised_date
        self._forget_plan()

    def amend(self, revision: int, reason: str) -> bool:
        """The order was amended: out of the plan until its new configuration arrives."""
        if self.status == WITHDRAWN or revision <= self.revision:
            return False
        self._amended(order_id=self.order_id, revision=revision, reason=reason)
        return True

    @event("Amended")
    def _amended(self, order_id: str, revision: int, reason: str) -> None:
        self.status = AWAITING_CONFIGURATION
        self.revision = revision
        self.routing = ()
        self.operations = ()
        self._forget_plan()

    def reject(self, revision: int, reason: str) -> bool:
        if self.status in (WITHDRAWN, REJECTED, NEW) or (revision and revision < self.revision):
            return False
        self._rejected(order_id=self.order_id, revision=revision or self.revision, reason=reason)
        return True

    @event("Rejected")
    def _rejected(self, order_id: str, revision: int, reason: str) -> None:
        self.status = REJECTED
        self.revision = revision
        self._forget_plan()

    def await_boards(self, factory_id: str, batch: str, from_ms: int, words: str,
                     revision: int = 0, batch_orders: int = 0, nested_ms: int = 0,
                     said: tuple[Words, ...] = ()) -> bool:
        """Its saw work was nested in cutting batch `batch` (of `batch_orders` orders, at
        `nested_ms`) at `factory_id` (issue 20): it starts no earlier than `from_ms` (0: its
        boards are in stock), and `words` say what it waits for (`said`: each board's wait as
        words, for the reader's language). Stock re-checks a batch as
        boards come (`revision` 1, 2, ...): an older revision of the batch than the last heard,
        news of a batch nested before the one it is in now (one released, say), or a repeat of
        what is known, changes nothing."""
        if batch == self.boards_batch[0] and revision < self.boards_batch[1]:
            return False
        if batch != self.boards_batch[0] and nested_ms < self.boards_nested_ms:
            return False
        if (from_ms, words, (batch, revision, batch_orders)) == (
                self.boards_from_ms, self.boards_wait, self.boards_batch):
            return False
        self._boards_awaited(order_id=self.order_id, factory=factory_id, batch=batch,
                             from_ms=from_ms, words=words, revision=revision,
                             batch_orders=batch_orders, nested_ms=nested_ms, said=list(said))
        return True

    @event("BoardsAwaited")
    def _boards_awaited(self, order_id: str, factory: str, batch: str, from_ms: int,
                        words: str, revision: int = 0, batch_orders: int = 0,
                        nested_ms: int = 0, said: list[Words] | None = None) -> None:
        self.boards_from_ms = from_ms
        self.boards_wait = words
        self.__dict__["_boards_said"] = tuple(said or ())
        self.__dict__["_boards_batch"] = (batch, revision, batch_orders)
        self.__dict__["_boards_nested_ms"] = nested_ms

    @property
    def boards_nested_ms(self) -> int:
        """When the batch it is in was nested (0: unknown, or in no batch)."""
        return self.__dict__.get("_boards_nested_ms", 0)

    @property
    def boards_batch(self) -> tuple[str, int, int]:
        """(the cutting batch its saw work is in, the batch's revision last heard, how many
        orders the batch cuts); ("", 0, 0) in no batch."""
        batch, revision, orders = self.__dict__.get("_boards_batch", ("", 0, 0))  # JSON: a list
        return batch, revision, orders

    @property
    def boards_from_ms(self) -> int:
        return self.__dict__.get("_boards_from_ms", 0)  # 0 in snapshots from before issue 20

    @boards_from_ms.setter
    def boards_from_ms(self, value: int) -> None:
        self.__dict__["_boards_from_ms"] = value

    @property
    def boards_wait(self) -> str:
        return self.__dict__.get("_boards_wait", "")

    @boards_wait.setter
    def boards_wait(self, value: str) -> None:
        self.__dict__["_boards_wait"] = value

    @property
    def boards_said(self) -> tuple[Words, ...]:
        """Each board it waits for as words (() before words were kept, or waiting for none)."""
        said = self.__dict__.get("_boards_said", ())
        return tuple(said) if "; ".join(w.english() for w in said) == self.boards_wait else ()

    def withdraw(self, reason: str) -> bool:
        """Cancelled: leaves the pool for good (a late configuration is ignored)."""
        if self.status == WITHDRAWN:
            return False
        self._withdrawn(order_id=self.order_id, reason=reason)
        return True

    @event("Withdrawn")
    def _withdrawn(self, order_id: str, reason: str) -> None:
        self.status = WITHDRAWN
        self._forget_plan()

    def _forget_plan(self) -> None:
        self.factory_id = self.risk = self.plan_id = self.unplannable_reason = ""
        self.planned_start_ms = self.planned_end_ms = 0

    # --- the planner's decisions -----------------------------------------------------------

    def record_scheduled(self, plan_id: str, revision: int, factory_id: str, start_ms: int,
                         end_ms: int, risk: str, tardiness_s: int) -> bool:
        """Where and when the plan makes it; recorded (and announced) only when it matters:
        a new factory or risk, or dates moved by more than a quarter of an hour."""
        if self.status != PLANNABLE or revision != self.revision:
            return False
        if not self.is_news(factory_id, start_ms, end_ms, risk):
            return False
        self._scheduled(order_id=self.order_id, plan_id=plan_id, factory_id=factory_id,
                        start_ms=start_ms, end_ms=end_ms, risk=risk, tardiness_s=tardiness_s,
                        promised_date=self.promised_date)
        return True

    def is_news(self, factory_id: str, start_ms: int, end_ms: int, risk: str) -> bool:
        """Would this place in a plan be recorded: the order is back in the plan after one
        left it out, or a new factory or risk, or dates moved by a quarter of an hour or more?"""
        return bool(self.unplannable_reason) or not (
            factory_id == self.factory_id and risk == self.risk
            and abs(start_ms - self.planned_start_ms) < NOTICE_SHIFT_MS
            and abs(end_ms - self.planned_end_ms) < NOTICE_SHIFT_MS)

    @event("Scheduled")
    def _scheduled(self, order_id: str, plan_id: str, factory_id: str, start_ms: int,
                   end_ms: int, risk: str, tardiness_s: int, promised_date: str) -> None:
        self.plan_id = plan_id
        self.factory_id = factory_id
        self.planned_start_ms = start_ms
        self.planned_end_ms = end_ms
        self.risk = risk
        self.unplannable_reason = ""

    def record_left_out(self, plan_id: str, revision: int, reason: str,
                        said: Words | None = None) -> bool:
        """The plan ``plan_id`` could not take the order (``reason``, and ``said``: the same
        as words for people); recorded (and announced) only when it is news: the first time,
        or for another reason than last time."""
        if not self.left_out_is_news(revision, reason):
            return False
        self._left_out(order_id=self.order_id, plan_id=plan_id, revision=revision, reason=reason,
                       said=said)
        return True

    def left_out_is_news(self, revision: int, reason: str) -> bool:
        """Would leaving the order out for ``reason`` be recorded: it is in the pool at
        ``revision`` and the last plan did not leave it out for the same reason?"""
        return (self.status == PLANNABLE and revision == self.revision and bool(reason)
                and reason != self.unplannable_reason)

    @event("LeftOut")
    def _left_out(self, order_id: str, plan_id: str, revision: int, reason: str,
                  said: Words | None = None) -> None:
        self.unplannable_reason = reason

    def choose_partition(self, partition: str, reason: str) -> bool:
        """The assignment step puts the order in ``partition`` (first, or moving it there)."""
        if self.status != PLANNABLE or partition == self.partition:
            return False
        self._partition_chosen(order_id=self.order_id, partition=partition,
                               previous=self.partition, reason=reason)
        return True

    @event("PartitionChosen")
    def _partition_chosen(self, order_id: str, partition: str, previous: str,
                          reason: str) -> None:
        self.partition = partition
        self.unplannable_reason = ""  # a new partition plans it afresh

    # --- a person's overrides (issue 19): attributed, with a reason ------------------------

    def pin(self, factory_id: str, reason: str, by: str, role: str) -> bool:
        """Plan the order at ``factory_id`` only ("": anywhere again)."""
        if self.status == WITHDRAWN or factory_id == self.pinned_factory:
            return False
        if factory_id:
            self._pinned(order_id=self.order_id, factory_id=factory_id, reason=reason, by=by,
                         role=role)
        else:
            self._unpinned(order_id=self.order_id, factory_id=self.pinned_factory,
                           reason=reason, by=by, role=role)
        return True

    @event("PinnedToFactory")
    def _pinned(self, order_id: str, factory_id: str, reason: str, by: str, role: str) -> None:
        self.pinned_factory = factory_id

    @event("Unpinned")
    def _unpinned(self, order_id: str, factory_id: str, reason: str, by: str, role: str) -> None:
        self.pinned_factory = ""

    def hold(self, held: bool, reason: str, by: str, role: str) -> bool:
        """Hold the order out of planning (``held``) or release it back into planning."""
        if self.status == WITHDRAWN or held == self.held:
            return False
        if held:
            self._held(order_id=self.order_id, reason=reason, by=by, role=role)
        else:
            self._released(order_id=self.order_id, reason=reason, by=by, role=role)
        return True

    @event("HeldOut")
    def _held(self, order_id: str, reason: str, by: str, role: str) -> None:
        self.held = True

    @event("Released")
    def _released(self, order_id: str, reason: str, by: str, role: str) -> None:
        self.held = False

    def prioritise(self, weight: int, reason: str, by: str, role: str) -> bool:
        """Weigh the order's lateness ``weight`` times (1: as every order)."""
        if self.status == WITHDRAWN or weight == self.weight:
            return False
        self._prioritised(order_id=self.order_id, weight=weight, previous=self.weight,
                          reason=reason, by=by, role=role)
        return True

    @event("Prioritised")
    def _prioritised(self, order_id: str, weight: int, previous: int, reason: str, by: str,
                     role: str) -> None:
        self.weight = weight

    # Kept in __dict__ with defaults: snapshots from before the overrides lack them.
    @property
    def pinned_factory(self) -> str:
        return self.__dict__.get("_pinned_factory", "")

    @pinned_factory.setter
    def pinned_factory(self, value: str) -> None:
        self.__dict__["_pinned_factory"] = value

    @property
    def held(self) -> bool:
        return self.__dict__.get("_held", False)

    @held.setter
    def held(self, value: bool) -> None:
        self.__dict__["_held"] = value

    @property
    def weight(self) -> int:
        return self.__dict__.get("_weight", 1)

    @weight.setter
    def weight(self, value: int) -> None:
        self.__dict__["_weight"] = value

    # --- reading ---------------------------------------------------------------------------

    @property
    def operation_ids(self) -> list[str]:
        return [operation_id(self.order_id, step.seq) for step in self.routing]

    def step(self, seq: int) -> RoutingStep:
        for step in self.routing:
            if step.seq == seq:
                return step
        raise OperationNotFound(Words.of(N_("operation %(operation_id)s does not exist"),
            operation_id=operation_id(self.order_id, seq)))
