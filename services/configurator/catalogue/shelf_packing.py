"""The baseline: first-fit-decreasing shelf packing (FFDH, Coffman et al. 1980) over sheets.

Pieces that may turn are laid flat (shorter side across the shelf), all are sorted by
height, and each goes on the first shelf of any open sheet with room, else on a new shelf,
else on a new sheet. Shelves are rips across the sheet, so layouts are guillotine too.
"""

from __future__ import annotations

from collections.abc import Sequence

from .sheet_packing import PackedSheet, Piece, Slit, Spot, check_fits


def pack_shelves(pieces: Sequence[Piece], w: int, h: int) -> list[PackedSheet]:
    """Pack with FFDH onto as many w×h sheets as needed."""
    shaped = []
    for p in pieces:
        check_fits(p, w, h)
        turn = p.rotatable and (p.h > p.w or p.w > w) and p.h <= w
        shaped.append((p.key, p.h, p.w, True) if turn else (p.key, p.w, p.h, False))
    shaped.sort(key=lambda s: (-s[2], -s[1], s[0]))
    sheets: list[PackedSheet] = []
    tops: list[int] = []  # next free y per sheet
    shelves: list[list[int]] = []  # [sheet, y, height, used width]
    for key, pw, ph, turned in shaped:
        shelf = next((s for s in shelves if s[2] >= ph and w - s[3] >= pw), None)
        if shelf is None:
            sheet = next((i for i, top in enumerate(tops) if h - top >= ph), None)
            if sheet is None:
                sheets.append(PackedSheet(w, h))
                tops.append(0)
                sheet = len(sheets) - 1
            shelf = [sheet, tops[sheet], ph, 0]
            tops[sheet] += ph
            shelves.append(shelf)
        sheet_index, y, height, used = shelf
        sheets[sheet_index].spots.append(Spot(key, used, y, pw, ph, turned))
        shelf[3] += pw
    _shelf_cuts(sheets, shelves, w, h)
    return sheets


def _shelf_cuts(sheets: list[PackedSheet], shelves: list[list[int]], w: int, h: int) -> None:
    """Rip each shelf off the sheet, cross-cut its pieces, trim pieces lower than the shelf."""
    for sheet_index, y, height, _ in shelves:
        sheet = sheets[sheet_index]
        if y + height < h:
            sheet.slits.append(Slit(0, False, y + height, 0, w))
        row = sorted((s for s in sheet.spots if s.y == y), key=lambda s: s.x)
        for spot in row:
            if spot.x + spot.w < w:
                sheet.slits.append(Slit(1, True, spot.x + spot.w, y, y + height))
            if spot.h < height:
                sheet.slits.append(Slit(2, False, y + spot.h, spot.x, spot.x + spot.w))
