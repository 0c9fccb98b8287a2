"""A configured line's summary and its routing's workshop words are words (issue 19, item 3):
the English is what the configurator always wrote; a 简体中文 reader reads them in Chinese
(the numbers, board and finish codes as they are)."""

from __future__ import annotations

import pytest

from gateway import i18n
from gateway.portal.words import with_local_times
from gateway.reads import words_read
from services.configurator.domain.order_plan import LineRequest, OrderPlan, plan_order
from services.configurator.domain.plan_records import plan_lines
from services.kit.words_pb import words_pb

pytestmark = pytest.mark.unit
ORDER_ID = "6f1c3c1e-0000-4000-8000-000000000001"


def said(words) -> str:
    return said_pb(words_pb(words))


def said_pb(words) -> str:
    return with_local_times("", words=words_read(words))


def test_a_wardrobe_line_and_its_routing_read_in_chinese(catalogue):
    plan = plan_order(catalogue, ORDER_ID, [LineRequest("1", "wardrobe", 1, {
        "width_mm": 1800, "height_mm": 2200, "depth_mm": 580, "board": "particleboard-18",
        "finish": "melamine-white", "doors": 2, "drawers": 2})])
    assert isinstance(plan, OrderPlan)
    [line] = plan_lines(plan)
    assert line.summary == line.summary_words.english() == (
        "wardrobe 1800×2200×580 mm, 2 sliding doors, 2 drawers, 3 bays, "
        "particleboard-18 melamine-white")
    saw, *_, packing = plan.routing
    assert saw.description == saw.description_words.english()
    assert saw.description.startswith("cut ") and packing.description == "pack 1 unit(s)"
    with i18n.speaking("zh-CN"):
        assert said(line.summary_words) == (
            "衣柜 1800×2200×580 毫米，2 扇推拉门，2 个抽屉，3 个分格，"
            "particleboard-18 melamine-white")
        cut = said(saw.description_words)
        assert cut.startswith("开料 ") and " 刀（" in cut and cut.endswith(" 米）")
        assert said(packing.description_words) == "包装 1 件"
    with i18n.speaking("en"):
        assert said(line.summary_words) == line.summary


def test_a_line_names_its_board_and_finish_and_its_edge_by_the_catalogue(catalogue):
    """The catalogue's names where codes were ("particleboard-25 melamine-oak", an edge band
    "oak/1mm", a board "particleboard-25/melamine-oak"), in the reader's language."""
    from services.configurator.rpc.workshop import boards_to_pb

    plan = plan_order(catalogue, ORDER_ID, [LineRequest("1", "desk", 1, {
        "width_mm": 1120, "height_mm": 750, "depth_mm": 700, "board": "particleboard-25",
        "finish": "melamine-oak"})])
    assert isinstance(plan, OrderPlan)
    [line] = plan_lines(plan, catalogue)
    assert line.summary == "desk 1120×750×700 mm, 25 mm particleboard, oak-grain melamine"
    edge = next(step for step in plan.routing if step.step == "edge_banding")
    boards = boards_to_pb(catalogue, plan.cut_plan, False)
    with i18n.speaking("zh-CN"):
        assert said(line.summary_words) == "书桌 1120×750×700 毫米，25 mm 刨花板，橡木纹三聚氰胺饰面"
        band = said(edge.description_words)
        assert "橡木 " in band and "oak" not in band and "/" not in band, band
        captions = {said_pb(b.material_words) for b in boards}
        assert "25 mm 刨花板，橡木纹三聚氰胺饰面" in captions, captions
        assert not any("-" in c or "/" in c for c in captions), captions
    with i18n.speaking("en"):
        assert "25 mm particleboard, oak-grain melamine" in {said_pb(b.material_words)
                                                              for b in boards}
