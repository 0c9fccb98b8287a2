"""Sales channels as the gateway keeps them in PostgreSQL (schema `gateway`): secrets an admin
set over REST (overriding DOVETAIL_WEBHOOK_SECRETS), per-channel SKU/option mappings, and the
delivery ids of shop webhooks already taken (de-duplication before the orders service is asked).

Reads are cached for a few seconds so the webhook hot path does not query every call; a write
through this store clears the cache at once (other gateway replicas see it within the TTL).
Once a value has been read, an expired one is still served while it is read again in the
background: a webhook never waits on the gateway's database for a secret it knows, so while
PostgreSQL is away shops are answered (by the orders service's 503) instead of timing out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from psycopg_pool import AsyncConnectionPool

from gateway.webhooks.mapping import normal
from services.kit.settings import Settings

log = logging.getLogger("dovetail.gateway.channels")
SCHEMA = "gateway"
CACHE_TTL_S = 5.0

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.channel_secrets (
  channel text PRIMARY KEY, secret text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS {SCHEMA}.channel_mappings (
  channel text PRIMARY KEY, mapping jsonb NOT NULL, version bigint NOT NULL DEFAULT 1,
  updated_by text NOT NULL DEFAULT '', updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS {SCHEMA}.webhook_deliveries (
  channel text NOT NULL, delivery_id text NOT NULL, order_id text NOT NULL DEFAULT '',
  outcome text NOT NULL DEFAULT '', received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (channel, delivery_id));
"""

_OPTIONS = {"Width (mm)": "width_mm", "Height (mm)": "height_mm", "Depth (mm)": "depth_mm",
            "Doors": "doors", "Shelves": "shelves", "Drawers": "drawers", "Dividers": "dividers",
            "Board": "board", "Finish": "finish", "Door style": "door_style", "Handle": "handle"}
_PRODUCTS = {"WR-CUSTOM": "wardrobe", "BC-CUSTOM": "base_cabinet", "WC-CUSTOM": "wall_cabinet",
             "TC-CUSTOM": "tall_cabinet", "BK-CUSTOM": "bookcase", "TV-CUSTOM": "tv_unit",
             "DK-CUSTOM": "desk"}
_VALUES = {"finish": {"White": "melamine-white", "Grey": "melamine-grey", "Oak": "melamine-oak",
                      "Oak veneer": "veneer-oak", "Walnut veneer": "veneer-walnut"},
           "board": {"Particleboard 18 mm": "particleboard-18",
                     "Particleboard 25 mm": "particleboard-25", "MDF 18 mm": "mdf-18"}}
# The mapping a shop channel starts with (an admin replaces it over REST).
DEFAULT_MAPPING: dict[str, Any] = {
    "products": {sku: {"product": code, "options": {}} for sku, code in _PRODUCTS.items()},
    "options": _OPTIONS,
    "values": _VALUES,
}
SHOP_CHANNELS = ("shopify", "woocommerce")


@dataclass
class ChannelMapping:
    """How a shop's lines become catalogue items (gateway/webhooks/mapping.py): products by
    SKU, by product or variant id, by title; shop option name → parameter; value translations;
    lines and options that are not made here; and, per product, the parameters the catalogue
    cannot build without (`requires`, worked out from the catalogue when the mapping is saved)."""

    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int = 0
    product_ids: dict[str, dict[str, Any]] = field(default_factory=dict)
    titles: dict[str, dict[str, Any]] = field(default_factory=dict)
    ignore_lines: list[str] = field(default_factory=list)
    ignore_options: list[str] = field(default_factory=list)
    ignore_gift_cards: bool = True
    requires: dict[str, list[str]] = field(default_factory=dict)
    # The same, as compared (normal): looked up once per line or option on the webhook path.
    title_index: dict[str, dict[str, Any]] = field(default_factory=dict)
    option_index: dict[str, str] = field(default_factory=dict)
    ignore_line_index: frozenset[str] = frozenset()
    ignore_option_index: frozenset[str] = frozenset()

    @classmethod
    def from_json(cls, data: dict[str, Any], version: int = 0) -> ChannelMapping:
        return cls(products=data.get("products", {}), options=data.get("options", {}),
                   values=data.get("values", {}), version=version,
                   product_ids=data.get("product_ids", {}),
                   titles=data.get("titles", {}),
                   title_index={normal(k): v for k, v in data.get("titles", {}).items()},
                   ignore_lines=data.get("ignore_lines", []),
                   ignore_options=data.get("ignore_options", []),
                   option_index={normal(k): v for k, v in data.get("options", {}).items()},
                   ignore_line_index=frozenset(map(normal, data.get("ignore_lines", []))),
                   ignore_option_index=frozenset(map(normal, data.get("ignore_options", []))),
                   ignore_gift_cards=data.get("ignore_gift_cards", True),
                   requires=data.get("requires", {}))


