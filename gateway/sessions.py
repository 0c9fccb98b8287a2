"""Portal sessions: a person signs in with an admin key and gets a session cookie.

The cookie is `<random token>.<HMAC>` signed with a secret the gateway keeps in PostgreSQL
(generated on first start), so a forged cookie is refused without a query. Only the token's
SHA-256 is stored, beside the hash of the key that opened it: revoking the key ends its
sessions. Cookies are HttpOnly, SameSite=Lax (no cross-site POST carries them) and Secure when
served over https.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field

from psycopg_pool import AsyncConnectionPool

from gateway.channels import SCHEMA
from services.kit.auth import SCHEMA as AUTH_SCHEMA
from services.kit.auth import Principal, hash_key

COOKIE = "dovetail_session"
TTL_S = 12 * 3600
CACHE_TTL_S = 5.0

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.secrets (name text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS {SCHEMA}.sessions (
  token_hash text PRIMARY KEY, principal text NOT NULL, key_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), expires_at timestamptz NOT NULL);
"""


@dataclass
class SessionStore:
    pool: AsyncConnectionPool
    _secret: bytes = b""
    _cache: dict[str, tuple[float, Principal | None]] = field(default_factory=dict)

    async def ensure_schema(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(DDL)
            await conn.execute(
                f"INSERT INTO {SCHEMA}.secrets (name, value) VALUES ('session', %s)"
                " ON CONFLICT (name) DO NOTHING", (secrets.token_hex(32),))
            row = await (await conn.execute(
                f"SELECT value FROM {SCHEMA}.secrets WHERE name = 'session'")).fetchone()
            await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE expires_at < now()")
        self._secret = row[0].encode()

    def _sign(self, token: str) -> str:
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()

    def _token_of(self, cookie: str | None) -> str | None:
        token, _, signature = (cookie or "").partition(".")
        if not token or len(cookie or "") > 200:
            return None
        return token if hmac.compare_digest(self._sign(token), signature) else None

    async def open(self, principal: Principal, key: str) -> str:
        """A new session for whoever holds `key`; returns the cookie value."""
        token = secrets.token_urlsafe(32)
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {SCHEMA}.sessions (token_hash, principal, key_hash, expires_at)"
                " VALUES (%s, %s, %s, now() + make_interval(secs => %s))",
                (hash_key(token), str(principal), hash_key(key), TTL_S))
        return f"{token}.{self._sign(token)}"

    async def close(self, cookie: str | None) -> None:
        token = self._token_of(cookie)
        if token:
            async with self.pool.connection() as conn:
                await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE token_hash = %s",
                                   (hash_key(token),))
            self._cache.pop(hash_key(token), None)

    async def principal_for(self, cookie: str | None) -> Principal | None:
        token = self._token_of(cookie)
        if token is None:
            return None
        digest = hash_key(token)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached and cached[0] > now:
            return cached[1]
        async with self.pool.connection() as conn:
            row = await (await conn.execute(
                f"SELECT s.principal FROM {SCHEMA}.sessions s JOIN {AUTH_SCHEMA}.api_keys k"
                " ON k.key_hash = s.key_hash AND k.revoked_at IS NULL"
                " WHERE s.token_hash = %s AND s.expires_at > now()", (digest,))).fetchone()
        principal = Principal.parse(row[0]) if row else None
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + CACHE_TTL_S, principal)
        return principal
