"""Orders a plan leaves out: recorded with their reason when that is news (the first time, or
a new reason), not on every re-plan; announced again as scheduled once a plan takes them."""

from __future__ import annotations

import pytest

from services.kit.words import Words
from services.kit.words_pb import words_of
from services.scheduling.domain.capacity import (
    FactoryCapacity,
    MachineCapacity,
    machine_types_said,
)
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.outcome import (
    DOES_NOT_FIT,
    PlanOutcome,
    left_out_news,
    left_out_rows,
)
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import build_problem
from services.scheduling.domain.values import (
    LeftOut,
    ObjectiveValues,
    OrderPlacement,
    RoutingStep,
)
from services.scheduling.planning.planner import Planner
from services.scheduling.published import to_integration
from services.scheduling.settings import SchedulerSettings
from tests.unit.scheduling.recording import RecordingApp

pytestmark = pytest.mark.unit

NOW_MS = 1_795_600_800_000  # a whole minute (2026-11-26 08:00 UTC)
SETTINGS = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, workers=1)
# the machine types as people call them (the wire's codes are for programs)
NO_MACHINE = "no factory has every machine type it needs: assembly, paint line, panel saw"
NEEDED = ("assembly", "paint_line", "panel_saw")
NOTHING = ObjectiveValues(0.0, 0, 0, 0)


def step(seq: int, kind: str, minutes: int) -> RoutingStep:
    return RoutingStep(seq=seq, routing_operation_id=f"op-{seq}", machine_type=kind,
                       duration_s=minutes * 60, description=kind)


PLAIN = [step(1, "panel_saw", 60), step(2, "assembly", 30)]
LACQUERED = [step(1, "panel_saw", 60), step(2, "paint_line", 90), step(3, "assembly", 30)]


def configured(order_id: str = "O-1", routing=LACQUERED, revision: int = 1) -> PoolOrder:
    order = PoolOrder(order_id=order_id, tenant="t")
    order.configure(revision, routing, "2027-01-31")
    return order


def names(aggregate) -> list[str]:
    return [type(e).__name__ for e in aggregate.collect_events()]


# --- the pool order remembers the last reason ----------------------------------------------

def test_an_order_left_out_is_news_the_first_time_and_for_a_new_reason_only():
    order = configured()
    names(order)
    assert order.record_left_out("plan-1", 1, NO_MACHINE)
    assert not order.record_left_out("plan-2", 1, NO_MACHINE)  # the same reason again
    assert order.record_left_out("plan-3", 1, DOES_NOT_FIT)
    assert names(order) == ["LeftOut", "LeftOut"]
    assert order.unplannable_reason == DOES_NOT_FIT


def test_an_order_back_in_the_plan_is_scheduled_even_at_its_old_place():
    order = configured()
    assert order.record_scheduled("plan-1", 1, "F-1", NOW_MS, NOW_MS + 3_600_000, "ON_TIME", 0)
    assert order.record_left_out("plan-2", 1, DOES_NOT_FIT)
    # where it was before: no news for an order that stayed, but this one was left out
    assert order.is_news("F-1", NOW_MS, NOW_MS + 3_600_000, "ON_TIME")
    assert order.record_scheduled("plan-3", 1, "F-1", NOW_MS, NOW_MS + 3_600_000, "ON_TIME", 0)
    assert order.unplannable_reason == ""
    assert not order.is_news("F-1", NOW_MS, NOW_MS + 3_600_000, "ON_TIME")
    # left out again later: news again
    assert order.record_left_out("plan-4", 1, DOES_NOT_FIT)
    assert names(order)[-4:] == ["Scheduled", "LeftOut", "Scheduled", "LeftOut"]


def test_cancelled_stale_and_reasonless_leaving_out_is_not_recorded():
    order = configured(revision=2)
    assert not order.record_left_out("plan-1", 1, NO_MACHINE)  # an older revision
    assert not order.record_left_out("plan-1", 2, "")
    order.withdraw("customer changed their mind")
    assert not order.record_left_out("plan-1", 2, NO_MACHINE)
    assert "LeftOut" not in names(order)


def test_a_new_configuration_forgets_the_reason_so_it_is_reported_for_the_new_revision():
    order = configured()
    order.record_left_out("plan-1", 1, NO_MACHINE)
    order.amend(2, "wider doors")
    order.configure(2, LACQUERED, "2027-01-31")
    assert order.unplannable_reason == ""
    assert order.record_left_out("plan-2", 2, NO_MACHINE)


def test_replaying_the_log_remembers_the_same_reason():
    order = configured()
    order.record_left_out("plan-1", 1, NO_MACHINE)
    state = NetworkState()
    for event in order.collect_events():
        state.apply(event)
    replayed = state.orders["O-1"]
    assert replayed.unplannable_reason == NO_MACHINE
    assert not replayed.left_out_is_news(1, NO_MACHINE)
    assert replayed.left_out_is_news(1, DOES_NOT_FIT)


