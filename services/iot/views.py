"""Reads of the iot read models (services/iot/projections.py): lists, history, downtime, runs."""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from dovetail.common.v1 import types_pb2
from services.iot.domain.health import HealthAssessment, Maintenance
from services.iot.domain.profiles import FactoryProfile, MachineProfile
from services.iot.domain.values import from_plain
from services.kit.errors import Violations
from services.kit.words import N_
from services.kit.words_pb import words_of

MAX_PAGE = 500
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class Page:
    rows: list[dict[str, Any]]
    next_token: str


def page_args(page_size: int, token: str) -> tuple[int, Any]:
    v = Violations()
    v.check(0 <= page_size <= MAX_PAGE, "page.page_size", N_("must be from 1 to %(n)s"),
            n=MAX_PAGE)
    after = None
    if token:
        try:
            after = json.loads(base64.urlsafe_b64decode(token.encode()))
        except ValueError:
            v.add("page.page_token", N_("is not a token this service gave out"))
    v.raise_if_any()
    return page_size or DEFAULT_PAGE, after


def _token(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


class IotViews:
    def __init__(self, pool: AsyncConnectionPool):
        self.pool = pool

    async def _rows(self, sql: str, params: Any) -> list[dict[str, Any]]:
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            return await cur.fetchall()

    async def factories(self, page_size: int, token: str, include_inactive: bool,
                        only: str | None) -> Page:
        size, after = page_args(page_size, token)
        where, params = ["TRUE"], []
        if only is not None:
            where.append("factory_id = %s")
            params.append(only)
        if not include_inactive:
            where.append("active")
        if after:
            where.append("factory_id > %s")
            params.append(after)
        rows = await self._rows(
            f"SELECT * FROM iot.factories WHERE {' AND '.join(where)} ORDER BY factory_id "
            "LIMIT %s", [*params, size + 1])
        return self._page(rows, size, "factory_id")

    async def machines(self, factory_id: str | None, machine_types: list[str], page_size: int,
                       token: str, include_inactive: bool) -> Page:
        size, after = page_args(page_size, token)
        where, params = ["TRUE"], []
        if factory_id:
            where.append("factory_id = %s")
            params.append(factory_id)
        if machine_types:
            where.append("machine_type = ANY(%s)")
            params.append(machine_types)
        if not include_inactive:
            where.append("active")
        if after:
            where.append("machine_id > %s")
            params.append(after)
        rows = await self._rows(
            f"SELECT * FROM iot.machines WHERE {' AND '.join(where)} ORDER BY machine_id "
            "LIMIT %s", [*params, size + 1])
        return self._page(rows, size, "machine_id")

    @staticmethod
    def _page(rows: list[dict[str, Any]], size: int, key: str) -> Page:
        if len(rows) > size:
            rows = rows[:size]
            return Page(rows, _token(rows[-1][key]))
        return Page(rows, "")

    async def machine_ids(self, factory_id: str) -> list[str]:
        rows = await self._rows("SELECT machine_id FROM iot.machines WHERE factory_id = %s "
                                "ORDER BY machine_id", (factory_id,))
        return [r["machine_id"] for r in rows]

    async def machine_healths(self, factory_ids: list[str]
                              ) -> list[tuple[str, str, HealthAssessment | None, Maintenance | None]]:
        """(machine, factory, health, last maintenance) of every machine of these factories
        with either recorded (issue 22), in one query. No health after maintenance, until
        the wear watch has its new baseline."""
        rows = await self._rows(
            "SELECT * FROM iot.machine_health WHERE factory_id = ANY(%s) "
            "ORDER BY factory_id, machine_id", (factory_ids,))
        return [(r["machine_id"], r["factory_id"], _health(r), _maintenance(r)) for r in rows]

    async def all_machines(self) -> list[MachineProfile]:
        return [from_plain(MachineProfile, r["profile"]) for r in await self._rows(
            "SELECT profile FROM iot.machines WHERE active", ())]

    async def machines_of(self, factory_ids: list[str]) -> list[MachineProfile]:
        """The active machines of these factories, in one query."""
        return [from_plain(MachineProfile, r["profile"]) for r in await self._rows(
            "SELECT profile FROM iot.machines WHERE active AND factory_id = ANY(%s) "
            "ORDER BY machine_id", (factory_ids,))]

    async def factory_energy(self, factory_ids: list[str], start_ms: int, end_ms: int
                             ) -> dict[str, float]:
        """kWh per factory over the window, from the minute ledger in one query: each minute's
        kWh spread evenly over it, as the ledger's MinuteEnergy reads it."""
        rows = await self._rows(
            "SELECT factory_id, sum(kwh * (least(minute_ms + 60000, %(end)s)"
            " - greatest(minute_ms, %(start)s)) / 60000.0) AS kwh FROM iot.energy_minutes"
            " WHERE factory_id = ANY(%(ids)s) AND minute_ms > %(start)s - 60000"
            " AND minute_ms < %(end)s GROUP BY factory_id",
            {"ids": factory_ids, "start": start_ms, "end": end_ms})
        return {r["factory_id"]: float(r["kwh"]) for r in rows}

    async def all_factories(self) -> list[FactoryProfile]:
        return [from_plain(FactoryProfile, r["profile"]) for r in await self._rows(
            "SELECT profile FROM iot.factories", ())]

    async def planned_stops(self, factory_id: str | None, start_ms: int, end_ms: int
                            ) -> list[dict[str, Any]]:
        params: list[Any] = [end_ms, start_ms]
        extra = ""
        if factory_id is not None:
            extra, params = " AND factory_id = %s", [*params, factory_id]
        return await self._rows("SELECT * FROM iot.planned_stops WHERE start_ms < %s AND "
                                f"end_ms > %s{extra}", params)

    async def state_changes(self, machine_ids: list[str], start_ms: int, end_ms: int
                            ) -> dict[str, list[dict[str, Any]]]:
        """Each machine's changes in the window, led by the last one before it (its state then)."""
        # the state before the window: one index probe per machine, not its whole history
        rows = await self._rows(
            "SELECT machine_id, at_ms, to_state, version FROM iot.state_changes"
            " WHERE machine_id = ANY(%(ids)s) AND at_ms >= %(start)s AND at_ms < %(end)s"
            " UNION ALL SELECT b.* FROM unnest(%(ids)s::text[]) AS m(id) CROSS JOIN LATERAL"
            " (SELECT machine_id, at_ms, to_state, version FROM iot.state_changes"
            "  WHERE machine_id = m.id AND at_ms < %(start)s"
            "  ORDER BY at_ms DESC, version DESC LIMIT 1) AS b"
            " ORDER BY machine_id, version",
            {"ids": machine_ids, "start": start_ms, "end": end_ms})
        out: dict[str, list[dict[str, Any]]] = {m: [] for m in machine_ids}
        for row in rows:
            out[row["machine_id"]].append(row)
        return out

    async def downtimes(self, machine_ids: list[str], start_ms: int, end_ms: int
                        ) -> list[dict[str, Any]]:
        """Downtimes overlapping the window, newest first."""
        return await self._rows(
            "SELECT * FROM iot.downtimes WHERE machine_id = ANY(%s) AND start_ms < %s AND "
            "(end_ms IS NULL OR end_ms > %s) ORDER BY start_ms DESC, downtime_id",
            (machine_ids, end_ms, start_ms))

    async def runs_of_order(self, order_id: str) -> list[dict[str, Any]]:
        return await self._rows("SELECT * FROM iot.operation_runs WHERE order_id = %s "
                                "AND started_ms > 0 ORDER BY started_ms", (order_id,))

    async def runs_on(self, machine_ids: list[str], start_ms: int, end_ms: int
                      ) -> list[dict[str, Any]]:
        """Operations that ran on the machines during the window (open ones included)."""
        return await self._rows(
            "SELECT * FROM iot.operation_runs WHERE machine_id = ANY(%s) AND started_ms > 0 AND "
            "started_ms < %s AND (finished_ms = 0 OR finished_ms > %s)",
            (machine_ids, end_ms, start_ms))

    async def finished_on(self, machine_ids: list[str], start_ms: int, end_ms: int
                          ) -> list[dict[str, Any]]:
        return await self._rows(
            "SELECT machine_id, finished_ms, planned_duration_s, scrap_quantity"
            " FROM iot.operation_runs WHERE machine_id = ANY(%s) AND finished_ms >= %s"
            " AND finished_ms < %s", (machine_ids, start_ms, end_ms))


def _health(row: dict[str, Any]) -> HealthAssessment | None:
    if row["at_ms"] is None:
        return None
    return HealthAssessment(row["at_ms"], row["score"],
                            math.inf if row["horizon_s"] is None else row["horizon_s"],
                            row["confidence"], row["alarm"], tuple(row["explanation"]),
                            explanation_words=tuple(
                                words_of(types_pb2.Words.FromString(said))
                                for said in row.get("explanation_words") or ()))


def _maintenance(row: dict[str, Any]) -> Maintenance | None:
    if row.get("maintained_at_ms") is None:
        return None
    return Maintenance(row["maintenance_task_id"] or "", row["maintained_at_ms"],
                       row["maintained_by"] or "")
