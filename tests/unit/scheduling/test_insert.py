"""New orders are slotted into the gaps of the published plan without the whole pool's
problem: nothing published moves, and the whole plan still validates."""

from __future__ import annotations

import asyncio

import pytest

from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import build_problem, plan_in_frame
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