@dataclass
class ChannelStore:
    pool: AsyncConnectionPool
    settings: Settings
    _secrets: tuple[float, dict[str, str]] = (0.0, {})
    _mappings: dict[str, tuple[float, ChannelMapping | None]] = field(default_factory=dict)
    _refreshing: dict[str, asyncio.Task] = field(default_factory=dict)

    async def ensure_schema(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(DDL)
            for channel in SHOP_CHANNELS:
                await conn.execute(
                    f"INSERT INTO {SCHEMA}.channel_mappings (channel, mapping, updated_by)"
                    " VALUES (%s, %s, 'default') ON CONFLICT (channel) DO NOTHING",
                    (channel, json.dumps(DEFAULT_MAPPING)))

    def _refresh(self, key: str, read: Callable[[], Awaitable[Any]]) -> None:
        """Read `key` again in the background (once at a time); the stale value stands
        until that succeeds."""
        if key in self._refreshing:
            return

        async def refresh() -> None:
            try:
                await read()
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: try again on next use
                log.warning("channel settings not refreshed", extra={"key": key,
                                                                     "error": repr(exc)})
            finally:
                self._refreshing.pop(key, None)

        self._refreshing[key] = asyncio.get_running_loop().create_task(refresh())

    def _forget(self, key: str) -> None:
        """A write went through us: a refresh still reading must not bring back older data."""
        task = self._refreshing.pop(key, None)
        if task is not None:
            task.cancel()

    async def close(self) -> None:
        for task in list(self._refreshing.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ---- secrets ----

    async def secrets(self) -> dict[str, str]:
        """Every channel's secret: settings, overridden by what an admin set."""
        expires, cached = self._secrets
        if expires > time.monotonic():
            return cached
        if expires:  # read before: serve it while it is read again
            self._refresh("secrets", self._read_secrets)
            return cached
        return await self._read_secrets()

    async def _read_secrets(self) -> dict[str, str]:
        async with self.pool.connection() as conn:
            rows = await (await conn.execute(
                f"SELECT channel, secret FROM {SCHEMA}.channel_secrets")).fetchall()
        merged = {**self.settings.webhook_secrets, **dict(rows)}
        self._secrets = (time.monotonic() + CACHE_TTL_S, merged)
        return merged

    async def secret(self, channel: str) -> str | None:
        return (await self.secrets()).get(channel)

    async def set_secret(self, channel: str, secret: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {SCHEMA}.channel_secrets (channel, secret) VALUES (%s, %s)"
                " ON CONFLICT (channel) DO UPDATE SET secret = EXCLUDED.secret, updated_at = now()",
                (channel, secret))
        self._forget("secrets")
        self._secrets = (0.0, {})

    # ---- mappings ----

    async def mapping(self, channel: str) -> ChannelMapping | None:
        expires, cached = self._mappings.get(channel, (0.0, None))
        if expires > time.monotonic():
            return cached
        if expires:  # read before: serve it while it is read again
            self._refresh(f"mapping:{channel}", lambda: self._read_mapping(channel))
            return cached
        return await self._read_mapping(channel)

    async def _read_mapping(self, channel: str) -> ChannelMapping | None:
        async with self.pool.connection() as conn:
            row = await (await conn.execute(
                f"SELECT mapping, version FROM {SCHEMA}.channel_mappings WHERE channel = %s",
                (channel,))).fetchone()
        found = ChannelMapping.from_json(row[0], row[1]) if row else None
        self._mappings[channel] = (time.monotonic() + CACHE_TTL_S, found)
        return found

    async def fresh_mapping(self, channel: str) -> ChannelMapping | None:
        """The mapping as stored now (not the cache): what an edit of one entry starts from."""
        return await self._read_mapping(channel)

    async def save_mapping(self, channel: str, mapping: dict[str, Any], by: str,
                           expected_version: int | None = None) -> int | None:
        """The new version; with `expected_version`, saved only over that version (None when
        another save came first: read again and redo the edit, never a lost update)."""
        if expected_version is None:
            sql = (f"INSERT INTO {SCHEMA}.channel_mappings (channel, mapping, updated_by)"
                   " VALUES (%s, %s, %s) ON CONFLICT (channel) DO UPDATE SET mapping ="
                   " EXCLUDED.mapping, version = channel_mappings.version + 1,"
                   " updated_by = EXCLUDED.updated_by, updated_at = now() RETURNING version")
            args: tuple[Any, ...] = (channel, json.dumps(mapping), by)
        else:
            sql = (f"UPDATE {SCHEMA}.channel_mappings SET mapping = %s, version = version + 1,"
                   " updated_by = %s, updated_at = now() WHERE channel = %s AND version = %s"
                   " RETURNING version")
            args = (json.dumps(mapping), by, channel, expected_version)
        async with self.pool.connection() as conn:
            row = await (await conn.execute(sql, args)).fetchone()
        self._forget(f"mapping:{channel}")
        self._mappings.pop(channel, None)
        return row[0] if row else None

    async def channels(self) -> list[dict[str, Any]]:
        """Channels known by a secret or a mapping, with where the secret comes from."""
        async with self.pool.connection() as conn:
            db_secrets = {r[0] for r in await (await conn.execute(
                f"SELECT channel FROM {SCHEMA}.channel_secrets")).fetchall()}
            mappings = {r[0]: r[1] for r in await (await conn.execute(
                f"SELECT channel, version FROM {SCHEMA}.channel_mappings")).fetchall()}
        names = sorted(set(self.settings.webhook_secrets) | db_secrets | set(mappings))
        return [{"channel": n,
                 "secret_source": "admin" if n in db_secrets else (
                     "settings" if n in self.settings.webhook_secrets else "none"),
                 "mapping_version": mappings.get(n, 0)} for n in names]

    # ---- delivery ids ----

    async def delivery_seen(self, channel: str, delivery_id: str) -> tuple[str, str] | None:
        """(order_id, outcome) of a shop webhook delivery already taken, else None."""
        async with self.pool.connection() as conn:
            row = await (await conn.execute(
                f"SELECT order_id, outcome FROM {SCHEMA}.webhook_deliveries"
                " WHERE channel = %s AND delivery_id = %s", (channel, delivery_id))).fetchone()
        return (row[0], row[1]) if row else None

    async def record_delivery(self, channel: str, delivery_id: str, order_id: str,
                              outcome: str) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(
                f"INSERT INTO {SCHEMA}.webhook_deliveries (channel, delivery_id, order_id, outcome)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (channel, delivery_id, order_id, outcome))
