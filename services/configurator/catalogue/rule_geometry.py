"""Rule kinds about the built geometry: shelf spans, door leaves, drawers, panels on sheets."""

from __future__ import annotations

import math

from services.kit.words import N_, Words

from .layout import lay_out
from .model import Rule
from .rejection import Reason, either, mm
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
            Words.of(N_("add a divider (dividers: %(n)s)"), n=needed) if extra == 1 else
            Words.of(N_("add %(extra)s dividers (dividers: %(n)s)"), extra=extra, n=needed)
        )
    stiffer = [
        b
        for b in ctx.product.boards
        if ctx.catalogue.boards[b].max_shelf_span_mm >= lay.bay_width_mm
        and ctx.catalogue.boards[b].kind in ctx.finish.board_kinds
    ]
    if stiffer:
        fixes.append(Words.of(CHOOSE, name=_board_words(ctx, stiffer[0])))
    if not fixes:
        fixes.append(Words(N_("set shelves to 0 or reduce width_mm")))
    return [
        Reason(
            "dividers",
            Words.of(N_("shelf span %(span)s is over the %(limit)s allowed for %(board)s"),
                     span=mm(lay.bay_width_mm), limit=mm(board.max_shelf_span_mm),
                     board=board.name),
            either(fixes),
        )
    ]


CHOOSE = N_("choose %(name)s")


def _board_words(ctx: RuleContext, code: str) -> Words:
    """'25 mm board' when only the thickness changes, else the board's name."""
    other = ctx.catalogue.boards[code]
    if other.kind == ctx.board.kind:
        return Words.of(N_("%(thickness)s mm board (%(code)s)"),
                        thickness=f"{other.thickness_mm:g}", code=code)
    return Words.of(N_("%(name)s (%(code)s)"), name=other.name, code=code)


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
        fixes = [Words.of(N_("use %(n)s doors"), n=needed)] if needed <= doors.maximum else []
        for code in ctx.product.door_styles:
            other = ctx.catalogue.door_styles[code]
            if other.max_leaf_width_mm >= lay.leaf_width_mm and code != style.code:
                fixes.append(Words.of(N_("choose %(style)s (up to %(width)s a leaf)"),
                                      style=other.name, width=mm(other.max_leaf_width_mm)))
        fixes = fixes or [Words.of(N_("reduce width_mm to %(width)s"),
                                   width=mm(doors.maximum * style.max_leaf_width_mm))]
        return [
            Reason(
                "doors",
                Words.of(N_("door width %(width)s is over the %(limit)s allowed for %(style)s"),
                         width=mm(lay.leaf_width_mm), limit=mm(style.max_leaf_width_mm),
                         style=style.name),
                either(fixes),
            )
        ]
    if lay.leaf_width_mm < style.min_leaf_width_mm:
        most = max(1, int(lay.width_mm // style.min_leaf_width_mm))
        return [
            Reason(
                "doors",
                Words.of(N_("door width %(width)s is under the %(limit)s minimum for %(style)s"),
                         width=mm(lay.leaf_width_mm), limit=mm(style.min_leaf_width_mm),
                         style=style.name),
                Words.of(N_("use at most %(n)s doors"), n=most),
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
    fixes = [Words.of(N_("reduce height_mm to %(height)s"), height=mm(lay.height_mm - over))]
    for code in ctx.product.door_styles:
        other = ctx.catalogue.door_styles[code]
        leaf = lay_out(
            ctx.catalogue, ctx.product, ctx.options | {"door_style": code}
        ).leaf_height_mm
        if code != style.code and leaf <= other.max_leaf_height_mm:
            fixes.append(Words.of(CHOOSE, name=other.name))
            break
    return [
        Reason(
            "height_mm",
            Words.of(N_("door height %(height)s is over the %(limit)s %(style)s can hang"),
                     height=mm(lay.leaf_height_mm), limit=mm(style.max_leaf_height_mm),
                     style=style.name),
            either(fixes),
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
                Words.of(N_("drawer width %(width)s is over the %(limit)s a slide pair carries"),
                         width=mm(lay.bay_width_mm), limit=mm(widest)),
                Words.of(N_("add dividers (dividers: %(n)s) or set drawers to 0"), n=needed),
            )
        )
    elif lay.bay_width_mm < narrowest:
        reasons.append(
            Reason(
                "drawers",
                Words.of(N_("drawer width %(width)s is under the %(limit)s a drawer box needs"),
                         width=mm(lay.bay_width_mm), limit=mm(narrowest)),
                Words(N_("use fewer dividers or set drawers to 0")),
            )
        )
    room = rule.params.get("max_share_of_height", 0.6) * lay.inner_height_mm
    if lay.drawer_stack_mm > room:
        most = int(room // lay.drawer_pitch_mm)
        reasons.append(
            Reason(
                "drawers",
                Words.of(N_("%(n)s drawers stack %(stack)s, over the %(room)s this height leaves "
                            "for drawers"),
                         n=lay.drawers, stack=mm(lay.drawer_stack_mm), room=mm(room)),
                Words.of(N_("use at most %(n)s drawers or increase height_mm"), n=most),
            )
        )
    if lay.drawer_slide_mm is None:
        shortest = ctx.catalogue.joinery.drawer_slide_lengths_mm[0]
        short_by = shortest - (lay.carcass_depth_mm - (25 if lay.doors else 0) - 10)
        reasons.append(
            Reason(
                "depth_mm",
                Words.of(N_("depth %(depth)s leaves no room for the shortest %(slide)s drawer "
                            "slide"),
                         depth=mm(lay.depth_mm), slide=mm(shortest)),
                Words.of(N_("increase depth_mm to at least %(depth)s or set drawers to 0"),
                         depth=mm(lay.depth_mm + math.ceil(short_by / 10) * 10)),
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
        bigger = [
            b
            for b in ctx.product.boards
            if ctx.catalogue.boards[b].kind in ctx.finish.board_kinds
            and any(
                _fits(panel, s.length_mm - trim, s.width_mm - trim)
                for s in ctx.catalogue.boards[b].sheets
            )
        ]
        parameter = _PANEL_PARAMETER.get(panel.name, "width_mm")
        if parameter in reasons:
            continue
        within = {"length": mm(longest.length_mm - trim), "width": mm(longest.width_mm - trim),
                  "parameter": parameter}
        if bigger and panel.board == ctx.options["board"]:
            fix = Words.of(N_("keep it within %(length)s × %(width)s: reduce %(parameter)s or "
                              "choose a board sold in larger sheets (%(boards)s)"),
                           **within, boards=", ".join(bigger[:3]))
        else:
            fix = Words.of(N_("keep it within %(length)s × %(width)s: reduce %(parameter)s"),
                           **within)
        reasons[parameter] = Reason(
            parameter,
            Words.of(N_("%(panel)s %(length)s × %(width)s does not fit a %(sheet_length)s × "
                        "%(sheet_width)s sheet of %(board)s with the grain along its length")
                     if panel.grain == "length" else
                     N_("%(panel)s %(length)s × %(width)s does not fit a %(sheet_length)s × "
                        "%(sheet_width)s sheet of %(board)s"),
                     panel=panel.name, length=mm(panel.length_mm), width=mm(panel.width_mm),
                     sheet_length=longest.length_mm, sheet_width=longest.width_mm,
                     board=board.name),
            fix,
        )
    return list(reasons.values())


def _fits(panel, length: float, width: float) -> bool:
    if panel.length_mm <= length and panel.width_mm <= width:
        return True
    return panel.grain == "none" and panel.length_mm <= width and panel.width_mm <= length