def test_the_left_out_event_is_published_as_order_unplannable():
    order = configured()
    names(order)
    order.record_left_out("plan-1", 1, NO_MACHINE)
    subject, body = to_integration(order.collect_events()[0])
    assert subject == "order_unplannable"
    assert (body.order_id, body.reason, body.plan_id, body.revision) == (
        "O-1", NO_MACHINE, "plan-1", 1)


# --- what a plan leaves out, and whether that is worth a publication --------------------------

def add_factory(state: NetworkState, factory_id: str, kinds=("panel_saw", "assembly")) -> None:
    for aggregate in [FactoryCapacity(factory_id=factory_id, name=factory_id, capacity_share=1.0,
                                      timezone="UTC", weekly_shifts=[], exceptions=[], active=True,
                                      source_version=1)] + [
            MachineCapacity(machine_id=f"{factory_id}-{kind}", factory_id=factory_id,
                            machine_type=kind, speed=1.0, batch_capacity=1, active=True,
                            source_version=1) for kind in kinds]:
        for event in aggregate.collect_events():
            state.apply(event)


def add_order(state: NetworkState, order: PoolOrder) -> None:
    for event in order.collect_events():
        state.apply(event)


def test_the_problem_names_the_orders_no_factory_can_make_and_why():
    state = NetworkState()
    add_factory(state, "A")
    add_order(state, configured("O-plain", PLAIN))
    add_order(state, configured("O-lacquer", LACQUERED))
    problem, index = build_problem(state, NOW_MS, 14, {})
    assert [o.id for o in problem.orders] == ["O-plain"]
    rows = left_out_rows(index, {"O-full": 3})
    assert rows == [LeftOut("O-full", 3, DOES_NOT_FIT), LeftOut("O-lacquer", 1, NO_MACHINE)]
    # each reason as words for people (issue 19): its English is the reason
    assert rows[1].words == Words.of(
        "no factory has every machine type it needs: %(types)s", types=machine_types_said(NEEDED))
    assert rows[0].words == Words(DOES_NOT_FIT)


def test_only_news_is_kept_and_it_makes_an_unchanged_plan_worth_publishing():
    pool = {"O-1": configured("O-1")}
    rows = [LeftOut("O-1", 1, NO_MACHINE), LeftOut("O-gone", 1, NO_MACHINE)]
    outcome = PlanOutcome("OPTIMAL", NOTHING, [], [], [], [])
    assert not outcome.worth_publishing({}, pool)  # nothing placed, nothing left out

    outcome.left_out = left_out_news(rows, pool)
    assert outcome.left_out == rows[:1]
    assert outcome.worth_publishing({}, pool)

    pool["O-1"].record_left_out("plan-1", 1, NO_MACHINE)
    assert left_out_news(rows, pool) == []


def test_an_unchanged_plan_is_worth_publishing_when_it_takes_an_order_back():
    order = configured("O-1", PLAIN)
    order.record_left_out("plan-1", 1, DOES_NOT_FIT)
    placed = OrderPlacement("O-1", 1, "A", NOW_MS, NOW_MS + 60_000, "ON_TIME", 0, "2027-01-31")
    outcome = PlanOutcome("OPTIMAL", NOTHING, [], [placed], [], [])
    assert outcome.worth_publishing({}, {"O-1": order})


# --- the planner, with the application's publication kept in memory -----------------------------

class InstantFollower:
    position = 0

    async def catch_up(self, timeout: float) -> bool:
        return True

    async def caught_up_with(self, check, timeout: float) -> bool:
        return check()


async def test_the_planner_reports_an_unplannable_order_once_and_schedules_it_when_it_can():
    state = NetworkState()
    add_factory(state, "A")
    add_order(state, configured("O-lacquer", LACQUERED))
    app = RecordingApp(state)
    planner = Planner(app, state, InstantFollower(), SETTINGS, clock=lambda: NOW_MS / 1000)

    first = await planner.plan_once({"orders_added"})
    assert first is not None and first.published  # nothing to place, but news to tell
    assert app.announced("O-lacquer") == ["order_unplannable"]
    unplannable = next(b for s, b in filter(None, map(to_integration, app.events))
                       if s == "order_unplannable")
    assert unplannable.reason == NO_MACHINE and unplannable.plan_id == first.plan_id
    assert unplannable.reason_words.template == (
        "no factory has every machine type it needs: %(types)s")
    assert "types" in unplannable.reason_words.said  # words of their own, said for the reader
    assert words_of(unplannable.reason_words).english() == NO_MACHINE

    add_order(state, configured("O-plain", PLAIN))
    await planner.plan_once({"orders_added"})
    await planner.plan_once({"optimise"})
    assert app.announced("O-lacquer") == ["order_unplannable"]  # not on every re-plan
    assert app.announced("O-plain") == ["order_scheduled"]

    add_factory(state, "B", ("panel_saw", "paint_line", "assembly"))
    await planner.plan_once({"capacity_changed"})
    assert app.announced("O-lacquer") == ["order_unplannable", "order_scheduled"]
    assert state.orders["O-lacquer"].factory_id == "B"
