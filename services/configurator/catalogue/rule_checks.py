"""Rule kinds about choices and values: offered names, compatible finishes, ranges and limits."""

from __future__ import annotations

from .model import Rule
from .options import AUTO
from .rejection import Reason, mm
from .rules import CHOICES, VALUES, RuleContext, check


@check("offered", CHOICES)
def offered(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """The option names something the product offers (board, finish, door style, handle)."""
    option, among = rule.params["option"], rule.params["among"]
    value = ctx.options.get(option)
    choices = getattr(ctx.product, among)
    if value == AUTO or value in choices:
        return []
    return [
        Reason(
            option,
            f"{option} '{value}' is not offered for a {ctx.product.name}",
            f"choose one of: {', '.join(choices)}",
        )
    ]


@check("finish_suits_board", CHOICES)
def finish_suits_board(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """Melamine is pressed on particleboard/MDF/plywood, veneer comes on veneered board,
    lacquer goes on MDF: the catalogue says which board kinds each finish is made on."""
    board, finish = (
        ctx.catalogue.boards.get(ctx.options["board"]),
        ctx.catalogue.finishes.get(ctx.options["finish"]),
    )
    if board is None or finish is None or board.kind in finish.board_kinds:
        return []
    boards = [
        b
        for b in ctx.product.boards
        if ctx.catalogue.boards[b].kind in finish.board_kinds
        and ctx.catalogue.boards[b].thickness_mm == board.thickness_mm
    ]
    finishes = [
        f for f in ctx.product.finishes if board.kind in ctx.catalogue.finishes[f].board_kinds
    ]
    fixes = []
    if boards:
        fixes.append(f"choose board {boards[0]} for {finish.name}")
    if finishes:
        fixes.append(f"choose a finish made on {board.kind}: {', '.join(finishes)}")
    return [
        Reason(
            "finish",
            f"{finish.name} is not made on {board.name}",
            " or ".join(fixes) or "choose another board and finish",
        )
    ]


@check("handle_suits_doors", VALUES)
def handle_suits_doors(rule: Rule, ctx: RuleContext) -> list[Reason]:
    style = ctx.catalogue.door_styles.get(ctx.options["door_style"])
    handle = ctx.options["handle"]
    if style is None or handle in style.handles:
        return []
    return [
        Reason(
            "handle",
            f"a {handle} handle does not fit {style.name}",
            f"choose one of: {', '.join(style.handles)}",
        )
    ]


@check("range", VALUES)
def in_range(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """A parameter lies within its range and on its step."""
    name = rule.params["parameter"]
    p = ctx.product.parameters[name]
    value = ctx.options.get(name)
    if not isinstance(value, int):
        return []
    show = mm if p.unit == "mm" else str
    what = name.removesuffix("_mm")
    if p.maximum == 0 and value > 0:
        return [
            Reason(name, f"a {ctx.product.name} has no {what}", f"remove '{name}' or set it to 0")
        ]
    if value < p.minimum or value > p.maximum:
        side = "under the minimum" if value < p.minimum else "over the maximum"
        bound = p.minimum if value < p.minimum else p.maximum
        return [
            Reason(
                name,
                f"{what} {show(value)} is {side} of {show(bound)} for a {ctx.product.name}",
                f"choose {what} from {show(p.minimum)} to {show(p.maximum)}",
            )
        ]
    off = (value - p.minimum) % p.step
    if off:
        below, above = value - off, value - off + p.step
        return [
            Reason(
                name,
                f"{what} {show(value)} is not on the {show(p.step)} step",
                f"choose {show(below)} or {show(above)}",
            )
        ]
    return []


@check("limit", VALUES)
def limit(rule: Rule, ctx: RuleContext) -> list[Reason]:
    """A conditional bound with its reason, e.g. sliding doors need at least 550 mm depth."""
    name = rule.params["parameter"]
    value = ctx.options.get(name)
    if not isinstance(value, int):
        return []
    unit = ctx.product.parameters[name].unit if name in ctx.product.parameters else "count"
    show = mm if unit == "mm" else str
    why = rule.params.get("why", "")
    what = name.removesuffix("_mm")
    low, high = rule.params.get("min"), rule.params.get("max")
    if low is not None and value < low:
        return [
            Reason(
                name,
                f"{what} {show(value)} is under the {show(low)} needed: {why}",
                _limit_fix(rule, f"set {name} to at least {low}"),
            )
        ]
    if high is not None and value > high:
        return [
            Reason(
                name,
                f"{what} {show(value)} is over the {show(high)} allowed: {why}",
                _limit_fix(rule, f"set {name} to at most {high}"),
            )
        ]
    return []


def _limit_fix(rule: Rule, fix: str) -> str:
    otherwise = rule.params.get("otherwise")
    return f"{fix} or {otherwise}" if otherwise else fix
