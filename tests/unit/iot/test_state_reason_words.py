"""Why a machine changed state is words people read (issue 19, item 3): the tracker writes an
English template of the gateway's catalogue with the number as an argument, so a page says
"静默超过 120 秒" to a reader of Chinese; the English is what machines read. The words are kept
in the stored change and published beside the English."""

from __future__ import annotations

import numpy as np
import pytest

from services.iot.application import IotApplication
from services.iot.domain import tracker as reasons
from services.iot.domain.telemetry import IntakeLimits
from services.iot.domain.tracker import MachineInfo, MachineTracker
from services.iot.domain.values import LiveState
from services.iot.published import to_integration
from services.iot.signals import Calibration, LivenessPolicy, ShiftContext
from services.kit.words import Words

pytestmark = pytest.mark.unit

WORKING = ShiftContext(in_shift=True, has_work=True)
NOW = 1_800_000_000.0  # seconds


def saw(policy: LivenessPolicy, cnc: bool = False) -> MachineTracker:
    info = MachineInfo("SAW-1", "F1", "panel_saw", cnc, rated_power_kw=12.0, volts=400.0,
                       power_factor=0.85, three_phase=True, current_scale=1.0,
                       calibration=None if cnc else Calibration.from_levels(0.1, 8.0, 20.0))
    return MachineTracker(info, policy, IntakeLimits())


def current(tracker: MachineTracker, amps: list[float], end: float) -> list:
    """One sample a second ending at `end` (seconds), taken at `end`: the changes it made."""
    ts = np.array([int((end - len(amps) + 1 + i) * 1000) for i in range(len(amps))])
    zeros = np.zeros(len(amps))
    return tracker.take_current(ts, np.array(amps), zeros, zeros, end, WORKING).transitions


def test_a_machine_gone_silent_says_so_with_its_seconds_as_an_argument():
    tracker = saw(LivenessPolicy(offline_after_s=120.0))
    current(tracker, [20.0] * 10, NOW)

    [offline] = tracker.evaluate(NOW + 121, WORKING)

    assert offline.to_state == LiveState.OFFLINE
    assert offline.reason == Words(reasons.SILENT, (("seconds", "120"),))
    assert offline.reason.template == "silent for more than %(seconds)s s"
    assert offline.reason.english() == "silent for more than 120 s"
    assert tracker.reason == offline.reason  # what its live status says


def test_a_machine_without_current_in_its_shift_says_for_how_long():
    tracker = saw(LivenessPolicy(offline_after_s=3600.0, down_grace_s=300.0))
    current(tracker, [20.0] * 30 + [0.0] * 30, NOW)

    [down] = tracker.evaluate(NOW + 301, WORKING)

    assert down.to_state == LiveState.DOWN
    assert down.reason == Words.of(reasons.NO_CURRENT, seconds="300")
    assert down.reason.english() == "no current for 300 s in shift with work"


def test_a_controller_alarm_keeps_the_controllers_own_code_as_written():
    tracker = saw(LivenessPolicy(offline_after_s=3600.0), cnc=True)
    ts = np.array([int(NOW * 1000) - 2000, int(NOW * 1000) - 1000])

    changes = tracker.take_states(ts, ["RUNNING", "DOWN"], np.zeros(2), ["", "E-12"],
                                  np.zeros(2, dtype=np.int64), NOW, WORKING).transitions

    assert changes[-1].to_state == LiveState.DOWN
    assert changes[-1].reason == Words.of(reasons.CONTROLLER_ALARM, alarm="E-12")
    assert changes[-1].reason.english() == "controller alarm E-12"


def test_the_words_are_kept_in_the_stored_change_and_published_beside_the_english():
    tracker = saw(LivenessPolicy(offline_after_s=120.0))
    current(tracker, [20.0] * 10, NOW)
    app = IotApplication(env={"IOT_PERSISTENCE_MODULE": "eventsourcing.popo"})

    app.record_transitions(tracker.evaluate(NOW + 121, WORKING))

    stored = [app.mapper.to_domain_event(n) for n in app.recorder.select_notifications(1, 10)]
    [changed] = [e for e in stored if type(e).__name__ == "StateChanged"]
    assert changed.said == Words.of(reasons.SILENT, seconds="120")
    name, body = to_integration(changed)
    assert name == "MachineStateChanged" and body.reason == "silent for more than 120 s"
    assert body.reason_words.template == "silent for more than %(seconds)s s"
    assert dict(body.reason_words.args) == {"seconds": "120"}
