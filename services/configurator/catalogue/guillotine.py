"""Guillotine packing onto standard sheets: free-rectangle best fit over all open sheets.

Every placement cuts its free rectangle in two with straight through-cuts, so every
layout is cuttable on a panel saw. Several piece orders, fit scores and split rules are
tried and the best layout wins (Jylänki, "A Thousand Ways to Pack the Bin", 2010, §3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import product

import numpy as np

from .sheet_packing import PackedSheet, Piece, Slit, Spot, check_fits

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


def best_packing(
    pieces: Sequence[Piece], w: int, h: int, variants: Sequence[tuple[str, str, str]] = ALL_VARIANTS
) -> list[PackedSheet]:
    """The best layout over the variants: fewest sheets, then the emptiest last sheet
    (the first variant wins a tie). With numba the variants are scored compiled and only
    the winner is built (`guillotine_jit`); without it each is built in Python."""
    if len(variants) > 1 and pieces and (scored := _scored_variants(pieces, w, h, variants)):
        return pack(pieces, w, h, *scored)
    best, best_key = None, None
    for variant in variants:
        sheets = pack(pieces, w, h, *variant)
        key = (len(sheets), sheets[-1].used if sheets else 0)
        if best_key is None or key < best_key:
            best, best_key = sheets, key
    return best or []


def warm() -> None:
    """Compile (or load from the cache) the scoring kernel now."""
    best_packing([Piece(0, 2, 1, True), Piece(1, 1, 1, False)], 4, 4)


def _scored_variants(pieces: Sequence[Piece], w: int, h: int,
                     variants: Sequence[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    """The winning variant, scored by the compiled kernel; None without numba."""
    try:
        from .guillotine_jit import score_variants
    except ImportError:  # pragma: no cover - numba is a dependency; keep working without
        return None
    for piece in pieces:
        check_fits(piece, w, h)
    names = list(dict.fromkeys(order for order, _, _ in variants))
    position = {p.key: i for i, p in enumerate(pieces)}
    perms = np.array([[position[p.key] for p in sorted(pieces, key=ORDERS[name])]
                      for name in names], np.int64)
    codes = np.array([(names.index(order), FITS.index(fit), SPLITS.index(split))
                      for order, fit, split in variants], np.int64)
    scores = score_variants(np.array([p.w for p in pieces], np.int64),
                            np.array([p.h for p in pieces], np.int64),
                            np.array([p.rotatable for p in pieces], np.bool_),
                            perms, codes, w, h)
    best = min(range(len(variants)), key=lambda v: (scores[v, 0], scores[v, 1], v))
    return variants[best]
