"""What the workshop reads of an order's cut plan: diagrams, cut lists, labels (wire types)."""

from __future__ import annotations

from dovetail.configurator.v1 import configurator_service_pb2 as pb
from services.configurator.catalogue import (
    BoardLayout,
    Catalogue,
    CutPlan,
    board_dxf,
    board_svg,
    cut_list_csv,
    panel_labels,
)
from services.configurator.domain.order_plan import material_names
from services.kit.words import Words
from services.kit.words_pb import words_or_none


def boards_to_pb(catalogue: Catalogue, plan: CutPlan, with_svg: bool) -> list[pb.BoardLayout]:
    """Every board of the plan, numbered across materials, with its cutting diagram."""
    return [_board(catalogue, n, board, with_svg) for n, board in enumerate(plan.boards, 1)]


def _board(catalogue: Catalogue, index: int, board: BoardLayout, with_svg: bool) -> pb.BoardLayout:
    return pb.BoardLayout(
        board_index=index, material=board.material, thickness_mm=_thickness(catalogue, board.material),
        stock_length_mm=board.sheet.length_mm, stock_width_mm=board.sheet.width_mm,
        yield_percent=round(board.yield_pct, 2), cut_count=len(board.cuts),
        placements=[pb.PanelPlacement(panel_id=p.part.label, x_mm=p.x_mm, y_mm=p.y_mm,
                                      length_mm=p.along_mm, width_mm=p.across_mm, rotated=p.rotated)
                    for p in board.placements],
        svg=board_svg(board) if with_svg else "",
        material_words=words_or_none(material_words(catalogue, board.material)))


def material_words(catalogue: Catalogue, material: str) -> Words:
    """A material ("hdf-8/melamine-white": board and finish) by the catalogue's names."""
    board, _slash, finish = material.partition("/")
    return Words.listing(material_names(catalogue, board, finish)[:2 if finish else 1])


def cut_lists_to_pb(catalogue: Catalogue, plan: CutPlan, ref: str) -> list[pb.CutListFile]:
    """Per material: one CSV in saw order, and one DXF per board (R12, opens anywhere)."""
    files = []
    for material in plan.materials:
        slug = material.material.replace("/", "_")
        thickness = _thickness(catalogue, material.material)
        files.append(pb.CutListFile(
            material=material.material, thickness_mm=thickness, format=pb.CUT_LIST_FORMAT_CSV,
            filename=f"{ref}-{slug}.csv", media_type="text/csv",
            content=cut_list_csv(material).encode()))
        for board in material.boards:
            files.append(pb.CutListFile(
                material=material.material, thickness_mm=thickness,
                format=pb.CUT_LIST_FORMAT_DXF, filename=f"{ref}-{slug}-board-{board.number}.dxf",
                media_type="image/vnd.dxf", content=board_dxf(board).encode()))
    return files


def labels_to_pb(plan: CutPlan, order_id: str, part_lines: dict[str, str]) -> list[pb.PanelLabel]:
    return [pb.PanelLabel(panel_id=label.barcode, order_id=order_id,
                          line_id=part_lines.get(label.barcode, ""), name=label.panel,
                          size=label.size, edges=label.edges, barcode=label.barcode)
            for label in panel_labels(plan)]


def _thickness(catalogue: Catalogue, material: str) -> float:
    board = catalogue.boards.get(material.split("/")[0])
    return board.thickness_mm if board else 0.0
