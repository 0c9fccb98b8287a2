"""Tool life counted from the work: cut lists into metres, plans into "change it within ~2 shifts"."""

from __future__ import annotations

import math

import pytest

from services.kit.errors import InvalidArgument
from services.scheduling.domain.tool_life import (
    PlannedWork,
    ToolCounter,
    ToolLimit,
    ToolLimits,
    Work,
    counters_due,
    use_of,
    work_of_cut_list,
)

CUT_LIST = """board,sheet,label,order,panel,length_mm,width_mm,thickness_mm,grain,edges,x_mm,y_mm,rotated
1,2800x2070,A1,o-1,side,720,560,18,length,"L1 1mm white, W1 1mm white",0,0,no
1,2800x2070,A2,o-1,shelf,764,540,18,length,L1 1mm white,0,560,no
1,2800x2070,A3,o-1,back,740,760,8,none,-,720,0,yes
"""
HOUR, SHIFT = 3600.0, 8 * 3600.0
BLADE = ToolLimit("saw_blade", "panel_saw", "m", life=100.0)
TRIMMER = ToolLimit("edge_trimmer", "edge_bander", "m", life=500.0)
ROUTER = ToolLimit("router_bit", "cnc_router", "h", life=10.0, warn_shifts=1.0)
SHIFTS = [(k * 24 * HOUR + 6 * HOUR, k * 24 * HOUR + 6 * HOUR + SHIFT) for k in range(10)]


def test_a_cut_list_gives_saw_metres_and_banded_edge_metres():
    work = work_of_cut_list(CUT_LIST)
    assert work.saw_m == pytest.approx((720 + 560 + 764 + 540 + 740 + 760) / 1000)
    assert work.band_m == pytest.approx((720 + 560 + 764) / 1000)
    assert use_of(BLADE, work) == work.saw_m and use_of(TRIMMER, work) == work.band_m
    assert use_of(ROUTER, Work(seconds=5400)) == 1.5


def test_limits_name_every_bad_field():
    with pytest.raises(InvalidArgument) as e:
        ToolLimits([BLADE, ToolLimit("saw_blade", "", "km", life=0.0, warn_shifts=-1)])
    fields = {v.field for v in e.value.violations}
    assert fields == {
        "limits[1].tool_type",
        "limits[1].machine_type",
        "limits[1].unit",
        "limits[1].life",
        "limits[1].warn_shifts",
    }
    assert ToolLimits([BLADE, TRIMMER]).of_machine("panel_saw") == [BLADE]


def test_the_blade_is_due_in_the_shift_whose_planned_cuts_use_it_up():
    blade = ToolCounter("blade-1", "saw-1", BLADE)
    blade.count(Work(saw_m=80.0))
    now = SHIFTS[0][0]
    # 5 m of cut per hour of planned sawing: the last 20 m go in the second shift's 1st hour...
    planned = [
        PlannedWork(now + 2 * HOUR, now + 3 * HOUR, Work(saw_m=12.0)),
        PlannedWork(SHIFTS[1][0], SHIFTS[1][0] + 2 * HOUR, Work(saw_m=16.0)),
        PlannedWork(SHIFTS[4][0], SHIFTS[4][0] + HOUR, Work(saw_m=50.0)),
    ]
    due = blade.forecast(now, planned, SHIFTS)
    assert due.due_at == pytest.approx(SHIFTS[1][0] + HOUR)
    assert due.shifts_left == 2 and due.change_now
    assert due.remaining_share == pytest.approx(0.2)
    # ...and nothing is said when the plan leaves it most of its life
    fresh = ToolCounter("blade-2", "saw-2", BLADE)
    assert not fresh.forecast(now, planned, SHIFTS).change_now
    assert fresh.forecast(now, planned[:1], SHIFTS).shifts_left == math.inf


def test_only_tools_due_within_their_warning_are_listed_soonest_first():
    now = SHIFTS[0][0]
    worn = ToolCounter("bit-1", "router-1", ROUTER, used=10.5)
    blade = ToolCounter("blade-1", "saw-1", BLADE, used=99.0)
    later = ToolCounter("blade-2", "saw-2", BLADE, used=10.0)
    plan = {
        "saw-1": [PlannedWork(now + HOUR, now + 2 * HOUR, Work(saw_m=4.0))],
        "saw-2": [PlannedWork(now + HOUR, now + 2 * HOUR, Work(saw_m=4.0))],
    }
    due = counters_due([later, blade, worn], now, plan, SHIFTS)
    assert [d.tool_id for d in due] == ["bit-1", "blade-1"]
    assert due[0].due_at == now  # already past its life
    worn.replaced()
    assert worn.used == 0 and not counters_due([worn], now, plan, SHIFTS)
