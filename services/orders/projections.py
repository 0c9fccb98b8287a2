"""The order list read model: one row per order, kept by following the notification log.

Rows and the projection's position are written in one transaction, so every event is
applied exactly once; lists and filters are served from here, never by replaying aggregates.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from dovetail.orders.v1 import orders_service_pb2 as pb
from services.kit.errors import Violations
from services.kit.log_follower import LogWakeup
from services.kit.persistence import ServiceApplication, apply_ddl
from services.kit.projection import Projector
from services.kit.words import N_
from services.kit.words_pb import words_pb
from services.orders import wire
from services.orders.domain.order import STATUS_AFTER, Order
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import stored_content
from services.orders.published import TOPICS

log = logging.getLogger("dovetail.orders.projection")
PROJECTION = "projection:order_list"
MAX_PAGE = 200
DEFAULT_PAGE = 50

DDL = """
CREATE TABLE IF NOT EXISTS orders.order_list (
  order_id uuid PRIMARY KEY,
  channel text NOT NULL,
  external_id text NOT NULL,
  tenant text NOT NULL,
  status text NOT NULL,
  version bigint NOT NULL,
  placed_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  promised_date date,
  customer_name text NOT NULL,
  customer_email text NOT NULL,
  total_amount numeric,
  currency text,
  factory_id text NOT NULL DEFAULT '',
  planned_start timestamptz,
  planned_end timestamptz,
  catalog_version bigint NOT NULL DEFAULT 0,
  rejection_reasons jsonb NOT NULL DEFAULT '[]',
  tracking_token text NOT NULL DEFAULT '',
  content jsonb NOT NULL,
  content_pb bytea,
  planning_issue text NOT NULL DEFAULT ''
);
-- The content as serialized protobuf (customer, items, total, promised date), made once when
-- the order is projected, so a list answer is not rebuilt from JSON row by row.
ALTER TABLE orders.order_list ADD COLUMN IF NOT EXISTS content_pb bytea;
-- Why scheduling cannot plan the order ('' when nothing holds it).
ALTER TABLE orders.order_list ADD COLUMN IF NOT EXISTS planning_issue text NOT NULL DEFAULT '';
-- ... as words (serialized dovetail.common.v1.Words), when scheduling wrote them (issue 19).
ALTER TABLE orders.order_list ADD COLUMN IF NOT EXISTS planning_issue_words bytea;
-- rejection_reasons as words (serialized dovetail.common.v1.Words, one per reason), when the
-- configurator wrote them (issue 19).
ALTER TABLE orders.order_list ADD COLUMN IF NOT EXISTS rejection_reason_words bytea[];
-- What a shop order waiting for mapping needs ([{kind, key, line_id, detail}]; [] otherwise).
ALTER TABLE orders.order_list ADD COLUMN IF NOT EXISTS mapping_needs jsonb NOT NULL DEFAULT '[]';
CREATE INDEX IF NOT EXISTS order_list_placed ON orders.order_list (placed_at DESC, order_id DESC);
CREATE INDEX IF NOT EXISTS order_list_status ON orders.order_list (status, placed_at DESC, order_id DESC);
CREATE INDEX IF NOT EXISTS order_list_channel ON orders.order_list (channel, placed_at DESC, order_id DESC);
"""


def content_blob(event: Any) -> bytes:
    """The content part of a pb.Order, serialized, of an event that carries the content."""
    parts = wire.event_content_pb(event)
    return pb.Order(**{k: v for k, v in parts.items() if v is not None}).SerializeToString()


def _set_time(field, value: datetime | None) -> None:
    if value is not None:
        seconds = value.timestamp()
        field.seconds, field.nanos = int(seconds // 1), value.microsecond * 1000


@dataclass(frozen=True)
class OrderRow:
    data: dict[str, Any]

    def to_pb(self) -> pb.Order:
        d = self.data
        if d.get("content_pb") is not None:
            order = pb.Order.FromString(d["content_pb"])
        else:  # projected before content_pb existed
            parts = wire.content_to_pb(stored_content(d["content"]))
            order = pb.Order(**{k: v for k, v in parts.items() if v is not None})
        order.order_id, order.channel, order.external_id = (
            str(d["order_id"]), d["channel"], d["external_id"])
        order.status = STATUS_PB[d["status"]]
        order.version, order.factory_id, order.tenant = d["version"], d["factory_id"], d["tenant"]
        order.catalog_version, order.tracking_token = d["catalog_version"], d["tracking_token"]
        order.planning_issue = d["planning_issue"]
        if d.get("planning_issue_words"):
            order.planning_issue_words.ParseFromString(d["planning_issue_words"])
        order.rejection_reasons.extend(d["rejection_reasons"])
        for said in d.get("rejection_reason_words") or []:
            order.rejection_reason_words.add().ParseFromString(said)
        _set_time(order.placed_at, d["placed_at"])
        _set_time(order.updated_at, d["updated_at"])
        _set_time(order.planned_start, d["planned_start"])
        _set_time(order.planned_end, d["planned_end"])
        return order


STATUS_PB = {s.value: wire.status_to_pb(s) for s in OrderStatus}
# Every column but the JSON content, which is read only for rows without content_pb.
LIST_COLUMNS = ("order_id, channel, external_id, tenant, status, version, placed_at, updated_at, "
                "factory_id, planned_start, planned_end, catalog_version, rejection_reasons, "
                "tracking_token, planning_issue, planning_issue_words, rejection_reason_words, content_pb, CASE WHEN content_pb IS NULL THEN content END AS content")


@dataclass(frozen=True)
class OrderListQuery:
    page_size: int
    after: tuple[datetime, str] | None
    statuses: tuple[OrderStatus, ...]
    channel: str
    text: str
    placed_after: datetime | None
    placed_before: datetime | None

    @classmethod
    def from_request(cls, *, page_size: int, page_token: str, statuses, channel: str, text: str,
                     placed_after: datetime | None, placed_before: datetime | None) -> OrderListQuery:
        v = Violations()
        v.check(0 <= page_size <= MAX_PAGE, "page.page_size", N_("must be from 1 to %(n)s"),
                n=MAX_PAGE)
        after = None
        if page_token:
            try:
                placed, oid = json.loads(base64.urlsafe_b64decode(page_token.encode()))
                after = (datetime.fromisoformat(placed), str(oid))
            except (ValueError, TypeError):
                v.add("page.page_token", N_("is not a token this service gave out"))
        v.check(len(text) <= 200, "query", N_("must be at most 200 characters"))
        v.raise_if_any()
        return cls(page_size or DEFAULT_PAGE, after, tuple(statuses), channel, text.strip(),
                   placed_after, placed_before)


@dataclass(frozen=True)
class OrderPage:
    rows: list[OrderRow]
    next_token: str


class OrderListView:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def ensure_table(self) -> None:
        async with self.pool.connection() as conn:
            await apply_ddl(conn, DDL)

    async def list(self, q: OrderListQuery) -> OrderPage:
        where, params = ["TRUE"], []
        if q.statuses:
            where.append("status = ANY(%s)")
            params.append([s.value for s in q.statuses])
        if q.channel:
            where.append("channel = %s")
            params.append(q.channel)
        if q.placed_after:
            where.append("placed_at >= %s")
            params.append(q.placed_after)
        if q.placed_before:
            where.append("placed_at < %s")
            params.append(q.placed_before)
        if q.text:
            pattern = "%" + q.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where.append("(external_id ILIKE %s OR customer_name ILIKE %s OR customer_email ILIKE %s)")
            params += [pattern] * 3
        if q.after:
            where.append("(placed_at, order_id) < (%s, %s::uuid)")
            params += list(q.after)
        sql = (f"SELECT {LIST_COLUMNS} FROM orders.order_list WHERE {' AND '.join(where)} "
               "ORDER BY placed_at DESC, order_id DESC LIMIT %s")
        params.append(q.page_size + 1)
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            rows = await cur.fetchall()
        token = ""
        if len(rows) > q.page_size:
            rows = rows[:q.page_size]
            last = rows[-1]
            token = base64.urlsafe_b64encode(json.dumps(
                [last["placed_at"].isoformat(), str(last["order_id"])]).encode()).decode()
        return OrderPage([OrderRow(r) for r in rows], token)


    async def mapping_needs(self, channel: str = "") -> tuple[list[pb.MappingNeedGroup], int]:
        """What the orders waiting for mapping need, grouped by (channel, kind, key), most
        needed first; and how many orders wait."""
        where = "status = 'AWAITING_MAPPING'" + (" AND channel = %s" if channel else "")
        params = [channel] if channel else []
        sql = (f"SELECT channel, n->>'kind' AS kind, n->>'key' AS key, "
               "count(DISTINCT order_id) AS orders, "
               "(array_agg(DISTINCT order_id::text))[1:20] AS order_ids, "
               "min(n->>'detail') AS example "
               f"FROM orders.order_list, jsonb_array_elements(mapping_needs) AS n WHERE {where} "
               "GROUP BY 1, 2, 3 ORDER BY orders DESC, 1, 2, 3 LIMIT 1000")
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(sql, params)).fetchall()
            [waiting] = await (await conn.execute(
                f"SELECT count(*) FROM orders.order_list WHERE {where}", params)).fetchone()
        return [pb.MappingNeedGroup(channel=r[0], kind=r[1], key=r[2], order_count=r[3],
                                    order_ids=r[4], example=r[5] or "") for r in rows], waiting


def order_list_projector(app: ServiceApplication, pool: AsyncConnectionPool,
                         wakeup: LogWakeup) -> Projector:
    """Follows the orders log and keeps orders.order_list."""
    # The order's own events, not the intake index's. Read at most ten times a second: each
    # batch costs a read, a transaction and its position write, which under intake peaks
    # cost the orders process more than the rows; a list a tenth of a second behind is fine.
    return Projector(app=app, pool=pool, wakeup=wakeup, schema="orders", name=PROJECTION,
                     apply=apply_all, topics=TOPICS, min_interval_s=0.1)


# Runs of new orders are inserted with one statement over a JSON array: one round trip and
# little Python work per order, which matters at intake peaks. The array is encoded by msgspec
# (the rows hold JSON values only): psycopg's default, json.dumps, was 6 % of the event
# loop thread's samples while webhooks poured in (load/bench_webhooks.py --profile orders).
INSERT_PLACED = """
INSERT INTO orders.order_list (order_id, channel, external_id, tenant, status, version,
  placed_at, updated_at, promised_date, customer_name, customer_email, total_amount, currency,
  content, content_pb, mapping_needs)
