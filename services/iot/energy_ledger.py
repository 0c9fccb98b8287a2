"""Energy per machine per minute: a plain table the intake upserts in batches.

Telemetry is too many to record as events; energy is what the platform keeps of it. Each
minute bucket holds the kWh integrated (trapezoid rule) from the samples inside that minute.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from psycopg_pool import AsyncConnectionPool

from services.iot.signals.energy import JOULES_PER_KWH

log = logging.getLogger("dovetail.iot.energy")
MINUTE_MS = 60_000
DDL = """
CREATE TABLE IF NOT EXISTS iot.energy_minutes (
  machine_id text NOT NULL, minute_ms bigint NOT NULL, factory_id text NOT NULL,
  kwh double precision NOT NULL, PRIMARY KEY (machine_id, minute_ms));
CREATE INDEX IF NOT EXISTS energy_minutes_by_factory ON iot.energy_minutes (factory_id, minute_ms);
"""


class EnergyLedger:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool
        self.pending: dict[tuple[str, str, int], float] = defaultdict(float)

    async def ensure_table(self) -> None:
        async with self.pool.connection() as conn:
            await conn.execute(DDL)

    def add(self, machine_id: str, factory_id: str, kwh_by_minute: dict[int, float]) -> None:
        for minute, kwh in kwh_by_minute.items():
            self.pending[(machine_id, factory_id, minute)] += kwh

    async def flush(self, rows_per_statement: int = 2000) -> int:
        """Write what accumulated, `rows_per_statement` rows a statement: turning a fleet's
        minute buckets (16,000 machines: 16,000 rows and more) into one statement's arrays held
        the event loop for a large part of a second. On failure the rows not written are kept
        for the next flush (each statement commits on its own)."""
        if not self.pending:
            return 0
        rows, self.pending = list(self.pending.items()), defaultdict(float)
        written = 0
        try:
            async with self.pool.connection() as conn:
                while written < len(rows):
                    part = rows[written:written + rows_per_statement]
                    machines, factories, minutes = (list(x) for x in zip(
                        *(key for key, _ in part), strict=True))
                    await conn.execute(
                        "INSERT INTO iot.energy_minutes (machine_id, factory_id, minute_ms, kwh) "
                        "SELECT * FROM unnest(%s::text[], %s::text[], %s::bigint[], "
                        "%s::float8[]) ON CONFLICT (machine_id, minute_ms) DO UPDATE "
                        "SET kwh = iot.energy_minutes.kwh + EXCLUDED.kwh",
                        (machines, factories, minutes, [kwh for _, kwh in part]))
                    written += len(part)
        except Exception:
            for key, kwh in rows[written:]:
                self.pending[key] += kwh
            raise
        return len(rows)

    async def minutes(self, machine_ids: list[str], start_ms: int, end_ms: int
                      ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per machine: minute starts (ms) and kWh of the buckets overlapping [start, end)."""
        async with self.pool.connection() as conn:
            cur = await conn.execute(
                "SELECT machine_id, minute_ms, kwh FROM iot.energy_minutes "
                "WHERE machine_id = ANY(%s) AND minute_ms > %s AND minute_ms < %s "
                "ORDER BY machine_id, minute_ms",
                (machine_ids, start_ms - MINUTE_MS, end_ms))
            rows = await cur.fetchall()
        grouped: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for machine_id, minute, kwh in rows:
            grouped[machine_id].append((minute, kwh))
        return {m: (np.array([r[0] for r in v], dtype=np.int64), np.array([r[1] for r in v]))
                for m, v in grouped.items()}


@dataclass(frozen=True)
class MinuteEnergy:
    """The ledger's energy as a function of time: each minute's kWh spread evenly over it.

    It answers ``energy_at`` like ``signals.PowerSeries``, so attribution cuts windows and
    operations out of it exactly (to the share of a minute they cover).
    """

    starts_s: np.ndarray
    joules: np.ndarray
    cumulative_j: np.ndarray

    @classmethod
    def from_minutes(cls, minute_ms: np.ndarray, kwh: np.ndarray) -> MinuteEnergy:
        joules = np.asarray(kwh, dtype=np.float64) * JOULES_PER_KWH
        return cls(np.asarray(minute_ms, dtype=np.float64) / 1000.0, joules,
                   np.concatenate(([0.0], np.cumsum(joules))))

    def energy_at(self, when) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative joules and covered seconds up to each instant."""
        q = np.asarray(when, dtype=np.float64)
        if self.starts_s.size == 0:
            return np.zeros_like(q), np.zeros_like(q)
        i = np.searchsorted(self.starts_s, q, side="right") - 1
        k = np.clip(i, 0, None)
        inside = np.where(i >= 0, np.clip(q - self.starts_s[k], 0.0, 60.0), 0.0)
        energy = np.where(i >= 0, self.cumulative_j[k] + self.joules[k] * inside / 60.0, 0.0)
        return energy, np.where(i >= 0, 60.0 * k + inside, 0.0)

    def kwh_per_interval(self, edges) -> np.ndarray:
        return np.diff(self.energy_at(edges)[0]) / JOULES_PER_KWH
