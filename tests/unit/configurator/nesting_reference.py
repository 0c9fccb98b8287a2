"""The nesting as it was before the kernel chose anything: every variant and every tail
re-cut built in Python. Tests hold the compiled, score-first nesting against it."""

from __future__ import annotations

from services.configurator.catalogue import guillotine


def python_best(pieces, w, h, variants=guillotine.ALL_VARIANTS):
    """best_packing built in Python: every variant packed, the fewest sheets, then the
    emptiest last sheet, the first variant on a tie."""
    best, best_key = None, None
    for variant in variants:
        sheets = guillotine.pack(pieces, w, h, *variant)
        key = (len(sheets), sheets[-1].used if sheets else 0)
        if best_key is None or key < best_key:
            best, best_key = sheets, key
    return best or []


def python_layout(pieces, usable, depth=2):
    """The best method's layout: each size packed, the last one or two boards re-cut on
    every size when that saves board, the least board area, then the emptiest last board."""
    candidates = []
    for size, (w, h) in usable.items():
        try:
            candidates.append([(size, sheet) for sheet in python_best(pieces, w, h)])
        except ValueError:
            continue
    if len(usable) > 1:
        candidates = [_smaller_tail(c, pieces, usable, depth) for c in candidates]
    if not candidates:
        return None
    return min(candidates, key=lambda c: (sum(_area(s) for s, _ in c), c[-1][1].used))


def _smaller_tail(boards, pieces, usable, depth):
    best, saving = boards, 0
    for k in range(1, min(depth, len(boards)) + 1):
        area = sum(_area(size) for size, _ in boards[-k:])
        tail = [pieces[s.key] for _, sheet in boards[-k:] for s in sheet.spots]
        for other, (w, h) in usable.items():
            try:
                sheets = python_best(tail, w, h)
            except ValueError:
                continue
            if area - len(sheets) * _area(other) > saving:
                saving = area - len(sheets) * _area(other)
                best = boards[:-k] + [(other, sheet) for sheet in sheets]
    return best


def _area(size):
    return size.length_mm * size.width_mm
