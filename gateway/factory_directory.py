"""The network's factories by id and name, for the schedule page's factory picker.

The iot service lists factories in id order and cannot search them by name; a chain of 1,600
factories is four pages of 500 and about 100 KB, so the gateway keeps the list for a minute and
searches and pages it itself, instead of asking iot for every keystroke of a search.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dovetail.iot.v1 import iot_service_pb2 as iot

READ_PAGE = 500  # the iot service's largest page
TTL_S = 60.0


@dataclass(frozen=True)
class FactoryEntry:
    factory_id: str
    name: str
    timezone: str = ""  # the factory's IANA zone: its pages show times in it


@dataclass(frozen=True)
class FactoryMatches:
    """One page of the factories matching a search, and where the next and previous start."""

    items: list[FactoryEntry]
    total: int
    offset: int
    next_offset: int | None
    previous_offset: int | None


def matching(entries: list[FactoryEntry], q: str) -> list[FactoryEntry]:
    """Factories whose id or name holds every word of ``q`` (case-insensitive)."""
    words = q.casefold().split()
    if not words:
        return entries
    return [e for e in entries
            if all(w in e.factory_id.casefold() or w in e.name.casefold() for w in words)]


def page_of(entries: list[FactoryEntry], offset: int, limit: int) -> FactoryMatches:
    offset = max(0, min(offset, max(len(entries) - 1, 0)))
    end = offset + limit
    return FactoryMatches(entries[offset:end], len(entries), offset,
                          end if end < len(entries) else None,
                          max(0, offset - limit) if offset else None)


@dataclass
class FactoryDirectory:
    ttl_s: float = TTL_S
    clock: Callable[[], float] = time.monotonic
    _entries: list[FactoryEntry] = field(default_factory=list)
    _read_at: float | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def entries(self, services) -> list[FactoryEntry]:
        """Every active factory in id order, read again once the copy is older than the TTL
        (one reader at a time; the others wait for its answer)."""
        async with self._lock:
            if self._read_at is None or self.clock() - self._read_at > self.ttl_s:
                self._entries = await self._read(services)
                self._read_at = self.clock()
            return self._entries

    async def zone_of(self, services, factory_id: str, default: str) -> str:
        """The factory's time zone, or `default` (the tenant's) when it names none."""
        entry = next((e for e in await self.entries(services) if e.factory_id == factory_id),
                     None)
        return entry.timezone if entry is not None and entry.timezone else default

    async def search(self, services, q: str, offset: int, limit: int) -> FactoryMatches:
        return page_of(matching(await self.entries(services), q), offset, limit)

    @staticmethod
    async def _read(services) -> list[FactoryEntry]:
        entries, token = [], ""
        while True:
            reply = await services.call("iot", "ListFactories", iot.ListFactoriesRequest(
                page=dict(page_size=READ_PAGE, page_token=token)))
            entries += [FactoryEntry(f.factory_id, f.name, f.timezone) for f in reply.factories]
            token = reply.next_page_token
            if not token:
                return entries
