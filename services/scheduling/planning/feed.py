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
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from services.kit.log_follower import LogWakeup, follow
from services.kit.persistence import apply_ddl
from services.kit.positions import read_position, write_position
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.cutting import CuttingBatches, batch_label, batch_operation_id
from services.scheduling.domain.plans import PLACEMENT, FactoryPlan, PublishedPlan
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.progress import OrderProgress
from services.scheduling.domain.values import PlanRow

log = logging.getLogger("dovetail.scheduling.feed")
PROJECTION = "assignment_feed"
ASSIGNED, RESCHEDULED, WITHDRAWN, PROGRESSED = "ASSIGNED", "RESCHEDULED", "WITHDRAWN", "PROGRESSED"
_LOCK = 0x5C4ED1  # one writer of the feed at a time, whatever the number of replicas
RECENT_ROWS = 1000  # per factory, kept in memory for live subscribers
_PROGRESS = {"OperationStarted": "STARTED", "OperationFinished": "FINISHED",
             "OperationScrapped": "SCRAPPED"}
_ROW_FIELDS = tuple(f.name for f in fields(PlanRow))


def _assignment(row: PlanRow) -> dict[str, Any]:
    """A plan row as the feed keeps and sends it (a JSON object of its fields)."""
    return {name: getattr(row, name) for name in _ROW_FIELDS}


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
        # Last sequence this process wrote per factory: subscribers of other factories need
        # not read the table when a batch did not touch theirs.
        self.heads: dict[str, int] = {}
        # The latest rows this process wrote per factory, contiguous in sequence: subscribers
        # that are up to date take them from here instead of reading the table again.
        self.recent: dict[str, deque[dict[str, Any]]] = {}
        self._tables: _Tables | None = None  # what the feed tables hold (while we write them)

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
                    await self._write(batch, events)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._tables = None
                log.warning("assignment feed interrupted; resuming: %r", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _write(self, batch, events) -> None:
        """One batch of our events into the feed, in one transaction of a few statements
        (not a few round trips per event: under load they made the feed fall behind)."""
        async with self.pool.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
            at = await read_position(conn, "scheduling", PROJECTION)
            if at >= batch[-1].id:
                return  # another replica got here first
            if self._tables is None or self._tables.position != at:
                # first batch, or another replica wrote meanwhile: read the tables again
                self._tables = await _Tables.load(conn, at)
            writer = _Writer(self._tables)
            for notification, event in zip(batch, events, strict=True):
                if notification.id > at:
                    writer.apply(event)
            await writer.flush(conn)
            await write_position(conn, "scheduling", PROJECTION, batch[-1].id)
        self._tables.commit(writer, batch[-1].id)
        for row in writer.emitted:
            recent = self.recent.setdefault(row["factory_id"], deque(maxlen=RECENT_ROWS))
            if recent and recent[-1]["sequence"] != row["sequence"] - 1:
                recent.clear()  # another replica wrote in between: only a contiguous tail
            recent.append(row)
        if writer.heads:
            self.heads.update(writer.heads)
            async with self.changed:
                self.changed.notify_all()

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
        polled = False
        while True:
            rows = None if polled else self._recent_after(factory_id, last)
            if rows is None:
                rows = await self._after(factory_id, last)
            polled = False
            for row in rows:
                last = row["sequence"]
                is_live = live or last > head
                if wanted(row):
                    yield FeedItem(last, row["kind"], row["assignment"], row["changed_at"], is_live)
            if rows:
                continue
            live = True
            # Woken after every batch the feed writes, but only once it wrote to this factory
            # (not every subscriber on every batch), then served from memory; the poll reads
            # the table for what another replica wrote.
            async with self.changed:
                try:
                    await asyncio.wait_for(self.changed.wait_for(
                        lambda last=last: self.heads.get(factory_id, 0) > last), poll_s)
                except TimeoutError:
                    polled = True

    def _recent_after(self, factory_id: str, sequence: int) -> list[dict[str, Any]] | None:
        """The rows after ``sequence`` from memory; None when memory does not reach back to
        it (then read the table)."""
        recent = self.recent.get(factory_id)
        if not recent or recent[0]["sequence"] > sequence + 1:
            return None
        return [row for row in recent if row["sequence"] > sequence]

    async def _after(self, factory_id: str, sequence: int) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(
                "SELECT sequence, kind, machine_id, assignment, changed_at"
                " FROM scheduling.assignment_feed WHERE factory_id = %s AND sequence > %s"
                " ORDER BY sequence LIMIT 500", (factory_id, sequence))
            return await cur.fetchall()


class _Tables:
    """The feed tables as the writer left them: current assignments by operation and the
    last sequence of each factory, valid while ``position`` is the projection's position."""

    def __init__(self, position: int, current: dict[str, dict[str, Any]]):
        self.position = position
        self.current = current
        self.heads: dict[str, int] = {}  # filled as factories are written to
        # an order's saw step -> the cutting batch operation that covers it (issue 20)
        self.batch_of: dict[str, str] = {
            member: op_id for op_id, row in current.items()
            for member in row["assignment"].get("members", ())}

    @classmethod
    async def load(cls, conn, position: int) -> _Tables:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute("SELECT * FROM scheduling.current_assignments")
        return cls(position, {r["operation_id"]: r for r in await cur.fetchall()})

    def commit(self, writer: _Writer, position: int) -> None:
        for op_id, row in writer.changes.items():
            if row is None:
                self.current.pop(op_id, None)
            else:
                self.current[op_id] = row
        self.heads.update(writer.heads)
        self.position = position


class _Writer:
    """Turns our events into feed rows in memory, then writes them in a few statements."""

    def __init__(self, tables: _Tables):
        self.tables = tables
        self.changes: dict[str, dict[str, Any] | None] = {}  # operation id -> row, None: gone
        self.emitted: list[dict[str, Any]] = []  # feed rows, sequences given at flush
        self.heads: dict[str, int] = {}

    def _row(self, op_id: str) -> dict[str, Any] | None:
        return self.changes[op_id] if op_id in self.changes else self.tables.current.get(op_id)

    def _all(self) -> dict[str, dict[str, Any]]:
        rows = dict(self.tables.current)
        for op_id, row in self.changes.items():
            if row is None:
                rows.pop(op_id, None)
            else:
                rows[op_id] = row
        return rows

    def apply(self, event: Any) -> None:
        name = type(event).__name__
        if isinstance(event, FactoryPlan.Event) and name == "Revised":
            self._revision(event)
        elif isinstance(event, PublishedPlan.Event):
            self._plan(event)
        elif isinstance(event, PoolOrder.Event) and name in ("Withdrawn", "Rejected", "Amended"):
            for row in [r for r in self._all().values() if r["order_id"] == event.order_id]:
                self._emit(row["factory_id"], WITHDRAWN, row["assignment"], event.timestamp)
                self.changes[row["operation_id"]] = None
        elif isinstance(event, CuttingBatches.Event) and name == "BatchPlaced":
            self._batch(event)
        elif isinstance(event, OrderProgress.Event) and name in _PROGRESS:
            row = self._row(event.operation_id)
            if row is None:
                self._batch_progress(event, _PROGRESS[name])
                return  # not (or no longer) assigned: nothing to tell a factory
            assignment = dict(row["assignment"], status=_PROGRESS[name], machine_id=event.machine_id)
            self._keep(assignment, PROGRESSED, event.timestamp)

    def _batch(self, event) -> None:
        """A cutting batch placed on a saw (issue 20): one assignment, ``batch:<batch>``,
        for the saw work of its orders (``members``: their saw steps)."""
        op_id = batch_operation_id(event.batch)
        members = [op for _, op in event.members]
        for member in members:
            self.tables.batch_of[member] = op_id
        assignment = {
            "operation_id": op_id, "order_id": "", "seq": 0, "factory_id": event.factory_id,
            "machine_id": event.machine_id, "machine_type": event.machine_type,
            "start_ms": event.start_ms, "end_ms": event.end_ms,
            "duration_s": (event.end_ms - event.start_ms) // 1000, "setup_s": 0,
            "setup_key": "", "min_wait_after_s": 0,
            "description": batch_label(event.batch, [o for o, _ in event.members]),
            "frozen": True, "status": "PLANNED", "promised_date": "", "risk": "",
            "members": members}
        self._place(assignment, self._row(op_id), "", event.timestamp)

    def _batch_progress(self, event, status: str) -> None:
        """An order's saw step reported through its batch: the batch operation has started
        with its first order's, and finished with its last order's."""
        op_id = self.tables.batch_of.get(event.operation_id)
        row = self._row(op_id) if op_id else None
        if row is None:
            return
        members = row["assignment"].get("members") or [""]
        if event.operation_id != (members[-1] if status == "FINISHED" else members[0]):
            return
        assignment = dict(row["assignment"], status=status, machine_id=event.machine_id)
        self._keep(assignment, PROGRESSED, event.timestamp)

    def _revision(self, event) -> None:
        """A factory plan's revision: its operations added, changed and removed."""
        at, factory_id = event.timestamp, event.factory_id
        for op_id in event.removed:
            row = self._row(op_id)
            if row is None or row["factory_id"] != factory_id:
                continue  # already given to another factory (withdrawn from here then)
            if row["assignment"].get("status") != "FINISHED":
                self._emit(factory_id, WITHDRAWN, row["assignment"], at)
            self.changes[op_id] = None  # a finished operation simply leaves the plan
        for added in event.added:
            self._place(_assignment(added), self._row(added.operation_id), event.plan_id, at)
        for op_id, *placement in event.changed:
            row = self._row(op_id)
            if row is not None:  # its current assignment, placed as the revision says
                moved = {**row["assignment"], **dict(zip(PLACEMENT, placement, strict=True))}
                self._place(moved, row, event.plan_id, at)

    def _place(self, new: dict[str, Any], old: dict[str, Any] | None, plan_id: str, at) -> None:
        """An operation's row in a new plan, beside its current feed row ``old``."""
        assignment = dict(new, plan_id=plan_id)
        if old is not None and old["factory_id"] != new["factory_id"]:
            self._emit(old["factory_id"], WITHDRAWN, old["assignment"], at)
            old = None
        if old is None:
            self._keep(assignment, ASSIGNED, at)
            return
        status = old["assignment"].get("status", "PLANNED")
        assignment["status"] = status if status != "SCRAPPED" else new["status"]
        if status in ("STARTED", "FINISHED"):
            return  # started work does not move; its bar is the report's
        if _placement(old["assignment"]) != _placement(assignment):
            self._keep(assignment, RESCHEDULED, at)

    def _plan(self, event) -> None:
        """A plan stored whole (before plans were stored as changes)."""
        before = self._all()
        now = {r.operation_id: _assignment(r) for r in event.operations}
        at = event.timestamp
        for op_id, row in before.items():
            new = now.get(op_id)
            if new is not None and new["factory_id"] == row["factory_id"]:
                continue
            if new is None and row["assignment"].get("status") == "FINISHED":
                self.changes[op_id] = None  # done: it simply leaves the plan
                continue
            self._emit(row["factory_id"], WITHDRAWN, row["assignment"], at)
            self.changes[op_id] = None
        for op_id, new in now.items():
            old = before.get(op_id)
            self._place(new, old if old is not None and old["factory_id"] == new["factory_id"]
                        else None, str(event.originator_id), at)

    def _emit(self, factory_id: str, kind: str, assignment: dict[str, Any], at) -> dict[str, Any]:
        row = {"factory_id": factory_id, "operation_id": assignment["operation_id"],
               "machine_id": assignment["machine_id"], "kind": kind, "assignment": assignment,
               "changed_at": at, "sequence": 0}
        self.emitted.append(row)
        return row

    def _keep(self, assignment: dict[str, Any], kind: str, at) -> None:
        fed = self._emit(assignment["factory_id"], kind, assignment, at)
        # the current row takes the feed row's sequence once it is known (see flush)
        self.changes[assignment["operation_id"]] = {
            "operation_id": assignment["operation_id"], "order_id": assignment["order_id"],
            "factory_id": assignment["factory_id"], "machine_id": assignment["machine_id"],
            "sequence": fed, "kind": kind, "assignment": assignment}

    async def flush(self, conn) -> None:
        if not self.emitted and not self.changes:
            return
        heads = dict(self.tables.heads)
        unknown = sorted({r["factory_id"] for r in self.emitted} - heads.keys())
        if unknown:  # one query for the factories not written to since the tables were read
            cur = await conn.execute(
                "SELECT f, (SELECT coalesce(max(sequence), 0) FROM scheduling.assignment_feed"
                " WHERE factory_id = f) FROM unnest(%s::text[]) AS f", (unknown,))
            heads.update({f: head for f, head in await cur.fetchall()})
        for row in self.emitted:
            heads[row["factory_id"]] = row["sequence"] = heads[row["factory_id"]] + 1
            self.heads[row["factory_id"]] = row["sequence"]
        for row in self.changes.values():
            if row is not None and isinstance(row["sequence"], dict):
                row["sequence"] = row["sequence"]["sequence"]
        async with conn.cursor() as cur:
            if self.emitted:
                await cur.executemany(
                    "INSERT INTO scheduling.assignment_feed (factory_id, sequence, operation_id,"
                    " machine_id, kind, assignment, changed_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [(r["factory_id"], r["sequence"], r["operation_id"], r["machine_id"], r["kind"],
                      Jsonb(r["assignment"]), r["changed_at"]) for r in self.emitted])
            gone = [op_id for op_id, row in self.changes.items() if row is None]
            if gone:
                await cur.execute("DELETE FROM scheduling.current_assignments"
                                  " WHERE operation_id = ANY(%s)", (gone,))
            kept = [row for row in self.changes.values() if row is not None]
            if kept:
                await cur.executemany(
                    "INSERT INTO scheduling.current_assignments (operation_id, order_id,"
                    " factory_id, machine_id, sequence, kind, assignment)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (operation_id) DO UPDATE SET factory_id = EXCLUDED.factory_id,"
                    " machine_id = EXCLUDED.machine_id, sequence = EXCLUDED.sequence,"
                    " kind = EXCLUDED.kind, assignment = EXCLUDED.assignment",
                    [(r["operation_id"], r["order_id"], r["factory_id"], r["machine_id"],
                      r["sequence"], r["kind"], Jsonb(r["assignment"])) for r in kept])


def _placement(a: dict[str, Any]) -> tuple:
    return a["machine_id"], a["start_ms"], a["end_ms"], a.get("risk", "")
