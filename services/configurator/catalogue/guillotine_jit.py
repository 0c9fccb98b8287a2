"""Compiled choice of the guillotine variant (numba): which variant packs best, and how.

`guillotine.best_packing` tries every piece order × fit score × split rule and keeps the
layout with the fewest sheets, then the emptiest last sheet. Building each layout in Python
(spots, slits) was 97 % of configuring an order. This kernel sorts the pieces in each order,
runs the same packing over plain integer arrays and returns the winning variant, its score
and the sheet each piece lands on, so Python builds just the winner (and the nesting can
judge re-cutting a layout's last sheets without building anything). It mirrors
`guillotine.pack` step for step (same sort keys, same free-rectangle order, same strict `<`
on scores, same leftovers in the same order), so it picks the same variant; the tests
compare both on random piece sets.

Compiled with ``cache=True``: the first use after an install compiles (a few seconds);
later processes load the machine code from ``__pycache__``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# free-rectangle columns
_X, _Y, _W, _H, _DEPTH, _SHEET = range(6)
# piece orders, as `guillotine.ORDERS` lists them
_AREA, _LONG_SIDE, _SHORT_SIDE, _PERIMETER, _LENGTH = range(5)


@njit(cache=True, nogil=True)
def _score(pw, ph, rot, w, h, fit, split, free, used, placed, at):  # pragma: no cover - compiled
    """Sheets used and the area used on the last one, for one variant (pieces in order);
    ``placed[i]`` becomes the sheet of the i-th piece, ``at[i]`` its corner and placed
    extent along the sheet (x, y, width)."""
    n = pw.shape[0]
    smallest = np.empty(n + 1, np.int64)
    smallest[n] = 1 << 62
    for i in range(n - 1, -1, -1):
        m = pw[i] if pw[i] < ph[i] else ph[i]
        smallest[i] = min(smallest[i + 1], m)
    nfree = 0
    sheets = 0
    for i in range(n):
        floor = smallest[i]
        kept = 0
        for r in range(nfree):  # drop what no remaining piece fits, keeping the order
            if free[r, _W] >= floor and free[r, _H] >= floor:
                if kept != r:
                    free[kept, :] = free[r, :]
                kept += 1
        nfree = kept
        best, bw, bh = _best_spot(free, 0, nfree, pw[i], ph[i], rot[i], fit)
        if best < 0:
            used[sheets] = 0
            free[nfree, _X] = 0
            free[nfree, _Y] = 0
            free[nfree, _W] = w
            free[nfree, _H] = h
            free[nfree, _DEPTH] = 0
            free[nfree, _SHEET] = sheets
            sheets += 1
            nfree += 1
            best, bw, bh = _best_spot(free, nfree - 1, nfree, pw[i], ph[i], rot[i], fit)
        x, y = free[best, _X], free[best, _Y]
        fw, fh = free[best, _W], free[best, _H]
        depth, sheet = free[best, _DEPTH], free[best, _SHEET]
        for r in range(best, nfree - 1):  # pop(best)
            free[r, :] = free[r + 1, :]
        nfree -= 1
        used[sheet] += bw * bh
        placed[i] = sheet
        at[i, 0], at[i, 1], at[i, 2] = x, y, bw
        dw, dh = fw - bw, fh - bh
        if split == 0:
            across = dw <= dh
        elif split == 1:
            across = dw > dh
        else:
            across = bw * dh > dw * bh
        if across:
            inner = depth + 1 if dh else depth
            if dh:
                nfree = _push(free, nfree, x, y + bh, fw, dh, depth + 1, sheet)
            if dw:
                nfree = _push(free, nfree, x + bw, y, dw, bh, inner + 1, sheet)
        else:
            inner = depth + 1 if dw else depth
            if dw:
                nfree = _push(free, nfree, x + bw, y, dw, fh, depth + 1, sheet)
            if dh:
                nfree = _push(free, nfree, x, y + bh, bw, dh, inner + 1, sheet)
    return sheets, (used[sheets - 1] if sheets else 0)


@njit(cache=True, nogil=True, inline="always")
def _push(free, nfree, x, y, w, h, depth, sheet):  # pragma: no cover - compiled
    free[nfree, _X] = x
    free[nfree, _Y] = y
    free[nfree, _W] = w
    free[nfree, _H] = h
    free[nfree, _DEPTH] = depth
    free[nfree, _SHEET] = sheet
    return nfree + 1


@njit(cache=True, nogil=True)
def _best_spot(free, lo, hi, w, h, rot, fit):  # pragma: no cover - compiled
    """Index and placed extents of the best free rectangle in [lo, hi); -1 when none.
    Scores compare as (primary, secondary) pairs, as Python's scaled integers do."""
    best, bw, bh = -1, 0, 0
    s1, s2 = 0, 0
    shapes = 2 if rot and w != h else 1
    for r in range(lo, hi):
        fw, fh = free[r, _W], free[r, _H]
        for s in range(shapes):
            pw, ph = (w, h) if s == 0 else (h, w)
            if pw > fw or ph > fh:
                continue
            dw, dh = fw - pw, fh - ph
            short, long = (dw, dh) if dw < dh else (dh, dw)
            if fit == 0:
                a, b = fw * fh - pw * ph, short
            elif fit == 1:
                a, b = short, long
            else:
                a, b = long, short
            if best < 0 or a < s1 or (a == s1 and b < s2):
                best, bw, bh, s1, s2 = r, pw, ph, a, b
    return best, bw, bh


