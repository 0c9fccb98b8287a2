"""The kW each machine draws while it runs, learnt from its telemetry (issue 21, item 2), for
scheduling to plan with instead of the machine type's default.

From iot's own tables: the machine's state changes (``iot.state_changes``) give the intervals
it was RUNNING; the energy ledger (``iot.energy_minutes``) gives the kWh of each minute. A
minute inside a running interval from start to end (no start, stop or idle in it) is one
reading of the running draw: kWh × 60. The estimate is the median of those readings over the
last ``WINDOW_DAYS`` (a median, so minutes with a sample gap or a stray spike do not pull it).

How much is enough: ``MIN_MINUTES`` = 60 minutes of running throughout. The readings of a
running machine vary from minute to minute with the work (the simulators' running level
carries ~5-10 % noise; a real saw's draw follows the cut); the median of n readings varies
by about 1.25 σ/√n, so 60 readings put the estimate within ~1-2 % of the machine's typical
draw — below the 2 % move that is worth telling scheduling about (``Machine.learn_power``),
so the figure does not flap. Fewer minutes leave the type's default in place.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from psycopg_pool import AsyncConnectionPool

log = logging.getLogger("dovetail.iot.power")
MINUTE_MS = 60_000
WINDOW_DAYS = 7
MIN_MINUTES = 60
INTERVAL_S = 900.0  # every quarter of an hour
RUNNING = "RUNNING"


@dataclass(frozen=True)
class PowerEstimate:
    machine_id: str
    running_kw: float
    minutes: int  # the readings behind it

    @property
    def hours(self) -> float:
        return self.minutes / 60


def running_minutes(changes: Sequence[tuple[int, str]], until_ms: int) -> set[int]:
    """Start (ms) of every whole minute the machine was RUNNING from start to end, from its
    state changes (at ms, to state) in time order; the last state holds until ``until_ms``."""
    out: set[int] = set()
    for i, (at, state) in enumerate(changes):
        if state != RUNNING:
            continue
        end = changes[i + 1][0] if i + 1 < len(changes) else until_ms
        first = -(-at // MINUTE_MS) * MINUTE_MS  # the first minute that starts inside
        out.update(range(first, end - MINUTE_MS + 1, MINUTE_MS))
    return out


def estimate(machine_id: str, changes: Sequence[tuple[int, str]],
             minutes: Iterable[tuple[int, float]], until_ms: int,
             min_minutes: int = MIN_MINUTES) -> PowerEstimate | None:
    """The machine's running kW from its state changes and its kWh per minute; None until
    ``min_minutes`` minutes of running throughout are known."""
    running = running_minutes(changes, until_ms)
    kw = np.array([kwh * 60 for minute, kwh in minutes if minute in running and kwh > 0])
    if len(kw) < min_minutes:
        return None
    return PowerEstimate(machine_id, round(float(np.median(kw)), 2), len(kw))


class PowerLearner:
    """A leader job: every ``interval_s``, the estimate of every machine with telemetry in the
    window, kept on the machine (``Machine.PowerLearnt``, published to scheduling) when it is
    new or moved by 2 % or more."""

    def __init__(self, app, pool: AsyncConnectionPool, interval_s: float = INTERVAL_S,
                 min_minutes: int = MIN_MINUTES, clock=time.time):
        self.app, self.pool = app, pool
        self.interval_s, self.min_minutes, self.clock = interval_s, min_minutes, clock

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.learn_once()
            except Exception as exc:  # noqa: BLE001 - tried again next round
                log.warning("learning running power failed", extra={"error": repr(exc)})
            try:
                await asyncio.wait_for(stop.wait(), self.interval_s)
            except TimeoutError:
                pass

    async def learn_once(self) -> list[PowerEstimate]:
        now_ms = int(self.clock() * 1000)
        since = now_ms - WINDOW_DAYS * 86_400_000
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT machine_id, minute_ms, kwh FROM iot.energy_minutes "
                "WHERE minute_ms >= %s ORDER BY machine_id", (since,))
            energy: dict[str, list[tuple[int, float]]] = {}
            for machine_id, minute, kwh in await cur.fetchall():
                energy.setdefault(machine_id, []).append((minute, kwh))
            cur = await conn.execute(
                "SELECT machine_id, at_ms, to_state FROM iot.state_changes "
                "WHERE machine_id = ANY(%s) AND at_ms >= %s - 86400000 "
                "ORDER BY machine_id, at_ms, version", (list(energy), since))
            changes: dict[str, list[tuple[int, str]]] = {}
            for machine_id, at, state in await cur.fetchall():
                changes.setdefault(machine_id, []).append((at, state))
        learnt = []
        for machine_id, minutes in energy.items():
            found = estimate(machine_id, changes.get(machine_id, []), minutes, now_ms,
                             self.min_minutes)
            if found is None:
                continue
            kept = await asyncio.to_thread(self._keep, found, now_ms)
            if kept:
                learnt.append(found)
        return learnt

    def _keep(self, found: PowerEstimate, at_ms: int) -> bool:
        try:
            return self.app.keep_learnt_power(found.machine_id, found.running_kw, found.hours,
                                              at_ms)
        except Exception as exc:  # noqa: BLE001 - a machine removed meanwhile: next round
            log.info("running power not kept", extra={"machine": found.machine_id,
                                                      "error": repr(exc)})
            return False
