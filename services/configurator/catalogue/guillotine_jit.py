"""Compiled scoring of the guillotine variants (numba): which variant packs best.

`guillotine.best_packing` tries every piece order × fit score × split rule and keeps the
layout with the fewest sheets, then the emptiest last sheet. Building each layout in Python
(spots, slits) was 97 % of configuring an order. This kernel runs the same packing over
plain integer arrays and returns only each variant's score, so Python builds just the
winner. It mirrors `guillotine.pack` step for step (same free-rectangle order, same strict
`<` on scores, same leftovers in the same order), so it picks the same variant; the tests
compare both on random piece sets.

Compiled with ``cache=True``: the first use after an install compiles (a few seconds);
later processes load the machine code from ``__pycache__``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# free-rectangle columns
_X, _Y, _W, _H, _DEPTH, _SHEET = range(6)


@njit(cache=True, nogil=True)
def _score(pw, ph, rot, w, h, fit, split, free, used):  # pragma: no cover - compiled
    """Sheets used and the area used on the last one, for one variant (pieces in order)."""
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
def score_variants(pw, ph, rot, perms, variants, w, h):  # pragma: no cover - compiled
    """(sheets, last sheet's used area) per variant row (order index, fit, split), the
    pieces taken in the order ``perms[order index]``."""
    n = pw.shape[0]
    out = np.empty((variants.shape[0], 2), np.int64)
    free = np.empty((2 * n + 2, 6), np.int64)
    used = np.empty(n + 1, np.int64)
    vw = np.empty(n, np.int64)
    vh = np.empty(n, np.int64)
    vr = np.empty(n, np.bool_)
    for v in range(variants.shape[0]):
        perm = perms[variants[v, 0]]
        for i in range(n):
            vw[i] = pw[perm[i]]
            vh[i] = ph[perm[i]]
            vr[i] = rot[perm[i]]
        sheets, last = _score(vw, vh, vr, w, h, variants[v, 1], variants[v, 2], free, used)
        out[v, 0] = sheets
        out[v, 1] = last
    return out
