"""Read models of iot, kept by following its own notification log.

Rows and the projection's position are written in one transaction (each event applied once):
the registry lists, state history, downtime intervals, planned stops and operation runs.
Energy minute buckets are not here: the intake writes them directly (services/iot/energy_ledger.py).
"""

from __future__ import annotations

import logging
from typing import Any

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from services.iot.domain.machine_state import MachineStateLog
from services.iot.domain.operations import OperationRun, PlannedStop
from services.iot.domain.registry import Factory, Machine
from services.iot.domain.values import as_plain
from services.kit.log_follower import LogWakeup
from services.kit.persistence import ServiceApplication, apply_ddl
from services.kit.projection import Projector
from services.kit.words_pb import words_pb

log = logging.getLogger("dovetail.iot.projection")
PROJECTION = "projection:iot"

DDL = """
CREATE TABLE IF NOT EXISTS iot.factories (
  factory_id text PRIMARY KEY, profile jsonb NOT NULL, active boolean NOT NULL,
  version bigint NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS iot.machines (
  machine_id text PRIMARY KEY, factory_id text NOT NULL, machine_type text NOT NULL,
  active boolean NOT NULL, profile jsonb NOT NULL, version bigint NOT NULL,
  updated_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS machines_by_factory ON iot.machines (factory_id, machine_id);
CREATE TABLE IF NOT EXISTS iot.state_changes (
  machine_id text NOT NULL, version bigint NOT NULL, factory_id text NOT NULL,
  at_ms bigint NOT NULL, from_state text NOT NULL, to_state text NOT NULL, reason text NOT NULL,
  available boolean NOT NULL, PRIMARY KEY (machine_id, version));
CREATE INDEX IF NOT EXISTS state_changes_by_time ON iot.state_changes (machine_id, at_ms);
CREATE TABLE IF NOT EXISTS iot.downtimes (
  downtime_id text PRIMARY KEY, machine_id text NOT NULL, factory_id text NOT NULL,
  state text NOT NULL, start_ms bigint NOT NULL, end_ms bigint, category text NOT NULL,
  note text NOT NULL, planned boolean NOT NULL);
CREATE INDEX IF NOT EXISTS downtimes_by_machine ON iot.downtimes (machine_id, start_ms DESC);
CREATE INDEX IF NOT EXISTS downtimes_by_factory ON iot.downtimes (factory_id, start_ms DESC);
CREATE TABLE IF NOT EXISTS iot.planned_stops (
  stop_id text PRIMARY KEY, factory_id text NOT NULL, machine_ids text[] NOT NULL,
  start_ms bigint NOT NULL, end_ms bigint NOT NULL, reason text NOT NULL);
CREATE INDEX IF NOT EXISTS planned_stops_by_end ON iot.planned_stops (end_ms);
CREATE TABLE IF NOT EXISTS iot.operation_runs (
  run_id uuid PRIMARY KEY, operation_id text NOT NULL, order_id text NOT NULL, factory_id text NOT NULL,
  machine_id text NOT NULL, started_ms bigint NOT NULL DEFAULT 0,
  finished_ms bigint NOT NULL DEFAULT 0, planned_duration_s bigint NOT NULL DEFAULT 0,
  scrap_quantity integer NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS operation_runs_by_order ON iot.operation_runs (order_id);
CREATE INDEX IF NOT EXISTS operation_runs_by_machine ON iot.operation_runs (machine_id, started_ms);
CREATE TABLE IF NOT EXISTS iot.machine_health (
  machine_id text PRIMARY KEY, factory_id text NOT NULL, at_ms bigint NOT NULL,
  score double precision NOT NULL, horizon_s double precision, confidence double precision NOT NULL,
  alarm boolean NOT NULL, explanation text[] NOT NULL, version bigint NOT NULL);
CREATE INDEX IF NOT EXISTS machine_health_by_factory ON iot.machine_health (factory_id, machine_id);
ALTER TABLE iot.machine_health ADD COLUMN IF NOT EXISTS maintained_at_ms bigint,
  ADD COLUMN IF NOT EXISTS maintained_by text, ADD COLUMN IF NOT EXISTS maintenance_task_id text,
  ALTER COLUMN at_ms DROP NOT NULL, ALTER COLUMN score DROP NOT NULL,
  ALTER COLUMN confidence DROP NOT NULL;
-- The explanation as words (serialized dovetail.common.v1.Words, line for line; issue 19).
ALTER TABLE iot.machine_health ADD COLUMN IF NOT EXISTS explanation_words bytea[];
"""


async def ensure_tables(pool: AsyncConnectionPool) -> None:
    async with pool.connection() as conn:
        await apply_ddl(conn, DDL)


async def apply_all(conn, events: list) -> None:
    for event in events:
        await apply(conn, event)


def iot_projector(app: ServiceApplication, pool: AsyncConnectionPool,
                  wakeup: LogWakeup) -> Projector:
    """Follows the iot log and keeps the read models."""
    return Projector(app=app, pool=pool, wakeup=wakeup, schema="iot", name=PROJECTION,
                     apply=apply_all)


