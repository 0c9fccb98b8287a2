"""Read models kept by following a service's own notification log.

Each batch of events is turned into rows and written together with the projection's position
in one transaction, so every event is applied exactly once; a restart resumes from the
position. Read models are rebuildable, so they commit without waiting for the WAL flush.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from services.kit import metrics
from services.kit.decoded import decoded
from services.kit.log_follower import LogWakeup, follow
from services.kit.persistence import ServiceApplication
from services.kit.positions import read_position, relaxed_commit, write_position

log = logging.getLogger("dovetail.projection")


class Projector:
    def __init__(self, *, app: ServiceApplication, pool: AsyncConnectionPool, wakeup: LogWakeup,
                 schema: str, name: str,
                 apply: Callable[[AsyncConnection, Any], Awaitable[None]],
                 prepare: Callable[[list[Any]], Any] | None = None, batch_size: int = 500,
                 topics: list[str] | None = None, min_interval_s: float = 0.02):
        """`prepare(events)` runs in a worker thread (it may load aggregates); its result, or
        the events themselves, go to `apply(conn, ...)` inside the transaction. `topics` (event
        class topics) lets PostgreSQL skip events the read model never uses.
        `min_interval_s`: reads of the log at least this far apart (log_follower.follow)."""
        self.app = app
        self.pool = pool
        self.wakeup = wakeup
        self.schema = schema
        self.name = name
        self.apply = apply
        self.prepare = prepare
        self.batch_size = batch_size
        self.topics = topics or []
        self.min_interval_s = min_interval_s

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self.pool.connection() as conn:
                    position = await read_position(conn, self.schema, self.name)
                async for batch in follow(self.app, self.wakeup, position, self.batch_size, stop,
                                          topics=self.topics, min_interval_s=self.min_interval_s):
                    events = decoded(self.app)(batch)  # shared with the relay
                    data = (await asyncio.to_thread(self.prepare, events) if self.prepare
                            else events)
                    async with self.pool.connection() as conn, conn.transaction():
                        await relaxed_commit(conn)
                        await self.apply(conn, data)
                        await write_position(conn, self.schema, self.name, batch[-1].id)
                    metrics.PROJECTION_POSITION.labels(self.name).set(batch[-1].id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # PostgreSQL away, or a bad row: resume from the position
                log.warning("projection interrupted; resuming", extra={
                    "projection": self.name, "error": repr(exc)})
                await asyncio.sleep(1.0)
