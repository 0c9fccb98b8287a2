"""Follow an application's notification log from a position.

eventsourcing's PostgreSQL recorder takes a table lock on every insert, so notification ids
become visible in order; a follower reads `> position` in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
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
                 topics: Sequence[str] = (),
                 min_interval_s: float = 0.02) -> AsyncIterator[Sequence[Notification]]:
    """Yield batches of notifications after `start_after`; the caller says where it got to.

    `topics` (event class topics) lets PostgreSQL skip events the follower never uses.

    Reads are at least `min_interval_s` apart unless the follower is catching up (a full
    batch): under load, commits arrive every few milliseconds, and reading after each one
    made the relay and the projections cost more than the writes they followed. A short
    batch means the follower is at the head of the log, so it waits for the next wake-up
    instead of reading again at once.

    The generator continues after the last id it yielded: callers that fail must restart it
    from their recorded position.
    """
    position = start_after
    waiter = wakeup.waiter()
    next_read = 0.0
    while not stop.is_set():
        delay = next_read - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        waiter.clear()
        try:
            batch = await asyncio.to_thread(
                app.recorder.select_notifications, position + 1, batch_size, None, list(topics))
        except Exception as exc:
            log.warning("reading notification log failed", extra={"error": str(exc)})
            await _sleep_or_stop(stop, 1.0)
            continue
        next_read = time.monotonic() + min_interval_s
        if batch:
            yield batch
            position = batch[-1].id
            if len(batch) >= batch_size:
                next_read = 0.0
                continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter.wait(), poll_s)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
