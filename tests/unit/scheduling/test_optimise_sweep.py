"""The optimisation as a sweep of short rounds (issue 15): each round plans the orders of a
window of factories among them and publishes only their plans; the windows cover every
factory with work once a sweep; arrivals are slotted in between rounds."""

from __future__ import annotations

import asyncio
import threading

import pytest
from prometheus_client import REGISTRY

from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import build_problem, due_ms, plan_in_frame
from services.scheduling.domain.values import RoutingStep
from services.scheduling.planning.planner import OPTIMISE, Planner
from services.scheduling.planning.sweep import FactoryLoad, held_with, windows
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.validator import validate_plan
from tests.helpers import eventually
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_insert import NOW_MS, ROUTING, Follower, add, apply, network

pytestmark = pytest.mark.unit
SHIFTS = [[d, 480, 1020] for d in range(1, 7)]  # as network() gives every factory
# a window per pressed factory and its partner
SETTINGS = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, optimise_round_s=1.0,
                             optimise_window_operations=1, workers=1)


def load(fid: str, operations: int, late_h: float = 0, work: float = 0.0,
         types: str = "saw band asm") -> FactoryLoad:
    return FactoryLoad(fid, operations, int(late_h * 3_600_000), work, frozenset(types.split()))


def test_windows_put_the_most_pressed_factories_with_the_least_loaded_able_ones():
    loads = [load("A", 300, late_h=5, work=90), load("B", 300, late_h=1, work=80),
             load("C", 200, work=70), load("D", 100, work=10, types="saw band asm paint"),
             load("E", 100, work=5, types="saw"), load("F", 0)]
    got = windows(loads, 300)
    # A, late the most, with the idle F (0 work, every type A has); B with D (E lacks types)
    assert got[0] == {"A", "F"}
    assert got[1] == {"B", "D"}
    # every factory with work is in one window; one without is only a partner
    members = [f for w in got for f in w]
    assert sorted(members) == sorted(set(members)) and set(members) >= {"A", "B", "C", "D", "E"}


def test_a_factory_larger_than_a_window_is_a_window_of_its_own():
    got = windows([load("A", 900, work=90), load("B", 10, work=1), load("C", 10, work=2)], 100)
    assert got[0] == {"A", "B"} and got[1] == {"C"}


def add_due(state, promised: str, *order_ids: str) -> None:
    for oid in order_ids:
        o = PoolOrder(order_id=oid, tenant="t")
        o.configure(1, [RoutingStep(seq=i + 1, machine_type=kind, duration_s=d,
                                    setup_family="band" if key else "", setup_key=key,
                                    description=kind)
                        for i, (kind, d, key) in enumerate(ROUTING)], promised)
        apply(state, o)


def tardiness_s(state) -> int:
    ends: dict[str, int] = {}
    for r in state.plan_rows.values():
        ends[r.order_id] = max(ends.get(r.order_id, 0), r.end_ms)
    return sum(max(0, end - due_ms(state.orders[o].promised_date)) // 1000
               for o, end in ends.items())


async def test_a_round_moves_late_work_to_an_idle_factory_and_publishes_only_the_window():
    state = network()
    # factory C is closed when the plan is made: A and B take everything, late
    closed = state.factories["C"]  # the state's own: changed in place
    closed.describe("C", 1.0, "UTC", SHIFTS, [], False, 2)
    closed.collect_events()
    add_due(state, "2026-11-25", *(f"O-{i:02d}" for i in range(16)))
    app = RecordingApp(state)
    planner = Planner(app, state, Follower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})
    assert set(state.factory_plans) == {"A", "B"}
    late_before = tardiness_s(state)
    assert late_before > 0
    # C opens; no pass has planned it yet
    closed.describe("C", 1.0, "UTC", SHIFTS, [], True, 3)
    closed.collect_events()
    before = len(app.events)
    labels = {"partition": planner.partition, "kind": "optimise", "published": "true"}
    rounds = REGISTRY.get_sample_value("dovetail_scheduling_planning_pass_seconds_count",
                                       labels) or 0

    run = await planner.plan_once({OPTIMISE})

    assert run.published and run.trigger == OPTIMISE
    assert tardiness_s(state) < late_before
    assert {r.factory_id for r in state.plan_rows.values()} >= {"C"}  # work went there
    revised = {e.factory_id for e in app.events[before:] if type(e).__name__ == "Revised"}
    assert "C" in revised and len(revised) == 2  # one pressed factory and its partner
    assert set(state.planned_in) == set(state.orders)
    problem, index = build_problem(state, NOW_MS, 14, SETTINGS.setup_minutes)
    assert validate_plan(problem, plan_in_frame(state, problem, index)) == []
    assert REGISTRY.get_sample_value("dovetail_scheduling_planning_pass_seconds_count",
                                     labels) == rounds + 1  # an operator sees the rounds
    assert planner.sweep is not None  # the other factory's window is next
    await planner.plan_once({OPTIMISE})
    assert planner.sweep is None


async def test_a_sweep_visits_every_window_once_with_arrivals_slotted_in_between(
        monkeypatch):
    from services.scheduling.planning import planner as planning

    state = network()
    add(state, *(f"O-{i:02d}" for i in range(12)))
    settings = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, workers=1,
                                 optimise_round_s=0.5, optimise_window_operations=1,
                                 debounce_s=0.01, max_batch_wait_s=0.05)
    planner = Planner(RecordingApp(state), state, Follower(), settings,
                      clock=lambda: NOW_MS / 1000)
    solving, release = threading.Event(), threading.Event()
    optimise = planning._optimise_window

    def held(*args):  # the first round's solver, held until the arrival is in
        solving.set()
        release.wait()
        return optimise(*args)

    monkeypatch.setattr(planning, "_optimise_window", held)
    planner.optimise_at = NOW_MS / 1000  # due once the first plan is made
    stop = asyncio.Event()
    loop = asyncio.create_task(planner.run(stop))
    try:
        await eventually(holds(solving.is_set), interval=0.01)
        windows_left = len(planner.sweep)
        add(state, "N-1")
        planner.notify("orders_added")
        release.set()
        await eventually(holds(lambda: planner.sweep is None and "N-1" in state.planned_in),
                         interval=0.01)
    finally:
        release.set()
        stop.set()
        planner.kick.set()
        await loop
    triggers = [r.trigger for r in planner.runs]
    # the arrival slotted in right after the round it came in, before the next round; no
    # sweep started over: the first round, then one per window left
    assert triggers == ["capacity_changed", OPTIMISE, "orders_added"] + [OPTIMISE] * windows_left
    assert windows_left >= 1


def test_a_window_takes_in_the_factory_an_order_of_it_is_pinned_to():
    state = network()
    add(state, "O-1", "O-2")
    state.planned_in.update({"O-1": "A", "O-2": "B"})
    state.orders["O-1"].pin("C", "the customer's nearest", "planner@example.com", "planner")
    assert held_with(state, frozenset({"A"}), {"A", "B", "C"}) == {"A", "C"}
    assert held_with(state, frozenset({"B"}), {"A", "B", "C"}) == {"B"}


def holds(condition):
    async def check():
        return condition()

    return check
