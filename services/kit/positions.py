"""Positions in a notification log, kept in the service's own schema.

The relay and the projections each remember how far they have read. A projection writes
its position in the same transaction as the rows it derived, so it never applies an event
twice; the relay writes its position after JetStream acknowledged, and relies on message
de-duplication for the few it may publish again.
"""

from __future__ import annotations

from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool

from services.kit.persistence import apply_ddl


def _table(schema: str) -> sql.Composed:
    return sql.SQL("{}.log_positions").format(sql.Identifier(schema))


async def ensure_positions_table(pool: AsyncConnectionPool, schema: str) -> None:
    async with pool.connection() as conn:
        await apply_ddl(conn, sql.SQL(
            "CREATE SCHEMA IF NOT EXISTS {}; "
            "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, position bigint NOT NULL)"
        ).format(sql.Identifier(schema), _table(schema)))


async def read_position(conn: AsyncConnection, schema: str, name: str) -> int:
    cur = await conn.execute(
        sql.SQL("SELECT position FROM {} WHERE name = %s").format(_table(schema)), (name,))
    row = await cur.fetchone()
    return int(row[0]) if row else 0


async def relaxed_commit(conn: AsyncConnection) -> None:
    """Inside a transaction: commit without waiting for the WAL flush.

    For positions and read models only. A crash may lose the last moments of them; the relay
    then re-publishes (JetStream drops the duplicates) and projections re-apply (idempotent),
    while the events themselves were committed durably. It saves an fsync per write cycle.
    """
    await conn.execute("SET LOCAL synchronous_commit TO OFF")


async def write_position(conn: AsyncConnection, schema: str, name: str, position: int) -> None:
    # GREATEST: a second replica's relay, or a slow one, never moves a position backwards.
    await conn.execute(sql.SQL(
        "INSERT INTO {t} (name, position) VALUES (%s, %s) ON CONFLICT (name) DO UPDATE "
        "SET position = GREATEST({t}.position, EXCLUDED.position)"
    ).format(t=_table(schema)), (name, position))
