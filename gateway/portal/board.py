"""The portal's factory board: each factory's machines with their state and health, and today's
utilisation, OEE and energy, read from iot.

A read that fails is not shown as nothing (issue 19): the board keeps what it could read, each
card knows which of its reads failed (`unread`: "machines", "oee", "energy") and the board
whether the machines' health was read, so the page can say what could not be read rather than
leave a planner to take "—" or "no machines" for iot's answer. The failures of one showing are
logged once, together, with their causes.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway import reads
from gateway.controllers.machine_health import factory_healths, health_words
from gateway.controllers.network import energy, machines, oee
from gateway.deps import Services
from gateway.errors import ServiceError

log = logging.getLogger("dovetail.gateway.portal")
FACTORIES_SHOWN = 100  # the board's first page of the registry
NAMED_IN_LOG = 5  # factories named per failed read in the log line; the rest counted


@dataclass(frozen=True)
class Failure:
    """One read the board could not make: what, of which factory ("" for the whole board), why
    (the service's status and message)."""

    what: str
    factory_id: str
    cause: str


@dataclass
class FactoryBoard:
    cards: list[dict] = field(default_factory=list)
    registry_note: str = ""  # why the factories themselves could not be read
    health_unread: bool = False
    failures: list[Failure] = field(default_factory=list)

    @property
    def factories_unread(self) -> int:
        """How many cards miss a read of their own (machines, OEE or energy)."""
        return sum(1 for card in self.cards if card["unread"])


def local_today(timezone: str, now: datetime | None = None) -> tuple[date, str]:
    """The factory's own day now, and its zone's name (UTC when it has none or an unknown one):
    iot's OEE days are the factory's local days, not UTC's."""
    try:
        zone = ZoneInfo(timezone) if timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        zone = UTC
    return (now or datetime.now(UTC)).astimezone(zone).date(), str(zone)


def board_figures(factory_id: str, days: list | None, energy_24h: Any, day: date,
                  zone: str) -> dict:
    """Today's figures of a factory as iot recorded them: utilisation = run ÷ planned time of
    its shifts so far today, OEE of the day, with the hours they come from; None where iot
    could not answer or no shift has started."""
    mine = next((r for r in days or [] if r.scope == factory_id), None)
    planned = mine.planned_production_seconds if mine else 0
    return {"day": day.isoformat(), "zone": zone,
            "utilisation": mine.run_seconds / planned if planned else None,
            "oee": mine.oee if planned else None,
            "run_h": mine.run_seconds / 3600 if mine else None,
            "planned_h": planned / 3600 if mine else None,
            "kwh": energy_24h.kwh if energy_24h else None,
            "kg_co2e": energy_24h.kg_co2e if energy_24h else None}


async def read(call: Awaitable[Any], what: str, factory_id: str,
               failures: list[Failure]) -> Any:
    """The answer of `call`, or None with the failure noted."""
    try:
        return await call
    except ServiceError as exc:
        failures.append(Failure(what, factory_id, exc.cause))
        return None


async def factory_card(services: Services, f: iot.Factory, failures: list[Failure]) -> dict:
    day, zone = local_today(f.timezone)
    scope = {"factory_id": f.factory_id}
    mine: list[Failure] = []
    page_, days, energy_24h = await asyncio.gather(
        read(machines(services, f.factory_id, [], 200, None), "machines", f.factory_id, mine),
        read(oee(services, scope, day, None), "oee", f.factory_id, mine),
        read(energy(services, scope, 24, 0), "energy", f.factory_id, mine))
    failures += mine
    return {"factory": reads.factory(f), "machines": page_.items if page_ else [],
            "figures": board_figures(f.factory_id, days, energy_24h, day, zone),
            "unread": {failure.what for failure in mine}}


async def factory_board(services: Services) -> FactoryBoard:
    """Every factory of the registry's first page with what could be read of it."""
    board = FactoryBoard()
    try:
        reply = await services.call("iot", "ListFactories", iot.ListFactoriesRequest(
            page=dict(page_size=FACTORIES_SHOWN)))
    except ServiceError as exc:
        board.registry_note = exc.detail
        board.failures.append(Failure("factories", "", exc.cause))
        log_unread(board.failures)
        return board
    board.cards = list(await asyncio.gather(*(
        factory_card(services, f, board.failures) for f in reply.factories)))
    healths = await read(factory_healths(services, [f.factory_id for f in reply.factories]),
                         "health", "", board.failures)
    board.health_unread = healths is None
    for card in board.cards:  # each machine's health from its wear watch (issue 22)
        card["health"] = {m.machine_id: words for m in card["machines"]
                          if (words := health_words((healths or {}).get(m.machine_id)))}
    log_unread(board.failures)
    return board


def log_unread(failures: list[Failure]) -> None:
    """One line for one showing of the board: each read that failed, the factories it failed
    for (a few named, all counted) and why; nothing when every read was made."""
    if not failures:
        return
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for failure in failures:
        grouped[failure.what, failure.cause].append(failure.factory_id)
    log.warning("factory board shown without what it could not read: %s", "; ".join(
        f"{what} {of(ids)}: {cause[:200]}" for (what, cause), ids in grouped.items()))


def of(factory_ids: list[str]) -> str:
    """Whose read it was: "of every factory" (one read for the whole board), "of F1", or "of
    7 factories (F1, ... and 2 more)"."""
    named = [i for i in factory_ids if i]
    if len(named) < 2:
        return f"of {named[0]}" if named else "of every factory"
    more = f" and {len(named) - NAMED_IN_LOG} more" if len(named) > NAMED_IN_LOG else ""
    return f"of {len(named)} factories ({', '.join(named[:NAMED_IN_LOG])}{more})"
