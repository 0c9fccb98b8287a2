"""One replica at a time: jobs that must not run twice at once hold a PostgreSQL lock.

Every replica of a service runs the same code. The relay and the projections only need one
runner; a second would repeat the same work (harmlessly, but for nothing). Each such job
holds a session advisory lock named after it on a dedicated connection; when that replica
dies its session ends, the lock is released, and another replica's job takes over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import psycopg

log = logging.getLogger("dovetail.leadership")
Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]  # a task is made of it


async def run_as_leader(database_url: str, name: str, job: Job, stop: asyncio.Event,
                        retry_s: float = 2.0, check_s: float = 2.0) -> None:
    """Run `job` whenever this replica holds the lock `name`, until `stop` is set."""
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
                cur = await conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                         (name,))
                row = await cur.fetchone()
                if not row or not row[0]:
                    await _sleep_or_stop(stop, retry_s)
                    continue
                log.info("leading", extra={"job": name})
                await _lead(conn, job, stop, check_s)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - PostgreSQL away: try again
            log.warning("leadership lost", extra={"job": name, "error": repr(exc)})
            await _sleep_or_stop(stop, retry_s)


async def _lead(conn: psycopg.AsyncConnection, job: Job, stop: asyncio.Event,
                check_s: float) -> None:
    """Run the job until stop, or until the lock's connection is lost."""
    resign = asyncio.Event()
    task = asyncio.create_task(job(resign))
    try:
        while not stop.is_set() and not task.done():
            await _sleep_or_stop(stop, check_s)
            await conn.execute("SELECT 1")  # raises when the session (and the lock) is gone
    finally:
        resign.set()
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 10)
        if not task.done():
            task.cancel()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
