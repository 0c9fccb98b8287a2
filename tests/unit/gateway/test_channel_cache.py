"""Channel secrets once read are served while PostgreSQL is away (no webhook waits on it)."""

from __future__ import annotations

import asyncio
import contextlib

import psycopg
import pytest

from gateway import channels
from gateway.channels import ChannelStore
from services.kit.settings import Settings

pytestmark = pytest.mark.unit


class _Cursor:
    def __init__(self, rows):
        self.rows = rows

    async def fetchall(self):
        return self.rows

    async def fetchone(self):
        return self.rows[0] if self.rows else None


class _Pool:
    """Answers with `rows`; when `down`, waits as a pool does and then fails."""

    def __init__(self, rows):
        self.rows = rows
        self.down = False
        self.reads = 0

    @contextlib.asynccontextmanager
    async def connection(self):
        self.reads += 1
        if self.down:
            await asyncio.sleep(0.05)
            raise psycopg.OperationalError("couldn't get a connection")
        pool = self

        class _Conn:
            async def execute(self, *_):
                return _Cursor(pool.rows)

        yield _Conn()


async def test_an_expired_secret_is_served_while_it_is_read_again(monkeypatch):
    pool = _Pool([("shop", "whsec_admin")])
    store = ChannelStore(pool, Settings(webhook_secrets={"dovetail": "whsec_settings"}))
    assert await store.secret("shop") == "whsec_admin"
    monkeypatch.setattr(channels, "CACHE_TTL_S", 0.0)
    store._secrets = (1e-9, store._secrets[1])  # expired
    pool.down = True
    # Served at once, without waiting on the database; the refresh fails in the background.
    assert await asyncio.wait_for(store.secret("dovetail"), 0.01) == "whsec_settings"
    await asyncio.gather(*store._refreshing.values(), return_exceptions=True)
    assert await store.secret("shop") == "whsec_admin"
    # Back again: the refresh picks up what changed.
    pool.down, pool.rows = False, [("shop", "whsec_rotated")]
    await store.secret("shop")
    await asyncio.gather(*store._refreshing.values(), return_exceptions=True)
    store._secrets = (1e9, store._secrets[1])
    assert await store.secret("shop") == "whsec_rotated"
    await store.close()


async def test_never_read_secrets_are_read_and_an_outage_fails_the_request():
    pool = _Pool([])
    pool.down = True
    store = ChannelStore(pool, Settings())
    with pytest.raises(psycopg.OperationalError):
        await store.secret("dovetail")  # → 503 from the gateway's handler
