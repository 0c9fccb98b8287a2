"""Nesting: the panels of one order, or of a batch sharing a material, onto standard boards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .cut_plan import BoardLayout, Cut, CutPlan, MaterialNesting, Part, Placement
from .guillotine import ALL_VARIANTS, QUICK_VARIANT, PieceArrays, Scored, same_layout, score
from .model import Catalogue, SheetSize
from .panels import Panel
from .sheet_packing import PackedSheet, Piece
from .shelf_packing import pack_shelves


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
    parts: Sequence[Part],
    sheets_for: Mapping[str, Sequence[SheetSize]],
    settings: NestingSettings,
    quick: CutPlan | None = None,
) -> CutPlan:
    """Nest parts by material onto the sheet sizes offered for each material.

    `quick`: the same parts (same sizes, in the same order; labels aside) already nested
    with the quick variant, as a configuration nests its one piece. A material whose chosen
    layout is provably that one takes its boards, labelled with these parts, rather than
    building the layout again."""
    by_material: dict[str, list[Part]] = {}
    for part in parts:
        by_material.setdefault(part.material, []).append(part)
    known = {m.material: m for m in quick.materials} if quick is not None else {}
    materials = tuple(
        _nest_material(material, group, sheets_for[material], settings, known.get(material))
        for material, group in sorted(by_material.items())
    )
    return CutPlan(materials, settings.kerf_mm, settings.trim_mm)


def _nest_material(
    material: str,
    parts: list[Part],
    sizes: Sequence[SheetSize],
    settings: NestingSettings,
    quick: MaterialNesting | None = None,
) -> MaterialNesting:
    kerf, trim = _tenths(settings.kerf_mm), _tenths(settings.trim_mm)
    pieces = [
        Piece(i, _tenths(p.length_mm) + kerf, _tenths(p.width_mm) + kerf, p.grain == "none")
        for i, p in enumerate(parts)
    ]
    usable = {
        s: (_tenths(s.length_mm) - 2 * trim + kerf, _tenths(s.width_mm) - 2 * trim + kerf)
        for s in sizes
    }
    chosen: Layout | None
    if settings.method == "shelf":
        chosen = _shelf_layout(pieces, usable)
    else:
        variants = ALL_VARIANTS if settings.method == "best" else (QUICK_VARIANT,)
        arrays = PieceArrays.of(pieces)
        choice = _guillotine_choice(arrays, usable, variants, tails=settings.method == "best")
        if choice is not None and quick is not None and _is_quick(choice, quick, arrays, usable):
            known = _known(quick, parts, settings)
            if known is not None:
                return known
        chosen = choice.build(pieces, usable) if choice is not None else None
    if chosen is None:
        raise ValueError(f"a part of {material} fits none of its sheet sizes")
    boards = tuple(
        _board_layout(material, n + 1, size, sheet, parts, settings)
        for n, (size, sheet) in enumerate(chosen)
    )
    return MaterialNesting(material, boards)


Layout = list[tuple[SheetSize, PackedSheet]]


def _shelf_layout(pieces: list[Piece], usable: Mapping[SheetSize, tuple[int, int]]) -> Layout | None:
    """The baseline packer on each size; the least board area, then the emptiest last board."""
    candidates = []
    for size, (w, h) in usable.items():
        try:
            candidates.append([(size, sheet) for sheet in pack_shelves(pieces, w, h)])
        except ValueError:
            continue  # a piece too large for this size: another size must take it
    if not candidates:
        return None
    return min(candidates, key=lambda c: (sum(_area(s) for s, _ in c), c[-1][1].used))


@dataclass(frozen=True)
class _Choice:
    """A layout decided but not built: all pieces on one size (`head`), of which the first
    `keep` boards stay, and the pieces of the others re-cut on another size (`tail`)."""

    size: SheetSize
    head: Scored
    keep: int
    tail: tuple[SheetSize, Scored, np.ndarray] | None  # size, scored, piece keys
    area: int  # of the boards used, mm²
    last_used: int

    def build(self, pieces: list[Piece], usable: Mapping[SheetSize, tuple[int, int]]) -> Layout:
        layout = [(self.size, s) for s in self.head.build(pieces, *usable[self.size])]
        layout = layout[: self.keep]
        if self.tail is not None:
            other, scored, keys = self.tail
            tail = [pieces[k] for k in keys]
            layout += [(other, s) for s in scored.build(tail, *usable[other])]
        return layout


def _guillotine_layout(
    pieces: list[Piece],
    usable: Mapping[SheetSize, tuple[int, int]],
    variants: Sequence[tuple[str, str, str]],
    tails: bool,
) -> Layout | None:
    """The chosen layout (`_guillotine_choice`), built."""
    choice = _guillotine_choice(PieceArrays.of(pieces), usable, variants, tails)
    return choice.build(pieces, usable) if choice is not None else None


def _guillotine_choice(
    arrays: PieceArrays,
    usable: Mapping[SheetSize, tuple[int, int]],
    variants: Sequence[tuple[str, str, str]],
    tails: bool,
) -> _Choice | None:
    """Score every size compiled, re-cut the tails (`best` with several sizes), choose the
    winner to build: the least board area, then the emptiest last board, then the first size."""
    candidates = []
    for size, (w, h) in usable.items():
        scored = score(arrays, w, h, variants)
        if scored is None:
            continue  # a piece too large for this size: another size must take it
        choice = _Choice(size, scored, scored.sheets, None, scored.sheets * _area(size),
                         scored.last_used)
        if tails and len(usable) > 1:
            choice = _smaller_tail(choice, arrays, usable, variants)
        candidates.append(choice)
    if not candidates:
        return None
    return min(candidates, key=lambda c: (c.area, c.last_used))


def _known(quick: MaterialNesting, parts: list[Part],
           settings: NestingSettings) -> MaterialNesting | None:
    """`quick`'s boards with its parts replaced by `parts` (in label order they are the same
    pieces), or None when it is not a nesting of these pieces with these settings."""
    if any(b.kerf_mm != settings.kerf_mm or b.trim_mm != settings.trim_mm
                            for b in quick.boards):
        return None
    theirs = sorted((p.part for b in quick.boards for p in b.placements), key=lambda p: p.label)
    if [_shape(p) for p in theirs] != [_shape(p) for p in parts]:
        return None
    ours = {t.label: p for t, p in zip(theirs, parts, strict=True)}
    return MaterialNesting(quick.material, tuple(
        BoardLayout(b.material, b.number, b.sheet, b.trim_mm, b.kerf_mm, tuple(
            Placement(ours[s.part.label], s.x_mm, s.y_mm, s.along_mm, s.across_mm, s.rotated)
            for s in b.placements), b.cuts)
        for b in quick.boards))


def _shape(part: Part) -> tuple:
    """What nesting reads of a part: all but its order and label."""
    return (part.panel, part.length_mm, part.width_mm, part.thickness_mm, part.material,
            part.grain, part.edges)


def _is_quick(choice: _Choice, quick: MaterialNesting, arrays: PieceArrays,
              usable: Mapping[SheetSize, tuple[int, int]]) -> bool:
    """Whether the choice lays out what the quick variant laid out: one sheet size for all
    the pieces, the quick layout's, and the same spots as the quick variant on that size."""
    whole = _one_size(choice)
    if whole is None:
        return False
    size, scored = whole
    return (len(quick.boards) == scored.sheets and all(b.sheet == size for b in quick.boards)
            and same_layout(arrays, *usable[size], scored.variant, QUICK_VARIANT))


