"""API keys bound to principals; stored hashed in PostgreSQL.

Principals: `admin`, `factory:<id>`, `channel:<name>`, `designer:<id>`. A key is a random
token shown once; only its SHA-256 is stored (a 256-bit random token needs no slow hash:
there is nothing to brute-force). Every service and the gateway read the same table.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool

from services.kit.persistence import apply_ddl

SCHEMA = "dovetail_auth"
# A key's id: the first hex digits of its SHA-256, enough to name it, useless to use it.
KEY_ID_CHARS = 16
ROLES = ("admin", "factory", "channel", "designer")
_PRINCIPAL_RE = re.compile(r"^(admin|(factory|channel|designer):[A-Za-z0-9_.-]{1,64})$")


class InvalidPrincipal(ValueError):
    pass


@dataclass(frozen=True)
class Principal:
    role: str
    subject: str = ""

    @classmethod
    def parse(cls, text: str) -> Principal:
        if not _PRINCIPAL_RE.match(text):
            raise InvalidPrincipal(
                f"{text!r} is not a principal: use admin, factory:<id>, channel:<name> or designer:<id>")
        role, _, subject = text.partition(":")
        return cls(role, subject)

    def __str__(self) -> str:
        return self.role if not self.subject else f"{self.role}:{self.subject}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def is_factory(self, factory_id: str) -> bool:
        return self.role == "factory" and self.subject == factory_id


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key(principal: Principal) -> str:
    return f"dvt_{principal.role}_{secrets.token_urlsafe(32)}"


def bearer_token(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class KeyStore:
    """Looks keys up by hash, with a short cache so a hot path does not query every call."""

    def __init__(self, pool: AsyncConnectionPool, cache_ttl_s: float = 5.0):
        self.pool = pool
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    async def ensure_schema(self) -> None:
        async with self.pool.connection() as conn:
            await apply_ddl(conn,
                f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}; "
                f"CREATE TABLE IF NOT EXISTS {SCHEMA}.api_keys ("
                " key_hash text PRIMARY KEY, principal text NOT NULL, label text NOT NULL DEFAULT '',"
                " created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz)")

    async def add(self, key: str, principal: Principal, label: str = "") -> None:
        """Register `key` for `principal` (idempotent for the same key)."""
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {SCHEMA}.api_keys (key_hash, principal, label) VALUES (%s, %s, %s)"
                " ON CONFLICT (key_hash) DO UPDATE SET principal = EXCLUDED.principal,"
                " revoked_at = NULL",
                (hash_key(key), str(principal), label))
        self._cache.pop(hash_key(key), None)

    async def issue(self, principal: Principal, label: str = "") -> str:
        key = new_key(principal)
        await self.add(key, principal, label)
        return key

    async def revoke(self, key: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                f"UPDATE {SCHEMA}.api_keys SET revoked_at = now() WHERE key_hash = %s",
                (hash_key(key),))
        self._cache.pop(hash_key(key), None)

    async def list(self, limit: int = 500) -> list[tuple]:
        """(key id, principal, label, created_at, revoked_at), newest first; never the keys."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT left(key_hash, {KEY_ID_CHARS}), principal, label, created_at, revoked_at"
                f" FROM {SCHEMA}.api_keys ORDER BY created_at DESC LIMIT %s", (limit,))
            return await cur.fetchall()

    async def revoke_by_id(self, key_id: str) -> bool:
        """Revoke the one key whose id (hash prefix) this is; False when none matches."""
        if not re.fullmatch(f"[0-9a-f]{{{KEY_ID_CHARS}}}", key_id or ""):
            return False
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"UPDATE {SCHEMA}.api_keys SET revoked_at = now() WHERE left(key_hash, %s) = %s"
                " AND revoked_at IS NULL RETURNING key_hash", (KEY_ID_CHARS, key_id))
            revoked = await cur.fetchall()
        # This process forgets at once; other processes within their cache TTL.
        self._cache.clear()
        return bool(revoked)

    async def principal_for(self, key: str | None) -> Principal | None:
        if not key or len(key) > 256:
            return None
        digest = hash_key(key)
        cached = self._cache.get(digest)
        now = time.monotonic()
        if cached and cached[0] > now:
            return cached[1]
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT principal FROM {SCHEMA}.api_keys WHERE key_hash = %s AND revoked_at IS NULL",
                (digest,))
            row = await cur.fetchone()
        principal = Principal.parse(row[0]) if row else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + self.cache_ttl_s, principal)
        return principal
