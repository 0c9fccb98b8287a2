"""Aggregates as this process last saved (or read) them, so that the next change to one does not
replay its whole history.

An order followed through the pipeline is changed three or four times within seconds (placed,
configured, scheduled): each change read every stored event of the order again, its placed
content among them, to add one small fact. Here the aggregate saved last is kept; reading it
again asks PostgreSQL only for the events stored after the version kept (normally none: one
query for a whole consumer batch), so a change made meanwhile by another replica or process is
still seen, and a stale write is still refused by the event store (the optimistic concurrency
that guards every save stays as it is).

What is kept is never changed: a reader gets a copy (``copy``), changes and saves that, and the
saved copy is kept in turn, after its commit only. eventsourcing's repository cache
(``AGGREGATE_CACHE_MAXSIZE``) fast-forwards one aggregate per query and deep-copies it on every
read, and is filled by ``Application.save`` only; consumers save through tracking records.
"""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

Copy = Callable[[Any], Any]


def shallow_copy(aggregate: Aggregate) -> Aggregate:
    """A copy sharing the attribute values, with pending events of its own: for aggregates
    whose events only rebind attributes to new (or immutable) values, never change a held list
    or dict in place (tests/unit/orders/test_recent_orders.py checks the orders')."""
    twin = copy.copy(aggregate)
    twin.__dict__["_pending_events"] = []
    return twin


class RecentAggregates:
    """At most ``maxsize`` aggregates by id, the least recently used forgotten first."""

    def __init__(self, maxsize: int, copy_aggregate: Copy = copy.deepcopy):
        self.maxsize = maxsize
        self.copy = copy_aggregate
        self._kept: OrderedDict[UUID, Any] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, aggregates: Iterable[Any]) -> None:
        """Keep these committed aggregates (at their versions); the caller no longer changes
        them. An older version than the one kept is ignored."""
        with self._lock:
            for aggregate in aggregates:
                kept = self._kept.get(aggregate.id)
                if kept is not None and kept.version > aggregate.version:
                    continue
                self._kept[aggregate.id] = aggregate
                self._kept.move_to_end(aggregate.id)
            while len(self._kept) > self.maxsize:
                self._kept.popitem(last=False)

    def copies(self, ids: Iterable[UUID]) -> dict[UUID, Any]:
        """A copy of each of these that is kept, to change and save."""
        with self._lock:
            kept = {i: self._kept[i] for i in ids if i in self._kept}
            for i in kept:
                self._kept.move_to_end(i)
        return {i: self.copy(aggregate) for i, aggregate in kept.items()}

    def __len__(self) -> int:
        return len(self._kept)
