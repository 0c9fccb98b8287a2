"""The cut list a workshop uses as it is: CSV per material, saw sequence, panel labels."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from .cut_plan import BoardLayout, CutPlan, MaterialNesting

CSV_COLUMNS = (
    "board",
    "sheet",
    "label",
    "order",
    "panel",
    "length_mm",
    "width_mm",
    "thickness_mm",
    "grain",
    "edges",
    "x_mm",
    "y_mm",
    "rotated",
)


def cut_list_csv(material: MaterialNesting) -> str:
    """One row per part, board by board, in the order the parts come off the saw."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for board in material.boards:
        for p in board.placements:
            writer.writerow(
                (
                    board.number,
                    f"{board.sheet.length_mm}x{board.sheet.width_mm}",
                    p.part.label,
                    p.part.order,
                    p.part.panel,
                    f"{p.part.length_mm:g}",
                    f"{p.part.width_mm:g}",
                    f"{p.part.thickness_mm:g}",
                    p.part.grain,
                    p.part.edges,
                    f"{p.x_mm:g}",
                    f"{p.y_mm:g}",
                    "yes" if p.rotated else "no",
                )
            )
    return out.getvalue()


def cut_lists(plan: CutPlan) -> dict[str, str]:
    """CSV cut list per material, keyed by material."""
    return {m.material: cut_list_csv(m) for m in plan.materials}


def saw_sequence(board: BoardLayout) -> list[str]:
    """The cuts as a panel-saw operator reads them: trims, then rips and cross cuts by stage."""
    lines = []
    for cut in board.cuts:
        if cut.direction == "rip":
            where = f"rip at y={cut.y1:g} from x={cut.x1:g} to x={cut.x2:g}"
        elif cut.direction == "cross":
            where = f"cross cut at x={cut.x1:g} from y={cut.y1:g} to y={cut.y2:g}"
        else:
            where = f"trim ({cut.x1:g},{cut.y1:g})–({cut.x2:g},{cut.y2:g})"
        lines.append(f"{cut.step:>3}. stage {cut.stage}: {where} ({cut.length_mm:g} mm)")
    return lines


@dataclass(frozen=True)
class PanelLabel:
    order: str
    panel: str
    material: str
    size: str  # "length × width × thickness mm"
    edges: str
    grain: str
    board: str  # material and board number the part is cut from
    barcode: str  # Code 128 value printed on the label


def panel_labels(plan: CutPlan) -> list[PanelLabel]:
    """One label per part, in saw order."""
    labels = []
    for board in plan.boards:
        for p in board.placements:
            part = p.part
            labels.append(
                PanelLabel(
                    part.order,
                    part.panel,
                    part.material,
                    f"{part.length_mm:g} × {part.width_mm:g} × {part.thickness_mm:g} mm",
                    part.edges,
                    part.grain,
                    f"{board.material} #{board.number}",
                    part.label,
                )
            )
    return labels
