"""Follow an application's notification log from a position.

eventsourcing's PostgreSQL recorder takes a table lock on every insert, so notification ids
become visible in order; a follower reads `> position` in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

from eventsourcing.persistence import Notification

from services.kit.persistence import ServiceApplication

log = logging.getLogger("dovetail.log")


class LogWakeup:
    """Wakes followers when this process records events; they also poll for other writers.

    Writes made in this process (commands, consumers) call `notify()` right after commit, so
    the relay and projections react at once. Writes by another replica of the service are
    found by polling (`poll_s`); LISTEN/NOTIFY cost more CPU per write than it saved here.
    """

    def __init__(self) -> None:
        self._waiters: set[asyncio.Event] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def waiter(self) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters.add(event)
        return event

    def notify(self) -> None:
        """Safe to call from any thread."""
        if self._loop is None or self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for event in self._waiters:
            event.set()


async def follow(app: ServiceApplication, wakeup: LogWakeup, start_after: int, batch_size: int,
                 stop: asyncio.Event, poll_s: float = 0.25,
                 topics: Sequence[str] = ()) -> AsyncIterator[Sequence[Notification]]:
    """Yield batches of notifications after `start_after`; the caller says where it got to.

    `topics` (event class topics) lets PostgreSQL skip events the follower never uses.

    The generator continues after the last id it yielded: callers that fail must restart it
    from their recorded position.
    """
    position = start_after
    waiter = wakeup.waiter()
    while not stop.is_set():
        waiter.clear()
        try:
            batch = await asyncio.to_thread(
                app.recorder.select_notifications, position + 1, batch_size, None, list(topics))
        except Exception as exc:
            log.warning("reading notification log failed", extra={"error": str(exc)})
            await _sleep_or_stop(stop, 1.0)
            continue
        if batch:
            yield batch
            position = batch[-1].id
            continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), poll_s)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
