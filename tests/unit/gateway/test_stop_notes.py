"""What a planned stop is for, in the reader's language (issue 19, item 3): scheduling's
maintenance stops on the Gantt chart (REST note_said) and the workspace's machines page; a
stop a person declared reads as they wrote it."""

from __future__ import annotations

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import reads
from gateway.workspace.maintenance import stop_note

pytestmark = pytest.mark.unit
WEAR = "maintenance: cutting current up 18 % over 9 days; +25 % in ~4.0 days"


def lane(note: str) -> sch.MachineLane:
    return sch.MachineLane(machine_id="m1", factory_id="f1", unavailable=[sch.UnavailableWindow(
        start_unix_ms=1, end_unix_ms=2, reason=sch.UNAVAILABILITY_REASON_PLANNED_STOP,
        note=note)])


def test_a_maintenance_stop_reads_in_chinese(chinese):
    said = stop_note(WEAR)
    assert said.startswith("维护：") and "maintenance" not in said and "18" in said
    tool = stop_note("maintenance: saw_blade at 92 % of its life, change now")
    assert tool.startswith("维护：") and "92" in tool
    assert stop_note("maintenance") == "维护"
    assert stop_note("new blade fitted by Li") == "new blade fitted by Li"
    [window] = reads.lane(lane(WEAR)).unavailable
    assert window.note == WEAR and window.note_said == said


def test_in_english_the_note_reads_as_the_workspace_says_wear():
    assert stop_note(WEAR) == ("maintenance: cutting current up 18 % over 9 days; 25 % more in "
                               "about 4.0 days")
