"""Nesting puts every part on a board once, inside the trim, a kerf apart, with the grain, and
in a layout a panel saw can cut."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from nesting_panel_sets import SHEETS, panel_set

from services.configurator.catalogue import (
    NestingSettings,
    board_dxf,
    board_svg,
    cut_lists,
    nest_orders,
    nest_parts,
    panel_labels,
    saw_sequence,
)
from services.configurator.catalogue.nesting_checks import layout_problems
from services.configurator.catalogue.sheet_packing import PieceTooLarge

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def oak_wardrobe(catalogue):
    from services.configurator.catalogue import configure

    return configure(
        catalogue,
        "wardrobe",
        {
            "width_mm": 2000,
            "height_mm": 2400,
            "depth_mm": 600,
            "finish": "melamine-oak",
            "drawers": 2,
            "doors": 2,
        },
    )


@pytest.fixture(scope="module")
def plan(catalogue, oak_wardrobe):
    return nest_orders(catalogue, {"SHOP-10001": oak_wardrobe.panels})


def test_every_board_of_an_order_can_go_to_the_saw(plan):
    for board in plan.boards:
        assert layout_problems(board) == []


def test_every_part_is_placed_exactly_once_and_areas_add_up(plan, oak_wardrobe):
    labels = [p.part.label for b in plan.boards for p in b.placements]
    assert len(labels) == len(set(labels)) == sum(p.quantity for p in oak_wardrobe.panels)
    panel_area = sum(p.area_m2 * p.quantity for p in oak_wardrobe.panels)
    assert plan.panel_area_m2 == pytest.approx(panel_area)
    assert 0 < plan.yield_pct <= 100


def test_parts_on_a_board_are_at_least_one_kerf_apart(plan):
    for board in plan.boards:
        rects = [
            (p.x_mm, p.y_mm, p.x_mm + p.along_mm, p.y_mm + p.across_mm) for p in board.placements
        ]
        for i, a in enumerate(rects):
            for b in rects[i + 1 :]:
                gap_x = max(b[0] - a[2], a[0] - b[2])
                gap_y = max(b[1] - a[3], a[1] - b[3])
                assert max(gap_x, gap_y) >= board.kerf_mm - 1e-6


def test_grained_parts_keep_their_grain_along_the_board(plan):
    grained = [p for b in plan.boards for p in b.placements if p.part.grain == "length"]
    assert grained, "oak melamine has grain"
    assert all(not p.rotated and p.along_mm == p.part.length_mm for p in grained)


def test_parts_stay_inside_the_trimmed_board(plan):
    for board in plan.boards:
        for p in board.placements:
            assert p.x_mm >= board.trim_mm and p.y_mm >= board.trim_mm
            assert p.x_mm + p.along_mm <= board.sheet.length_mm - board.trim_mm + 1e-6
            assert p.y_mm + p.across_mm <= board.sheet.width_mm - board.trim_mm + 1e-6


def test_the_checks_catch_an_overlap_and_a_part_turned_against_the_grain(plan):
    board = next(
        b for b in plan.boards if b.material.endswith("melamine-oak") and len(b.placements) > 1
    )
    first, second = board.placements[:2]
    moved = replace(second, x_mm=first.x_mm, y_mm=first.y_mm)
    assert any(
        "kerf" in p
        for p in layout_problems(replace(board, placements=(first, moved) + board.placements[2:]))
    )
    grained = next(p for p in board.placements if p.part.grain == "length")
    turned = replace(grained, rotated=True, along_mm=grained.across_mm, across_mm=grained.along_mm)
    others = tuple(p for p in board.placements if p is not grained)
    assert any("grain" in p for p in layout_problems(replace(board, placements=(turned,) + others)))


def test_a_batch_of_orders_sharing_a_material_shares_boards(catalogue, oak_wardrobe):
    alone = nest_orders(catalogue, {"A": oak_wardrobe.panels})
    batch = nest_orders(
        catalogue, {"A": oak_wardrobe.panels, "B": oak_wardrobe.panels, "C": oak_wardrobe.panels}
    )
    assert batch.board_area_m2 <= 3 * alone.board_area_m2
    assert {p.part.order for b in batch.boards for p in b.placements} == {"A", "B", "C"}
    assert all(layout_problems(b) == [] for b in batch.boards)


@pytest.mark.parametrize("kerf, trim", [(0, 0), (3.2, 5), (8, 15)])
def test_any_kerf_and_trim_give_valid_layouts(kerf, trim):
    plan = nest_parts(panel_set(7, 60), SHEETS, NestingSettings(kerf_mm=kerf, trim_mm=trim))
    assert all(layout_problems(b) == [] for b in plan.boards)
    assert all(b.kerf_mm == kerf and b.trim_mm == trim for b in plan.boards)


@pytest.mark.parametrize("method", ["best", "quick", "shelf"])
def test_every_method_cuts_what_it_places(method):
    parts = panel_set(11, 80)
    plan = nest_parts(parts, SHEETS, NestingSettings(method=method))
    assert all(layout_problems(b) == [] for b in plan.boards)
    assert sum(len(b.placements) for b in plan.boards) == len(parts)


def test_a_part_larger_than_every_sheet_is_refused():
    parts = panel_set(1, 3)
    parts[0] = replace(parts[0], length_mm=3000, grain="length")
    with pytest.raises(ValueError):
        nest_parts(parts, SHEETS, NestingSettings())
    assert issubclass(PieceTooLarge, ValueError)


def test_the_saw_sequence_trims_then_rips_and_cross_cuts_stage_by_stage(plan):
    board = plan.boards[0]
    stages = [c.stage for c in board.cuts]
    assert stages == sorted(stages) and stages[0] == 0
    assert [c.direction for c in board.cuts[:4]] == ["trim"] * 4
    assert {c.direction for c in board.cuts[4:]} <= {"rip", "cross"}
    lines = saw_sequence(board)
    assert len(lines) == len(board.cuts) and "stage 0" in lines[0]


def test_the_cutting_diagram_is_svg_with_a_rectangle_per_part(plan):
    board = plan.boards[0]
    root = ET.fromstring(board_svg(board))
    rects = root.findall(".//{http://www.w3.org/2000/svg}rect")
    assert root.tag.endswith("svg") and len(rects) == len(board.placements) + 2


def test_the_dxf_is_r12_ascii_with_lines_and_texts(plan):
    board = plan.boards[0]
    rows = board_dxf(board).splitlines()
    assert rows[:8] == ["0", "SECTION", "2", "HEADER", "9", "$ACADVER", "1", "AC1009"]
    assert rows[-2:] == ["0", "EOF"] and len(rows) % 2 == 0
    assert all(code.strip().lstrip("-").isdigit() for code in rows[0::2])
    entities = rows[1::2]
    assert entities.count("TEXT") == len(board.placements)
    assert entities.count("LINE") == 8 + 4 * len(board.placements) + len(board.cuts)
    assert all(ord(ch) < 128 for ch in "".join(rows))


def test_the_csv_cut_list_has_a_row_per_part_for_each_material(plan):
    lists = cut_lists(plan)
    assert set(lists) == {m.material for m in plan.materials}
    for material in plan.materials:
        rows = list(csv.DictReader(io.StringIO(lists[material.material])))
        assert len(rows) == sum(len(b.placements) for b in material.boards)
        assert {"label", "length_mm", "width_mm", "edges", "grain"} <= set(rows[0])


def test_every_part_gets_one_label_with_a_unique_barcode(plan):
    labels = panel_labels(plan)
    assert len(labels) == sum(len(b.placements) for b in plan.boards)
    assert len({label.barcode for label in labels}) == len(labels)
    door = next(label for label in labels if label.panel == "door")
    assert door.order == "SHOP-10001" and "oak" in door.edges and "×" in door.size