async def apply(conn, event: Any) -> None:
    name = type(event).__name__
    if isinstance(event, Factory.Event) and name in ("Registered", "Updated"):
        p = event.profile
        await conn.execute(
            "INSERT INTO iot.factories (factory_id, profile, active, version, updated_at) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (factory_id) DO UPDATE SET "
            "profile = EXCLUDED.profile, active = EXCLUDED.active, version = EXCLUDED.version, "
            "updated_at = EXCLUDED.updated_at WHERE iot.factories.version < EXCLUDED.version",
            (p.factory_id, Jsonb(as_plain(p)), p.active, event.originator_version,
             event.timestamp))
    elif isinstance(event, Machine.Event) and name in ("Registered", "Updated"):
        p = event.profile
        await conn.execute(
            "INSERT INTO iot.machines (machine_id, factory_id, machine_type, active, profile, "
            "version, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (machine_id) DO UPDATE SET machine_type = EXCLUDED.machine_type, "
            "active = EXCLUDED.active, profile = EXCLUDED.profile, version = EXCLUDED.version, "
            "updated_at = EXCLUDED.updated_at WHERE iot.machines.version < EXCLUDED.version",
            (p.machine_id, p.factory_id, p.machine_type, p.active, Jsonb(as_plain(p)),
             event.originator_version, event.timestamp))
    elif isinstance(event, Machine.Event) and name == "HealthAssessed":
        await conn.execute(
            "INSERT INTO iot.machine_health (machine_id, factory_id, at_ms, score, horizon_s, "
            "confidence, alarm, explanation, version, explanation_words) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (machine_id) DO UPDATE SET at_ms = EXCLUDED.at_ms, "
            "score = EXCLUDED.score, horizon_s = EXCLUDED.horizon_s, "
            "confidence = EXCLUDED.confidence, alarm = EXCLUDED.alarm, "
            "explanation = EXCLUDED.explanation, version = EXCLUDED.version, "
            "explanation_words = EXCLUDED.explanation_words "
            "WHERE iot.machine_health.version < EXCLUDED.version",
            (event.machine_id, event.factory_id, event.at_ms, event.score, event.horizon_s,
             event.confidence, event.alarm, list(event.explanation), event.originator_version,
             [words_pb(w).SerializeToString() for w in getattr(event, "said", None) or ()]))
    elif isinstance(event, Machine.Event) and name == "Maintained":
        # serviced: no assessment until the wear watch has its new baseline (at_ms NULL)
        await conn.execute(
            "INSERT INTO iot.machine_health (machine_id, factory_id, alarm, explanation, version, "
            "maintained_at_ms, maintained_by, maintenance_task_id) "
            "VALUES (%s, %s, false, '{}', %s, %s, %s, %s) ON CONFLICT (machine_id) DO UPDATE SET at_ms = NULL, score = NULL, "
            "horizon_s = NULL, confidence = NULL, alarm = false, explanation = '{}', "
            "explanation_words = '{}', "
            "version = EXCLUDED.version, maintained_at_ms = EXCLUDED.maintained_at_ms, "
            "maintained_by = EXCLUDED.maintained_by, "
            "maintenance_task_id = EXCLUDED.maintenance_task_id "
            "WHERE iot.machine_health.version < EXCLUDED.version",
            (event.machine_id, event.factory_id, event.originator_version, event.at_ms,
             event.by, event.task_id))
    elif isinstance(event, MachineStateLog.Event):
        await _apply_state(conn, name, event)
    elif isinstance(event, PlannedStop.Event) and name == "Declared":
        await conn.execute(
            "INSERT INTO iot.planned_stops (stop_id, factory_id, machine_ids, start_ms, end_ms, "
            "reason) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (str(event.originator_id), event.factory_id, list(event.machine_ids),
             event.start_ms, event.end_ms, event.reason))
    elif isinstance(event, PlannedStop.Event) and name == "Replanned":
        await conn.execute(
            "UPDATE iot.planned_stops SET start_ms = %s, end_ms = %s WHERE stop_id = %s",
            (event.start_ms, event.end_ms, str(event.originator_id)))
    elif isinstance(event, OperationRun.Event):
        await _apply_operation(conn, name, event)


async def _apply_state(conn, name: str, e: Any) -> None:
    if name == "StateChanged":
        await conn.execute(
            "INSERT INTO iot.state_changes (machine_id, version, factory_id, at_ms, from_state, "
            "to_state, reason, available) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING",
            (e.machine_id, e.originator_version, e.factory_id, e.at_ms, e.from_state,
             e.to_state, e.reason, e.available))
        if e.opened_downtime:
            await conn.execute(
                "INSERT INTO iot.downtimes (downtime_id, machine_id, factory_id, state, start_ms, "
                "category, note, planned) VALUES (%s, %s, %s, %s, %s, 'unspecified', '', %s) "
                "ON CONFLICT DO NOTHING",
                (e.opened_downtime, e.machine_id, e.factory_id, e.to_state, e.at_ms, e.planned))
    elif name == "DowntimeRecorded":
        await conn.execute("UPDATE iot.downtimes SET end_ms = %s WHERE downtime_id = %s",
                           (e.end_ms, e.downtime_id))
    elif name == "DowntimeReasonSet":
        await conn.execute(
            "UPDATE iot.downtimes SET category = %s, note = %s WHERE downtime_id = %s",
            (e.category, e.note, e.downtime_id))


async def _apply_operation(conn, name: str, e: Any) -> None:
    run_id = e.originator_id
    if name == "Noted":
        await conn.execute(
            "INSERT INTO iot.operation_runs (run_id, operation_id, order_id, factory_id, "
            "machine_id) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (run_id, e.operation_id, e.order_id, e.factory_id, e.machine_id))
    elif name == "Started":
        await conn.execute("UPDATE iot.operation_runs SET started_ms = %s WHERE run_id = %s",
                           (e.at_ms, run_id))
    elif name == "Finished":
        await conn.execute(
            "UPDATE iot.operation_runs SET finished_ms = %s, planned_duration_s = %s "
            "WHERE run_id = %s", (e.at_ms, e.planned_duration_s, run_id))
    elif name == "Scrapped":
        await conn.execute("UPDATE iot.operation_runs SET scrap_quantity = %s WHERE run_id = %s",
                           (e.quantity, run_id))
