"""Why no date can be promised, as words (issue 19, item 3): each reason the solver gives
(services/scheduling/solver/quote.py `CannotPromise`) reads in Chinese with the machine types
as people call them and no English left in it, and in English as the refusal's `detail`."""

from __future__ import annotations

import re

import pytest

from gateway import i18n
from gateway.portal.words import with_local_times
from services.kit.words_pb import words_pb
from services.scheduling.promise_words import made, promised, refused
from services.scheduling.solver.model import Factory, Operation, Window
from services.scheduling.solver.quote import CannotPromise, quote
from tests.unit.scheduling.test_quote import HORIZON, network, panel_works, two_shifts, wardrobes

pytestmark = pytest.mark.unit
# factories' and machines' names (F-GZ-01, F-GZ-01-cnc_router-2) and durations (6h00)
NAMES = r"F-[A-Z]{2}-\d\d(-[A-Za-z0-9_-]+)?|\d+h\d\d"


def lacking(fid: str, *types: str) -> Factory:
    works = panel_works(fid)
    return Factory(fid, tuple(m for m in works.machines if m.type not in types), two_shifts())


CASES = {
    "no factory has the type": (lambda: network(), wardrobes(1) + (Operation("paint_line", 45),),
                                1, "喷涂线"),
    "the closest lacks one": (lambda: network(lacking("F-FS-02", "cnc_router"), lacking(
        "F-DG-03", "panel_saw", "cnc_drill")), wardrobes(1), 1,
                              "最接近的 F-FS-02 没有 数控加工中心"),
    "an operation too long": (lambda: network(), (Operation("panel_saw", 30),
                                                  Operation("assembly", 360)), 1, "6h00"),
    "one unit too long": (lambda: network(), (Operation("panel_saw", 30),
                                              Operation("assembly", 720)), 2, "单件"),
    "a machine down for good": (lambda: network(panel_works(
        down={"cnc_router": Window(0, HORIZON)})), wardrobes(1), 1, "数控加工中心"),
    "no capacity": (lambda: network(panel_works(share=0.0)), wardrobes(1), 1, "周"),
}


@pytest.mark.parametrize("case", CASES)
def test_each_reason_reads_in_chinese_without_english_or_codes(case):
    problem, routing, quantity, expected = CASES[case]
    with pytest.raises(CannotPromise) as caught:
        quote(problem(), [], routing, quantity=quantity)
    words = refused(caught.value)

    with i18n.speaking("zh-CN"):
        chinese = i18n.said_words(words_pb(words))
    assert chinese.startswith("无法为此订单承诺交期：") and expected in chinese, chinese
    # what is left in Latin letters is names (factories, machines) and durations, no words
    leftover = re.sub(NAMES, "", chinese)
    assert not re.search(r"[a-z]{2,}", leftover), chinese
    english = words.english()
    assert english.startswith("cannot promise this order: ") and "_" not in re.sub(
        NAMES, "", english), english


def test_a_promise_in_parts_reads_in_chinese_on_the_quotes_clock():
    """A quote's explanation as words: where each part is made and when, every moment an ISO
    time with the quote's offset, shown on that clock with the zone named; no English left."""
    parts = [(3, "F-GZ-01", "2026-12-09T14:00+08:00"), (1, "F-FS-02", "2026-12-10T09:30+08:00")]
    words = promised(made(parts, "2026-12-10T09:30+08:00"), 600, 2880, 14, False)
    with i18n.speaking("zh-CN"):
        chinese = with_local_times("", "Asia/Shanghai", words_pb(words))
    assert chinese == (
        "无法一次做完，分 2 批生产（3 件在 F-GZ-01，2026年12月9日 14:00 (Asia/Shanghai) 完成；"
        "1 件在 F-FS-02，2026年12月10日 09:30 (Asia/Shanghai) 完成），全部于 2026年12月10日 09:30 "
        "(Asia/Shanghai) 完成（设备加工时间 10h00，从开始到完成共 48h00）；已超出 14 天的排产范围，"
        "因此假定各工厂维持每周班次不变；赶不上承诺日期")
    one = promised(made(parts[:1], parts[0][2]), 60, 120, None, True)
    with i18n.speaking("en"):
        english = with_local_times("", "Asia/Shanghai", words_pb(one))
    assert english == ("can be made at F-GZ-01 and finished 2026-12-09 14:00 CST (Asia/Shanghai) "
                       "(1h00 of machine time, 2h00 from start to finish); meets the promised date")
