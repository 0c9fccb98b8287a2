"""API keys bound to principals; stored hashed in PostgreSQL.

Principals: `admin`, `factory:<id>`, `channel:<name>`, `designer:<id>`; people signed in to
the portal may also be `planner` or `customer_service` (gateway/accounts). A key is a random
token shown once; only its SHA-256 is stored (a 256-bit random token needs no slow hash:
there is nothing to brute-force). Every service and the gateway read the same table.

Each key records where it came from: the one *bootstrap* admin key (DOVETAIL_ADMIN_KEY, which
replaces the bootstrap key before it on start), keys *minted* through the admin API, and keys
*seeded* by a program (demo factories, tests). A revoked key stays revoked: adding it again
is refused, never a way back in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from services.kit.persistence import apply_ddl

SCHEMA = "dovetail_auth"
# A key's id: the first hex digits of its SHA-256, enough to name it, useless to use it.
KEY_ID_CHARS = 16
BOOTSTRAP, MINTED, SEEDED = "bootstrap", "minted", "seeded"
BOOTSTRAP_LABEL = "admin (DOVETAIL_ADMIN_KEY)"
ROLES = ("admin", "factory", "channel", "designer")
# Roles only people hold (a session from gateway/accounts), never a service's caller.
PEOPLE_ROLES = ("planner", "customer_service")
_PRINCIPAL_RE = re.compile(
    r"^(admin|planner|customer_service|(factory|channel|designer):[A-Za-z0-9_.-]{1,64})$")


# A table from before keys knew their origin: the environment's admin key was the one with
# this label, and the rest are taken as minted.
ORIGIN_MIGRATION = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = '{SCHEMA}'
                 AND table_name = 'api_keys' AND column_name = 'origin') THEN
    ALTER TABLE {SCHEMA}.api_keys ADD COLUMN origin text;
    UPDATE {SCHEMA}.api_keys SET origin = CASE WHEN label = '{BOOTSTRAP_LABEL}'
      THEN '{BOOTSTRAP}' ELSE '{MINTED}' END;
    ALTER TABLE {SCHEMA}.api_keys ALTER COLUMN origin SET DEFAULT '{SEEDED}',
      ALTER COLUMN origin SET NOT NULL;
  END IF;
END $$;"""


class InvalidPrincipal(ValueError):
    pass


class KeyRefused(ValueError):
    """A key cannot be registered: it was revoked, or it belongs to another principal."""

    def __init__(self, message: str, reason: str = ""):
        super().__init__(message)
        self.reason = reason or message  # why, without which setting the key came from


@dataclass(frozen=True)
class Principal:
    role: str
    subject: str = ""
    # The person acting (an account's e-mail) when a session, not a key, gave this principal.
    person: str = field(default="", compare=False)

    @classmethod
    def parse(cls, text: str) -> Principal:
        if not _PRINCIPAL_RE.match(text):
            raise InvalidPrincipal(
                f"{text!r} is not a principal: use admin, planner, customer_service, factory:<id>,"
                " channel:<name> or designer:<id>")
        role, _, subject = text.partition(":")
        return cls(role, subject)

    def __str__(self) -> str:
        return self.role if not self.subject else f"{self.role}:{self.subject}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        """Who acts, for the record: the person's e-mail, or the principal when a key acts."""
        return self.person or str(self)

    def is_factory(self, factory_id: str) -> bool:
        return self.role == "factory" and self.subject == factory_id


# gRPC metadata naming the person a call is made for: the gateway calls the services with its
# admin key and names who signed in, so a service records a person's change with their name.
ACTOR_METADATA = "dovetail-actor"


def actor_of(principal: Principal, metadata: Iterable[tuple[str, Any]] | None) -> str:
    """Who makes a change: the person an admin caller (the gateway) names, or the caller's
    principal. Only an admin may speak for someone else."""
    if principal.is_admin:
        for name, value in metadata or ():
            if name == ACTOR_METADATA and isinstance(value, str) and value.strip():
                return value.strip()[:254]
    return str(principal)


# gRPC metadata naming the role of the person the gateway acts for (planner, admin, ...): a
# record of what a person did says in what capacity (issue 19, plan overrides).
ACTOR_ROLE_METADATA = "dovetail-actor-role"


def actor_role_of(principal: Principal, metadata: Iterable[tuple[str, Any]] | None) -> str:
    """The acting person's role as an admin caller (the gateway) names it, else the caller's."""
    if principal.is_admin:
        for name, value in metadata or ():
            if name == ACTOR_ROLE_METADATA and isinstance(value, str) and value.strip():
                return value.strip()[:64]
    return principal.role


# gRPC metadata naming the factory a call acts for: the gateway's factory workspace reports a
# factory person's work with its admin key and names their factory.
FACTORY_METADATA = "dovetail-factory"