@njit(cache=True, nogil=True)
def _sort_keys(pw, ph, order):  # pragma: no cover - compiled
    """The (primary, secondary) keys of a piece order, both ascending, as `ORDERS` has them."""
    big = np.maximum(pw, ph)
    small = np.minimum(pw, ph)
    if order == _AREA:
        return -(pw * ph), -big
    if order == _LONG_SIDE:
        return -big, -small
    if order == _SHORT_SIDE:
        return -small, -big
    if order == _PERIMETER:
        return -(pw + ph), -(pw * ph)
    return -pw, -ph


@njit(cache=True, nogil=True)
def _ordered(pw, ph, keys, order):  # pragma: no cover - compiled
    """Positions of the pieces in one piece order; ties go to the smaller key (stable sorts
    by key, then secondary, then primary)."""
    primary, secondary = _sort_keys(pw, ph, order)
    perm = np.argsort(keys, kind="mergesort")
    perm = perm[np.argsort(secondary[perm], kind="mergesort")]
    return perm[np.argsort(primary[perm], kind="mergesort")]


@njit(cache=True, nogil=True)
def best_variant(pw, ph, rot, keys, variants, w, h, sheet_of):  # pragma: no cover - compiled
    """The best variant row (order, fit, split) for pieces (padded extents, rotatable, key)
    on w×h sheets: fewest sheets, then the least used last sheet, then the first row.

    Returns (row, sheets, last sheet's used area) and fills ``sheet_of`` with each piece's
    sheet under that row; row -1 when a piece fits no orientation of the sheet.
    """
    n = pw.shape[0]
    for i in range(n):
        if not ((pw[i] <= w and ph[i] <= h) or (rot[i] and ph[i] <= w and pw[i] <= h)):
            return -1, 0, 0
    perms = np.empty((5, n), np.int64)
    for order in range(5):
        perms[order] = _ordered(pw, ph, keys, order)
    free = np.empty((2 * n + 2, 6), np.int64)
    used = np.empty(n + 1, np.int64)
    placed = np.empty(n, np.int64)
    at = np.empty((n, 3), np.int64)
    vw = np.empty(n, np.int64)
    vh = np.empty(n, np.int64)
    vr = np.empty(n, np.bool_)
    best, best_sheets, best_last = -1, 0, 0
    for repeat in range(2):  # score every row, then run the winner again for its sheets
        for v in range(variants.shape[0]):
            if repeat and v != best:
                continue
            perm = perms[variants[v, 0]]
            for i in range(n):
                vw[i] = pw[perm[i]]
                vh[i] = ph[perm[i]]
                vr[i] = rot[perm[i]]
            sheets, last = _score(vw, vh, vr, w, h, variants[v, 1], variants[v, 2], free, used,
                                  placed, at)
            if repeat:
                for i in range(n):
                    sheet_of[perm[i]] = placed[i]
            elif best < 0 or sheets < best_sheets or (sheets == best_sheets and last < best_last):
                best, best_sheets, best_last = v, sheets, last
    return best, best_sheets, best_last


@njit(cache=True, nogil=True)
def same_spots(pw, ph, rot, keys, order, fit_a, fit_b, split, w, h):  # pragma: no cover - compiled
    """Whether every piece lands on the same sheet, corner and turn under fit scores `fit_a`
    and `fit_b` (one piece order, one split rule; every piece fits the sheet)."""
    n = pw.shape[0]
    perm = _ordered(pw, ph, keys, order)
    vw, vh, vr = pw[perm], ph[perm], rot[perm]
    free = np.empty((2 * n + 2, 6), np.int64)
    used = np.empty(n + 1, np.int64)
    placed_a, placed_b = np.empty(n, np.int64), np.empty(n, np.int64)
    at_a, at_b = np.empty((n, 3), np.int64), np.empty((n, 3), np.int64)
    _score(vw, vh, vr, w, h, fit_a, split, free, used, placed_a, at_a)
    _score(vw, vh, vr, w, h, fit_b, split, free, used, placed_b, at_b)
    for i in range(n):
        if placed_a[i] != placed_b[i] or at_a[i, 0] != at_b[i, 0] or at_a[i, 1] != at_b[i, 1] \
                or at_a[i, 2] != at_b[i, 2]:
            return False
    return True
