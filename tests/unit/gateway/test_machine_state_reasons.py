"""Why a machine is in its state, as iot's tracker writes it, reads in the reader's language on
the factory board, the workspace's machines page and the machines REST (issue 19, item 3): iot
sends words (the number an argument); a status sent before words reads as written, said whole
when it is a text of the catalogue. A service not answering reads in their language too."""

from __future__ import annotations

import pytest

from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway import i18n, reads
from gateway.portal.words import with_local_times
from services.iot.domain.tracker import SILENT
from services.iot.wire import reason_to_pb
from services.kit.words import Words

pytestmark = pytest.mark.unit


def silent_status() -> iot.MachineStatus:
    english, words = reason_to_pb(Words.of(SILENT, seconds="120"))
    return iot.MachineStatus(machine_id="SAW-1", state=iot.MACHINE_STATE_OFFLINE, reason=english,
                             reason_words=words)


def test_a_silent_machines_reason_reads_with_its_seconds_in_chinese_and_english():
    status = silent_status()
    with i18n.speaking("zh-CN"):
        assert with_local_times(status.reason, words=status.reason_words) == "静默超过 120 秒"
        said = reads.machine(iot.Machine(machine_id="SAW-1"), status)
        assert said.reason_said == "静默超过 120 秒"
        assert said.reason == "silent for more than 120 s"  # the English, for machines
        assert said.reason_words.args == {"seconds": "120"}
    with i18n.speaking("en"):
        assert reads.machine_status(status).reason_said == "silent for more than 120 s"


def test_a_reason_sent_before_words_reads_as_written_or_said_whole():
    with i18n.speaking("zh-CN"):
        old = iot.MachineStatus(reason="silent for more than 120 s")
        assert reads.machine_status(old).reason_said == "silent for more than 120 s"
        assert reads.machine_status(old).reason_words is None
        assert reads.machine_status(iot.MachineStatus(reason="telemetry resumed")
                                    ).reason_said == "遥测已恢复"
        assert reads.machine_status(iot.MachineStatus()).reason_said == ""


def test_a_tracker_reason_reads_in_chinese_and_english():
    with i18n.speaking("zh-CN"):
        assert with_local_times("current classified") == "按电流判定"
        assert with_local_times("telemetry resumed") == "遥测已恢复"
        assert with_local_times("silent for more than 120 s") == "silent for more than 120 s"
    with i18n.speaking("en"):
        assert with_local_times("current classified") == "current classified"



def test_a_service_not_answering_is_said_in_the_readers_language():
    """A page shows why part of it could not be read (the 503's detail)."""
    import grpc

    from gateway.errors import service_error

    with i18n.speaking("zh-CN"):
        assert service_error(grpc.StatusCode.UNAVAILABLE, "").detail.startswith("服务暂不可用")
    with i18n.speaking("en"):
        assert service_error(grpc.StatusCode.UNAVAILABLE, "").detail.startswith(
            "service unavailable; retry later")
