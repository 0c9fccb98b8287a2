"""A cut plan: which part goes where on which board, and the cuts that free it.

Coordinates are millimetres from the sheet's corner, x along the sheet's length (the
grain direction of a grained board), y across it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import SheetSize


@dataclass(frozen=True)
class Part:
    """One physical piece to cut, with the label it will carry."""

    order: str
    panel: str
    label: str
    length_mm: float
    width_mm: float
    thickness_mm: float
    material: str
    grain: str
    edges: str

    @property
    def area_m2(self) -> float:
        return self.length_mm * self.width_mm / 1e6


@dataclass(frozen=True)
class Placement:
    part: Part
    x_mm: float
    y_mm: float
    along_mm: float  # extent along the sheet's length
    across_mm: float
    rotated: bool  # length_mm runs across the sheet


@dataclass(frozen=True)
class Cut:
    """A straight through-cut. The blade's kerf lies on the far side of (x1, y1)–(x2, y2)."""

    step: int
    stage: int  # 0 trims the sheet; stage n cuts stock that stage n-1 separated
    direction: str  # trim | rip (along the sheet's length) | cross
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def length_mm(self) -> float:
        return abs(self.x2 - self.x1) + abs(self.y2 - self.y1)


@dataclass(frozen=True)
class BoardLayout:
    material: str
    number: int
    sheet: SheetSize
    trim_mm: float
    kerf_mm: float
    placements: tuple[Placement, ...]
    cuts: tuple[Cut, ...]

    @property
    def panel_area_m2(self) -> float:
        return sum(p.part.area_m2 for p in self.placements)

    @property
    def sheet_area_m2(self) -> float:
        return self.sheet.length_mm * self.sheet.width_mm / 1e6

    @property
    def yield_pct(self) -> float:
        return 100 * self.panel_area_m2 / self.sheet_area_m2


@dataclass(frozen=True)
class MaterialNesting:
    material: str
    boards: tuple[BoardLayout, ...]

    @property
    def panel_area_m2(self) -> float:
        return sum(b.panel_area_m2 for b in self.boards)

    @property
    def board_area_m2(self) -> float:
        return sum(b.sheet_area_m2 for b in self.boards)

    @property
    def yield_pct(self) -> float:
        return 100 * self.panel_area_m2 / self.board_area_m2 if self.boards else 0.0

    @property
    def cut_count(self) -> int:
        return sum(len(b.cuts) for b in self.boards)


@dataclass(frozen=True)
class CutPlan:
    materials: tuple[MaterialNesting, ...]
    kerf_mm: float
    trim_mm: float

    @property
    def boards(self) -> tuple[BoardLayout, ...]:
        return tuple(b for m in self.materials for b in m.boards)

    @property
    def boards_used(self) -> int:
        return len(self.boards)

    @property
    def panel_area_m2(self) -> float:
        return sum(m.panel_area_m2 for m in self.materials)

    @property
    def board_area_m2(self) -> float:
        return sum(m.board_area_m2 for m in self.materials)

    @property
    def yield_pct(self) -> float:
        return 100 * self.panel_area_m2 / self.board_area_m2 if self.materials else 0.0
