"""The orders a pass leaves in the plans it does not revise, counted per factory and kept
between passes.

A slotting-in pass (and a round of the sweep) publishes a few factories' plans and counts
the orders of all the others (OrdersKept). Counting them afresh cost every pass the whole
pool (78 ms at 15,000 orders); here each factory's count is kept and made again only when
its plan or one of the orders it holds changed (NetworkState.changes_in), so a pass costs
the factories it touched and a sum over the factories.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.outcome import OrdersKept


class KeptOrders:
    """Each factory plan's orders as counted, kept while they do not change."""

    def __init__(self, state: NetworkState):
        self.state = state
        self._counted: dict[str, tuple[tuple[int, int], OrdersKept]] = {}

    def of(self, factories: Iterable[str], skip: Collection[str]) -> OrdersKept:
        """The orders the plans of ``factories`` hold, but those in ``skip`` (listed by the
        publication: those of the plans it revises, and those it places)."""
        state = self.state
        # the plans holding an order skipped are counted without it, afresh
        afresh = {f for o in skip if (f := state.planned_in.get(o)) is not None}
        parts = []
        for f in factories:
            if f in afresh:
                parts.append(self._count(f, skip))
                continue
            changes = state.changes_in(f)
            counted = self._counted.get(f)
            if counted is None or counted[0] != changes:
                counted = self._counted[f] = (changes, self._count(f, ()))
            parts.append(counted[1])
        return OrdersKept.total(parts)

    def _count(self, factory_id: str, skip: Collection[str]) -> OrdersKept:
        orders = self.state.orders
        return OrdersKept.of(orders[o] for o in self.state.orders_in(factory_id)
                             if o not in skip and o in orders)
