"""Rule kinds about choices and values: offered names, compatible finishes, ranges and limits."""

from __future__ import annotations

from services.kit.words import N_, Words

from .model import Rule
from .options import AUTO
from .rejection import Reason, either, mm, one_of
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
            Words.of(N_("%(option)s '%(value)s' is not offered for a %(product)s"),
                     option=option, value=value, product=ctx.product.name),
            one_of(choices),
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
        fixes.append(Words.of(N_("choose board %(board)s for %(finish)s"),
                              board=boards[0], finish=finish.name))
    if finishes:
        fixes.append(Words.of(N_("choose a finish made on %(kind)s: %(finishes)s"),
                              kind=board.kind, finishes=", ".join(finishes)))
    return [
        Reason(
            "finish",
            Words.of(N_("%(finish)s is not made on %(board)s"),
                     finish=finish.name, board=board.name),
            either(fixes) or Words(N_("choose another board and finish")),
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
            Words.of(N_("a %(handle)s handle does not fit %(style)s"),
                     handle=handle, style=style.name),
            one_of(style.handles),
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
            Reason(name, Words.of(N_("a %(product)s has no %(what)s"),
                                  product=ctx.product.name, what=what),
                   Words.of(N_("remove '%(name)s' or set it to 0"), name=name))
        ]
    if value < p.minimum or value > p.maximum:
        under = value < p.minimum
        return [
            Reason(
                name,
                Words.of(N_("%(what)s %(value)s is under the minimum of %(bound)s for a %(product)s")
                         if under else
                         N_("%(what)s %(value)s is over the maximum of %(bound)s for a %(product)s"),
                         what=what, value=show(value),
                         bound=show(p.minimum if under else p.maximum), product=ctx.product.name),
                Words.of(N_("choose %(what)s from %(low)s to %(high)s"),
                         what=what, low=show(p.minimum), high=show(p.maximum)),
            )
        ]
    off = (value - p.minimum) % p.step
    if off:
        below, above = value - off, value - off + p.step
        return [
            Reason(
                name,
                Words.of(N_("%(what)s %(value)s is not on the %(step)s step"),
                         what=what, value=show(value), step=show(p.step)),
                Words.of(N_("choose %(below)s or %(above)s"), below=show(below), above=show(above)),
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
                Words.of(N_("%(what)s %(value)s is under the %(low)s needed: %(why)s"),
                         what=what, value=show(value), low=show(low), why=why),
                _limit_fix(rule, Words.of(N_("set %(name)s to at least %(n)s"), name=name, n=low)),
            )
        ]
    if high is not None and value > high:
        return [
            Reason(
                name,
                Words.of(N_("%(what)s %(value)s is over the %(high)s allowed: %(why)s"),
                         what=what, value=show(value), high=show(high), why=why),
                _limit_fix(rule, Words.of(N_("set %(name)s to at most %(n)s"), name=name, n=high)),
            )
        ]
    return []


def _limit_fix(rule: Rule, fix: Words) -> Words:
    """The fix, or what the catalogue's rule says to do otherwise (a text of the catalogue)."""
    otherwise = rule.params.get("otherwise")
    return either([fix, Words(otherwise)]) if otherwise else fix
