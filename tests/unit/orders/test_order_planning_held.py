"""An order scheduling cannot plan: it keeps its status and shows why until it is scheduled,
amended, cancelled or goes into production; a repeat of the same reason records nothing."""

from __future__ import annotations

import pytest

from services.orders.application import summarise
from services.orders.domain.order import STATUS_AFTER, Order
from services.orders.domain.status import OrderStatus
from services.orders.domain.values import parse_order_content
from tests.helpers import order_payload

pytestmark = pytest.mark.unit

CONTENT = parse_order_content(order_payload())

NO_PAINT_LINE = "no factory has every machine type it needs: assembly, paint_line, panel_saw"
FULL = "does not fit in the planning horizon: the factories that could make it are full"


def placed_order() -> Order:
    return Order(channel="dovetail", external_id="SHOP-1", tenant="t",
                 placed_at="2026-11-25T08:00:00+00:00", content=CONTENT)


def configured_order() -> Order:
    order = placed_order()
    order.record_configured(1, 3, "configurator:1")
    order.collect_events()
    return order


def names(order: Order) -> list[str]:
    return [type(e).__name__ for e in order.collect_events()]


def test_a_held_order_stays_configured_and_shows_why_once_per_reason():
    order = configured_order()
    assert order.record_planning_held(1, NO_PAINT_LINE, "scheduling:7")
    assert not order.record_planning_held(1, NO_PAINT_LINE, "scheduling:7")  # redelivered
    assert not order.record_planning_held(None, NO_PAINT_LINE, "scheduling:9")
    assert order.status is OrderStatus.CONFIGURED
    assert order.planning_issue == NO_PAINT_LINE
    assert order.record_planning_held(1, FULL, "scheduling:12")
    assert order.planning_issue == FULL
    assert names(order) == ["PlanningHeld", "PlanningHeld"]


def test_the_issue_may_arrive_before_the_configuration_and_outlasts_it():
    order = placed_order()  # the scheduling stream overtook the configurator's
    assert order.record_planning_held(1, NO_PAINT_LINE, "scheduling:7")
    assert order.record_configured(1, 3, "configurator:1")
    assert (order.status, order.planning_issue) == (OrderStatus.CONFIGURED, NO_PAINT_LINE)


def test_scheduling_the_order_clears_the_issue_even_at_the_place_it_had():
    order = configured_order()
    order.record_scheduled(None, "F-1", "a", "b", "scheduling:1")
    assert order.record_planning_held(1, FULL, "scheduling:2")
    assert order.status is OrderStatus.SCHEDULED
    assert order.record_scheduled(None, "F-1", "a", "b", "scheduling:3")
    assert order.planning_issue == ""
    assert names(order) == ["Scheduled", "PlanningHeld", "Scheduled"]


def test_cancelling_or_amending_clears_the_issue_and_a_stale_one_is_ignored():
    cancelled = configured_order()
    cancelled.record_planning_held(1, FULL, "scheduling:1")
    cancelled.cancel("no longer needed")
    assert cancelled.planning_issue == ""
    assert not cancelled.record_planning_held(1, FULL, "scheduling:2")

    amended = configured_order()
    amended.record_planning_held(1, NO_PAINT_LINE, "scheduling:1")
    amended.amend({"lines": []}, "melamine instead of lacquer")
    assert amended.planning_issue == ""
    assert not amended.record_planning_held(1, NO_PAINT_LINE, "scheduling:2")  # revision 1
    assert amended.record_planning_held(2, FULL, "scheduling:3")


def test_orders_in_production_or_rejected_are_not_held():
    order = configured_order()
    order.record_scheduled(None, "F-1", "a", "b", "scheduling:1")
    order.record_production_started(None, "scheduling:2")
    assert not order.record_planning_held(None, FULL, "scheduling:3")

    rejected = placed_order()
    assert rejected.record_rejected(1, ["shelf span too long"], "configurator:2")
    assert not rejected.record_planning_held(1, FULL, "scheduling:3")
    assert rejected.planning_issue == ""


def test_the_history_tells_why_the_order_is_held_without_a_status_change():
    order = configured_order()
    order.record_planning_held(1, NO_PAINT_LINE, "scheduling:7")
    event = order.collect_events()[0]
    assert STATUS_AFTER.get("PlanningHeld") is None
    assert summarise("PlanningHeld", event.__dict__) == f"Cannot be planned yet: {NO_PAINT_LINE}"


def test_a_held_order_is_published_for_live_pages():
    from services.orders.published import to_integration

    order = configured_order()
    order.record_planning_held(1, NO_PAINT_LINE, "scheduling:7")
    (event,) = order.collect_events()
    subject, body = to_integration(event)
    assert subject == "planning_held"
    assert (body.order_id, body.reason, body.cause) == (str(order.id), NO_PAINT_LINE,
                                                          "scheduling:7")
