"""The carcass as built: bays, door leaves and drawer stack derived from the options.

Panels, rules and hardware all read this one derivation, so a door the rules accept is
the door the saw cuts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Catalogue, ProductTemplate


@dataclass(frozen=True)
class Layout:
    width_mm: float
    height_mm: float
    depth_mm: float
    thickness_mm: float
    plinth_mm: float
    inner_width_mm: float  # between the sides
    inner_height_mm: float  # between top and bottom (or floor and top, with no bottom)
    carcass_depth_mm: float  # dividers and fixed shelves: in front of the back
    shelf_depth_mm: float  # adjustable shelves: set back from the front as well
    bays: int
    bay_width_mm: float
    shelves_per_bay: int
    doors: int
    door_kind: str | None  # hinged | sliding | None when there are no doors
    leaf_width_mm: float
    leaf_height_mm: float
    drawers: int
    drawer_pitch_mm: float
    drawer_slide_mm: int | None  # longest standard slide that fits; None if none fits

    @property
    def drawer_stack_mm(self) -> float:
        return self.drawers * self.drawer_pitch_mm


def lay_out(catalogue: Catalogue, product: ProductTemplate, options: dict[str, Any]) -> Layout:
    """Derive the carcass geometry; options must already be type-checked and resolved."""
    joinery = catalogue.joinery
    build = product.construction
    board = catalogue.boards[options["board"]]
    t = board.thickness_mm
    width, height, depth = options["width_mm"], options["height_mm"], options["depth_mm"]
    plinth = build.plinth_mm
    inner_width = width - 2 * t
    if build.top_on_sides:
        inner_height = height - t - plinth
    else:
        inner_height = height - plinth - (2 * t if build.has_bottom else t)
    carcass_depth = depth - (joinery.back_inset_mm if build.back == "full" else 0)
    dividers = options["dividers"]
    bays = dividers + 1
    bay_width = (inner_width - dividers * t) / bays
    doors = options["doors"]
    style = catalogue.door_styles.get(options["door_style"]) if doors else None
    leaf_width = leaf_height = 0.0
    if style is not None and style.kind == "sliding":
        overlap = joinery.sliding_overlap_mm
        leaf_width = (inner_width + (doors - 1) * overlap) / doors
        leaf_height = inner_height - joinery.sliding_track_mm
    elif style is not None:
        gap = joinery.door_gap_mm
        leaf_width = (width - doors * gap) / doors  # a gap between leaves, half a gap outside
        leaf_height = height - plinth - gap
    drawers = options["drawers"]
    front_inset = 25.0 if doors else 0.0
    room = carcass_depth - front_inset - 10.0
    slides = [s for s in joinery.drawer_slide_lengths_mm if s <= room]
    return Layout(
        width_mm=width,
        height_mm=height,
        depth_mm=depth,
        thickness_mm=t,
        plinth_mm=plinth,
        inner_width_mm=inner_width,
        inner_height_mm=inner_height,
        carcass_depth_mm=carcass_depth,
        shelf_depth_mm=carcass_depth - joinery.shelf_setback_mm,
        bays=bays,
        bay_width_mm=bay_width,
        shelves_per_bay=options["shelves"],
        doors=doors,
        door_kind=style.kind if style is not None else None,
        leaf_width_mm=round(leaf_width, 1),
        leaf_height_mm=round(leaf_height, 1),
        drawers=drawers,
        drawer_pitch_mm=build.drawer_pitch_mm,
        drawer_slide_mm=max(slides) if slides else None,
    )
