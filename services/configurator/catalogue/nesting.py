"""Nesting: the panels of one order, or of a batch sharing a material, onto standard boards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from .cut_plan import BoardLayout, Cut, CutPlan, MaterialNesting, Part, Placement
from .guillotine import ALL_VARIANTS, QUICK_VARIANT, best_packing
from .model import Catalogue, SheetSize
from .panels import Panel
from .sheet_packing import PackedSheet, Piece
from .shelf_packing import pack_shelves

Packer = Callable[[Sequence[Piece], int, int], list[PackedSheet]]


@dataclass(frozen=True)
class NestingSettings:
    kerf_mm: float = 4.0
    trim_mm: float = 10.0
    method: str = "best"  # best (guillotine, all variants) | quick (one variant) | shelf (FFDH)


def parts_of(order: str, panels: Iterable[Panel]) -> list[Part]:
    """One part per physical piece, labelled `<order>-<nnn>` in panel order."""
    parts = []
    for panel in panels:
        for _ in range(panel.quantity):
            parts.append(
                Part(
                    order,
                    panel.name,
                    f"{order}-{len(parts) + 1:03d}",
                    panel.length_mm,
                    panel.width_mm,
                    panel.thickness_mm,
                    panel.material,
                    panel.grain,
                    panel.banding.describe(),
                )
            )
    return parts


def nest_orders(
    catalogue: Catalogue,
    orders: Mapping[str, Sequence[Panel]],
    settings: NestingSettings | None = None,
) -> CutPlan:
    """Nest a batch of orders; panels of the same material share boards."""
    settings = settings or NestingSettings(catalogue.kerf_mm, catalogue.trim_mm)
    parts = [part for order, panels in orders.items() for part in parts_of(order, panels)]
    sheets = {p.material: catalogue.boards[p.material.split("/")[0]].sheets for p in parts}
    return nest_parts(parts, sheets, settings)


def nest_parts(
    parts: Sequence[Part], sheets_for: Mapping[str, Sequence[SheetSize]], settings: NestingSettings
) -> CutPlan:
    """Nest parts by material onto the sheet sizes offered for each material."""
    by_material: dict[str, list[Part]] = {}
    for part in parts:
        by_material.setdefault(part.material, []).append(part)
    materials = tuple(
        _nest_material(material, group, sheets_for[material], settings)
        for material, group in sorted(by_material.items())
    )
    return CutPlan(materials, settings.kerf_mm, settings.trim_mm)


def _packer(method: str) -> Packer:
    if method == "shelf":
        return pack_shelves
    variants = ALL_VARIANTS if method == "best" else (QUICK_VARIANT,)
    return partial(best_packing, variants=variants)


def _nest_material(
    material: str, parts: list[Part], sizes: Sequence[SheetSize], settings: NestingSettings
) -> MaterialNesting:
    kerf, trim = _tenths(settings.kerf_mm), _tenths(settings.trim_mm)
    pieces = [
        Piece(i, _tenths(p.length_mm) + kerf, _tenths(p.width_mm) + kerf, p.grain == "none")
        for i, p in enumerate(parts)
    ]
    packer = _packer(settings.method)
    usable = {
        s: (_tenths(s.length_mm) - 2 * trim + kerf, _tenths(s.width_mm) - 2 * trim + kerf)
        for s in sizes
    }
    candidates = []
    for size in sizes:
        try:
            candidates.append([(size, sheet) for sheet in packer(pieces, *usable[size])])
        except ValueError:
            continue  # a piece too large for this size: another size must take it
    if not candidates:
        raise ValueError(f"a part of {material} fits none of its sheet sizes")
    if settings.method == "best" and len(sizes) > 1:
        candidates = [_smaller_tail(c, pieces, usable, packer) for c in candidates]
    best = min(candidates, key=lambda c: (sum(_area(s) for s, _ in c), c[-1][1].used))
    boards = tuple(
        _board_layout(material, n + 1, size, sheet, parts, settings)
        for n, (size, sheet) in enumerate(best)
    )
    return MaterialNesting(material, boards)


def _smaller_tail(boards, pieces: list[Piece], usable, packer: Packer, depth: int = 2):
    """Re-cut the pieces of the last one or two boards from other sheet sizes when that
    uses less board: big sheets suit the bulk of a batch, small ones its remainder."""
    best, saving = boards, 0
    for k in range(1, min(depth, len(boards)) + 1):
        tail_boards = boards[-k:]
        area = sum(_area(size) for size, _ in tail_boards)
        tail = [pieces[s.key] for _, sheet in tail_boards for s in sheet.spots]
        for other in usable:
            try:
                sheets = packer(tail, *usable[other])
            except ValueError:
                continue
            if area - len(sheets) * _area(other) > saving:
                saving = area - len(sheets) * _area(other)
                best = boards[:-k] + [(other, sheet) for sheet in sheets]
    return best


def _board_layout(
    material: str,
    number: int,
    size: SheetSize,
    sheet: PackedSheet,
    parts: list[Part],
    settings: NestingSettings,
) -> BoardLayout:
    kerf, trim = _tenths(settings.kerf_mm), settings.trim_mm
    placements = tuple(
        Placement(
            parts[s.key],
            trim + s.x / 10,
            trim + s.y / 10,
            (s.w - kerf) / 10,
            (s.h - kerf) / 10,
            s.rotated,
        )
        for s in sorted(sheet.spots, key=lambda s: (s.y, s.x))
    )
    length, width = size.length_mm, size.width_mm
    cuts: list[Cut] = []
    if trim > 0:
        cuts += [
            Cut(0, 0, "trim", 0, trim, length, trim),
            Cut(0, 0, "trim", 0, width - trim, length, width - trim),
            Cut(0, 0, "trim", trim, trim, trim, width - trim),
            Cut(0, 0, "trim", length - trim, trim, length - trim, width - trim),
        ]
    for slit in sorted(sheet.slits, key=lambda c: (c.depth, c.vertical, c.start, c.pos)):
        at = trim + (slit.pos - kerf) / 10
        a, b = trim + slit.start / 10, trim + (slit.end - kerf) / 10
        if slit.vertical:
            cuts.append(Cut(0, slit.depth + 1, "cross", at, a, at, b))
        else:
            cuts.append(Cut(0, slit.depth + 1, "rip", a, at, b, at))
    numbered = tuple(
        Cut(i + 1, c.stage, c.direction, c.x1, c.y1, c.x2, c.y2) for i, c in enumerate(cuts)
    )
    return BoardLayout(
        material, number, size, settings.trim_mm, settings.kerf_mm, placements, numbered
    )


def _tenths(mm: float) -> int:
    return round(mm * 10)


def _area(size: SheetSize) -> int:
    return size.length_mm * size.width_mm
