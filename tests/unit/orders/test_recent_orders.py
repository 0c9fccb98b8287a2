"""Orders kept as last saved (services/kit/recent.py): the orders application hands out shallow
copies, so no change an order can take may reach the order kept."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.kit.recent import RecentAggregates, shallow_copy
from services.kit.words import Words
from services.orders.domain.order import Order
from services.orders.domain.values import MappingNeed, parse_order_content
from tests.helpers import order_payload

pytestmark = pytest.mark.unit

CONTENT = parse_order_content(order_payload())


def saved(**kwargs) -> Order:
    order = Order(channel="dovetail", external_id="SHOP-1", tenant="t",
                  placed_at="2026-11-25T08:00:00+00:00", content=CONTENT, **kwargs)
    order.collect_events()
    return order


def as_it_is(order: Order) -> dict:
    return {k: (id(v), repr(v)) for k, v in vars(order).items()}


CHANGES = {
    "configured": lambda o: o.record_configured(1, 3, "c:1"),
    "rejected": lambda o: o.record_rejected(1, ["width_mm: too wide"], "c:2",
                                            [Words("width_mm: too wide")]),
    "scheduled": lambda o: o.record_scheduled(None, "F-1", "2026-12-08T08:00:00+00:00",
                                              "2026-12-08T13:00:00+00:00", "s:1"),
    "held": lambda o: o.record_planning_held(1, "no factory", "s:2", Words("no factory")),
    "overridden": lambda o: o.record_plan_overridden("PINNED", "F-2", 0, "closer", "a@b", "planner",
                                                     "s:3"),
    "amended": lambda o: o.amend(replace(CONTENT, lines=CONTENT.lines[:1]), "smaller", "a@b"),
    "cancelled": lambda o: o.cancel("changed mind", "a@b"),
    "started": lambda o: o.record_production_started(None, "s:4"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_to_a_copy_leaves_the_kept_order_as_it_was(change):
    kept = saved()
    before = as_it_is(kept)
    twin = shallow_copy(kept)
    assert CHANGES[change](twin) is not False
    for then in ("scheduled", "held", "started"):  # and the facts after it, where they apply
        CHANGES[then](twin)
    assert twin.pending_events and not kept.pending_events
    assert as_it_is(kept) == before


def test_a_waiting_order_mapped_on_a_copy_leaves_the_kept_one_waiting():
    kept = saved(needs=(MappingNeed("product", "wardrobe-x", "1", "unknown"),))
    before = as_it_is(kept)
    twin = shallow_copy(kept)
    assert twin.resolve_mapping(CONTENT, (), (), "m:1")
    assert as_it_is(kept) == before


def test_the_newest_version_is_kept_and_the_least_recently_used_forgotten():
    recent = RecentAggregates(2, shallow_copy)
    a, b, c = saved(), saved(), saved()
    a2 = shallow_copy(a)
    a2.record_configured(1, 3, "c:1")
    a2.collect_events()
    recent.keep([a2])
    recent.keep([a])  # an older version than kept: ignored
    assert recent.copies([a.id])[a.id].version == 2
    recent.keep([b])
    recent.copies([a.id])  # a used last: b goes first
    recent.keep([c])
    assert set(recent.copies([a.id, b.id, c.id])) == {a.id, c.id}
    first, second = recent.copies([a.id])[a.id], recent.copies([a.id])[a.id]
    assert first is not second and first is not a2
