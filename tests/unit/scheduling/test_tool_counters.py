"""Tool life in the plan (issue 22, item 2): the factory's limits, the metres and hours its
finished work takes from each machine's tools (from the routing's own words), and a task to
change a tool proposed when the planned work uses it up within its warning; reporting it done
(not accepting it) starts the tool's count again."""

from __future__ import annotations

import pytest

from services.kit.errors import InvalidArgument
from services.scheduling.domain.ids import factory_plan_key
from services.scheduling.domain.maintenance_tasks import maintenance_key
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.tool_counters import (
    shifts_of,
    tools_key,
    work_of_step,
)
from services.scheduling.domain.tool_life import ToolLimit
from services.scheduling.domain.values import RoutingStep
from tests.unit.scheduling.test_maintenance_tasks import NOW, H, factory_with, row

pytestmark = pytest.mark.unit

BLADE = ToolLimit("saw_blade", "panel_saw", "m", life=100.0, warn_shifts=2.0)
CUT = "cut 3 boards with 20 cuts (40.0 m)"


def test_the_routing_words_give_saw_and_band_metres_and_hours():
    assert work_of_step("panel_saw", "cut 3 boards with 20 cuts (14.3 m)", 900).saw_m == 14.3
    band = work_of_step("edge_bander", "band 23.4 m of white-1.0 edge (12 edges)", 600)
    assert (band.band_m, band.saw_m, band.seconds) == (23.4, 0.0, 600.0)
    assert work_of_step("cnc_router", "route 4 features", 1800).seconds == 1800.0


def test_round_the_clock_work_counts_in_shifts_of_eight_hours():
    assert len(shifts_of([(0, 24 * H)])) == 3
    assert shifts_of([(0, 8 * H)]) == [(0.0, 8 * H / 1000)]


def order_on_the_saw(desk, order_id: str) -> None:
    order = PoolOrder(order_id=order_id, tenant="t")
    order.configure(1, [RoutingStep(1, "panel_saw", 1800, description=CUT)], "2026-12-20")
    desk.held[order.id] = order


def test_finished_work_counts_and_a_blade_due_within_two_shifts_gets_a_task():
    # the saw has 45 m of cutting planned in the next hours: 70 m used + 45 m > 100 m
    desk = factory_with(row("o9/op-01", NOW + 4 * H, NOW + 6 * H))
    desk.set_tool_limits("GZ", [BLADE], "manager@gz", NOW)
    (planned,) = desk.held[factory_plan_key("GZ")].operations.values()
    object.__setattr__(planned, "description", "cut 4 boards with 30 cuts (45.0 m)")
    order_on_the_saw(desk, "o1")
    assert desk.record_operation_finished("GZ", "GZ-SAW", "panel_saw", "o1/op-01", NOW)
    assert desk.held[tools_key("GZ")].used == {"GZ-SAW|saw_blade": 40.0}
    assert maintenance_key("GZ-SAW") not in desk.held  # 40 + 45 m: not used up
    order_on_the_saw(desk, "o2")
    changed = desk.record_operation_finished("GZ", "GZ-SAW", "panel_saw", "o2/op-01", NOW + H)
    desk.save(*changed)
    (task,) = desk.held[maintenance_key("GZ-SAW")].tasks.values()
    assert (task.reason, task.detail) == ("tool", "saw_blade")
    assert task.explanation == ("saw_blade at 80 % of its life, change within ~1 shift",)
    assert task.end_ms <= task.due_by_ms and not task.displaces  # before the planned cutting
    desk.accept_maintenance("GZ", ["GZ-SAW"], task.task_id, "li@gz", NOW + H)
    assert desk.held[tools_key("GZ")].used == {"GZ-SAW|saw_blade": 80.0}  # not changed yet
    desk.report_maintenance_done("GZ", ["GZ-SAW"], task.task_id, "li@gz", task.end_ms)
    assert desk.held[tools_key("GZ")].used == {"GZ-SAW|saw_blade": 0.0}  # changed in the stop


def test_a_blade_already_worn_past_a_new_limit_gets_its_task_when_the_limit_is_set():
    desk = factory_with()
    desk.set_tool_limits("GZ", [BLADE], "manager@gz", NOW)
    order_on_the_saw(desk, "o1")
    desk.save(*desk.record_operation_finished("GZ", "GZ-SAW", "panel_saw", "o1/op-01", NOW))
    assert maintenance_key("GZ-SAW") not in desk.held  # 40 m of 100: fine
    shorter = ToolLimit("saw_blade", "panel_saw", "m", life=30.0)
    desk.set_tool_limits("GZ", [shorter], "manager@gz", NOW + H)
    (task,) = desk.held[maintenance_key("GZ-SAW")].tasks.values()
    assert task.explanation == ("saw_blade at 100 % of its life, change now",)


def test_no_limits_for_the_machine_type_nothing_is_counted():
    desk = factory_with()
    order_on_the_saw(desk, "o1")
    assert desk.record_operation_finished("GZ", "GZ-SAW", "panel_saw", "o1/op-01", NOW) == []
    desk.set_tool_limits("GZ", [ToolLimit("router_bit", "cnc_router", "h", 50.0)], "m", NOW)
    assert desk.record_operation_finished("GZ", "GZ-SAW", "panel_saw", "o1/op-01", NOW) == []


def test_bad_limits_are_refused_naming_each_field():
    desk = factory_with()
    with pytest.raises(InvalidArgument) as refused:
        desk.set_tool_limits(
            "GZ",
            [ToolLimit("", "panel_saw", "km", -1.0), ToolLimit("x", "", "h", 5.0, warn_shifts=99)],
            "m",
            NOW,
        )
    assert {v.field for v in refused.value.violations} == {
        "limits[0].tool_type",
        "limits[0].unit",
        "limits[0].life",
        "limits[1].machine_type",
        "limits[1].warn_shifts",
    }