def _one_size(choice: _Choice) -> tuple[SheetSize, Scored] | None:
    """The choice as one sheet size and one packing of all the pieces, if it is that: no
    tail, or a tail that re-cuts every board (its pieces are then all of them, in order)."""
    if choice.tail is None:
        return choice.size, choice.head
    other, scored, _ = choice.tail
    return (other, scored) if choice.keep == 0 else None


def _smaller_tail(
    choice: _Choice,
    pieces: PieceArrays,
    usable: Mapping[SheetSize, tuple[int, int]],
    variants: Sequence[tuple[str, str, str]],
    depth: int = 2,
) -> _Choice:
    """Re-cut the pieces of the last one or two boards from other sheet sizes when that
    uses less board: big sheets suit the bulk of a batch, small ones its remainder.

    A size is only scored when the tail's area allows it to save board (no layout uses
    fewer sheets than the pieces' area over the sheet's), so most re-cuts are never tried.
    """
    best, saving, head = choice, 0, choice.head
    for k in range(1, min(depth, head.sheets) + 1):
        area = k * _area(choice.size)
        tail = pieces.take(np.flatnonzero(head.sheet_of >= head.sheets - k))
        tail_area = tail.area
        for other, (w, h) in usable.items():
            if area - max(1, -(-tail_area // (w * h))) * _area(other) <= saving:
                continue
            scored = score(tail, w, h, variants)
            if scored is None or area - scored.sheets * _area(other) <= saving:
                continue
            saving = area - scored.sheets * _area(other)
            best = _Choice(choice.size, head, head.sheets - k, (other, scored, tail.key),
                           choice.area - saving, scored.last_used)
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
    lines = []  # (stage, direction, x1, y1, x2, y2), numbered once all are known
    if trim > 0:
        lines += [
            (0, "trim", 0, trim, length, trim),
            (0, "trim", 0, width - trim, length, width - trim),
            (0, "trim", trim, trim, trim, width - trim),
            (0, "trim", length - trim, trim, length - trim, width - trim),
        ]
    for slit in sorted(sheet.slits, key=lambda c: (c.depth, c.vertical, c.start, c.pos)):
        at = trim + (slit.pos - kerf) / 10
        a, b = trim + slit.start / 10, trim + (slit.end - kerf) / 10
        if slit.vertical:
            lines.append((slit.depth + 1, "cross", at, a, at, b))
        else:
            lines.append((slit.depth + 1, "rip", a, at, b, at))
    numbered = tuple(Cut(i, *line) for i, line in enumerate(lines, start=1))
    return BoardLayout(
        material, number, size, settings.trim_mm, settings.kerf_mm, placements, numbered
    )


def _tenths(mm: float) -> int:
    return round(mm * 10)


def _area(size: SheetSize) -> int:
    return size.length_mm * size.width_mm
