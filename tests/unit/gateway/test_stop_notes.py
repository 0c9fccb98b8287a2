"""What a planned stop is for, in the reader's language (issue 19, item 3): iot's wear watch and
scheduling's tool counter write their reasons as words, the maintenance task keeps them and its
stop carries them (GetSchedule's note_words), and the gateway says them on the Gantt chart
(REST note_said), the workspace's machines and maintenance pages; a stop a person declared,
or one kept before words, reads as written."""

from __future__ import annotations

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from gateway import i18n, reads
from gateway.workspace.maintenance import explanation_said, stop_note
from services.iot.signals.wear import FeatureTrend
from services.kit.words_pb import words_or_none
from services.scheduling.domain.maintenance_tasks import MaintenanceTask
from services.scheduling.domain.tool_counters import tool_words
from services.scheduling.domain.tool_life import ToolDue
from services.scheduling.maintenance import stop_reason, stop_reason_words
from services.scheduling.rpc.maintenance import task_pb

pytestmark = pytest.mark.unit

WEARING = FeatureTrend(feature="running_amps", baseline=10.0, level=11.8, change=0.18,
                       rise_per_day=0.02, since_days=9.0, horizon_days=4.0, confidence=0.9,
                       wearing=True, step_pending=False)


def task(*said) -> MaintenanceTask:
    return MaintenanceTask("t1", "f1", "m1", "risk", "", tuple(w.english() for w in said),
                           1, 2, 3, (), 0, status="ACCEPTED", explanation_words=tuple(said))


def window(t: MaintenanceTask) -> sch.UnavailableWindow:
    """The stop as GetSchedule sends it (services/scheduling/wire.py lane_pb)."""
    return sch.UnavailableWindow(start_unix_ms=1, end_unix_ms=2,
                                 reason=sch.UNAVAILABILITY_REASON_PLANNED_STOP,
                                 note=stop_reason(t), note_words=words_or_none(stop_reason_words(t)))


def lane(w: sch.UnavailableWindow) -> sch.MachineLane:
    return sch.MachineLane(machine_id="m1", factory_id="f1", unavailable=[w])


def test_a_wear_stop_reads_in_chinese_and_in_english():
    wear = task(WEARING.describe_words())
    assert WEARING.describe() == "cutting current up 18 % over 9 days; +25 % in ~4.0 days"
    stop = window(wear)
    assert stop.note == f"maintenance: {WEARING.describe()}"  # the English, as before
    with i18n.speaking("zh-CN"):
        said = "维护：切削电流在 9 天内上升 18%；约 4.0 天后再升 25%"
        assert stop_note(stop) == said
        [shown] = reads.lane(lane(stop)).unavailable
        assert (shown.note, shown.note_said) == (stop.note, said)
        assert explanation_said(task_pb(wear)) == ["切削电流在 9 天内上升 18%；约 4.0 天后再升 25%"]
    with i18n.speaking("en"):
        assert stop_note(stop) == stop.note


def test_a_tool_stop_reads_in_chinese():
    due = ToolDue(tool_id="blade-1", tool_type="saw_blade", used=92.0, life=100.0, due_at=None,
                  shifts_left=2.0, change_now=True)
    said = tool_words(due)
    assert said.english() == "saw_blade at 92 % of its life, change within ~2 shifts"
    with i18n.speaking("zh-CN"):
        assert stop_note(window(task(said))) == "维护：锯片已用到寿命的 92%，请在约 2 个班次内更换"


def test_notes_without_words_read_as_written():
    typed = sch.UnavailableWindow(note="new blade fitted by Li")
    old = sch.UnavailableWindow(note="maintenance: cutting current up 18 % over 9 days")
    with i18n.speaking("zh-CN"):
        assert stop_note(typed) == "new blade fitted by Li"
        assert stop_note(old) == old.note  # kept before words: no second way of reading it
        assert stop_note(sch.UnavailableWindow(note="maintenance")) == "维护"
