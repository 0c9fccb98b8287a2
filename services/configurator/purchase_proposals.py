"""The chain's purchase proposals (issue 20, item 4): for each factory, what its planned
cutting batches need beyond the boards on hand and on order (or not in time), with the orders
that wait for them, earliest needed first. A query over each factory's `FactoryStock`; nothing
is written. No wire types here."""

from __future__ import annotations

from dataclasses import dataclass

from services.configurator.board_stock import BoardStock
from services.configurator.domain.board_stock import FactoryStock, Shortage, shortages
from services.kit.errors import Violations
from services.kit.words import N_

MAX_FACTORIES = 500


@dataclass(frozen=True)
class Proposal:
    """Boards one factory should buy (or wait for): the shortage, the orders and batches on
    the sheets short."""

    factory_id: str
    shortage: Shortage
    orders: tuple[str, ...]
    batches: tuple[str, ...]


def waiting_on(stock: FactoryStock, shortage: Shortage) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The orders and the holding batches waiting for the shortage's boards (a batch nested
    before waits were kept per order: all its orders)."""
    orders: dict[str, None] = {}
    batches = []
    for batch in sorted(stock.reservations):
        summary = stock.batches.get(batch)
        if summary is None:
            continue
        for wait in summary.waits:
            if wait.kind == shortage.kind:
                batches.append(batch)
                orders.update(dict.fromkeys(wait.orders or summary.orders))
    return tuple(orders), tuple(batches)


def proposals(stock: BoardStock, factory_ids: list[str]) -> list[Proposal]:
    """Every factory's boards to buy or wait for: earliest needed first ("" last), then
    factory and board."""
    v = Violations()
    v.check(len(factory_ids) <= MAX_FACTORIES, "factory_ids",
            N_("must name at most %(n)s factories"), n=MAX_FACTORIES)
    v.check(all(0 < len(f) <= 64 for f in factory_ids), "factory_ids",
            N_("each must be 1 to 64 characters"))
    v.raise_if_any()
    out = []
    for factory_id in dict.fromkeys(factory_ids):
        found = stock.stock(factory_id)
        for shortage in shortages(found):
            if shortage.to_order or shortage.waits:
                orders, batches = waiting_on(found, shortage)
                out.append(Proposal(factory_id, shortage, orders, batches))
    return sorted(out, key=lambda p: (not p.shortage.needed_by, p.shortage.needed_by,
                                      p.factory_id, p.shortage.kind.key))
