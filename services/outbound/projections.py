"""The delivery list read model: one row per delivery (status, when due, the wire message),
kept by following outbound's own log. The dispatcher finds what is due in it; the admin API
reads a subscription's delivery log and the dead-letter list from it.

For each delivery touched by a batch of notifications the row is rewritten from the
aggregate, guarded by version, in the same transaction as the projection's position.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from dovetail.outbound.v1 import outbound_service_pb2 as pb
from services.kit.errors import Violations
from services.kit.log_follower import LogWakeup
from services.kit.persistence import apply_ddl
from services.kit.projection import Projector
from services.kit.words import N_
from services.outbound.application import OutboundApplication
from services.outbound.domain.delivery import Delivery
from services.outbound.domain.values import DeliveryStatus
from services.outbound.wire import delivery_to_pb

PROJECTION = "projection:delivery_list"
MAX_PAGE, DEFAULT_PAGE = 200, 50

DDL = """
CREATE TABLE IF NOT EXISTS outbound.delivery_list (
  delivery_id uuid PRIMARY KEY,
  target text NOT NULL,
  status text NOT NULL,
  queued_at timestamptz NOT NULL,
  due_at timestamptz NOT NULL,
  version bigint NOT NULL,
  doc bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS delivery_list_due ON outbound.delivery_list (due_at)
  WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS delivery_list_target ON outbound.delivery_list
  (target, queued_at DESC, delivery_id DESC);
CREATE INDEX IF NOT EXISTS delivery_list_status ON outbound.delivery_list
  (status, queued_at DESC, delivery_id DESC);
"""

UPSERT = """
INSERT INTO outbound.delivery_list (delivery_id, target, status, queued_at, due_at, version, doc)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (delivery_id) DO UPDATE SET status = EXCLUDED.status, due_at = EXCLUDED.due_at,
  version = EXCLUDED.version, doc = EXCLUDED.doc
WHERE outbound.delivery_list.version < EXCLUDED.version
"""


@dataclass(frozen=True)
class DeliveryQuery:
    page_size: int
    after: tuple[datetime, str] | None
    target: str
    status: DeliveryStatus | None

    @classmethod
    def from_request(cls, *, page_size: int, page_token: str, target: str,
                     status: DeliveryStatus | None) -> DeliveryQuery:
        v = Violations()
        v.check(0 <= page_size <= MAX_PAGE, "page.page_size", N_("must be from 1 to %(n)s"),
                n=MAX_PAGE)
        after = None
        if page_token:
            try:
                queued, did = json.loads(base64.urlsafe_b64decode(page_token.encode()))
                after = (datetime.fromisoformat(queued), str(uuid.UUID(did)))
            except (ValueError, TypeError):
                v.add("page.page_token", N_("is not a token this service gave out"))
        v.check(len(target) <= 200, "target", N_("must be at most 200 characters"))
        v.raise_if_any()
        return cls(page_size or DEFAULT_PAGE, after, target.strip(), status)


class DeliveryListView:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def ensure_table(self) -> None:
        async with self.pool.connection() as conn:
            await apply_ddl(conn, DDL)

    async def due(self, limit: int) -> list[uuid.UUID]:
        """Pending deliveries whose time has come, the longest waiting first."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT delivery_id FROM outbound.delivery_list WHERE status = 'pending' "
                "AND due_at <= now() ORDER BY due_at LIMIT %s", (limit,))
            return [row[0] for row in await cur.fetchall()]

    async def list(self, q: DeliveryQuery) -> tuple[list[pb.Delivery], str]:
        where, params = ["TRUE"], []
        if q.target:
            where.append("target = %s")
            params.append(q.target)
        if q.status is not None:
            where.append("status = %s")
            params.append(q.status.value)
        if q.after:
            where.append("(queued_at, delivery_id) < (%s, %s::uuid)")
            params += list(q.after)
        sql = (f"SELECT delivery_id, queued_at, doc FROM outbound.delivery_list "
               f"WHERE {' AND '.join(where)} ORDER BY queued_at DESC, delivery_id DESC LIMIT %s")
        params.append(q.page_size + 1)
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(sql, params)).fetchall()
        token = ""
        if len(rows) > q.page_size:
            rows = rows[:q.page_size]
            token = base64.urlsafe_b64encode(json.dumps(
                [rows[-1][1].isoformat(), str(rows[-1][0])]).encode()).decode()
        return [pb.Delivery.FromString(bytes(r[2])) for r in rows], token


def delivery_rows(app: OutboundApplication, events: list) -> list[tuple]:
    touched = dict.fromkeys(e.originator_id for e in events if isinstance(e, Delivery.Event))
    rows = []
    for delivery_id in touched:
        d = app.delivery(delivery_id)
        rows.append((d.id, d.target, d.status.value, datetime.fromisoformat(d.queued_at),
                     datetime.fromisoformat(d.due_at), d.version,
                     delivery_to_pb(d).SerializeToString()))
    return rows


async def upsert_deliveries(conn, rows: list[tuple]) -> None:
    for row in rows:
        await conn.execute(UPSERT, row)


def delivery_list_projector(app: OutboundApplication, pool: AsyncConnectionPool,
                            wakeup: LogWakeup) -> Projector:
    return Projector(app=app, pool=pool, wakeup=wakeup, schema="outbound", name=PROJECTION,
                     prepare=lambda events: delivery_rows(app, events), apply=upsert_deliveries)
