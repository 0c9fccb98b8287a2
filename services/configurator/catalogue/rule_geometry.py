"""Rule kinds about the built geometry: shelf spans, door leaves, drawers, panels on sheets."""

from __future__ import annotations

import math

from .layout import lay_out
from .model import Rule
from .rejection import Reason, mm
from .rules import GEOMETRY, PANELS, RuleContext, check


def _bays_needed(inner_width: float, thickness: float, widest: float) -> int:
    return math.ceil((inner_width + thickness) / (widest + thickness))


@check("shelf_span", GEOMETRY)
def shelf_span(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """A shelf longer than its board's span sags: the bay needs a divider or a stiffer board."""
    lay, board = ctx.layout, ctx.board
    carries_shelf = lay.shelves_per_bay > 0 or (
        lay.drawers > 0 and ctx.product.construction.has_bottom
    )
    if not carries_shelf or lay.bay_width_mm <= board.max_shelf_span_mm:
        return []
    fixes = []
    needed = _bays_needed(lay.inner_width_mm, lay.thickness_mm, board.max_shelf_span_mm) - 1
    limit = ctx.product.parameters["dividers"].maximum
    if needed <= limit:
        extra = needed - (lay.bays - 1)
        fixes.append(
            f"add {'a divider' if extra == 1 else f'{extra} dividers'} (dividers: {needed})"
        )
    stiffer = [
        b
        for b in ctx.product.boards
        if ctx.catalogue.boards[b].max_shelf_span_mm >= lay.bay_width_mm
        and ctx.catalogue.boards[b].kind in ctx.finish.board_kinds
    ]
    if stiffer:
        fixes.append(f"choose {_board_words(ctx, stiffer[0])}")
    if not fixes:
        fixes.append("set shelves to 0 or reduce width_mm")
    return [
        Reason(
            "dividers",
            f"shelf span {mm(lay.bay_width_mm)} is over the {mm(board.max_shelf_span_mm)} "
            f"allowed for {board.name}",
            " or ".join(fixes),
        )
    ]


def _board_words(ctx: RuleContext, code: str) -> str:
    """'25 mm board' when only the thickness changes, else the board's name."""
    other = ctx.catalogue.boards[code]
    if other.kind == ctx.board.kind:
        return f"{other.thickness_mm:g} mm board ({code})"
    return f"{other.name} ({code})"


@check("door_width", GEOMETRY)
def door_width(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """A leaf wider than its style allows must split into more doors."""
    lay = ctx.layout
    if not lay.doors:
        return []
    style, joinery = ctx.door_style, ctx.catalogue.joinery
    doors = ctx.product.parameters["doors"]
    if lay.leaf_width_mm > style.max_leaf_width_mm:
        gap = joinery.door_gap_mm
        needed = math.ceil((lay.width_mm + gap) / (style.max_leaf_width_mm + gap))
        fixes = [f"use {needed} doors"] if needed <= doors.maximum else []
        for code in ctx.product.door_styles:
            other = ctx.catalogue.door_styles[code]
            if other.max_leaf_width_mm >= lay.leaf_width_mm and code != style.code:
                fixes.append(f"choose {other.name} (up to {mm(other.max_leaf_width_mm)} a leaf)")
        fixes = fixes or [f"reduce width_mm to {mm(doors.maximum * style.max_leaf_width_mm)}"]
        return [
            Reason(
                "doors",
                f"door width {mm(lay.leaf_width_mm)} is over the "
                f"{mm(style.max_leaf_width_mm)} allowed for {style.name}",
                " or ".join(fixes),
            )
        ]
    if lay.leaf_width_mm < style.min_leaf_width_mm:
        most = max(1, int(lay.width_mm // style.min_leaf_width_mm))
        return [
            Reason(
                "doors",
                f"door width {mm(lay.leaf_width_mm)} is under the "
                f"{mm(style.min_leaf_width_mm)} minimum for {style.name}",
                f"use at most {most} doors",
            )
        ]
    return []


@check("door_height", GEOMETRY)
def door_height(rule: Rule, ctx: RuleContext) -> list[Reason]:
    lay = ctx.layout
    if not lay.doors or lay.leaf_height_mm <= ctx.door_style.max_leaf_height_mm:
        return []
    style = ctx.door_style
    over = lay.leaf_height_mm - style.max_leaf_height_mm
    fix = f"reduce height_mm to {mm(lay.height_mm - over)}"
    for code in ctx.product.door_styles:
        other = ctx.catalogue.door_styles[code]
        leaf = lay_out(
            ctx.catalogue, ctx.product, ctx.options | {"door_style": code}
        ).leaf_height_mm
        if code != style.code and leaf <= other.max_leaf_height_mm:
            fix += f" or choose {other.name}"
            break
    return [
        Reason(
            "height_mm",
            f"door height {mm(lay.leaf_height_mm)} is over the "
            f"{mm(style.max_leaf_height_mm)} {style.name} can hang",
            fix,
        )
    ]


@check("drawer_fit", GEOMETRY)
def drawer_fit(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """Drawers need a bay a slide pair can carry, room in height and a slide that fits the depth."""
    lay = ctx.layout
    if not lay.drawers:
        return []
    reasons = []
    widest, narrowest = rule.params.get("max_width_mm", 1000), rule.params.get("min_width_mm", 250)
    if lay.bay_width_mm > widest:
        needed = _bays_needed(lay.inner_width_mm, lay.thickness_mm, widest) - 1
        reasons.append(
            Reason(
                "drawers",
                f"drawer width {mm(lay.bay_width_mm)} is over the "
                f"{mm(widest)} a slide pair carries",
                f"add dividers (dividers: {needed}) or set drawers to 0",
            )
        )
    elif lay.bay_width_mm < narrowest:
        reasons.append(
            Reason(
                "drawers",
                f"drawer width {mm(lay.bay_width_mm)} is under the "
                f"{mm(narrowest)} a drawer box needs",
                "use fewer dividers or set drawers to 0",
            )
        )
    room = rule.params.get("max_share_of_height", 0.6) * lay.inner_height_mm
    if lay.drawer_stack_mm > room:
        most = int(room // lay.drawer_pitch_mm)
        reasons.append(
            Reason(
                "drawers",
                f"{lay.drawers} drawers stack {mm(lay.drawer_stack_mm)}, "
                f"over the {mm(room)} this height leaves for drawers",
                f"use at most {most} drawers or increase height_mm",
            )
        )
    if lay.drawer_slide_mm is None:
        shortest = ctx.catalogue.joinery.drawer_slide_lengths_mm[0]
        short_by = shortest - (lay.carcass_depth_mm - (25 if lay.doors else 0) - 10)
        reasons.append(
            Reason(
                "depth_mm",
                f"depth {mm(lay.depth_mm)} leaves no room for the "
                f"shortest {mm(shortest)} drawer slide",
                f"increase depth_mm to at least {mm(lay.depth_mm + math.ceil(short_by / 10) * 10)}"
                " or set drawers to 0",
            )
        )
    return reasons


_PANEL_PARAMETER = {
    "side": "height_mm",
    "divider": "height_mm",
    "door": "height_mm",
    "back": "height_mm",
    "back rail": "height_mm",
}


@check("panel_fits_sheet", PANELS)
def panel_fits_sheet(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """Every panel must come out of a sheet of its board, grain panels lengthwise."""
    trim = 2 * ctx.catalogue.trim_mm
    reasons: dict[str, Reason] = {}  # one reason per parameter: the first panel names the fix
    for panel in ctx.panels:
        board = ctx.catalogue.boards[panel.board]
        if any(_fits(panel, s.length_mm - trim, s.width_mm - trim) for s in board.sheets):
            continue
        longest = max(board.sheets, key=lambda s: s.length_mm)
        grain = " with the grain along its length" if panel.grain == "length" else ""
        bigger = [
            b
            for b in ctx.product.boards
            if ctx.catalogue.boards[b].kind in ctx.finish.board_kinds
            and any(
                _fits(panel, s.length_mm - trim, s.width_mm - trim)
                for s in ctx.catalogue.boards[b].sheets
            )
        ]
        fix = f"keep it within {mm(longest.length_mm - trim)} × {mm(longest.width_mm - trim)}"
        parameter = _PANEL_PARAMETER.get(panel.name, "width_mm")
        if parameter in reasons:
            continue
        fix += f": reduce {parameter}"
        if bigger and panel.board == ctx.options["board"]:
            fix += f" or choose a board sold in larger sheets ({', '.join(bigger[:3])})"
        reasons[parameter] = Reason(
            parameter,
            f"{panel.name} {mm(panel.length_mm)} × {mm(panel.width_mm)} does not "
            f"fit a {longest.length_mm} × {longest.width_mm} sheet of {board.name}{grain}",
            fix,
        )
    return list(reasons.values())


def _fits(panel, length: float, width: float) -> bool:
    if panel.length_mm <= length and panel.width_mm <= width:
        return True
    return panel.grain == "none" and panel.length_mm <= width and panel.width_mm <= length
