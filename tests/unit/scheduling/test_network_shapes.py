"""Networks shaped unlike the chain generator (load/network_shapes.py): each shape is what its
name says, the solver's plans on a small one pass the validator and place what EDD places, and
where most orders are late the first plan lays the heavy ones down first."""

from __future__ import annotations

import pytest

from load.chain_networks import DAY, describe
from load.edd_baseline import edd_plan, tardiness_floor, without
from load.network_shapes import SHAPES, generate
from services.scheduling.solver import model
from services.scheduling.solver.search import plan_network
from services.scheduling.solver.validator import validate_plan

pytestmark = pytest.mark.unit


def test_the_same_seed_gives_the_same_network():
    for shape in SHAPES:
        assert generate(shape, 40, 3, seed=5) == generate(shape, 40, 3, seed=5), shape


def test_giants_stand_beside_one_machine_per_type_workshops():
    problem = generate("giants", 100, 30)
    sizes = sorted(len(f.machines) for f in problem.factories)
    assert sizes[-1] >= 40 and sizes[0] <= 8
    small = [f for f in problem.factories if len(f.machines) < 40]
    assert all(len({m.type for m in f.machines}) == len(f.machines) for f in small)


def test_partial_factories_leave_orders_that_fit_nowhere():
    problem = generate("partial", 300, 9)
    kinds = {frozenset(m.type for m in f.machines) for f in problem.factories}
    assert not any("paint_line" in k and "assembly" in k for k in kinds)
    assert edd_plan(problem).left_out


def test_long_routings_come_with_one_operation_orders_all_released_at_once():
    lengths = [len(o.operations) for o in generate("long-routings", 200, 5).orders]
    assert 1 in lengths and max(lengths) >= 13 and min(x for x in lengths if x > 1) >= 10
    assert {o.release for o in generate("long-routings", 50, 3).orders} == {0}


def test_long_operations_are_close_to_a_stretch_and_machines_often_down():
    problem = generate("long-operations", 200, 10)
    assert max(op.duration for o in problem.orders for op in o.operations) > 200
    machines = [m for f in problem.factories for m in f.machines]
    assert sum(1 for m in machines if m.downtime) > len(machines) / 3


def test_due_dates_loads_and_weights_follow_the_shape():
    tight = generate("tight", 400, 10)
    assert all(o.due - o.release <= DAY for o in tight.orders)
    assert {o.weight for o in tight.orders} == {1, 10}
    assert describe(generate("overload", 600, 20))["load"] > 1.2
    assert describe(generate("loose-underload", 600, 20))["load"] < 0.3


def test_batch_machines_and_heavy_changeovers():
    problem = generate("batch-setups", 100, 4)
    assert any(m.batch_capacity > 1 for f in problem.factories for m in f.machines)
    assert any(op.batchable for o in problem.orders for op in o.operations)
    assert min(rule.change_minutes for rule in problem.setups) >= 60


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_plans_of_every_shape_are_valid_and_place_what_edd_places(shape):
    problem = generate(shape, 150, 6, seed=1)
    plan = plan_network(problem, 0.5, 1, 0)
    placed = without(problem, dict(plan.left_out))
    assert validate_plan(placed, list(plan.operations)) == []
    assert len(placed.orders) >= len(problem.orders) - len(edd_plan(problem).left_out)


def test_the_floor_is_below_every_plan_and_exact_for_a_lone_order():
    problem = generate("tight", 150, 6, seed=2)
    floor = tardiness_floor(problem)
    edd = edd_plan(problem)
    assert 0 < floor <= model.evaluate(without(problem, edd.left_out), edd.operations).weighted_tardiness
    saw = model.Machine("F-saw", "panel_saw", 1.25)
    day = (model.Window(480, 720), model.Window(780, 1020))
    order = model.Order("O", (model.Operation("panel_saw", 275),), due=900, weight=2, release=600)
    lone = model.NetworkProblem(2 * DAY, (model.Factory("F", (saw,), day),), (order,))
    # 220 minutes at speed 1.25 do not fit the 120 left before lunch: 780 + 220 = 1,000
    assert tardiness_floor(lone) == 2 * (1_000 - 900)


def _heavy_behind_light_orders() -> model.NetworkProblem:
    saw = model.Factory("F", (model.Machine("F-saw", "panel_saw"),), (model.Window(0, 2_000),))
    light = tuple(model.Order(f"L{i}", (model.Operation("panel_saw", 60),), due=10 + i) for i in range(5))
    heavy = model.Order("H", (model.Operation("panel_saw", 60),), due=15, weight=10)
    return model.NetworkProblem(2_000, (saw,), light + (heavy,))


def test_where_most_orders_are_late_the_first_plan_lays_the_heavy_order_first():
    # by due date the weight-10 order waits behind five light ones: 10 x 345 + 840 = 4,290;
    # laid down first it ends at 60: 10 x 45 + 1,140 = 1,590
    first: list[int] = []
    plan = plan_network(_heavy_behind_light_orders(), 0.5, 1, 0,
                        on_improvement=lambda _s, obj: first.append(obj.weighted_tardiness))
    assert first[0] == 1_590
    assert plan.objective.weighted_tardiness <= 1_590