def factory_of(principal: Principal, metadata: Iterable[tuple[str, Any]] | None) -> str:
    """The factory a call acts for: a factory key's own; the one an admin caller (the gateway)
    names; "" when an admin names none. Only an admin may act for a factory not its own."""
    if principal.role == "factory":
        return principal.subject
    if principal.is_admin:
        for name, value in metadata or ():
            if name == FACTORY_METADATA and isinstance(value, str):
                return value.strip()[:64]
    return ""


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
                " created_at timestamptz NOT NULL DEFAULT now(), revoked_at timestamptz,"
                f" origin text NOT NULL DEFAULT '{SEEDED}'); {ORIGIN_MIGRATION}")

    async def add(self, key: str, principal: Principal, label: str = "",
                  origin: str = SEEDED) -> None:
        """Register `key` for `principal`; adding the same key again changes nothing.

        Refused (KeyRefused) for a key that was revoked or belongs to another principal.
        """
        async with self.pool.connection() as conn:
            await self._insert(conn, key, principal, label, origin)
        self._cache.pop(hash_key(key), None)

    async def _insert(self, conn, key: str, principal: Principal, label: str,
                      origin: str) -> None:
        digest = hash_key(key)
        cur = await conn.execute(
            f"INSERT INTO {SCHEMA}.api_keys (key_hash, principal, label, origin)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (key_hash) DO NOTHING RETURNING key_hash",
            (digest, str(principal), label, origin))
        if await cur.fetchone() is not None:
            return
        cur = await conn.execute(
            f"SELECT principal, revoked_at FROM {SCHEMA}.api_keys WHERE key_hash = %s", (digest,))
        held_by, revoked_at = await cur.fetchone()
        if revoked_at is not None:
            raise KeyRefused(f"key {digest[:KEY_ID_CHARS]} was revoked at "
                             f"{revoked_at:%Y-%m-%d %H:%M:%S %Z}; a revoked key is never "
                             "activated again")
        if held_by != str(principal):
            raise KeyRefused(f"key {digest[:KEY_ID_CHARS]} already belongs to another principal")

    async def issue(self, principal: Principal, label: str = "") -> str:
        """A new random key for `principal`, minted (it outlives bootstrap key changes)."""
        key = new_key(principal)
        await self.add(key, principal, label, MINTED)
        return key

    async def bootstrap_admin(self, key: str) -> list[str]:
        """Make `key` the one bootstrap admin key; return the ids of the bootstrap keys it
        replaced (now revoked). Minted and seeded keys stay as they are.

        An admin key registered before becomes the bootstrap key; a revoked key, or one of
        another principal, is refused (KeyRefused).
        """
        if not key:
            raise KeyRefused("DOVETAIL_ADMIN_KEY is not set: `make up` generates one under "
                             "DOVETAIL_HOME; a deployment sets it (docs/security.md)")
        digest = hash_key(key)
        async with self.pool.connection() as conn, conn.transaction():
            # Replicas starting at once take turns, so each sees the others' rows.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('dovetail:bootstrap-key'))")
            try:
                await self._insert(conn, key, Principal("admin"), BOOTSTRAP_LABEL, BOOTSTRAP)
            except KeyRefused as exc:
                raise KeyRefused(f"DOVETAIL_ADMIN_KEY cannot be the admin key: {exc}; "
                                 "set a new one", reason=str(exc)) from None
            await conn.execute(
                f"UPDATE {SCHEMA}.api_keys SET origin = %s, label = %s"
                " WHERE key_hash = %s AND origin <> %s",
                (BOOTSTRAP, BOOTSTRAP_LABEL, digest, BOOTSTRAP))
            cur = await conn.execute(
                f"UPDATE {SCHEMA}.api_keys SET revoked_at = now() WHERE origin = %s"
                f" AND key_hash <> %s AND revoked_at IS NULL RETURNING left(key_hash, {KEY_ID_CHARS})",
                (BOOTSTRAP, digest))
            replaced = [row[0] for row in await cur.fetchall()]
        self._cache.clear()
        return replaced

    async def revoke(self, key: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                f"UPDATE {SCHEMA}.api_keys SET revoked_at = now() WHERE key_hash = %s"
                " AND revoked_at IS NULL", (hash_key(key),))  # keeps when it was revoked first
        self._cache.pop(hash_key(key), None)

    async def list(self, limit: int = 500) -> list[tuple]:
        """(key id, principal, label, origin, created_at, revoked_at), newest first; never
        the keys."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"SELECT left(key_hash, {KEY_ID_CHARS}), principal, label, origin, created_at,"
                f" revoked_at FROM {SCHEMA}.api_keys ORDER BY created_at DESC LIMIT %s", (limit,))
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
