"""An order stays in its factory's plan while any of its operations does (CI, 10:04 UTC: the
planner raised inside greedy_plan on every slot-in pass, and no new order was planned).

A finished operation leaves the plan on the next re-plan; the order's other rows, not moved,
are not revised. The state used to forget where the order was planned with the first row
that left, so the next arrivals pass took it for a new order and dispatched it around its
own published rows (keyed by routing seq, not by the problem's operation index): IndexError.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.plans import revise_factories
from services.scheduling.domain.problem import build_problem, plan_in_frame
from services.scheduling.domain.progress import OrderProgress, Report
from services.scheduling.domain.values import PlanRow
from services.scheduling.planning.planner import Planner
from services.scheduling.solver.validator import validate_plan
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_insert import NOW_MS, SETTINGS, Follower, add, apply, network

pytestmark = pytest.mark.unit


def report(state: NetworkState, row: PlanRow, kind: str, at_ms: int,
           floor: dict[str, OrderProgress]) -> None:
    """``kind`` reported from the floor (``floor``: its own copies of the orders' progress)."""
    progress = floor.setdefault(row.order_id, OrderProgress(
        order_id=row.order_id, operation_ids=state.orders[row.order_id].operation_ids))
    progress.report(Report(row.operation_id, kind, f"{kind}-{row.operation_id}", row.factory_id,
                           row.machine_id, row.machine_type, at_ms, 3600))
    apply(state, progress)


def rows_of(state: NetworkState, order_id: str) -> dict[str, PlanRow]:
    return {op: r for op, r in state.plan_rows.items() if r.order_id == order_id}


async def test_arrivals_are_slotted_in_after_an_operation_finished_and_left_the_plan():
    state = network()
    add(state, *(f"O-{i:02d}" for i in range(4)))
    now = [NOW_MS / 1000]
    planner = Planner(RecordingApp(state), state, Follower(), SETTINGS, clock=lambda: now[0])
    await planner.plan_once({"capacity_changed"})
    first, *rest = sorted(rows_of(state, "O-00").values(), key=lambda r: r.seq)
    floor: dict[str, OrderProgress] = {}
    report(state, first, "STARTED", first.start_ms, floor)
    report(state, first, "FINISHED", first.end_ms, floor)
    now[0] = first.end_ms / 1000
    assert (await planner.plan_once({"rolling"})).published

    # the finished operation left the plan; the rest did not move, and the order is still
    # planned where they are
    left = rows_of(state, "O-00")
    assert first.operation_id not in left and set(left) == {r.operation_id for r in rest}
    assert [left[r.operation_id] for r in rest] == rest
    assert state.planned_in["O-00"] == first.factory_id

    add(state, "N-1")
    run = await planner.plan_once({"orders_added"})
    assert run.published and run.orders == 1  # the new order alone, slotted in
    assert rows_of(state, "O-00") == left
    problem, index = build_problem(state, int(now[0] * 1000), 14, SETTINGS.setup_minutes)
    assert validate_plan(problem, plan_in_frame(state, problem, index)) == []


def _row(order: str, seq: int, factory: str, start: int) -> PlanRow:
    return PlanRow(f"{order}/op-{seq:02d}", order, seq, factory, f"{factory}-m", "panel_saw",
                   start, start + 60_000, 60, 0, "", 0, "", False, "PLANNED", "", "")


# Each publication: for each of three orders, the factory holding it (or none) and which of
# its three operations are still planned, each at a start that may or may not have moved.
_placement = st.tuples(st.sampled_from(["A", "B"]),
                       st.lists(st.tuples(st.integers(1, 3), st.integers(0, 1)),
                                min_size=1, max_size=3, unique_by=lambda s: s[0]))
_publication = st.dictionaries(st.sampled_from(["O-1", "O-2", "O-3"]), _placement, max_size=3)


@settings(max_examples=200, deadline=None)
@given(st.lists(_publication, min_size=1, max_size=6))
def test_the_state_knows_where_each_order_is_planned_after_any_revisions(publications):
    state = NetworkState()
    for n, publication in enumerate(publications):
        rows: dict[str, list[PlanRow]] = {}
        for order, (factory, ops) in publication.items():
            rows.setdefault(factory, []).extend(
                _row(order, seq, factory, moved * 600_000) for seq, moved in ops)
        for plan in revise_factories(state.factory_plans, rows, f"plan-{n}", n):
            for event in plan.collect_events():
                state.apply(event)
        held = {r.order_id: f for f, p in state.factory_plans.items()
                for r in p.operations.values()}
        assert state.planned_in == held
        assert state.plan_rows == {op: r for p in state.factory_plans.values()
                                   for op, r in p.operations.items()}
