"""One bad input does not stop all planning (the CI failure at 10:04 UTC: a slot-in pass
raised on every pass and nothing new was planned): a slot-in that raises falls back to
solving the whole problem; an order that makes solving raise is found, left out with a
reason a planner reads, and the rest is planned; each failure is logged once with its
traceback and counted."""

from __future__ import annotations

import logging

import pytest
from prometheus_client import REGISTRY

from services.scheduling.domain.problem import ISOLATED
from services.scheduling.planning import planner as planning
from services.scheduling.planning.isolation import MAX_CULPRITS, culprits
from services.scheduling.planning.planner import Planner
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_insert import NOW_MS, ROUTING, SETTINGS, Follower, add, network

pytestmark = pytest.mark.unit
ORDERS = [f"O-{i:02d}" for i in range(6)]


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def failing_for(order_id: str, real, calls: list[int] | None = None):
    """``real`` (the solver's step), raising whenever its problem holds ``order_id``."""
    def step(problem, *args, **kwargs):
        if calls is not None:
            calls.append(len(problem.orders))
        if any(o.id == order_id for o in problem.orders):
            raise ValueError(f"cannot read the routing of {order_id}")  # any bug
        return real(problem, *args, **kwargs)
    return step


def errors(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records
            if r.name == "dovetail.scheduling.planner" and r.levelno >= logging.ERROR]


async def test_an_order_that_makes_solving_raise_is_left_out_and_the_rest_is_planned(
        monkeypatch, caplog):
    state = network()
    add(state, *ORDERS, "BAD")
    app = RecordingApp(state)
    planner = Planner(app, state, Follower(), SETTINGS, clock=lambda: NOW_MS / 1000)
    calls: list[int] = []
    monkeypatch.setattr(planning, "_solve", failing_for("BAD", planning._solve, calls))
    isolated = metric("dovetail_scheduling_orders_isolated_total", partition=planner.partition)

    run = await planner.plan_once({"capacity_changed"})
    assert run.published and run.orders == len(ORDERS)
    assert set(state.planned_in) == set(ORDERS)
    assert state.orders["BAD"].unplannable_reason == ISOLATED
    assert [e.reason for e in app.events
            if type(e).__name__ == "LeftOut" and e.order_id == "BAD"] == [ISOLATED]
    (logged,) = errors(caplog)  # once, with the traceback and the order named
    assert logged.exc_info and "cannot read the routing of BAD" in str(logged.exc_info[1])
    assert logged.orders == ["BAD"]
    assert metric("dovetail_scheduling_orders_isolated_total",
                  partition=planner.partition) == isolated + 1

    # the next passes leave it out at once: no probing, no new log, nothing recorded again
    calls.clear()
    before = len(app.events)
    for trigger in ("capacity_changed", "optimise"):
        await planner.plan_once({trigger})
    assert calls and all(n == len(ORDERS) for n in calls)
    assert len(errors(caplog)) == 1 and planner.failures.count == 1
    assert not [e for e in app.events[before:] if getattr(e, "order_id", "") == "BAD"]

    # once it changes (amended and configured again), it is planned again
    monkeypatch.undo()
    order = state.orders["BAD"]
    order.amend(2, "a wider wardrobe")
    order.configure(2, list(order_steps()), "2026-12-10")
    order.collect_events()  # the state's own copy: applied already
    await planner.plan_once({"capacity_changed"})
    assert "BAD" in state.planned_in and not planner.isolated


def order_steps():
    from services.scheduling.domain.values import RoutingStep

    for i, (kind, d, key) in enumerate(ROUTING):
        yield RoutingStep(seq=i + 1, machine_type=kind, duration_s=d,
                          setup_family="band" if key else "", setup_key=key, description=kind)


async def test_a_slot_in_that_raises_falls_back_to_solving_the_whole_problem(
        monkeypatch, caplog):
    state = network()
    add(state, *ORDERS)
    planner = Planner(RecordingApp(state), state, Follower(), SETTINGS,
                      clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})

    def broken(insertion):
        raise IndexError("tuple index out of range")

    monkeypatch.setattr(planning, "dispatch", broken)
    fallbacks = metric("dovetail_scheduling_planning_failures_total",
                       partition=planner.partition, step="insert", outcome="fallback")
    for new in ("N-1", "N-2"):
        add(state, new)
        run = await planner.plan_once({"orders_added"})
        assert run.published and new in state.planned_in
    assert not planner.isolated and planner.failures.count == 2
    (logged,) = errors(caplog)  # the same failure twice: logged once, counted twice
    assert logged.step == "insert" and isinstance(logged.exc_info[1], IndexError)
    assert metric("dovetail_scheduling_planning_failures_total", partition=planner.partition,
                  step="insert", outcome="fallback") == fallbacks + 2


async def test_a_failure_no_order_causes_leaves_the_published_plan_standing(monkeypatch):
    state = network()
    add(state, *ORDERS)
    planner = Planner(RecordingApp(state), state, Follower(), SETTINGS,
                      clock=lambda: NOW_MS / 1000)
    await planner.plan_once({"capacity_changed"})
    rows = dict(state.plan_rows)

    def down(*args, **kwargs):
        raise OSError("the solver's worker is gone")

    monkeypatch.setattr(planning, "_solve", down)
    with pytest.raises(OSError):
        await planner.plan_once({"capacity_changed"})
    assert state.plan_rows == rows and not planner.isolated


async def test_culprits_are_found_with_few_probes():
    suspects = [f"O-{i:03d}" for i in range(200)]
    probes: list[set[str]] = []

    async def fails(out: set[str]) -> bool:
        probes.append(out)
        return not {"O-017", "O-150"} <= out

    assert await culprits(suspects, fails) == {"O-017", "O-150"}
    assert len(probes) <= 2 * 8 + 3  # two binary searches over 200, and the checks

    async def together(out: set[str]) -> bool:  # only the two of them together fail
        return not ({"O-003", "O-004"} & out)

    assert len(await culprits(suspects, together)) == 1

    async def always(out: set[str]) -> bool:  # not theirs
        return True

    assert await culprits(suspects, always) is None

    many = set(suspects[: MAX_CULPRITS + 1])

    async def each(out: set[str]) -> bool:
        return not many <= out

    assert await culprits(suspects, each) is None
