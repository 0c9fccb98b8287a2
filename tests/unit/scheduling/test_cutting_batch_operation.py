"""A cutting batch is one saw operation in the plan (issue 20, item 2): placed once on a free
saw after its boards are there, frozen there; its orders' saw steps are covered by it and their
next steps start at its end; orders in no batch plan as before."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.scheduling.domain.cutting import (
    CuttingBatches,
    Saw,
    SawStep,
    batch_minutes,
    place,
)
from services.scheduling.domain.network import CAPACITY, NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import build_problem
from services.scheduling.planning.partitions import PartitionAssigner
from services.scheduling.planning.planner import Planner
from services.scheduling.solver.greedy import greedy_plan
from services.scheduling.solver.validator import validate_plan
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_scheduling_left_out import (
    NOW_MS,
    PLAIN,
    SETTINGS,
    InstantFollower,
    add_factory,
    add_order,
)

pytestmark = pytest.mark.unit

MIN = 60_000
HOUR = 60 * MIN


def test_the_batch_goes_on_the_first_saw_free_after_its_boards_within_a_shift():
    windows = [(0, 8 * HOUR), (24 * HOUR, 32 * HOUR)]
    busy = {"S1": [(2 * HOUR, 5 * HOUR)], "S2": [(0, 7 * HOUR)]}
    # boards at 01:00, 90 min of work: S1 is busy from 02:00, S2 until 07:00 -> S1 from 05:00
    placed = place([Saw("S1"), Saw("S2")], 90, 1 * HOUR, windows, busy)
    assert (placed.machine_id, placed.start_ms, placed.end_ms) == ("S1", 5 * HOUR, 6.5 * HOUR)
    # four hours fit neither saw's rest of the first shift: the next shift, on the first saw
    placed = place([Saw("S2"), Saw("S1")], 240, 1 * HOUR, windows, busy)
    assert (placed.machine_id, placed.start_ms) == ("S1", 24 * HOUR)
    # a faster saw takes fewer minutes
    assert place([Saw("S3", speed=2.0)], 90, 0, windows, {}).end_ms == 45 * MIN
    assert place([Saw("S1")], 600, 0, windows, {}) is None  # longer than any shift


def test_the_batch_lasts_its_orders_saw_minutes_with_one_setup():
    steps = [
        SawStep("A", "A/op-01", "panel_saw", 40, "decor:white"),
        SawStep("B", "B/op-01", "panel_saw", 50, "decor:white"),
    ]
    assert batch_minutes(steps, {"panel_saw": 15}) == 40 + 50 + 15
    assert batch_minutes([SawStep("A", "A/op-01", "panel_saw", 40)], {"panel_saw": 15}) == 40


def test_a_placement_is_recorded_once_per_batch_and_revision():
    batches = CuttingBatches(factory_id="A")
    members = [("M-1", "M-1/op-01")]
    assert batches.place_batch("B-1", 0, 0, "A-panel_saw", "panel_saw", 0, HOUR, members)
    assert not batches.place_batch("B-1", 0, 0, "A-panel_saw", "panel_saw", 0, HOUR, members)
    # a later revision that moves nothing is no news; one that moves the boards' day is
    assert not batches.place_batch("B-1", 1, 0, "A-panel_saw", "panel_saw", 0, HOUR, members)
    assert batches.place_batch("B-1", 2, HOUR, "A-panel_saw", "panel_saw", HOUR, 2 * HOUR, members)
    assert batches.batches["B-1"].start_ms == HOUR


def batch_state() -> tuple[NetworkState, int, int]:
    """Factory A (saw, assembly), orders M-1 and M-2 cut in batch B-1 (boards there at
    NOW + 2 h, the batch placed 02:00-04:00 from now), FREE in no batch."""
    state = NetworkState()
    add_factory(state, "A")
    boards = NOW_MS + 2 * HOUR
    for order_id in ("M-1", "M-2", "FREE"):
        order = PoolOrder(order_id=order_id, tenant="t")
        order.configure(1, PLAIN, "2026-12-20")
        if order_id != "FREE":
            order.await_boards("A", "B-1", boards, "waits for board", 0, 2, NOW_MS)
        add_order(state, order)
    batches = CuttingBatches(factory_id="A")
    start, end = boards, boards + 2 * HOUR
    batches.place_batch(
        "B-1",
        0,
        boards,
        "A-panel_saw",
        "panel_saw",
        start,
        end,
        [("M-1", "M-1/op-01"), ("M-2", "M-2/op-01")],
    )
    assert [state.apply(e) for e in batches.collect_events()] == [CAPACITY, CAPACITY]
    return state, start, end


def test_the_batch_is_frozen_load_on_its_saw_and_releases_its_orders_at_its_end():
    state, start, end = batch_state()
    problem, index = build_problem(state, NOW_MS, 14, {})
    orders = {o.id: o for o in problem.orders}
    for member in ("M-1", "M-2"):  # the saw step is the batch's; assembly from its end on
        assert [op.machine_type for op in orders[member].operations] == ["assembly"]
        assert index.ms(orders[member].release) == end
        assert orders[member].factory == "A"
        assert index.op_ids[member] == [f"{member}/op-02"]
    free = orders["FREE"]  # in no batch: as before
    assert [op.machine_type for op in free.operations] == ["panel_saw", "assembly"]
    assert (free.release, free.factory) == (0, "")
    saw = next(m for f in problem.factories for m in f.machines if m.id == "A-panel_saw")
    assert [(index.ms(w.start), index.ms(w.end)) for w in saw.downtime] == [(start, end)]


def test_without_a_batch_the_orders_plan_their_own_saw_steps():
    state = NetworkState()
    add_factory(state, "A")
    order = PoolOrder(order_id="M-1", tenant="t")
    order.configure(1, PLAIN, "2026-12-20")
    order.await_boards("A", "B-1", NOW_MS + 2 * HOUR, "waits for board", 0, 2, NOW_MS)
    add_order(state, order)
    problem, _ = build_problem(state, NOW_MS, 14, {})
    assert [op.machine_type for op in problem.orders[0].operations] == ["panel_saw", "assembly"]


async def test_the_plan_keeps_the_saw_free_for_the_batch_and_starts_its_orders_after_it():
    state, start, end = batch_state()
    planner = Planner(
        RecordingApp(state), state, InstantFollower(), SETTINGS, clock=lambda: NOW_MS / 1000
    )
    assert await planner.plan_once({"orders_added"}) is not None
    rows = list(state.plan_rows.values())
    assert not [r for r in rows if r.order_id != "FREE" and r.machine_type == "panel_saw"]
    for r in rows:
        if r.order_id in ("M-1", "M-2"):
            assert r.start_ms >= end
        if r.machine_id == "A-panel_saw":  # FREE's saw step: not over the batch
            assert r.end_ms <= start or r.start_ms >= end
    assert {r.order_id for r in rows} == {"M-1", "M-2", "FREE"}


def test_the_validator_keeps_the_batch_on_its_saw_and_its_orders_after_it():
    """Item 4: the validator checks a plan against the problem, where the batch is its saw's
    load and its orders' release: work over the batch, or an order's next step before the
    batch's end, is a violation."""
    state, start, end = batch_state()
    problem, index = build_problem(state, NOW_MS, 14, {})
    plan = greedy_plan(problem)
    assert validate_plan(problem, plan) == []
    at = index.minute(start)
    free_saw = next(p for p in plan if p.order == "FREE" and p.op == 0)
    over = replace(free_saw, start=at, end=at + (free_saw.end - free_saw.start))
    member = next(p for p in plan if p.order == "M-1")
    early = replace(member, start=at, end=at + (member.end - member.start))
    kinds = {
        v.kind
        for v in validate_plan(
            problem, [over if p is free_saw else early if p is member else p for p in plan]
        )
    }
    assert {"downtime", "release"} <= kinds


class _Scope:
    def __init__(self, *factories: str):
        self._factories = set(factories)

    def factories(self) -> set[str]:
        return self._factories


def test_the_assignment_step_puts_a_batchs_orders_in_the_partition_of_its_factory():
    """With several partitions, an order cut in a batch is made where the batch is placed."""
    state, _, _ = batch_state()
    add_factory(state, "B")
    assert state.batch_factory("M-1") == "A"
    assert state.batch_factory("FREE") == ""
    assigner = PartitionAssigner(None, state, {"north": _Scope("B"), "south": _Scope("A")})
    chosen = {order_id: partition for order_id, partition, _ in assigner.choices()}
    assert chosen["M-1"] == chosen["M-2"] == "south"


def test_a_batch_not_started_in_time_is_expected_from_now_and_its_orders_after_it():
    state, start, end = batch_state()
    later = start + 30 * MIN  # its start has passed and nobody reported it
    problem, index = build_problem(state, later, 14, {})
    member = next(o for o in problem.orders if o.id == "M-1")
    assert index.ms(member.release) == later + (end - start)
