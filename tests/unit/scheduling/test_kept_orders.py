"""The orders a slotting-in pass leaves in the plans it does not revise are counted per
factory and kept between passes: the counts agree with counting every order afresh, after
new orders, a withdrawn order and a pass that moves orders about."""

from __future__ import annotations

import copy

import pytest

from services.scheduling.domain.outcome import OrdersKept
from services.scheduling.planning.planner import Planner
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_insert import NOW_MS, SETTINGS, Follower, add, apply, network

pytestmark = pytest.mark.unit


def afresh(state, skip=frozenset()) -> OrdersKept:
    return OrdersKept.of(state.orders[o] for o, f in state.planned_in.items()
                         if f in state.factory_plans and o not in skip)


def same(a: OrdersKept, b: OrdersKept) -> bool:
    return (a.count, dict(a.risk_counts), a.tardiness_s, a.last_end_ms) == (
        b.count, dict(b.risk_counts), b.tardiness_s, b.last_end_ms)


async def test_counts_kept_between_passes_agree_with_counting_every_order():
    state = network()
    add(state, *(f"O-{i:02d}" for i in range(12)))
    planner = Planner(RecordingApp(state), state, Follower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})
    kept = planner.kept
    assert same(kept.of(state.factory_plans, set()), afresh(state))
    assert kept.of(state.factory_plans, set()).count == 12

    for i in range(3):  # slotted in: their factories' plans change, the others are kept
        add(state, f"N-{i}")
        assert (await planner.plan_once({"orders_added"})).published
        assert same(kept.of(state.factory_plans, set()), afresh(state))

    # an order withdrawn: its plan is not revised yet, its count changes at once
    order = copy.deepcopy(state.orders["O-03"])
    order.withdraw("customer changed their mind")
    apply(state, order)
    counted = kept.of(state.factory_plans, set())
    assert same(counted, afresh(state)) and counted.count == 14

    # the orders a publication lists are left out of the count, wherever they are planned
    skip = {"O-01", "N-2"}
    assert same(kept.of(state.factory_plans, skip), afresh(state, skip))

    # a whole plan made again (orders may move between factories)
    await planner.plan_once({"capacity_changed"})
    assert same(kept.of(state.factory_plans, set()), afresh(state))
    assert same(kept.of(state.factory_plans, skip), afresh(state, skip))


async def test_the_orders_no_plan_holds_are_known_without_looking_at_the_pool():
    state = network()
    add(state, *(f"O-{i:02d}" for i in range(6)))

    def unplanned_afresh():
        return {o.order_id for o in state.plannable() if o.order_id not in state.planned_in}

    assert {o.order_id for o in state.unplanned()} == unplanned_afresh() == {
        f"O-{i:02d}" for i in range(6)}
    planner = Planner(RecordingApp(state), state, Follower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})
    assert state.unplanned() == []
    add(state, "N-1", "N-2")
    assert [o.order_id for o in state.unplanned()] == ["N-1", "N-2"]
    order = copy.deepcopy(state.orders["N-2"])
    order.withdraw("cancelled")
    apply(state, order)
    assert [o.order_id for o in state.unplanned()] == ["N-1"]
    await planner.plan_once({"orders_added"})
    assert state.unplanned() == [] and "N-1" in state.planned_in
