"""What the factories report: operations started, finished, scrapped, in routing order.

Each report carries a key the client chose; a repeat of the same report is answered as a
duplicate and changes nothing. A report that does not follow from what happened before
(finishing what never started, starting before the previous operation finished) is refused
with a message the shop floor can act on. A scrapped operation is made again: it may start
again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TypedDict

from eventsourcing.domain import Aggregate, event

from services.kit.errors import InvalidArgument, Violations
from services.kit.words import N_, Words
from services.scheduling.domain.errors import OperationNotFound, ReportOutOfOrder
from services.scheduling.domain.ids import progress_key

PLANNED = "PLANNED"
STARTED = "STARTED"
FINISHED = "FINISHED"
SCRAPPED = "SCRAPPED"
KINDS = (STARTED, FINISHED, SCRAPPED)
# A report that does not follow from the operation's state, one whole sentence for each (the
# report, the state it found), so that a language says each its own way
NOT_STARTED_YET = {
    (FINISHED, PLANNED): N_("operation %(name)s cannot be finished: it is planned, report it "
                            "started first"),
    (FINISHED, FINISHED): N_("operation %(name)s cannot be finished: it is finished, report it "
                             "started first"),
    (FINISHED, SCRAPPED): N_("operation %(name)s cannot be finished: it is scrapped, report it "
                             "started first"),
    (SCRAPPED, PLANNED): N_("operation %(name)s cannot be scrapped: it is planned, report it "
                            "started first"),
    (SCRAPPED, FINISHED): N_("operation %(name)s cannot be scrapped: it is finished, report it "
                             "started first"),
    (SCRAPPED, SCRAPPED): N_("operation %(name)s cannot be scrapped: it is scrapped, report it "
                             "started first")}
PREDECESSOR_NOT_FINISHED = {
    PLANNED: N_("operation %(name)s cannot start before %(before)s has finished (it is planned)"),
    STARTED: N_("operation %(name)s cannot start before %(before)s has finished (it is started)"),
    SCRAPPED: N_("operation %(name)s cannot start before %(before)s has finished (it is "
                 "scrapped)")}


@dataclass(frozen=True)
class Report:
    """One report from the shop floor about one operation."""

    operation_id: str
    kind: str  # STARTED | FINISHED | SCRAPPED
    key: str
    factory_id: str
    machine_id: str
    machine_type: str
    at_ms: int
    planned_duration_s: int = 0
    scrap_quantity: int = 0
    reason: str = ""
    promised_date: str = ""


class OperationFacts(TypedDict):
    """What each operation event records about its report (the events' stored fields)."""

    order_id: str
    operation_id: str
    key: str
    factory_id: str
    machine_id: str
    machine_type: str
    at_ms: int
    planned_duration_s: int


class OrderProgress(Aggregate):
    """The progress of one order's operations on the shop floor."""

    @staticmethod
    def create_id(order_id: str, operation_ids: list[str]) -> uuid.UUID:
        return progress_key(order_id)

    @event("Opened")
    def __init__(self, order_id: str, operation_ids: list[str]):
        self.order_id = order_id
        self.operation_ids = list(operation_ids)
        self.status = {op: PLANNED for op in operation_ids}
        self.started_ms: dict[str, int] = {}
        self.finished_ms: dict[str, int] = {}
        self.machines: dict[str, str] = {}
        self.keys: dict[str, list[str]] = {}  # idempotency key -> [operation id, kind]
        self.production_started = False
        self.produced = False

    def report(self, r: Report) -> bool:
        """Record ``r``; False when it repeats a report already recorded (same key)."""
        seen = self.keys.get(r.key)
        if seen is not None:
            if seen != [r.operation_id, r.kind]:
                raise InvalidArgument(Violations.one(
                    "idempotency_key", N_("was already used to report %(operation)s %(kind)s; use "
                                          "a new key for a new report"),
                    operation=seen[0], kind=seen[1].lower()))
            return False
        if r.operation_id not in self.status:
            raise OperationNotFound(Words.of(N_("operation %(operation_id)s does not exist"),
                operation_id=r.operation_id))
        self._check_order(r)
        fields = OperationFacts(order_id=self.order_id, operation_id=r.operation_id, key=r.key,
                                factory_id=r.factory_id, machine_id=r.machine_id,
                                machine_type=r.machine_type, at_ms=r.at_ms,
                                planned_duration_s=r.planned_duration_s)
        if r.kind == STARTED:
            self._operation_started(**fields)
            if not self.production_started:
                self._production_started(order_id=self.order_id, factory_id=r.factory_id, at_ms=r.at_ms)
        elif r.kind == FINISHED:
            self._operation_finished(**fields)
            if all(s == FINISHED for s in self.status.values()):
                self._produced(order_id=self.order_id, factory_id=r.factory_id, at_ms=r.at_ms,
                               promised_date=r.promised_date)
        else:
            self._operation_scrapped(**fields, scrap_quantity=r.scrap_quantity, reason=r.reason)
        return True

    def _check_order(self, r: Report) -> None:
        current = self.status[r.operation_id]
        name = r.operation_id
        if r.kind == STARTED:
            if current == STARTED:
                raise ReportOutOfOrder(Words.of(N_("operation %(name)s has already started"),
                    name=name))
            if current == FINISHED:
                raise ReportOutOfOrder(Words.of(N_("operation %(name)s has already finished"),
                    name=name))
            index = self.operation_ids.index(name)
            if index:
                before = self.operation_ids[index - 1]
                if self.status[before] != FINISHED:
                    raise ReportOutOfOrder(
                        Words.of(PREDECESSOR_NOT_FINISHED[self.status[before]], name=name,
                                 before=before))
            return
        if current != STARTED:
            raise ReportOutOfOrder(
                Words.of(NOT_STARTED_YET[r.kind, current], name=name))
        if r.at_ms < self.started_ms.get(name, 0):
            raise InvalidArgument(Violations.one(
                "occurred_at", N_("is before operation %(name)s started"), name=name))

    @event("OperationStarted")
    def _operation_started(self, order_id: str, operation_id: str, key: str, factory_id: str, machine_id: str,
                           machine_type: str, at_ms: int, planned_duration_s: int) -> None:
        self.status[operation_id] = STARTED
        self.started_ms[operation_id] = at_ms
        self.machines[operation_id] = machine_id
        self.keys[key] = [operation_id, STARTED]

    @event("OperationFinished")
    def _operation_finished(self, order_id: str, operation_id: str, key: str, factory_id: str, machine_id: str,
                            machine_type: str, at_ms: int, planned_duration_s: int) -> None:
        self.status[operation_id] = FINISHED
        self.finished_ms[operation_id] = at_ms
        self.keys[key] = [operation_id, FINISHED]

    @event("OperationScrapped")
    def _operation_scrapped(self, order_id: str, operation_id: str, key: str, factory_id: str, machine_id: str,
                            machine_type: str, at_ms: int, planned_duration_s: int,
                            scrap_quantity: int, reason: str) -> None:
        self.status[operation_id] = SCRAPPED
        self.keys[key] = [operation_id, SCRAPPED]

    @event("ProductionStarted")
    def _production_started(self, order_id: str, factory_id: str, at_ms: int) -> None:
        self.production_started = True

    @event("Produced")
    def _produced(self, order_id: str, factory_id: str, at_ms: int, promised_date: str) -> None:
        self.produced = True
