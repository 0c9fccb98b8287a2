"""Independent checks of a board layout: what a saw operator would refuse to cut.

Used by the tests and available to the service as a guard before a cut list leaves it.
"""

from __future__ import annotations

from .cut_plan import BoardLayout, Placement

EPS = 1e-6


def layout_problems(board: BoardLayout) -> list[str]:
    """Every way the layout is unbuildable; an empty list means it can go to the saw."""
    problems = []
    lo_x, lo_y = board.trim_mm, board.trim_mm
    hi_x, hi_y = board.sheet.length_mm - board.trim_mm, board.sheet.width_mm - board.trim_mm
    for p in board.placements:
        name = f"{p.part.label} {p.part.panel}"
        if (
            p.x_mm < lo_x - EPS
            or p.y_mm < lo_y - EPS
            or p.x_mm + p.along_mm > hi_x + EPS
            or p.y_mm + p.across_mm > hi_y + EPS
        ):
            problems.append(f"{name} reaches into the trim margin or off the board")
        expected = (
            (p.part.width_mm, p.part.length_mm)
            if p.rotated
            else (p.part.length_mm, p.part.width_mm)
        )
        if abs(p.along_mm - expected[0]) > EPS or abs(p.across_mm - expected[1]) > EPS:
            problems.append(f"{name} is placed at the wrong size")
        if p.part.grain == "length" and p.rotated:
            problems.append(f"{name} is turned across the grain")
    problems += _kerf_problems(board.placements, board.kerf_mm)
    if not _guillotine(list(board.placements), board.kerf_mm):
        problems.append("the layout cannot be cut with straight through-cuts")
    problems += _cut_problems(board)
    return problems


def _kerf_problems(placements: tuple[Placement, ...], kerf: float) -> list[str]:
    problems = []
    for i, a in enumerate(placements):
        for b in placements[i + 1 :]:
            apart = (
                a.x_mm + a.along_mm + kerf <= b.x_mm + EPS
                or b.x_mm + b.along_mm + kerf <= a.x_mm + EPS
                or a.y_mm + a.across_mm + kerf <= b.y_mm + EPS
                or b.y_mm + b.across_mm + kerf <= a.y_mm + EPS
            )
            if not apart:
                problems.append(f"{a.part.label} and {b.part.label} are closer than one saw kerf")
    return problems


def _guillotine(group: list[Placement], kerf: float) -> bool:
    """True when the group splits recursively by through-cuts with a kerf between the sides."""
    if len(group) <= 1:
        return True
    for start, size in (
        (lambda p: p.x_mm, lambda p: p.along_mm),
        (lambda p: p.y_mm, lambda p: p.across_mm),
    ):
        ordered = sorted(group, key=start)
        reach = -1e18
        for i, p in enumerate(ordered[:-1]):
            reach = max(reach, start(p) + size(p))
            if reach + kerf <= start(ordered[i + 1]) + EPS:
                return _guillotine(ordered[: i + 1], kerf) and _guillotine(ordered[i + 1 :], kerf)
    return False


def _cut_problems(board: BoardLayout) -> list[str]:
    """No cut's kerf runs through a panel, and stages never go backwards."""
    problems = []
    stages = [c.stage for c in board.cuts]
    if stages != sorted(stages):
        problems.append("cuts are not in stage order")
    k = board.kerf_mm
    for cut in board.cuts:
        if cut.direction == "trim":
            continue
        for p in board.placements:
            if cut.direction == "cross":
                inside = p.x_mm + EPS < cut.x1 + k and cut.x1 < p.x_mm + p.along_mm - EPS
                overlaps = p.y_mm < cut.y2 - EPS and cut.y1 < p.y_mm + p.across_mm - EPS
            else:
                inside = p.y_mm + EPS < cut.y1 + k and cut.y1 < p.y_mm + p.across_mm - EPS
                overlaps = p.x_mm < cut.x2 - EPS and cut.x1 < p.x_mm + p.along_mm - EPS
            if inside and overlaps:
                problems.append(f"cut {cut.step} runs through {p.part.label}")
    return problems
