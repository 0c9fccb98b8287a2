"""The shipment list read model: one row per shipment, kept by following delivery's log.

Filter columns sit beside the shipment as the wire message (`doc`), so ListShipments is a
single indexed query. For each shipment touched by a batch of notifications the row is
rewritten from the aggregate, guarded by version, in the same transaction as the
projection's position: a row never goes back and every batch applies once.
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from psycopg_pool import AsyncConnectionPool

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from services.delivery.application import DeliveryApplication
from services.delivery.domain.shipment import Shipment
from services.delivery.domain.values import ShipmentStatus
from services.delivery.wire import shipment_to_pb
from services.kit.errors import Violations
from services.kit.log_follower import LogWakeup
from services.kit.persistence import apply_ddl
from services.kit.projection import Projector
from services.kit.words import N_

log = logging.getLogger("dovetail.delivery.projection")
PROJECTION = "projection:shipment_list"
MAX_PAGE = 200
DEFAULT_PAGE = 50
TROUBLED = [s.value for s in ShipmentStatus if s.troubled]

DDL = """
CREATE TABLE IF NOT EXISTS delivery.shipment_list (
  shipment_id uuid PRIMARY KEY,
  order_id text NOT NULL,
  factory_id text NOT NULL,
  carrier text NOT NULL,
  tracking_number text NOT NULL,
  status text NOT NULL,
  late boolean NOT NULL,
  at_risk boolean NOT NULL,
  eta timestamptz,
  opened_at timestamptz NOT NULL,
  version bigint NOT NULL,
  doc bytea NOT NULL
);
CREATE INDEX IF NOT EXISTS shipment_list_opened ON delivery.shipment_list (opened_at DESC, shipment_id DESC);
CREATE INDEX IF NOT EXISTS shipment_list_carrier ON delivery.shipment_list (carrier, opened_at DESC, shipment_id DESC);
CREATE INDEX IF NOT EXISTS shipment_list_factory ON delivery.shipment_list (factory_id, opened_at DESC, shipment_id DESC);
CREATE INDEX IF NOT EXISTS shipment_list_status ON delivery.shipment_list (status, opened_at DESC, shipment_id DESC);
"""

UPSERT = """
INSERT INTO delivery.shipment_list (shipment_id, order_id, factory_id, carrier, tracking_number,
  status, late, at_risk, eta, opened_at, version, doc)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (shipment_id) DO UPDATE SET status = EXCLUDED.status, late = EXCLUDED.late,
  at_risk = EXCLUDED.at_risk, eta = EXCLUDED.eta, factory_id = EXCLUDED.factory_id,
  version = EXCLUDED.version, doc = EXCLUDED.doc
WHERE delivery.shipment_list.version < EXCLUDED.version
"""


@dataclass(frozen=True)
class ShipmentListQuery:
    page_size: int
    after: tuple[datetime, str] | None
    late: bool | None
    at_risk: bool | None
    exception: bool | None
    carrier: str
    factory_id: str
    statuses: tuple[ShipmentStatus, ...]

    @classmethod
    def from_request(cls, *, page_size: int, page_token: str, late: bool | None,
                     at_risk: bool | None, exception: bool | None, carrier: str,
                     factory_id: str, statuses) -> ShipmentListQuery:
        v = Violations()
        v.check(0 <= page_size <= MAX_PAGE, "page.page_size", N_("must be from 1 to %(n)s"),
                n=MAX_PAGE)
        after = None
        if page_token:
            try:
                opened, sid = json.loads(base64.urlsafe_b64decode(page_token.encode()))
                after = (datetime.fromisoformat(opened), str(uuid.UUID(sid)))
            except (ValueError, TypeError):
                v.add("page.page_token", N_("is not a token this service gave out"))
        v.check(len(carrier) <= 40, "carrier", N_("must be at most 40 characters"))
        v.check(len(factory_id) <= 64, "factory_id", N_("must be at most 64 characters"))
        v.raise_if_any()
        return cls(page_size or DEFAULT_PAGE, after, late, at_risk, exception, carrier.strip(),
                   factory_id.strip(), tuple(statuses))


@dataclass(frozen=True)
class ShipmentPage:
    shipments: list[pb.Shipment]
    next_token: str


class ShipmentListView:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def ensure_table(self) -> None:
        async with self.pool.connection() as conn:
            await apply_ddl(conn, DDL)

    async def list(self, q: ShipmentListQuery) -> ShipmentPage:
        where, params = ["TRUE"], []
        for column, value in (("late", q.late), ("at_risk", q.at_risk)):
            if value is not None:
                where.append(f"{column} = %s")
                params.append(value)
        if q.exception is not None:
            where.append(("" if q.exception else "NOT ") + "(status = ANY(%s))")
            params.append(TROUBLED)
        if q.statuses:
            where.append("status = ANY(%s)")
            params.append([s.value for s in q.statuses])
        for column, value in (("carrier", q.carrier), ("factory_id", q.factory_id)):
            if value:
                where.append(f"{column} = %s")
                params.append(value)
        if q.after:
            where.append("(opened_at, shipment_id) < (%s, %s::uuid)")
            params += list(q.after)
        sql = (f"SELECT shipment_id, opened_at, doc FROM delivery.shipment_list "
               f"WHERE {' AND '.join(where)} ORDER BY opened_at DESC, shipment_id DESC LIMIT %s")
        params.append(q.page_size + 1)
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            rows = await cur.fetchall()
        token = ""
        if len(rows) > q.page_size:
            rows = rows[:q.page_size]
            token = base64.urlsafe_b64encode(json.dumps(
                [rows[-1][1].isoformat(), str(rows[-1][0])]).encode()).decode()
        return ShipmentPage([pb.Shipment.FromString(bytes(r[2])) for r in rows], token)


async def upsert_shipments(conn, rows: list[tuple]) -> None:
    for row in rows:
        await conn.execute(UPSERT, row)


def shipment_list_projector(app: DeliveryApplication, pool: AsyncConnectionPool,
                            wakeup: LogWakeup) -> Projector:
    """Follows delivery's log and keeps delivery.shipment_list (current state per shipment)."""
    return Projector(app=app, pool=pool, wakeup=wakeup, schema="delivery", name=PROJECTION,
                     prepare=lambda events: shipment_rows(app, events), apply=upsert_shipments)


def shipment_rows(app: DeliveryApplication, events: list) -> list[tuple]:
    touched: dict[uuid.UUID, None] = {}
    for event in events:
        if isinstance(event, Shipment.Event):
            touched[event.originator_id] = None
    rows = []
    for shipment_id in touched:
        s = app.get_shipment(shipment_id)
        rows.append((s.id, s.order_id, s.factory_id, s.carrier, s.tracking_number,
                     s.status.value, s.late, s.at_risk, s.eta_at,
                     datetime.fromisoformat(s.opened_at), s.version,
                     shipment_to_pb(s).SerializeToString()))
    return rows
