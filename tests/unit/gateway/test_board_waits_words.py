"""An order's board waits said again in the reader's language (issue 20, item 4): each wait
scheduling's explanation names, once, with the day as the reader writes days."""

from __future__ import annotations

from gateway import i18n
from gateway.portal.board_waits import board_waits

SUMMARY = ("waits for board particleboard-18 melamine-white 2800×2070 at factory F-GZ-01 until "
           "2026-12-09 (Asia/Shanghai); waits for board hdf-8 2800×2070 at factory F-GZ-01 "
           "(none on order); cut in batch b-1 with 2 other orders")


def test_each_wait_once_in_english_and_chinese():
    with i18n.speaking("en"):
        said = board_waits([SUMMARY, SUMMARY])
    assert said == [
        "waits for board particleboard-18 melamine-white 2800×2070 at factory F-GZ-01 until "
        "2026-12-09 (Asia/Shanghai)",
        "waits for board hdf-8 2800×2070 at factory F-GZ-01: none on order"]
    with i18n.speaking("zh-CN"):
        said = board_waits([SUMMARY])
    assert said[0] == ("等待工厂 F-GZ-01 的板材 particleboard-18 melamine-white 2800×2070，直到 "
                       "2026年12月9日（Asia/Shanghai）")
    assert said[1].endswith("没有在途采购")


def test_an_order_waiting_for_nothing_says_nothing():
    assert board_waits(["on time", ""]) == []
