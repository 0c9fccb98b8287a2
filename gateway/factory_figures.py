"""The network's factory figures (utilisation, OEE, kWh, CO2e per factory), as last read from iot.

A complete read works through every machine's states and energy over the window: at 600
factories and a month, seconds of iot's time, longer than a KPI page may wait, and the same
for every reader. So the gateway keeps the last reading per window: readers get it at once
while it is younger than ``fresh_s``; up to ``stale_s`` they still get it at once while one new
reading runs behind them; with none that young (the first reader, or after a long failure)
they wait for that one reading. A failed reading is not kept: its waiters see the error, and
the next reader starts another.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

FRESH_S = 60.0
STALE_S = 600.0


@dataclass
class FactoryFigures:
    fresh_s: float = FRESH_S
    stale_s: float = STALE_S
    clock: Callable[[], float] = time.monotonic
    _kept: dict[Any, tuple[float, Any]] = field(default_factory=dict)
    _reading: dict[Any, asyncio.Future] = field(default_factory=dict)

    async def get(self, key: Any, read: Callable[[], Awaitable[Any]]) -> Any:
        """The figures of ``key`` (a window), reading them with ``read`` when they are due."""
        kept = self._kept.get(key)
        age = None if kept is None else self.clock() - kept[0]
        if kept is not None and age is not None and age < self.fresh_s:
            return kept[1]
        reading = self._reading.get(key)
        if reading is None:
            reading = self._reading[key] = asyncio.ensure_future(self._read(key, read))
            reading.add_done_callback(_retrieve)
        if kept is not None and age is not None and age < self.stale_s:
            return kept[1]
        return await asyncio.shield(reading)

    async def _read(self, key: Any, read: Callable[[], Awaitable[Any]]) -> Any:
        try:
            figures = await read()
            self._kept[key] = (self.clock(), figures)
            return figures
        finally:
            del self._reading[key]


def _retrieve(reading: asyncio.Future) -> None:
    """A reading nobody waited for (readers had the older figures) may fail unseen."""
    if not reading.cancelled():
        reading.exception()
