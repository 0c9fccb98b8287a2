"""Guillotine packing onto standard sheets: free-rectangle best fit over all open sheets.

Every placement cuts its free rectangle in two with straight through-cuts, so every
layout is cuttable on a panel saw. Several piece orders, fit scores and split rules are
tried and the best layout wins (Jylänki, "A Thousand Ways to Pack the Bin", 2010, §3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import product

import numpy as np

from .guillotine_jit import best_variant, same_spots
from .sheet_packing import PackedSheet, Piece, Slit, Spot, check_fits

# The kernel (`guillotine_jit._sort_keys`) numbers these in this order.
ORDERS: dict[str, Callable[[Piece], tuple]] = {
    "area": lambda p: (-p.w * p.h, -max(p.w, p.h), p.key),
    "long_side": lambda p: (-max(p.w, p.h), -min(p.w, p.h), p.key),
    "short_side": lambda p: (-min(p.w, p.h), -max(p.w, p.h), p.key),
    "perimeter": lambda p: (-(p.w + p.h), -p.w * p.h, p.key),
    "length": lambda p: (-p.w, -p.h, p.key),
}
FITS = ("area", "short_side", "long_side")
SPLITS = ("shorter_leftover", "longer_leftover", "min_area")
ALL_VARIANTS = tuple(product(ORDERS, FITS, SPLITS))
QUICK_VARIANT = ("area", "short_side", "shorter_leftover")
_SCALE = 1 << 32


def pack(
    pieces: Sequence[Piece], w: int, h: int, order: str, fit: str, split: str
) -> list[PackedSheet]:
    """Pack all pieces onto as many w×h sheets as needed, with one heuristic variant."""
    for piece in pieces:
        check_fits(piece, w, h)
    ordered = sorted(pieces, key=ORDERS[order])
    smallest = [0] * (len(ordered) + 1)
    smallest[-1] = 1 << 62
    for i in range(len(ordered) - 1, -1, -1):
        p = ordered[i]
        smallest[i] = min(smallest[i + 1], p.w if p.w < p.h else p.h)
    sheets: list[PackedSheet] = []
    free: list[list[int]] = []  # [x, y, w, h, depth, sheet]
    fit_code = FITS.index(fit)
    for i, piece in enumerate(ordered):
        floor = smallest[i]
        free = [r for r in free if r[2] >= floor and r[3] >= floor]
        best = _best_spot(free, piece, fit_code)
        if best is None:
            sheets.append(PackedSheet(w, h))
            free.append([0, 0, w, h, 0, len(sheets) - 1])
            best = _best_spot(free[-1:], piece, fit_code)
            best = (len(free) - 1, best[1], best[2])
        index, pw, ph = best
        rect = free.pop(index)
        sheet = sheets[rect[5]]
        sheet.spots.append(
            Spot(piece.key, rect[0], rect[1], pw, ph, pw != piece.w or ph != piece.h)
        )
        free.extend(_split(rect, pw, ph, split, sheet.slits))
    return sheets


def _best_spot(free: list[list[int]], piece: Piece, fit: int) -> tuple[int, int, int] | None:
    best, best_score = None, None
    shapes = [(piece.w, piece.h)]
    if piece.rotatable and piece.w != piece.h:
        shapes.append((piece.h, piece.w))
    for index, r in enumerate(free):
        fw, fh = r[2], r[3]
        for pw, ph in shapes:
            if pw > fw or ph > fh:
                continue
            dw, dh = fw - pw, fh - ph
            short, long = (dw, dh) if dw < dh else (dh, dw)
            if fit == 0:
                score = (fw * fh - pw * ph) * _SCALE + short
            elif fit == 1:
                score = short * _SCALE + long
            else:
                score = long * _SCALE + short
            if best_score is None or score < best_score:
                best, best_score = (index, pw, ph), score
    return best


def _split(rect: list[int], pw: int, ph: int, rule: str, slits: list[Slit]) -> list[list[int]]:
    """Cut the piece out of its free rectangle; return the two leftovers (if any)."""
    x, y, fw, fh, depth, sheet = rect
    dw, dh = fw - pw, fh - ph
    if rule == "shorter_leftover":
        across = dw <= dh
    elif rule == "longer_leftover":
        across = dw > dh
    else:  # min_area: keep the larger leftover whole
        across = pw * dh > dw * ph
    out = []
    if across:  # first a rip over the whole width, then a cross cut in the strip
        inner = depth + 1 if dh else depth
        if dh:
            slits.append(Slit(depth, False, y + ph, x, x + fw))
            out.append([x, y + ph, fw, dh, depth + 1, sheet])
        if dw:
            slits.append(Slit(inner, True, x + pw, y, y + ph))
            out.append([x + pw, y, dw, ph, inner + 1, sheet])
    else:  # first a cross cut over the whole height, then a rip in the strip
        inner = depth + 1 if dw else depth
        if dw:
            slits.append(Slit(depth, True, x + pw, y, y + fh))
            out.append([x + pw, y, dw, fh, depth + 1, sheet])
        if dh:
            slits.append(Slit(inner, False, y + ph, x, x + pw))
            out.append([x, y + ph, pw, dh, inner + 1, sheet])
    return out


@dataclass(frozen=True)
class PieceArrays:
    """Pieces as the kernel takes them: padded extents, may-turn flags and keys."""

    w: np.ndarray
    h: np.ndarray
    rotatable: np.ndarray
    key: np.ndarray

    @classmethod
    def of(cls, pieces: Sequence[Piece]) -> PieceArrays:
        return cls(np.array([p.w for p in pieces], np.int64),
                   np.array([p.h for p in pieces], np.int64),
                   np.array([p.rotatable for p in pieces], np.bool_),
                   np.array([p.key for p in pieces], np.int64))

    def take(self, positions: np.ndarray) -> PieceArrays:
        return PieceArrays(self.w[positions], self.h[positions], self.rotatable[positions],
                           self.key[positions])

    @property
    def area(self) -> int:
        return int(np.dot(self.w, self.h))


@dataclass(frozen=True)
class Scored:
    """The winning variant on one sheet size, without its layout."""

    variant: tuple[str, str, str]
    sheets: int
    last_used: int  # padded area used on the last sheet
    sheet_of: np.ndarray  # the sheet of each piece, by position

    def build(self, pieces: Sequence[Piece], w: int, h: int) -> list[PackedSheet]:
        """The layout itself (the same as `best_packing` would return)."""
        return pack(pieces, w, h, *self.variant)


def score(pieces: PieceArrays, w: int, h: int,
          variants: Sequence[tuple[str, str, str]] = ALL_VARIANTS) -> Scored | None:
    """The best variant for the pieces on w×h sheets, scored compiled; None when a piece
    fits no orientation of the sheet."""
    variants = tuple(variants)
    sheet_of = np.empty(len(pieces.w), np.int64)
    row, sheets, last = best_variant(pieces.w, pieces.h, pieces.rotatable, pieces.key,
                                     _variant_codes(variants), w, h, sheet_of)
    if row < 0:
        return None
    return Scored(variants[row], int(sheets), int(last), sheet_of)


def same_layout(pieces: PieceArrays, w: int, h: int, a: tuple[str, str, str],
                b: tuple[str, str, str]) -> bool:
    """Whether variants `a` and `b` pack the pieces (each fitting w×h) into one layout, sheet
    for sheet, spot for spot and slit for slit. With one piece order and one split rule, the
    fit score only picks among the free rectangles: when every piece lands on the same sheet,
    corner and turn, each pick was the same rectangle (free rectangles do not overlap), so
    every leftover and slit is the same too."""
    if a == b:
        return True
    if a[0] != b[0] or a[2] != b[2]:
        return False  # another piece order or split rule: not judged, built
    return bool(same_spots(pieces.w, pieces.h, pieces.rotatable, pieces.key,
                           list(ORDERS).index(a[0]), FITS.index(a[1]), FITS.index(b[1]),
                           SPLITS.index(a[2]), w, h))


def best_packing(
    pieces: Sequence[Piece], w: int, h: int, variants: Sequence[tuple[str, str, str]] = ALL_VARIANTS
) -> list[PackedSheet]:
    """The best layout over the variants: fewest sheets, then the emptiest last sheet
    (the first variant wins a tie). The variants are scored compiled (`guillotine_jit`) and
    only the winner is built."""
    if not pieces:
        return []
    scored = score(PieceArrays.of(pieces), w, h, variants)
    if scored is None:
        for piece in pieces:
            check_fits(piece, w, h)
    assert scored is not None
    return scored.build(pieces, w, h)


def warm() -> None:
    """Compile (or load from the cache) the scoring kernel now."""
    best_packing([Piece(0, 2, 1, True), Piece(1, 1, 1, False)], 4, 4)


@lru_cache(maxsize=16)
def _variant_codes(variants: tuple[tuple[str, str, str], ...]) -> np.ndarray:
    """Variant rows as the kernel reads them: (order, fit, split) indices."""
    orders = list(ORDERS)
    return np.array([(orders.index(order), FITS.index(fit), SPLITS.index(split))
                     for order, fit, split in variants], np.int64)
