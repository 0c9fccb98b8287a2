"""Why a machine is in its state, as iot's tracker writes it, reads in the reader's language on
the factory board and the workspace's machines page (issue 19, item 3): the constant reasons
are texts of the catalogue, said whole; one with a number in it still reads in English. A
service not answering reads in their language too."""

from __future__ import annotations

import pytest

from gateway import i18n
from gateway.portal.words import with_local_times

pytestmark = pytest.mark.unit


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
