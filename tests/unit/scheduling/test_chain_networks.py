"""The chain-scale benchmark's generator and its EDD baseline (load/): the networks have the
documented shape and sizes, and the baseline's plans pass the independent validator."""

from __future__ import annotations

from dataclasses import replace

import pytest

from load.chain_networks import DAY, PRESETS, describe, generate, operation_count
from load.edd_baseline import edd_plan, without
from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    SetupRule,
    Window,
)
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit


def test_the_same_seed_gives_the_same_network():
    assert generate(60, 4, seed=7) == generate(60, 4, seed=7)
    assert generate(60, 4, seed=7) != generate(60, 4, seed=8)


def test_the_presets_have_the_documented_sizes():
    sizes = {name: (p.orders, p.factories) for name, p in PRESETS.items()}
    assert sizes == {"chain-m": (1_500, 50), "chain-l": (10_000, 330),
                     "chain-xl": (50_000, 1_600), "chain-over": (5_000, 50)}
    assert 270_000 <= operation_count(50_000) <= 290_000  # counted without building XL


def test_the_operation_count_matches_the_network():
    problem = generate(90, 5, seed=3)
    assert len(problem.orders) == 90 and len(problem.factories) == 5
    assert operation_count(90, seed=3) == sum(len(o.operations) for o in problem.orders)


def test_a_network_has_the_chain_shape():
    problem = generate(400, 24, seed=1)
    assert problem.horizon == 21 * DAY
    for f in problem.factories:
        assert 6 <= len(f.machines) <= 12
        assert 0.5 <= f.capacity_share <= 1.0
        assert all(0.8 <= m.speed <= 1.3 for m in f.machines)
        assert not any(w.start // DAY % 7 == 6 for w in f.shifts)  # Sundays off
    first_shifts = {(f.shifts[0].start, f.shifts[0].end) for f in problem.factories}
    assert first_shifts == {(480, 720), (420, 900)}  # one shift with lunch, two back to back
    touching = [f for f in problem.factories if f.shifts[0].end == f.shifts[1].start]
    assert touching
    saturdays = {any(w.start // DAY % 7 == 5 for w in f.shifts) for f in problem.factories}
    assert saturdays == {True, False}
    assert any(m.downtime for f in problem.factories for m in f.machines)
    assert any(len({m.type for m in f.machines}) < len(f.machines) for f in problem.factories)
    specialists = [f for f in problem.factories if "paint_line" in {m.type for m in f.machines}]
    assert 0.25 < len(specialists) / len(problem.factories) < 0.75
    for o in problem.orders:
        assert 4 <= len(o.operations) <= 7
        assert 0 <= o.release < 3 * DAY
        assert 3 * DAY <= o.due - o.release <= 9 * DAY
        assert o.weight in (1, 2, 3)
    families = {op.setup_family.split("-")[0] for o in problem.orders for op in o.operations}
    assert families == {"", "band", "paint"}
    assert all(op.min_wait_after > 0 for o in problem.orders for op in o.operations
               if op.machine_type == "paint_line")


def test_chain_m_is_busy_by_the_mean_due_date_with_room_in_the_horizon():
    shape = describe(generate(1_500, 50, seed=0))
    assert 0.6 <= shape["load"] <= 0.95
    assert shape["load_of_horizon"] < 0.5


@pytest.mark.parametrize("touching", [True, False], ids=["shifts back to back", "30 min apart"])
def test_edd_plans_pass_the_validator(touching):
    problem = generate(240, 8, seed=2, touching=touching)
    plan = edd_plan(problem)
    assert plan.left_out == ()
    assert validate_plan(problem, list(plan.operations)) == []


def test_edd_leaves_out_what_fits_nowhere_and_plans_the_rest():
    problem = generate(700, 3, seed=4)
    plan = edd_plan(problem)
    assert plan.left_out
    placed = without(problem, plan.left_out)
    assert len(placed.orders) + len(plan.left_out) == 700
    assert validate_plan(placed, list(plan.operations)) == []


def test_edd_keeps_started_work_and_starts_nothing_before_now():
    problem = generate(200, 6, seed=5)
    before = edd_plan(problem).operations
    now = DAY + 8 * 60
    started = tuple(p for p in before if p.start < now)
    changed = replace(problem, frozen=started, now=now)
    plan = edd_plan(changed)
    assert validate_plan(without(changed, plan.left_out), list(plan.operations)) == []
    assert set(started) <= set(plan.operations)


def _one_machine(shifts, *orders, kind="panel_saw", change=0) -> NetworkProblem:
    return NetworkProblem(
        horizon=1_000, factories=(Factory("F", (Machine("F-M", kind),), tuple(shifts)),),
        orders=orders, setups=(SetupRule(kind, change),) if change else ())


def test_a_later_order_fills_an_earlier_gap():
    problem = _one_machine([Window(0, 1_000)],
                           Order("urgent", (Operation("panel_saw", 60),), due=200, release=100),
                           Order("later", (Operation("panel_saw", 30),), due=900))
    starts = {p.order: p.start for p in edd_plan(problem).operations}
    assert starts == {"urgent": 100, "later": 0}


def test_a_change_of_colour_waits_for_the_changeover():
    problem = _one_machine([Window(0, 1_000)],
                           Order("oak", (Operation("edge_bander", 60, "band-oak"),), due=100),
                           Order("white", (Operation("edge_bander", 60, "band-white"),), due=200),
                           Order("oak2", (Operation("edge_bander", 60, "band-oak"),), due=300),
                           kind="edge_bander", change=15)
    starts = {p.order: p.start for p in edd_plan(problem).operations}
    assert starts == {"oak": 0, "white": 75, "oak2": 150}


def test_work_runs_through_touching_shifts_but_not_across_a_break():
    long_job = Order("long", (Operation("panel_saw", 150),), due=500)
    touching = edd_plan(_one_machine([Window(0, 100), Window(100, 200)], long_job))
    assert [(p.start, p.end) for p in touching.operations] == [(0, 150)]
    broken = edd_plan(_one_machine([Window(0, 100), Window(110, 200)], long_job))
    assert broken.left_out == ("long",)
