"""Panels cut for one piece of furniture, derived from its carcass layout.

Conventions a workshop reads on a cut list: `length_mm` runs along the grain (for panels
with grain); edges are L1/L2 (the two long edges, L1 the visible front edge) and W1/W2 (the
two short edges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .layout import Layout
from .model import Catalogue, ProductTemplate


@dataclass(frozen=True)
class Band:
    code: str
    thickness_mm: float
    colour: str

    @property
    def family(self) -> str:
        """Edge-bander setup family: a change of colour or thickness means a changeover."""
        return f"{self.colour}/{self.thickness_mm:g}mm"


@dataclass(frozen=True)
class EdgeBanding:
    l1: Band | None = None
    l2: Band | None = None
    w1: Band | None = None
    w2: Band | None = None

    def banded(self, length_mm: float, width_mm: float) -> list[tuple[str, Band, float]]:
        """(edge, band, edge length in mm) for each banded edge."""
        edges = (
            ("L1", self.l1, length_mm),
            ("L2", self.l2, length_mm),
            ("W1", self.w1, width_mm),
            ("W2", self.w2, width_mm),
        )
        return [(name, band, size) for name, band, size in edges if band is not None]

    def describe(self) -> str:
        """Edges as a cut list writes them: 'L1 1mm white, W1 1mm white' or '-'."""
        parts = [
            f"{name} {band.thickness_mm:g}mm {band.colour}"
            for name, band in (("L1", self.l1), ("L2", self.l2), ("W1", self.w1), ("W2", self.w2))
            if band is not None
        ]
        return ", ".join(parts) or "-"


@dataclass(frozen=True)
class Panel:
    name: str
    length_mm: float
    width_mm: float
    thickness_mm: float
    board: str
    finish: str
    grain: str  # "length": grain runs along length_mm and the panel may not turn; "none"
    banding: EdgeBanding
    quantity: int = 1
    finished_faces: int = 0  # faces sanded and coated when the finish is lacquer or veneer

    @property
    def material(self) -> str:
        return f"{self.board}/{self.finish}"

    @property
    def area_m2(self) -> float:
        return self.length_mm * self.width_mm / 1e6

    @property
    def edge_m(self) -> float:
        """Banded edge metres of one piece."""
        return sum(size for _, _, size in self.banding.banded(self.length_mm, self.width_mm)) / 1e3


def derive_panels(
    catalogue: Catalogue, product: ProductTemplate, options: dict[str, Any], layout: Layout
) -> tuple[Panel, ...]:
    """Every panel of the carcass, fronts and drawer boxes, with banding and grain."""
    maker = _PanelMaker(catalogue, options)
    lay, build, j = layout, product.construction, catalogue.joinery
    t, w, d = lay.thickness_mm, lay.width_mm, lay.depth_mm
    front = maker.band(j.front_band)
    maker.add("side", lay.height_mm - (t if build.top_on_sides else 0), d, 2, EdgeBanding(l1=front))
    if build.top_on_sides:
        maker.add("top", w, d, 1, EdgeBanding(l1=front, w1=front, w2=front))
    else:
        maker.add("top", lay.inner_width_mm, d, 1, EdgeBanding(l1=front))
    if build.has_bottom:
        maker.add("bottom", lay.inner_width_mm, d, 1, EdgeBanding(l1=front))
    if lay.plinth_mm:
        maker.add("plinth", lay.inner_width_mm, lay.plinth_mm, 1, EdgeBanding(l1=front))
        maker.add("plinth rail", lay.inner_width_mm, lay.plinth_mm, 1, EdgeBanding(), faces=0)
    _backs(maker, catalogue, product, lay)
    if lay.bays > 1:
        maker.add(
            "divider",
            lay.inner_height_mm,
            lay.carcass_depth_mm,
            lay.bays - 1,
            EdgeBanding(l1=front),
        )
    shelf_width = lay.bay_width_mm - j.shelf_clearance_mm
    if lay.shelves_per_bay:
        maker.add(
            "shelf",
            shelf_width,
            lay.shelf_depth_mm,
            lay.shelves_per_bay * lay.bays,
            EdgeBanding(l1=front),
        )
    if lay.doors:
        maker.add(
            "door",
            lay.leaf_height_mm,
            lay.leaf_width_mm,
            lay.doors,
            EdgeBanding(front, front, front, front),
            faces=2,
        )
    if lay.drawers:
        _drawers(maker, catalogue, product, lay)
    return tuple(maker.panels)


def _backs(maker: _PanelMaker, catalogue: Catalogue, product: ProductTemplate, lay: Layout) -> None:
    build, j = product.construction, catalogue.joinery
    if build.back == "modesty":
        maker.add(
            "modesty panel",
            lay.inner_width_mm,
            build.modesty_height_mm,
            1,
            EdgeBanding(l1=maker.band(j.front_band)),
        )
        return
    if build.back != "full":
        return
    groove = j.back_groove_mm
    across = lay.inner_width_mm + 2 * groove
    tall = lay.inner_height_mm + 2 * groove
    board = catalogue.boards[j.back_board]
    trim = 2 * catalogue.trim_mm
    longest = max(s.length_mm for s in board.sheets) - trim
    widest = max(s.width_mm for s in board.sheets) - trim
    pieces = 1
    while pieces < 8 and (
        max(across / pieces, tall) > longest or min(across / pieces, tall) > widest
    ):
        pieces += 1
    if pieces > 1:  # joins sit on a rail fixed between top and bottom
        maker.add("back rail", lay.inner_height_mm, 80, pieces - 1, EdgeBanding(), faces=0)
        across /= pieces
    maker.add(
        "back",
        max(across, tall),
        min(across, tall),
        pieces,
        EdgeBanding(),
        board=j.back_board,
        finish=j.back_finish,
        faces=0,
    )


def _drawers(
    maker: _PanelMaker, catalogue: Catalogue, product: ProductTemplate, lay: Layout
) -> None:
    j = catalogue.joinery
    n, pitch = lay.drawers, lay.drawer_pitch_mm
    front = maker.band(j.front_band)
    if product.construction.has_bottom:
        maker.add("drawer shelf", lay.bay_width_mm, lay.carcass_depth_mm, 1, EdgeBanding(l1=front))
    gap = j.drawer_front_gap_mm
    maker.add(
        "drawer front",
        lay.bay_width_mm - gap,
        pitch - gap,
        n,
        EdgeBanding(front, front, front, front),
        faces=2,
    )
    box_t = catalogue.boards[j.drawer_board].thickness_mm
    box_h = pitch - j.drawer_box_gap_mm
    outer = lay.bay_width_mm - 2 * j.drawer_slide_clearance_mm
    slide = lay.drawer_slide_mm or j.drawer_slide_lengths_mm[0]
    hidden = maker.band(j.hidden_band, colour=catalogue.finishes[j.drawer_finish].colour)
    inside = dict(board=j.drawer_board, finish=j.drawer_finish, faces=0)
    maker.add("drawer side", slide, box_h, 2 * n, EdgeBanding(l1=hidden), **inside)
    maker.add("drawer end", outer - 2 * box_t, box_h, 2 * n, EdgeBanding(l1=hidden), **inside)
    groove = j.back_groove_mm
    maker.add(
        "drawer bottom",
        outer - 2 * box_t + 2 * groove,
        slide - 2 * box_t + 2 * groove,
        n,
        EdgeBanding(),
        board=j.back_board,
        finish=j.back_finish,
        faces=0,
    )


class _PanelMaker:
    """Collects panels in the chosen board and finish unless told otherwise."""

    def __init__(self, catalogue: Catalogue, options: dict[str, Any]):
        self.catalogue = catalogue
        self.board = options["board"]
        self.finish = options["finish"]
        self.panels: list[Panel] = []

    def band(self, code: str, colour: str | None = None) -> Band | None:
        finish = self.catalogue.finishes[self.finish]
        if colour is None and not finish.banded:
            return None
        band = self.catalogue.edge_bands[code]
        return Band(code, band.thickness_mm, colour or finish.colour)

    def add(
        self,
        name: str,
        length: float,
        width: float,
        quantity: int,
        banding: EdgeBanding,
        board: str | None = None,
        finish: str | None = None,
        faces: int = 1,
    ) -> None:
        board_code, finish_code = board or self.board, finish or self.finish
        b, f = self.catalogue.boards[board_code], self.catalogue.finishes[finish_code]
        grain = "length" if (b.grain or f.grain) else "none"
        if grain == "none" and width > length:  # without grain, length is the longer side
            length, width = width, length
            banding = EdgeBanding(banding.w1, banding.w2, banding.l1, banding.l2)
        self.panels.append(
            Panel(
                name,
                _round(length),
                _round(width),
                b.thickness_mm,
                board_code,
                finish_code,
                grain,
                banding,
                quantity,
                faces,
            )
        )


def _round(value: float) -> float:
    """Cut lists carry tenths of a millimetre; a panel saw cannot hold finer."""
    return math.floor(value * 10 + 0.5) / 10
