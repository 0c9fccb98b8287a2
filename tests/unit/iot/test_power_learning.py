"""Running kW learnt from telemetry (issue 21, item 2): minutes a machine ran throughout, their
kWh × 60, the median once 60 such minutes are known; kept on the machine when new or moved by
2 % or more, and published for scheduling."""

from __future__ import annotations

import numpy as np
import pytest

from dovetail.common.v1 import types_pb2
from services.iot.domain.profiles import MachineProfile
from services.iot.domain.registry import Machine
from services.iot.power_learning import MIN_MINUTES, estimate, running_minutes
from services.iot.published import to_integration

pytestmark = pytest.mark.unit
M = 60_000
T0 = 1_796_000_000_000 - 1_796_000_000_000 % M


def test_only_minutes_running_from_start_to_end_count():
    changes = [(T0 + 30_000, "RUNNING"), (T0 + 3 * M + 10_000, "IDLE"), (T0 + 5 * M, "RUNNING")]
    # running 0:30-3:10 → whole minutes 1 and 2; again from 5:00 to 7:00 (until) → 5 and 6
    assert running_minutes(changes, T0 + 7 * M) == {T0 + M, T0 + 2 * M, T0 + 5 * M, T0 + 6 * M}


def test_the_median_of_running_minutes_once_enough_are_known():
    rng = np.random.default_rng(3)
    changes = [(T0, "RUNNING"), (T0 + 90 * M, "IDLE")]
    running = [(T0 + i * M, 12.0 / 60 * (1 + 0.08 * rng.standard_normal())) for i in range(90)]
    idle = [(T0 + i * M, 2.0 / 60) for i in range(90, 200)]  # idle draw: never counted
    found = estimate("m1", changes, running + idle, T0 + 200 * M)
    assert found is not None and found.minutes == 90 and found.hours == 1.5
    assert found.running_kw == pytest.approx(12.0, rel=0.03)
    # with fewer than MIN_MINUTES of running throughout: nothing yet (the type's default holds)
    assert estimate("m1", changes, running[:MIN_MINUTES - 1] + idle, T0 + 200 * M) is None
    assert estimate("m1", [], running, T0 + 200 * M) is None  # no state known: not running


def machine() -> Machine:
    return Machine(machine_id="m1", profile=MachineProfile(
        machine_id="m1", factory_id="F1", machine_type="panel_saw", rated_power_kw=18.0))


def test_a_learnt_draw_is_kept_when_new_or_moved_by_two_percent_and_published():
    m = machine()
    assert m.running_kw is None
    assert m.learn_power(11.8, 1.5, T0)
    assert not m.learn_power(11.9, 2.0, T0 + M)  # < 2 %: noise
    assert m.learn_power(12.2, 3.0, T0 + 2 * M) and m.running_kw == 12.2
    assert not m.learn_power(0.0, 3.0, T0) and not m.learn_power(5.0, 0.0, T0)
    learnt = [e for e in m.collect_events() if type(e).__name__ == "PowerLearnt"]
    name, body = to_integration(learnt[-1])
    assert name == "MachinePowerLearnt"
    assert (body.machine_id, body.factory_id, body.running_kw, body.running_hours) == (
        "m1", "F1", 12.2, 3.0)
    assert body.machine_type == types_pb2.MACHINE_TYPE_PANEL_SAW