SELECT r.order_id, r.channel, r.external_id, r.tenant, r.status, r.version, r.placed_at,
  r.updated_at, r.promised_date, r.content->'customer'->>'name',
  coalesce(r.content->'customer'->>'email', ''), (r.content->'total'->>'amount')::numeric,
  r.content->'total'->>'currency', r.content, decode(r.content_pb, 'base64'),
  coalesce(r.mapping_needs, '[]')
FROM jsonb_to_recordset(%s::jsonb) AS r(order_id uuid, channel text, external_id text,
  tenant text, status text, version bigint, placed_at timestamptz, updated_at timestamptz,
  promised_date date, content jsonb, content_pb text, mapping_needs jsonb)
ON CONFLICT (order_id) DO NOTHING
"""


async def apply_all(conn, events: list[Any]) -> None:
    """Apply a batch in log order: runs of placed orders inserted at once, runs of changes of
    one kind (configured, scheduled, ...) sent as one executemany (pipelined), not a round
    trip each."""
    placed: list[dict] = []
    changes: list[tuple[str, list]] = []  # (statement, parameters) of a run of one kind
    for event in events:
        if not isinstance(event, Order.Event):
            continue
        if type(event).__name__ == "Placed":
            await _update(conn, changes)
            placed.append(_placed_row(event))
            continue
        if placed:
            await conn.execute(INSERT_PLACED, (Jsonb(placed, dumps=msgspec.json.encode),))
            placed = []
        statement, params = _change(event)
        if changes and changes[0][0] != statement:
            await _update(conn, changes)
        changes.append((statement, params))
    await _update(conn, changes)
    if placed:
        await conn.execute(INSERT_PLACED, (Jsonb(placed, dumps=msgspec.json.encode),))


async def _update(conn, changes: list[tuple[str, list]]) -> None:
    """A run of changes with the same statement, sent at once; the run is emptied."""
    if len(changes) == 1:
        await conn.execute(*changes[0])
    elif changes:
        async with conn.cursor() as cur:
            await cur.executemany(changes[0][0], [params for _, params in changes])
    changes.clear()


def _needs_json(needs: Any) -> list[dict[str, str]]:
    return [{"kind": n.kind, "key": n.key, "line_id": n.line_id, "detail": n.detail}
            for n in needs or ()]


def _placed_row(event: Any) -> dict:
    needs = getattr(event, "needs", ())
    return {"order_id": str(event.originator_id), "channel": event.channel,
            "status": (OrderStatus.AWAITING_MAPPING if needs else OrderStatus.PLACED).value,
            "mapping_needs": _needs_json(needs),
            "external_id": event.external_id, "tenant": event.tenant,
            "version": event.originator_version, "placed_at": event.placed_at,
            "updated_at": event.timestamp.isoformat(),
            "promised_date": event.content.promised_date, "content": event.content,
            "content_pb": base64.b64encode(content_blob(event)).decode()}


async def apply(conn, event: Any) -> None:
    """Apply one event."""
    if not isinstance(event, Order.Event):
        return
    if type(event).__name__ == "Placed":
        await conn.execute(INSERT_PLACED, (Jsonb([_placed_row(event)], dumps=msgspec.json.encode),))
        return
    await conn.execute(*_change(event))


def _change(event: Any) -> tuple[str, list]:
    """The UPDATE of an order's row an event other than Placed makes, and its parameters
    (events of one kind make the same statement)."""
    name = type(event).__name__
    oid, version, at = event.originator_id, event.originator_version, event.timestamp
    sets: dict[str, Any] = {"version": version, "updated_at": at}
    status = STATUS_AFTER.get(name)
    if status is not None:
        sets["status"] = status.value
    if name == "MappingStillNeeded":
        sets["mapping_needs"] = Jsonb(_needs_json(event.needs))
    elif name in ("MappingResolved", "Cancelled"):
        sets["mapping_needs"] = Jsonb([])
    if name in ("Amended", "MappingResolved", "Reprocessed"):
        sets.update(content=Jsonb(event.content, dumps=msgspec.json.encode),
                    content_pb=content_blob(event), promised_date=event.content.promised_date,
                    factory_id="", planned_start=None, planned_end=None, catalog_version=0,
                    rejection_reasons=Jsonb([]), rejection_reason_words=None, planning_issue="",
                    planning_issue_words=None)
    elif name == "Configured":
        sets["catalog_version"] = event.catalog_version
    elif name == "ConfigurationRejected":
        said = getattr(event, "said", None) or []
        sets.update(rejection_reasons=Jsonb(list(event.reasons)), rejection_reason_words=[
            words_pb(w).SerializeToString() for w in said] if said else None)
    elif name == "Scheduled":
        sets.update(factory_id=event.factory_id, planned_start=event.planned_start or None,
                    planned_end=event.planned_end or None, planning_issue="",
                    planning_issue_words=None)
    elif name == "PlanningHeld":
        said = getattr(event, "said", None)
        sets.update(planning_issue=event.reason,
                    planning_issue_words=words_pb(said).SerializeToString() if said else None)
    elif name in ("Cancelled", "ProductionStarted"):
        sets.update(planning_issue="", planning_issue_words=None)
    elif name == "Shipped":
        sets["tracking_token"] = event.tracking_token
    assignments = ", ".join(f"{k} = %s" for k in sets)
    return (f"UPDATE orders.order_list SET {assignments} WHERE order_id = %s AND version < %s",
            [*sets.values(), oid, version])
