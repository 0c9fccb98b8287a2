"""Why a line cannot be built is words (issue 19, item 3): the English stays what the
configurator always wrote (message, suggestion); a 简体中文 reader reads the reason in Chinese
(option names, codes and lengths as written), on the wire and kept in the rejection event."""

from __future__ import annotations

import pytest

from gateway import i18n
from gateway.portal.words import with_local_times
from gateway.reads import words_read
from services.configurator.catalogue import configure
from services.configurator.domain.order_plan import LineRequest, plan_order
from services.configurator.domain.plan_records import rejection_reasons
from services.configurator.wire import reason_to_pb
from services.kit.words_pb import words_pb

pytestmark = pytest.mark.unit
WARDROBE = {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600, "board": "particleboard-18",
            "finish": "melamine-white", "doors": 2, "shelves": 3, "dividers": 0}


def said(words) -> str:
    return with_local_times("", words=words_read(words_pb(words)))


def reasons(catalogue, **options):
    return configure(catalogue, "wardrobe", WARDROBE | options).reasons


def test_a_shelf_too_long_reads_in_chinese_and_english(catalogue):
    [reason] = reasons(catalogue)
    assert (reason.message, reason.suggestion) == (
        "shelf span 1,964 mm is over the 800 mm allowed for 18 mm particleboard",
        "add 2 dividers (dividers: 2)")
    with i18n.speaking("zh-CN"):
        assert said(reason.message_words) == "层板跨度 1,964 mm 超过18 mm 刨花板允许的 800 mm"
        assert said(reason.suggestion_words) == "加 2 块中隔板（dividers: 2）"
    with i18n.speaking("en"):
        assert said(reason.message_words) == reason.message


def test_rule_texts_and_fixes_to_choose_between_read_in_chinese(catalogue):
    [reason] = reasons(catalogue, door_style="sliding", doors=1)
    assert reason.message == "doors 1 is under the 2 needed: sliding doors run in pairs on a double track"
    assert reason.suggestion == "set doors to at least 2 or choose hinged doors"
    with i18n.speaking("zh-CN"):
        assert said(reason.message_words) == "doors 1 低于所需的 2：推拉门成对装在双轨上"
        assert said(reason.suggestion_words) == "将 doors 设为至少 2，或改选平开门"


def test_an_unknown_option_keeps_the_option_names_as_written(catalogue):
    [reason] = reasons(catalogue, colour="red")
    with i18n.speaking("zh-CN"):
        assert said(reason.message_words) == "“colour”不是本产品目录认识的选项"
        assert said(reason.suggestion_words).endswith("board, finish, door_style, handle")


def test_the_words_go_on_the_wire_and_into_the_rejection_event(catalogue):
    plan = plan_order(catalogue, "6f1c3c1e-0000-4000-8000-000000000002",
                      [LineRequest("1", "wardrobe", 1, WARDROBE | {"width_mm": 5000})])
    [kept] = rejection_reasons(plan)
    assert kept.message == "width 5,000 mm is over the maximum of 2,800 mm for a wardrobe"
    wire = reason_to_pb(kept)
    assert (wire.line_id, wire.message) == ("1", kept.message)
    with i18n.speaking("zh-CN"):
        assert i18n.said_words(wire.message_words) == "width 5,000 mm 超过衣柜的最大值 2,800 mm"
        assert i18n.said_words(wire.suggestion_words) == "width 请在 600 mm 到 2,800 mm 之间选择"
