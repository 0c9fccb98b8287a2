"""Boards a cutting batch's orders wait for (issue 20, item 4), order by order.

The configurator publishes a batch's waits, each for sheets of one board that come on one day
(or are not on order yet) and naming the orders with parts on those sheets; the batch's other
orders are cut at once. Here each order gets the moment its saw work may start - the factory's
midnight of the latest day its boards come, or an assumed lead time after the nesting when
some are not on order - and the words that say so. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from services.kit.words import N_, Words

DAY_MS = 86_400_000


@dataclass(frozen=True)
class BoardsDue:
    """Sheets of one board (`board`: "mdf-18 2440×1220") a batch waits for, the factory's day
    they come ("" when none are on order), and the orders they hold (() : all of the batch)."""

    board: str
    until_day: str
    order_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrderWait:
    from_ms: int  # its saw work starts no earlier (0: nothing to wait for)
    words: str  # "waits for board … at factory … until …" ("" when it waits for nothing)
    # each board's wait as words, for the reader's language
    said: tuple[Words, ...] = field(default=(), compare=False)


def order_waits(order_ids: list[str], waits: list[BoardsDue], factory_id: str, zone: str,
                nested_ms: int, lead_days: int) -> dict[str, OrderWait]:
    """What each order of the batch waits for: per board the latest of its waits that hold the
    order (not on order counts as latest: `lead_days` after `nested_ms`), and the order waits
    until the latest of those. Orders no wait holds wait for nothing."""
    tz = ZoneInfo(zone)
    out = {}
    for order_id in order_ids:
        latest: dict[str, BoardsDue] = {}
        for w in waits:
            if w.order_ids and order_id not in w.order_ids:
                continue
            known = latest.get(w.board)
            if known is None or _later(w.until_day, known.until_day):
                latest[w.board] = w
        if not latest:
            out[order_id] = OrderWait(0, "")
            continue
        from_ms = max(_from_ms(w.until_day, tz, nested_ms, lead_days) for w in latest.values())
        said = tuple(words(w, factory_id, zone) for w in latest.values())
        out[order_id] = OrderWait(from_ms, "; ".join(s.english() for s in said), said)
    return out


def words(w: BoardsDue, factory_id: str, zone: str) -> Words:
    """"waits for board particleboard-18 melamine-white 2800×2070 at factory F-GZ-01 until
    2026-12-09 (Asia/Shanghai)" (or "… (none on order)")."""
    if w.until_day:
        return Words.of(N_("waits for board %(board)s at factory %(factory)s until %(day)s "
                           "(%(zone)s)"), board=w.board, factory=factory_id, day=w.until_day,
                        zone=zone)
    return Words.of(N_("waits for board %(board)s at factory %(factory)s (none on order)"),
                    board=w.board, factory=factory_id)


def _later(day: str, than: str) -> bool:
    """Is `day` later than `than` ("": none on order, later than any day)?"""
    if not than:
        return False
    return not day or day > than


def _from_ms(day: str, tz: ZoneInfo, nested_ms: int, lead_days: int) -> int:
    if not day:
        return nested_ms + lead_days * DAY_MS
    return int(datetime.combine(date.fromisoformat(day), time(0), tz).timestamp() * 1000)
