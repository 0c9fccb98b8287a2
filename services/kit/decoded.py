"""A service's recorded events decoded once for every follower of its log in the process.

The relay and the read-model projections of a service follow the same notification log, each
from its own position, usually a few milliseconds apart. Each decoded every notification it
read (JSON, then the event object): under webhook load that was done twice per placed order,
about a tenth of the orders process's CPU (load/bench_webhooks.py, py-spy). Here the first
follower to read a notification decodes it and the others take the same event object; a
follower far behind (catching up after a restart) decodes for itself. Domain events are
frozen: sharing one between followers is safe as long as none changes what it holds, which
none does (they map events to messages and rows).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification

# Notifications kept decoded: a few batches (500 each) of the followers' distance apart, and
# at most so many bytes of stored state (scheduling's plan events run to megabytes each).
KEEP = 4096
KEEP_BYTES = 16 << 20


class DecodedEvents:
    """`decoded(notifications)`: their domain events, each decoded once while it is among the
    last `keep` notifications decoded (and their stored states together within `keep_bytes`).
    Called from the event loop's thread (or under the GIL from any: a miss only decodes
    again)."""

    def __init__(self, mapper: Any, keep: int = KEEP, keep_bytes: int = KEEP_BYTES) -> None:
        self.mapper = mapper
        self.keep = keep
        self.keep_bytes = keep_bytes
        self._events: dict[int, tuple[Any, int]] = {}  # notification id → (event, state bytes)
        self._bytes = 0

    def __call__(self, notifications: Sequence[Notification]) -> list[Any]:
        events = self._events
        out = []
        for notification in notifications:
            kept = events.get(notification.id)
            if kept is None:
                kept = (self.mapper.to_domain_event(notification), len(notification.state))
                events[notification.id] = kept
                self._bytes += kept[1]
                while len(events) > self.keep or (
                    self._bytes > self.keep_bytes and len(events) > 1
                ):
                    # forget the oldest decoded (insertion order)
                    self._bytes -= events.pop(next(iter(events)))[1]
            out.append(kept[0])
        return out


_shared: weakref.WeakKeyDictionary[Application, DecodedEvents] = weakref.WeakKeyDictionary()


def decoded(app: Application) -> DecodedEvents:
    """The one DecodedEvents of this application object (its followers share it)."""
    found = _shared.get(app)
    if found is None:
        found = _shared[app] = DecodedEvents(app.mapper)
    return found
