"""Listing and revoking API keys by id for admins (the kit's KeyStore issues and checks them).

A key's id is the first 16 hex digits of its SHA-256: enough to name it, useless to use it.
"""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from services.kit.auth import SCHEMA, KeyStore, hash_key

ID_CHARS = 16


def key_id(key: str) -> str:
    return hash_key(key)[:ID_CHARS]


async def list_keys(pool: AsyncConnectionPool, limit: int = 500) -> list[tuple]:
    async with pool.connection() as conn:
        return await (await conn.execute(
            f"SELECT left(key_hash, {ID_CHARS}), principal, label, created_at, revoked_at"
            f" FROM {SCHEMA}.api_keys ORDER BY created_at DESC LIMIT %s", (limit,))).fetchall()


async def revoke(keys: KeyStore, kid: str) -> bool:
    """Revoke the one key with this id; False when none (or, improbably, several) match."""
    async with keys.pool.connection() as conn:
        rows = await (await conn.execute(
            f"SELECT key_hash FROM {SCHEMA}.api_keys WHERE key_hash LIKE %s", (kid + "%",))).fetchall()
        if len(rows) != 1:
            return False
        await conn.execute(f"UPDATE {SCHEMA}.api_keys SET revoked_at = now()"
                           " WHERE key_hash = %s AND revoked_at IS NULL", (rows[0][0],))
    keys._cache.clear()  # this gateway forgets at once; services within their cache TTL (5 s)
    return True
