"""Portal sessions: a person signs in (an account's password, or an admin key as the fallback)
and gets a session cookie.

The cookie is `<random token>.<HMAC>` signed with a secret the gateway keeps in PostgreSQL
(generated on first start), so a forged cookie is refused without a query. Only the token's
SHA-256 is stored, beside the hash of the key or the account that opened it: revoking the key
ends its sessions; an account's sessions end when it is disabled, its role changes, or an admin
or the person signs it out everywhere. A person's session also keeps their profile language,
changed in every one of their sessions when they choose another (issue 19): the next request
from any of their browsers speaks it, not the next sign-in. Cookies are HttpOnly, SameSite=Lax (no cross-site POST carries them) and Secure when
served over https.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass, field, replace

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
ALTER TABLE {SCHEMA}.sessions ADD COLUMN IF NOT EXISTS account_id uuid,
  ADD COLUMN IF NOT EXISTS person text NOT NULL DEFAULT '',
  ALTER COLUMN key_hash DROP NOT NULL;
CREATE INDEX IF NOT EXISTS sessions_account ON {SCHEMA}.sessions (account_id);
-- The person's profile language ('' : none chosen, their browser's counts).
ALTER TABLE {SCHEMA}.sessions ADD COLUMN IF NOT EXISTS language text NOT NULL DEFAULT '';
"""


@dataclass
class SessionStore:
    pool: AsyncConnectionPool
    _secret: bytes = b""
    # token hash -> (until, principal, the person's profile language)
    _cache: dict[str, tuple[float, Principal | None, str]] = field(default_factory=dict)

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
        return await self._open(principal, hash_key(key), None)

    async def open_for(self, principal: Principal, account_id: uuid.UUID,
                       language: str = "") -> str:
        """A new session for a person's account (principal.person names them), speaking their
        profile `language` ("" : none chosen)."""
        return await self._open(principal, None, account_id, language)

    async def _open(self, principal: Principal, key_hash: str | None,
                    account_id: uuid.UUID | None, language: str = "") -> str:
        token = secrets.token_urlsafe(32)
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {SCHEMA}.sessions (token_hash, principal, key_hash, account_id,"
                " person, language, expires_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, now() + make_interval(secs => %s))",
                (hash_key(token), str(principal), key_hash, account_id, principal.person,
                 language, TTL_S))
        return f"{token}.{self._sign(token)}"

    async def speak(self, account_id: uuid.UUID, language: str) -> None:
        """The person chose `language` in their profile: every session of theirs speaks it
        from its next request (this process's at once, the others' within CACHE_TTL_S)."""
        async with self.pool.connection() as conn:
            await conn.execute(f"UPDATE {SCHEMA}.sessions SET language = %s WHERE account_id = %s",
                               (language, account_id))
        self._cache.clear()

    async def end_all(self, account_id: uuid.UUID) -> int:
        """End every session of one account (this process forgets them at once, the others
        within CACHE_TTL_S); returns how many there were."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                f"DELETE FROM {SCHEMA}.sessions WHERE account_id = %s", (account_id,))
            ended = cur.rowcount
        self._cache.clear()
        return ended

    async def account_of(self, cookie: str | None) -> uuid.UUID | None:
        token = self._token_of(cookie)
        if token is None:
            return None
        async with self.pool.connection() as conn:
            row = await (await conn.execute(
                f"SELECT account_id FROM {SCHEMA}.sessions WHERE token_hash = %s",
                (hash_key(token),))).fetchone()
        return row[0] if row else None

    async def close(self, cookie: str | None) -> None:
        token = self._token_of(cookie)
        if token:
            async with self.pool.connection() as conn:
                await conn.execute(f"DELETE FROM {SCHEMA}.sessions WHERE token_hash = %s",
                                   (hash_key(token),))
            self._cache.pop(hash_key(token), None)

    async def principal_for(self, cookie: str | None) -> Principal | None:
        return (await self.reader_of(cookie))[0]

    async def reader_of(self, cookie: str | None) -> tuple[Principal | None, str]:
        """Who holds the session, and their profile language ("" : none, or no session)."""
        token = self._token_of(cookie)
        if token is None:
            return None, ""
        digest = hash_key(token)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached and cached[0] > now:
            return cached[1], cached[2]
        async with self.pool.connection() as conn:
            row = await (await conn.execute(
                f"SELECT s.principal, s.person, s.language FROM {SCHEMA}.sessions s"
                f" LEFT JOIN {AUTH_SCHEMA}.api_keys k ON k.key_hash = s.key_hash"
                " WHERE s.token_hash = %s AND s.expires_at > now()"
                " AND (s.account_id IS NOT NULL OR k.revoked_at IS NULL AND k.key_hash IS NOT NULL)",
                (digest,))).fetchone()
        principal = replace(Principal.parse(row[0]), person=row[1]) if row else None
        language = row[2] if row else ""
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now + CACHE_TTL_S, principal, language)
        return principal, language
