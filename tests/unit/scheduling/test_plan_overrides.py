"""A planner's overrides of an order's planning (issue 19): pinned to a factory it is planned
there or says why it cannot; held out of planning it leaves the plan; prioritised its lateness
weighs more. Each override is an event of the pool order naming who made it, in what role and
why, published for the order's history."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from dovetail.scheduling.v1 import scheduling_events_pb2 as events
from services.kit.errors import Violations
from services.scheduling.domain import overrides
from services.scheduling.domain.network import CAPACITY, ORDERS_ADDED, NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import HELD, build_problem
from services.scheduling.planning.planner import Planner
from services.scheduling.published import to_integration
from services.scheduling.solver.decompose import ChainSearch
from services.scheduling.solver.greedy import greedy_plan
from services.scheduling.solver.validator import validate_plan
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_scheduling_left_out import (
    LACQUERED,
    NOW_MS,
    PLAIN,
    SETTINGS,
    InstantFollower,
    add_factory,
    add_order,
    configured,
    names,
)

pytestmark = pytest.mark.unit

LI_WEI = "li.wei@example.com"


def network(*orders: PoolOrder) -> NetworkState:
    """Factories A and B that can both make PLAIN orders (A first on every tie), C that can
    only cut."""
    state = NetworkState()
    add_factory(state, "A")
    add_factory(state, "B")
    add_factory(state, "C", kinds=("panel_saw",))
    for order in orders:
        add_order(state, order)
    return state


def override(state: NetworkState, order_id: str, act) -> list[str]:
    """``act`` on the order as the application would hold it (a copy of the state's); the
    state replays the events; what they mean to the planner."""
    order = copy.deepcopy(state.orders[order_id])
    assert act(order)
    return [state.apply(e) for e in order.collect_events()]


def factories_of(state: NetworkState, order_id: str) -> set[str]:
    return {row.factory_id for row in state.plan_rows.values() if row.order_id == order_id}


# --- the pool order -----------------------------------------------------------------------

def test_each_override_is_an_event_naming_who_in_what_role_and_why():
    order = configured("O-1", PLAIN)
    order.collect_events()
    assert order.pin("B", "customer is next door", LI_WEI, "planner")
    assert order.hold(True, "waiting for the customer's colour", LI_WEI, "planner")
    assert order.hold(False, "colour confirmed", LI_WEI, "planner")
    assert order.prioritise(5, "a showroom order", "admin@example.com", "admin")
    assert order.pin("", "any factory will do", LI_WEI, "planner")
    recorded = order.collect_events()
    assert [type(e).__name__ for e in recorded] == [
        "PinnedToFactory", "HeldOut", "Released", "Prioritised", "Unpinned"]
    assert [(e.by, e.role, e.reason) for e in recorded][0] == (
        LI_WEI, "planner", "customer is next door")
    assert recorded[3].weight == 5 and recorded[3].previous == 1
    assert recorded[4].factory_id == "B"  # the pin that was lifted
    assert (order.pinned_factory, order.held, order.weight) == ("", False, 5)


def test_a_repeat_changes_nothing_and_a_cancelled_order_takes_no_override():
    order = configured("O-1", PLAIN)
    order.pin("B", "why", LI_WEI, "planner")
    order.collect_events()
    assert not order.pin("B", "again", LI_WEI, "planner")
    assert not order.hold(False, "not held", LI_WEI, "planner")
    assert not order.prioritise(1, "as it is", LI_WEI, "planner")
    order.withdraw("cancelled")
    assert not order.hold(True, "too late", LI_WEI, "planner")
    assert names(order) == ["Withdrawn"]


def test_replaying_the_events_gives_the_same_overrides():
    order = configured("O-1", PLAIN)
    order.pin("B", "why", LI_WEI, "planner")
    order.prioritise(3, "why", LI_WEI, "planner")
    order.hold(True, "why", LI_WEI, "planner")
    copy = None
    for event in order.collect_events():
        copy = event.mutate(copy)
    assert (copy.pinned_factory, copy.held, copy.weight) == ("B", True, 3)


def test_an_order_from_before_the_overrides_has_none():
    order = configured("O-1", PLAIN)
    for name in ("_pinned_factory", "_held", "_weight"):
        order.__dict__.pop(name, None)  # as a snapshot from before issue 19 holds it
    assert (order.pinned_factory, order.held, order.weight) == ("", False, 1)


def test_each_override_is_published_for_the_order_history():
    order = configured("O-1", PLAIN)
    order.collect_events()
    order.pin("B", "customer is next door", LI_WEI, "planner")
    order.prioritise(4, "showroom", LI_WEI, "planner")
    (s1, pinned), (s2, weighed) = [to_integration(e) for e in order.collect_events()]
    assert s1 == s2 == "order_plan_overridden"
    assert (pinned.kind, pinned.factory_id, pinned.by, pinned.by_role, pinned.reason) == (
        events.PLAN_OVERRIDE_KIND_PINNED, "B", LI_WEI, "planner", "customer is next door")
    assert (weighed.kind, weighed.weight) == (events.PLAN_OVERRIDE_KIND_PRIORITISED, 4)
    assert pinned.at.seconds > 0


# --- what a pin must name -------------------------------------------------------------------

def violations(**kwargs) -> list[tuple[str, str]]:
    v = Violations()
    overrides.check_pin(**kwargs, violations=v)
    return [(f.field, f.description) for f in v.items]


def test_a_pin_names_a_registered_active_factory_with_every_machine_type_the_routing_needs():
    needs = {"panel_saw", "paint_line"}
    assert violations(factory_id="A", registered=True, active=True,
                      machine_types={"panel_saw", "paint_line", "assembly"}, needs=needs) == []
    assert violations(factory_id="X", registered=False, active=False, machine_types=(),
                      needs=needs) == [("factory_id", "no factory 'X' is registered")]
    assert violations(factory_id="C", registered=True, active=False,
                      machine_types={"panel_saw"}, needs=needs) == [
        ("factory_id", "factory C is not active"),
        ("factory_id", "factory C has no paint line, which the order's routing needs")]


def test_an_override_needs_a_reason_and_a_weight_in_range():
    v = Violations()
    overrides.check_reason("  ", v)
    overrides.check_weight(0, v)
    overrides.check_weight(101, v)
    assert [f.field for f in v.items] == ["reason", "weight", "weight"]


# --- the planner ----------------------------------------------------------------------------

async def plan(state: NetworkState, trigger: str = ORDERS_ADDED) -> RecordingApp:
    app = RecordingApp(state)
    planner = Planner(app, state, InstantFollower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    assert await planner.plan_once({trigger}) is not None
    return app


async def test_a_pinned_order_is_planned_at_its_factory_and_only_there():
    pinned = configured("O-pinned", PLAIN)
    state = network(pinned)
    await plan(state)
    assert factories_of(state, "O-pinned") == {"A"}  # A wins every tie
    assert override(state, "O-pinned", lambda o: o.pin("B", "customer is next door", LI_WEI,
                                                       "planner")) == [CAPACITY]  # plan again
    await plan(state, CAPACITY)
    assert factories_of(state, "O-pinned") == {"B"}
    # a new order pinned to B is slotted in there, though A is the less loaded
    add_order(state, configured("O-new", PLAIN))
    override(state, "O-new", lambda o: o.pin("B", "same customer", LI_WEI, "planner"))
    await plan(state)
    assert factories_of(state, "O-new") == {"B"}


async def test_a_pin_the_factory_cannot_make_leaves_the_order_out_saying_why():
    order = configured("O-1", PLAIN)
    order.pin("C", "cut it where the boards are", LI_WEI, "planner")
    state = network(order)
    app = await plan(state)
    assert factories_of(state, "O-1") == set()
    left = next(b for s, b in filter(None, map(to_integration, app.events))
                if s == "order_unplannable")
    assert left.reason == "pinned to factory C, which has no assembly"


async def test_a_held_order_leaves_the_plan_and_comes_back_when_released():
    order = configured("O-1", PLAIN)
    state = network(order)
    await plan(state)
    assert factories_of(state, "O-1") == {"A"}
    override(state, "O-1", lambda o: o.hold(True, "waiting for the customer", LI_WEI, "planner"))
    app = await plan(state, CAPACITY)
    assert factories_of(state, "O-1") == set()
    assert app.announced("O-1") == ["order_unplannable"]
    assert state.orders["O-1"].unplannable_reason == HELD
    override(state, "O-1", lambda o: o.hold(False, "the customer said go", LI_WEI, "planner"))
    app = await plan(state, CAPACITY)
    assert factories_of(state, "O-1") == {"A"}
    # back where it was, and announced: the order's planning issue goes
    assert app.announced("O-1") == ["order_scheduled"]


def test_priority_is_the_weight_of_the_order_lateness_in_the_problem():
    order, other = configured("O-1", PLAIN), configured("O-2", LACQUERED)
    order.prioritise(7, "showroom", LI_WEI, "planner")
    state = network(order, other)
    problem, _ = build_problem(state, NOW_MS, 14, {})
    assert {o.id: o.weight for o in problem.orders} == {"O-1": 7}


def test_the_validator_refuses_a_pinned_order_planned_elsewhere():
    order = configured("O-1", PLAIN)
    order.pin("B", "why", LI_WEI, "planner")
    problem, _ = build_problem(network(order), NOW_MS, 14, {})
    planned = greedy_plan(problem)
    assert {p.factory for p in planned} == {"B"} and not validate_plan(problem, planned)
    moved = [p.__class__(p.order, p.op, "A", p.machine.replace("B-", "A-"), p.start, p.end)
             for p in planned]
    assert "pinned_elsewhere" in {v.kind for v in validate_plan(problem, moved)}


def test_the_chain_search_dispatches_a_pinned_order_to_its_factory_and_replaces_it_there():
    orders = [configured(f"O-{i}", PLAIN) for i in range(6)]
    for order in orders[:3]:
        order.pin("B", "why", LI_WEI, "planner")
    problem, _ = build_problem(network(*orders), NOW_MS, 14, {})
    search = ChainSearch(problem)
    search.dispatch()
    assert {p.factory for p in search.operations() if p.order in {"O-0", "O-1", "O-2"}} == {"B"}
    # a plan from before the pins (everything at A) no longer holds for the pinned orders
    before = [replace(p, factory="A", machine=p.machine.replace("B-", "A-"))
              for p in greedy_plan(replace(problem, orders=tuple(
                  replace(o, factory="") for o in problem.orders)))]
    _, _, again = search.holding(before)
    assert {"O-0", "O-1", "O-2"} <= again
