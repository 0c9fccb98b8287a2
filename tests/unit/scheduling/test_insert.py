"""New orders are slotted into the gaps of the published plan without the whole pool's
problem: nothing published moves, and the whole plan still validates."""

from __future__ import annotations

import asyncio

import pytest

from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import build_problem, due_ms, plan_in_frame
from services.scheduling.domain.values import RoutingStep
from services.scheduling.planning.planner import Planner
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.validator import validate_plan
from tests.unit.scheduling.recording import RecordingApp

pytestmark = pytest.mark.unit
NOW_MS = 1_795_600_800_000
SETTINGS = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, workers=1)
ROUTING = [("panel_saw", 3600, ""), ("edge_bander", 1800, "oak"), ("assembly", 2400, "")]


def apply(state, *aggregates):
    for a in aggregates:
        for e in a.collect_events():
            state.apply(e)


def network() -> NetworkState:
    state = NetworkState()
    for fid in ("A", "B", "C"):
        apply(state, FactoryCapacity(factory_id=fid, name=fid, capacity_share=1.0, timezone="UTC",
                                     weekly_shifts=[[d, 480, 1020] for d in range(1, 7)],
                                     exceptions=[], active=True, source_version=1))
        for kind, _, _ in ROUTING:
            apply(state, MachineCapacity(machine_id=f"{fid}-{kind}", factory_id=fid,
                                         machine_type=kind, speed=1.0, batch_capacity=1,
                                         active=True, source_version=1))
    return state


def add(state, *order_ids):
    for oid in order_ids:
        o = PoolOrder(order_id=oid, tenant="t")
        o.configure(1, [RoutingStep(seq=i + 1, machine_type=kind, duration_s=d,
                                    setup_family="band" if key else "", setup_key=key,
                                    description=kind)
                        for i, (kind, d, key) in enumerate(ROUTING)], "2026-12-10")
        apply(state, o)


class Follower:
    position = 0

    def __init__(self):
        self.ready = asyncio.Event()
        self.ready.set()

    async def catch_up(self, timeout):
        return True

    async def caught_up_with(self, check, timeout):
        return check()


async def test_new_orders_go_into_the_gaps_and_nothing_published_moves():
    state = network()
    add(state, *(f"O-{i:02d}" for i in range(12)))
    planner = Planner(RecordingApp(state), state, Follower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})
    before = {op: (r.machine_id, r.start_ms, r.end_ms) for op, r in state.plan_rows.items()}

    add(state, "N-1", "N-2", "N-3")
    run = await planner.plan_once({"orders_added"})
    assert run.published and run.orders == 3 and run.moved == 0  # only the new orders solved
    after = {op: (r.machine_id, r.start_ms, r.end_ms) for op, r in state.plan_rows.items()}
    assert {op: after[op] for op in before} == before
    assert {op.partition("/")[0] for op in set(after) - set(before)} == {"N-1", "N-2", "N-3"}
    assert {state.orders[o].factory_id for o in ("N-1", "N-2", "N-3")} <= {"A", "B", "C"}

    problem, index = build_problem(state, NOW_MS, 14, SETTINGS.setup_minutes)
    assert validate_plan(problem, plan_in_frame(state, problem, index)) == []


async def test_a_steady_stream_of_arrivals_defers_the_optimisation_to_its_bound():
    state = network()
    add(state, *(f"O-{i:02d}" for i in range(6)))
    now = [NOW_MS / 1000]
    settings = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, workers=1,
                                 optimise_after_s=20.0, optimise_max_wait_s=60.0)
    planner = Planner(RecordingApp(state), state, Follower(), settings, clock=lambda: now[0])
    await planner.plan_once({"capacity_changed"})
    assert planner.optimise_at is None
    first = now[0]
    for i in range(5):  # an order every 15 s: never a 20 s pause
        now[0] = first + 15 * i
        add(state, f"N-{i}")
        assert (await planner.plan_once({"orders_added"})).published
    # 20 s after the last arrival, capped at 60 s after the first slotted in
    assert planner.optimise_at == first + 60
    now[0] = first + 61
    await planner.plan_once({"optimise"})
    assert planner.optimise_at is None and planner.slotted_since is None
    add(state, "N-9")
    await planner.plan_once({"orders_added"})
    assert planner.optimise_at == now[0] + 20  # a new round of arrivals: 20 s after a pause


async def test_slotting_in_revises_only_the_factories_the_new_orders_went_to():
    state = network()
    add(state, *(f"O-{i:02d}" for i in range(12)))
    app = RecordingApp(state)
    planner = Planner(app, state, Follower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})
    assert len(state.factory_plans) == 3  # every factory holds work
    before = len(app.events)

    saved = []
    publish = app.publish_plan

    def publish_plan(outcome, made_at_position=None, unchanged=(), current=None, partition=""):
        saved.append((outcome, current))
        return publish(outcome, made_at_position, unchanged, current, partition)

    app.publish_plan = publish_plan
    add(state, "N-1")
    run = await planner.plan_once({"orders_added"})
    assert run.published
    recorded = app.events[before:]
    went_to = {r.factory_id for r in state.plan_rows.values() if r.order_id == "N-1"}
    revised = {e.factory_id for e in recorded if type(e).__name__ == "Revised"}
    assert revised == went_to and len(went_to) < 3
    # the pass carried those factories' plans only, not the whole plan's rows
    [(outcome, current)] = saved
    assert set(current) == went_to == {r.factory_id for r in outcome.operations}
    # ... and the orders of those plans; the others' are counted, not listed
    assert {r.order_id for r in outcome.orders} == {
        r.order_id for r in state.plan_rows.values() if r.factory_id in went_to}
    assert outcome.orders_elsewhere.count == 13 - len(outcome.orders)
    # the publication still counts the whole plan
    [publication] = [e for e in recorded if type(e).__name__ == "Published"]
    assert publication.order_count == 13 == sum(publication.risk_counts.values())
    tardiness = sum(max(0, o.planned_end_ms - due_ms(o.promised_date)) // 1000
                    for o in state.orders.values())
    assert publication.objective.total_tardiness_seconds == tardiness
    assert publication.operation_count == len(state.plan_rows) == 13 * len(ROUTING)


async def test_arrivals_that_waited_through_a_pass_are_planned_without_another_wait(
        monkeypatch):
    from services.scheduling.planning import planner as planning

    waits: list[float] = []

    async def counted(event, timeout):
        waits.append(timeout)
        return False

    monkeypatch.setattr(planning, "_wait", counted)
    state = network()
    settings = SchedulerSettings(debounce_s=0.25, max_batch_wait_s=1.0)
    planner = Planner(RecordingApp(state), state, Follower(), settings)
    planner.notify("orders_added")  # arrived while a pass was running...
    planner.pending_since -= settings.max_batch_wait_s  # ... which took the whole bound
    await planner._debounce()
    assert waits == []

    planner.pending_since = None
    planner.notify("orders_added")  # the first arrival after a quiet spell
    await planner._debounce()
    assert waits == [settings.debounce_s]  # waits for the burst to settle
