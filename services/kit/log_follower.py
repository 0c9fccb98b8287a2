"""Follow an application's notification log from a position, waking on NOTIFY.

eventsourcing's PostgreSQL recorder sends NOTIFY on every insert and takes a table lock,
so notification ids become visible in order; a follower reads `> position` in batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

import psycopg
from eventsourcing.persistence import Notification
from psycopg import sql

from services.kit.persistence import ServiceApplication

log = logging.getLogger("dovetail.log")


class LogWakeup:
    """Sets an event whenever the application's events table is written (LISTEN/NOTIFY)."""

    def __init__(self, database_url: str, channel: str):
        self.database_url = database_url
        self.channel = channel
        self._waiters: set[asyncio.Event] = set()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name=f"listen:{self.channel}")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def waiter(self) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters.add(event)
        return event

    async def _listen(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.database_url, autocommit=True) as conn:
                    await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self._wake_all()  # anything written while we were not listening
                    async for _ in conn.notifies():
                        self._wake_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # PostgreSQL restarting: followers fall back to polling
                log.warning("listen connection lost", extra={"channel": self.channel,
                                                             "error": str(exc)})
                await asyncio.sleep(1.0)

    def _wake_all(self) -> None:
        for event in self._waiters:
            event.set()


async def follow(app: ServiceApplication, wakeup: LogWakeup, start_after: int, batch_size: int,
                 stop: asyncio.Event, poll_s: float = 0.5) -> AsyncIterator[Sequence[Notification]]:
    """Yield batches of notifications after `start_after`; the caller says where it got to.

    The generator continues after the last id it yielded: callers that fail must restart it
    from their recorded position.
    """
    position = start_after
    waiter = wakeup.waiter()
    while not stop.is_set():
        waiter.clear()
        try:
            batch = await asyncio.to_thread(
                app.recorder.select_notifications, position + 1, batch_size)
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
