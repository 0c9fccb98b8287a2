"""The portal's purchases page (issue 20, item 4): boards to buy across the network, per
factory and board, earliest needed first, with the sheets short, what is on order and when it
comes, and the orders that wait for them (the configurator's purchase proposals). For admins
and planners. Days are the factory's own, its zone named beside each."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from litestar import Controller, get
from litestar.response import Template

from dovetail.configurator.v1 import stock_service_pb2 as pb
from gateway import i18n
from gateway.auth import PLANNING, portal_for
from gateway.catalogue_names import NO_NAMES, CatalogueNames
from gateway.controllers.stock import board_words
from gateway.deps import Services, StateDep
from gateway.errors import ServiceError
from gateway.factory_directory import FactoryEntry
from gateway.portal.pages import attempt, page, portal_error

ASKED_AT_ONCE = 500  # factories per ListPurchaseProposals call (the service's limit)
DEFAULT_ZONE = "Asia/Shanghai"


@dataclass(frozen=True)
class ProposalRow:
    factory_id: str
    factory_name: str
    zone: str
    board: str
    short: int
    to_order: int
    needed_by: str
    covered_on: str
    waits: bool
    orders: list[str]


async def proposals(services: Services, factories: list[FactoryEntry],
                    names: CatalogueNames = NO_NAMES) -> list[ProposalRow]:
    """Every factory's proposals, asked for 500 factories at a time, earliest needed first;
    boards by the catalogue's `names`."""
    known = {f.factory_id: f for f in factories}
    ids = list(known)
    replies = await asyncio.gather(*(
        services.call("stock", "ListPurchaseProposals", pb.ListPurchaseProposalsRequest(
            factory_ids=ids[i:i + ASKED_AT_ONCE]), timeout=30)
        for i in range(0, len(ids), ASKED_AT_ONCE)))
    rows = [proposal_row(p, known[p.factory_id], names) for reply in replies for p in reply.proposals]
    return sorted(rows, key=lambda r: (not r.needed_by, r.needed_by, r.factory_id, r.board))


def proposal_row(p: pb.PurchaseProposal, factory: FactoryEntry,
                 names: CatalogueNames = NO_NAMES) -> ProposalRow:
    """One proposal as the page shows it: the day its batch needs the boards on the factory's
    clock (the service's needed_by is that moment's day in the zone it knows for the factory)."""
    zone = factory.timezone or DEFAULT_ZONE
    day = i18n.zone_date(p.shortage.needed_at, zone)
    return ProposalRow(p.factory_id, factory.name, zone, board_words(p.shortage.kind, names),
                       p.shortage.short, p.shortage.to_order,
                       day.isoformat() if day else p.shortage.needed_by, p.shortage.covered_on,
                       p.shortage.waits, list(p.waiting_order_ids))


class PurchasesPortalController(Controller):
    path = "/portal/purchases"
    guards = [portal_for(*PLANNING)]
    include_in_schema = False
    exception_handlers = {ServiceError: portal_error}

    @get("/")
    async def purchases(self, gateway: StateDep) -> Template:
        factories, note = await attempt(gateway.factories.entries(gateway.services), [])
        names = await gateway.catalogue_names.names(gateway.services, 0)  # stock is of today's
        rows, rows_note = (await attempt(proposals(gateway.services, factories, names), [])
                           if factories else ([], ""))
        return page("purchases.html", nav="purchases", topics="", rows=rows,
                    note=note or rows_note, factories=len(factories))
