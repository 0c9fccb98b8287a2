"""A resent batch is known by its id for the last RECENT_BATCHES batches of its machine."""

import uuid

import pytest

from services.iot.domain.profiles import MachineProfile
from services.iot.domain.telemetry import IntakeLimits
from services.iot.domain.tracker import RECENT_BATCHES, MachineInfo, MachineTracker
from services.iot.signals import LivenessPolicy

pytestmark = pytest.mark.unit


def _tracker() -> MachineTracker:
    return MachineTracker(MachineInfo.from_profile(MachineProfile(
        "M1", "F1", machine_type="panel_saw", sensor_kind="current_sensor",
        rated_power_kw=18.0)), LivenessPolicy(), IntakeLimits())


def test_a_resent_batch_is_a_repeat_until_its_machine_sent_enough_others():
    tracker = _tracker()
    ids = [uuid.uuid4().hex for _ in range(RECENT_BATCHES + 40)]

    assert not any(tracker.seen_batch(i) for i in ids[:RECENT_BATCHES])
    assert all(tracker.seen_batch(i) for i in ids[:RECENT_BATCHES])  # the whole window resent
    assert not any(tracker.seen_batch(i) for i in ids[RECENT_BATCHES:])
    assert not tracker.seen_batch(ids[0])  # pushed out by the 40 newer ones
    assert tracker.seen_batch(ids[-1])
    assert tracker.seen_batch(ids[45])


def test_batches_without_an_id_are_never_repeats():
    tracker = _tracker()

    assert not tracker.seen_batch("")
    assert not tracker.seen_batch("")
