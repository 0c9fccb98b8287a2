"""Work that starts while the planner is solving: the plan published afterwards keeps it.

The planner solves in a thread from a snapshot of the network state while factories keep
reporting. A plan solved before a STARTED report but published after it must still keep
that order in the factory that started it, and the started operation where and when it
runs, so the factory can go on reporting the order's remaining operations.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

import services.scheduling.planning.planner as planner_module
from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.ids import operation_id
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import build_problem, plan_in_frame
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.domain.replanning import settle
from services.scheduling.domain.values import RoutingStep
from services.scheduling.planning.fence import ProgressFence
from services.scheduling.planning.planner import Planner
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.model import PlannedOperation
from services.scheduling.solver.validator import validate_plan
from tests.unit.scheduling.recording import RecordingApp

pytestmark = pytest.mark.unit

NOW_MS = 1_795_600_800_000  # a whole minute (2026-11-26 08:00 UTC)
SETTINGS = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, workers=1)
LINE = (("saw", "panel_saw"), ("edge", "edge_bander"), ("asm", "assembly"))
ROUTING = [RoutingStep(seq=i + 1, routing_operation_id=f"op-{i + 1}", machine_type=kind,
                       duration_s=minutes * 60, description=kind)
           for i, (kind, minutes) in enumerate((("panel_saw", 60), ("edge_bander", 40),
                                                ("assembly", 50)))]


def apply(state: NetworkState, *aggregates) -> None:
    """What the state follower does with the events these aggregates recorded."""
    for aggregate in aggregates:
        for event in aggregate.collect_events():
            state.apply(event)


def add_factory(state: NetworkState, factory_id: str) -> None:
    apply(state, FactoryCapacity(factory_id=factory_id, name=factory_id, capacity_share=1.0,
                                 timezone="UTC", weekly_shifts=[], exceptions=[], active=True,
                                 source_version=1))
    for name, kind in LINE:
        apply(state, MachineCapacity(machine_id=f"{factory_id}-{name}", factory_id=factory_id,
                                     machine_type=kind, speed=1.0, batch_capacity=1, active=True,
                                     source_version=1))


class InstantFollower:
    position = 0

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.ready.set()

    async def catch_up(self, timeout: float) -> bool:
        return True

    async def caught_up_with(self, check, timeout: float) -> bool:
        return check()


def report_started(state: NetworkState, order_id: str, machine_id: str, factory_id: str) -> None:
    progress = OrderProgress(order_id=order_id, operation_ids=state.orders[order_id].operation_ids)
    progress.report(Report(operation_id(order_id, 1), "STARTED", f"k-{order_id}", factory_id,
                           machine_id, "panel_saw", NOW_MS, 3600))
    apply(state, progress)


async def test_a_plan_solved_before_work_started_keeps_that_work_and_its_factory(monkeypatch):
    state = NetworkState()
    add_factory(state, "A")
    orders = [f"order-{i}" for i in range(6)]
    for order_id in orders:
        order = PoolOrder(order_id=order_id, tenant="t")
        order.configure(1, ROUTING, "2027-01-31")
        apply(state, order)
    planner = Planner(RecordingApp(state), state, InstantFollower(), SETTINGS,
                      clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"orders_added"})
    assert {row.factory_id for row in state.plan_rows.values()} == {"A"}

    # A second factory joins: the full re-plan spreads the orders over both. While it is
    # solving, factory A starts the first operation of an order the solver is moving to B.
    add_factory(state, "B")
    loop = asyncio.get_running_loop()
    real_solve = planner_module._solve
    started: dict[str, Any] = {}

    def solve_while_a_starts_work(problem, previous, *args):
        plan = real_solve(problem, previous, *args)
        moving = sorted(p.order for p in plan.operations if p.op == 0 and p.factory == "B")
        assert moving, "the solver was expected to move some work to the new factory"
        order_id = moving[0]
        done = threading.Event()

        def report():  # in the event loop, as the state follower applies a report
            report_started(state, order_id, "A-saw", "A")
            done.set()

        loop.call_soon_threadsafe(report)
        done.wait(5)
        started["order_id"] = order_id
        return plan

    monkeypatch.setattr(planner_module, "_solve", solve_while_a_starts_work)
    run = await planner.plan_once({"capacity_changed"})

    assert run is not None and run.published
    order_id = started["order_id"]
    rows = [r for r in state.plan_rows.values() if r.order_id == order_id]
    assert len(rows) == len(ROUTING)
    assert {r.factory_id for r in rows} == {"A"}, "the order moved after work on it started"
    first = next(r for r in rows if r.seq == 1)
    assert (first.machine_id, first.start_ms, first.status) == ("A-saw", NOW_MS, "STARTED")
    assert state.orders[order_id].factory_id == "A"  # so A may report the remaining operations
    # and the published plan agrees with everything that happened
    problem, index = build_problem(state, NOW_MS, SETTINGS.horizon_days, SETTINGS.setup_minutes)
    assert validate_plan(problem, plan_in_frame(state, problem, index)) == []
    assert {r.factory_id for r in state.plan_rows.values()} == {"A", "B"}


# --- settling a solved plan with work started since ------------------------------------------

def test_settling_keeps_started_work_and_moves_what_is_in_its_way(workshop, workshop_plan):
    from dataclasses import replace

    # both orders planned in A; meanwhile B started O2's first operation, and A started O1's
    # first operation ten minutes late
    o2_started = PlannedOperation("O2", 0, "B", "B-saw", 60, 90)
    o1_late = PlannedOperation("O1", 0, "A", "A-saw", 10, 70)
    problem = replace(workshop, frozen=(o1_late, o2_started), now=60)
    solved = [p for p in workshop_plan]
    kinds = {v.kind for v in validate_plan(problem, solved)}
    assert "frozen_moved" in kinds  # the validator sees the plan contradict the started work

    settled = settle(problem, solved)

    assert settled is not None and validate_plan(problem, settled) == []
    by_key = {p.key: p for p in settled}
    assert by_key["O1", 0] == o1_late and by_key["O2", 0] == o2_started
    assert {p.factory for p in settled if p.order == "O2"} == {"B"}
    assert {p.factory for p in settled if p.order == "O1"} == {"A"}


def test_a_started_operation_left_out_of_a_plan_is_caught(workshop, workshop_plan):
    from dataclasses import replace

    started = PlannedOperation("O1", 0, "A", "A-saw", 0, 60)
    problem = replace(workshop, orders=workshop.orders[1:], frozen=(started,), now=30)
    plan = [p for p in workshop_plan if p.order != "O1"]
    assert [v.kind for v in validate_plan(problem, plan)] == ["frozen_moved"]


# --- the fence ---------------------------------------------------------------------------------

async def test_reports_wait_while_a_plan_is_published_and_it_waits_for_reports():
    fence = ProgressFence()
    order: list[str] = []
    gate = threading.Event()

    def slow_report():
        gate.wait(5)
        order.append("report 1 recorded")

    first = asyncio.create_task(fence.report(slow_report))
    await asyncio.sleep(0.05)

    async def publish():
        async with fence.publishing():
            order.append("publishing")
            await fence.run(lambda: order.append("plan saved"))

    publisher = asyncio.create_task(publish())
    await asyncio.sleep(0.05)
    second = asyncio.create_task(fence.report(lambda: order.append("report 2 recorded")))
    await asyncio.sleep(0.05)
    assert order == []  # the publisher waits for the report in flight; the next report for it
    gate.set()
    await asyncio.gather(first, publisher, second)
    assert order == ["report 1 recorded", "publishing", "plan saved", "report 2 recorded"]


async def test_a_cancelled_report_holds_the_fence_until_its_thread_is_done():
    fence = ProgressFence()
    gate = threading.Event()
    events: list[str] = []

    def report():
        gate.wait(5)
        events.append("report recorded")

    task = asyncio.create_task(fence.report(report))
    await asyncio.sleep(0.05)
    task.cancel()  # e.g. the client went away: the thread may still commit the report
    with pytest.raises(asyncio.CancelledError):
        await task

    async def publish():
        async with fence.publishing():
            events.append("publishing")

    publisher = asyncio.create_task(publish())
    await asyncio.sleep(0.05)
    assert events == []
    gate.set()
    await publisher
    assert events == ["report recorded", "publishing"]
