"""Each factory's assignment feed: a durable, per-factory numbered log of changes to the
operations assigned to it, kept by following our own events (rows and position in one
transaction), and read by `SubscribeAssignments` to replay and then follow live.

A client that stores the last sequence it processed and resumes after it misses nothing
and sees nothing twice, across reconnects and restarts of either side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from services.kit.log_follower import LogWakeup, follow
from services.kit.persistence import apply_ddl
from services.kit.positions import read_position, write_position
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.plans import PublishedPlan
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.progress import OrderProgress

log = logging.getLogger("dovetail.scheduling.feed")
PROJECTION = "assignment_feed"
ASSIGNED, RESCHEDULED, WITHDRAWN, PROGRESSED = "ASSIGNED", "RESCHEDULED", "WITHDRAWN", "PROGRESSED"
_LOCK = 0x5C4ED1  # one writer of the feed at a time, whatever the number of replicas
_PROGRESS = {"OperationStarted": "STARTED", "OperationFinished": "FINISHED",
             "OperationScrapped": "SCRAPPED"}


@dataclass(frozen=True)
class FeedItem:
    sequence: int
    kind: str
    assignment: dict[str, Any]
    changed_at: datetime
    live: bool


class AssignmentFeed:
    def __init__(self, app: SchedulingApplication, pool: AsyncConnectionPool, wakeup: LogWakeup):
        self.app = app
        self.pool = pool
        self.wakeup = wakeup
        self.changed = asyncio.Condition()

    async def ensure_tables(self) -> None:
        async with self.pool.connection() as conn:
            await apply_ddl(
                conn,
                "CREATE TABLE IF NOT EXISTS scheduling.assignment_feed ("
                " factory_id text NOT NULL, sequence bigint NOT NULL, operation_id text NOT NULL,"
                " machine_id text NOT NULL, kind text NOT NULL, assignment jsonb NOT NULL,"
                " changed_at timestamptz NOT NULL DEFAULT now(),"
                " PRIMARY KEY (factory_id, sequence)); "
                "CREATE TABLE IF NOT EXISTS scheduling.current_assignments ("
                " operation_id text PRIMARY KEY, order_id text NOT NULL, factory_id text NOT NULL,"
                " machine_id text NOT NULL, sequence bigint NOT NULL, kind text NOT NULL,"
                " assignment jsonb NOT NULL); "
                "CREATE INDEX IF NOT EXISTS current_assignments_factory"
                " ON scheduling.current_assignments (factory_id, sequence)")

    # --- writing ----------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        await self.ensure_tables()
        while not stop.is_set():
            try:
                async with self.pool.connection() as conn:
                    position = await read_position(conn, "scheduling", PROJECTION)
                async for batch in follow(self.app, self.wakeup, position, 200, stop):
                    events = await asyncio.to_thread(
                        lambda b=batch: [self.app.mapper.to_domain_event(n) for n in b])
                    async with self.pool.connection() as conn, conn.transaction():
                        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
                        if await read_position(conn, "scheduling", PROJECTION) >= batch[-1].id:
                            continue  # another replica got here first
                        writer = _Writer(conn)
                        for event in events:
                            await writer.apply(event)
                        await write_position(conn, "scheduling", PROJECTION, batch[-1].id)
                    async with self.changed:
                        self.changed.notify_all()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("assignment feed interrupted; resuming: %r", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    # --- reading ----------------------------------------------------------------------------

    async def subscribe(self, factory_id: str, resume_after: int, machine_ids: set[str],
                        poll_s: float = 1.0) -> AsyncIterator[FeedItem]:
        """The factory's current assignments (resume_after = 0) or the changes after
        ``resume_after``, then live changes as they are recorded."""
        def wanted(row) -> bool:
            return not machine_ids or row["machine_id"] in machine_ids

        async with self.pool.connection() as conn:
            async with conn.transaction():
                cur = conn.cursor(row_factory=dict_row)
                await cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                await cur.execute(
                    "SELECT coalesce(max(sequence), 0) AS head FROM scheduling.assignment_feed"
                    " WHERE factory_id = %s", (factory_id,))
                head = (await cur.fetchone())["head"]
                if resume_after <= 0:
                    await cur.execute(
                        "SELECT sequence, kind, assignment, now() AS changed_at"
                        " FROM scheduling.current_assignments WHERE factory_id = %s"
                        " ORDER BY sequence", (factory_id,))
                    replay = await cur.fetchall()
                    last = head
                else:
                    replay, last = [], min(resume_after, head)
        for row in replay:
            if wanted(row["assignment"]):
                yield FeedItem(row["sequence"], row["kind"], row["assignment"], row["changed_at"],
                               False)
        live = False
        while True:
            rows = await self._after(factory_id, last)
            for row in rows:
                last = row["sequence"]
                is_live = live or last > head
                if wanted(row):
                    yield FeedItem(last, row["kind"], row["assignment"], row["changed_at"], is_live)
            if rows:
                continue
            live = True
            async with self.changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), poll_s)

    async def _after(self, factory_id: str, sequence: int) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT sequence, kind, machine_id, assignment, changed_at"
                " FROM scheduling.assignment_feed WHERE factory_id = %s AND sequence > %s"
                " ORDER BY sequence LIMIT 500", (factory_id, sequence))
            return await cur.fetchall()


class _Writer:
    """Turns our events into feed rows inside the projector's transaction."""

    def __init__(self, conn):
        self.conn = conn
        self.heads: dict[str, int] = {}

    async def _rows(self, query: str, params=()) -> list[dict[str, Any]]:
        cur = self.conn.cursor(row_factory=dict_row)
        await cur.execute(query, params)
        return await cur.fetchall()

    async def apply(self, event: Any) -> None:
        name = type(event).__name__
        if isinstance(event, PublishedPlan.Event):
            await self._plan(event)
        elif isinstance(event, PoolOrder.Event) and name in ("Withdrawn", "Rejected", "Amended"):
            for row in await self._rows(
                    "SELECT * FROM scheduling.current_assignments WHERE order_id = %s",
                    (event.order_id,)):
                await self._emit(row["factory_id"], WITHDRAWN, row["assignment"], event.timestamp)
                await self._drop(row["operation_id"])
        elif isinstance(event, OrderProgress.Event) and name in _PROGRESS:
            rows = await self._rows(
                "SELECT * FROM scheduling.current_assignments WHERE operation_id = %s",
                (event.operation_id,))
            row = rows[0] if rows else None
            if row is None:
                return  # not (or no longer) assigned: nothing to tell a factory
            assignment = dict(row["assignment"], status=_PROGRESS[name], machine_id=event.machine_id)
            await self._keep(assignment, PROGRESSED, event.timestamp)

    async def _plan(self, event) -> None:
        before = {r["operation_id"]: r
                  for r in await self._rows("SELECT * FROM scheduling.current_assignments")}
        now = {r["operation_id"]: r for r in event.operations}
        at = event.timestamp
        for op_id, row in before.items():
            new = now.get(op_id)
            if new is not None and new["factory_id"] == row["factory_id"]:
                continue
            if new is None and row["assignment"].get("status") == "FINISHED":
                await self._drop(op_id)  # done: it simply leaves the plan
                continue
            await self._emit(row["factory_id"], WITHDRAWN, row["assignment"], at)
            await self._drop(op_id)
        for op_id, new in now.items():
            assignment = dict(new, plan_id=str(event.originator_id))
            old = before.get(op_id)
            if old is None or old["factory_id"] != new["factory_id"]:
                await self._keep(assignment, ASSIGNED, at)
                continue
            status = old["assignment"].get("status", "PLANNED")
            assignment["status"] = status if status != "SCRAPPED" else new["status"]
            if status in ("STARTED", "FINISHED"):
                continue  # started work does not move; its bar is the report's
            if _placement(old["assignment"]) != _placement(assignment):
                await self._keep(assignment, RESCHEDULED, at)

    async def _emit(self, factory_id: str, kind: str, assignment: dict[str, Any], at) -> int:
        if factory_id not in self.heads:
            rows = await self._rows(
                "SELECT coalesce(max(sequence), 0) AS head FROM scheduling.assignment_feed"
                " WHERE factory_id = %s", (factory_id,))
            self.heads[factory_id] = rows[0]["head"]
        self.heads[factory_id] += 1
        sequence = self.heads[factory_id]
        await self.conn.execute(
            "INSERT INTO scheduling.assignment_feed (factory_id, sequence, operation_id,"
            " machine_id, kind, assignment, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (factory_id, sequence, assignment["operation_id"], assignment["machine_id"], kind,
             Jsonb(assignment), at))
        return sequence

    async def _keep(self, assignment: dict[str, Any], kind: str, at) -> None:
        sequence = await self._emit(assignment["factory_id"], kind, assignment, at)
        await self.conn.execute(
            "INSERT INTO scheduling.current_assignments (operation_id, order_id, factory_id,"
            " machine_id, sequence, kind, assignment) VALUES (%s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (operation_id) DO UPDATE SET factory_id = EXCLUDED.factory_id,"
            " machine_id = EXCLUDED.machine_id, sequence = EXCLUDED.sequence,"
            " kind = EXCLUDED.kind, assignment = EXCLUDED.assignment",
            (assignment["operation_id"], assignment["order_id"], assignment["factory_id"],
             assignment["machine_id"], sequence, kind, Jsonb(assignment)))

    async def _drop(self, operation_id: str) -> None:
        await self.conn.execute(
            "DELETE FROM scheduling.current_assignments WHERE operation_id = %s", (operation_id,))


def _placement(a: dict[str, Any]) -> tuple:
    return a["machine_id"], a["start_ms"], a["end_ms"], a.get("risk", "")
