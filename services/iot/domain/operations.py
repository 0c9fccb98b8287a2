"""Facts iot keeps from elsewhere and from factories: operations that ran, planned stops.

``OperationRun`` follows scheduling's operation events (they may arrive in any order across
redeliveries; each fact is kept once). ``PlannedStop`` is a stop a factory declares ahead (a
maintenance stop follows its task in scheduling: moved, or ended when reported done early).
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

from services.iot.domain.values import stable_id


def operation_key(operation_id: str) -> uuid.UUID:
    return stable_id("operation", operation_id)


def planned_stop_key(factory_id: str, idempotency_key: str) -> uuid.UUID:
    return stable_id("planned-stop", factory_id, idempotency_key)


class OperationRun(Aggregate):
    """An operation of an order on one machine: when it started and ended, pieces scrapped."""

    @staticmethod
    def create_id(operation_id: str, order_id: str, factory_id: str,
                  machine_id: str) -> uuid.UUID:
        return operation_key(operation_id)

    @event("Noted")
    def __init__(self, operation_id: str, order_id: str, factory_id: str, machine_id: str):
        self.operation_id = operation_id
        self.order_id = order_id
        self.factory_id = factory_id
        self.machine_id = machine_id
        self.started_ms = 0
        self.finished_ms = 0
        self.planned_duration_s = 0
        self.scrap_quantity = 0

    def record_started(self, at_ms: int) -> bool:
        if self.started_ms:
            return False
        self._started(at_ms=at_ms)
        return True

    @event("Started")
    def _started(self, at_ms: int) -> None:
        self.started_ms = at_ms

    def record_finished(self, at_ms: int, planned_duration_s: int) -> bool:
        if self.finished_ms:
            return False
        self._finished(at_ms=at_ms, planned_duration_s=planned_duration_s)
        return True

    @event("Finished")
    def _finished(self, at_ms: int, planned_duration_s: int) -> None:
        self.finished_ms = at_ms
        self.planned_duration_s = planned_duration_s

    def record_scrapped(self, quantity: int) -> bool:
        if self.scrap_quantity:
            return False
        self._scrapped(quantity=max(quantity, 1))
        return True

    @event("Scrapped")
    def _scrapped(self, quantity: int) -> None:
        self.scrap_quantity = quantity


class PlannedStop(Aggregate):
    """Maintenance, a holiday, a stocktake: zero current then is expected, not DOWN."""

    @staticmethod
    def create_id(factory_id: str, idempotency_key: str, machine_ids: list[str],
                  start_ms: int, end_ms: int, reason: str) -> uuid.UUID:
        return planned_stop_key(factory_id, idempotency_key)

    @event("Declared")
    def __init__(self, factory_id: str, idempotency_key: str, machine_ids: list[str],
                 start_ms: int, end_ms: int, reason: str):
        self.factory_id = factory_id
        self.idempotency_key = idempotency_key
        self.machine_ids = machine_ids
        self.start_ms = start_ms
        self.end_ms = end_ms
        self.reason = reason

    def replan(self, start_ms: int, end_ms: int) -> bool:
        """The stop planned for another window by whoever planned it (scheduling's maintenance
        task moved, or reported done before its planned end); False when it is there already
        or the window is empty."""
        if end_ms < start_ms or (start_ms, end_ms) == (self.start_ms, self.end_ms):
            return False
        self._replanned(start_ms=start_ms, end_ms=end_ms)
        return True

    @event("Replanned")
    def _replanned(self, start_ms: int, end_ms: int) -> None:
        self.start_ms = start_ms
        self.end_ms = end_ms

    def covers(self, machine_id: str, at_ms: int) -> bool:
        return (self.start_ms <= at_ms < self.end_ms
                and (not self.machine_ids or machine_id in self.machine_ids))
