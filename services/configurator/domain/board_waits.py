"""Which sheets of a factory's cutting batches are at the factory, and when the others come
(issue 20, item 4): the waits are per order, not per batch.

Stock of one board kind is handed out to the batches that hold it in the order they were
nested: first what is on hand, then each outstanding purchase by its expected day. Within a
batch the sheets of the orders that need the fewest sheets of the kind get boards first, so as
few orders as possible wait; an order waits until the last of its sheets is there.

Pure: plain data in, plain data out (no stock aggregate, no I/O).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

IN_STOCK = ""  # the sheet is on hand


def sheet_days(batches: Sequence[Sequence[tuple[str, ...]]], on_hand: int,
               coming: Sequence[tuple[str, int]]) -> list[list[str | None]]:
    """The day each sheet of one kind is at the factory.

    `batches`: the sheets each holding batch cuts, first nested first, each sheet as the orders
    with parts on it; `on_hand`: sheets in stock; `coming`: (expected day, sheets) of the
    outstanding purchases, earliest first. Each sheet's day is IN_STOCK, the expected day of
    the purchase that brings it, or None when nothing on order does."""
    supply = _units(on_hand, coming)
    out: list[list[str | None]] = []
    for sheets in batches:
        days: list[str | None] = [None] * len(sheets)
        for i in _first_served(sheets):
            days[i] = next(supply, None)
        out.append(days)
    return out


def waits_of(sheets: Sequence[tuple[str, ...]], days: Sequence[str | None]
             ) -> list[tuple[str | None, int, tuple[str, ...]]]:
    """The sheets of one batch that are not on hand, by the day they come: (day or None, how
    many sheets, the orders with parts on them); the days in order, None (not on order) last."""
    short: dict[str | None, tuple[int, set[str]]] = {}
    for orders, day in zip(sheets, days, strict=True):
        if day == IN_STOCK:
            continue
        count, held = short.get(day, (0, set()))
        short[day] = (count + 1, held | set(orders))
    return [(day, count, tuple(sorted(held)))
            for day, (count, held) in sorted(short.items(), key=lambda kv: (kv[0] is None,
                                                                            kv[0] or ""))]


def _units(on_hand: int, coming: Sequence[tuple[str, int]]) -> Iterator[str]:
    """One day per sheet: on hand first, then each purchase's sheets on its day."""
    for _ in range(max(on_hand, 0)):
        yield IN_STOCK
    for day, quantity in coming:
        for _ in range(max(quantity, 0)):
            yield day


def _first_served(sheets: Sequence[tuple[str, ...]]) -> list[int]:
    """The sheets in the order they get boards: those of the order needing fewest sheets first
    (then by order id, then as nested), so short supply holds back as few orders as it can."""
    need = Counter(order for sheet in sheets for order in set(sheet))
    rank = {order: r for r, order in enumerate(sorted(need, key=lambda o: (need[o], o)))}
    return sorted(range(len(sheets)),
                  key=lambda i: (min((rank[o] for o in sheets[i]), default=len(rank)), i))
