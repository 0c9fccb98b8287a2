"""Reading a line's options: names and types first, then the product's defaults and autos."""

from __future__ import annotations

import difflib
import math
from typing import Any

from services.kit.words import N_, Words

from .model import Board, Catalogue, DoorStyle, ProductTemplate
from .rejection import Reason

AUTO = "auto"
WHOLE = ("width_mm", "height_mm", "depth_mm", "doors", "shelves", "drawers", "dividers")
NAMED = ("board", "finish", "door_style", "handle")
MAY_BE_AUTO = ("doors", "dividers", "handle")
OPTION_NAMES = WHOLE + NAMED


def read_options(product: ProductTemplate, raw: Any) -> tuple[dict[str, Any], list[Reason]]:
    """Check option names and types and fill in the product's defaults.

    Returns the options (with "auto" left for the resolver) and the reasons they do not read.
    """
    if not isinstance(raw, dict):
        got = type(raw).__name__
        return {}, [
            Reason(
                "options",
                Words.of(N_("options must be an object of name → value, got %(got)s"), got=got),
                Words.of(N_("send e.g. %(example)s"),
                         example='{"width_mm": 2000, "height_mm": 2400, "depth_mm": 600}'),
            )
        ]
    reasons: list[Reason] = []
    chosen: dict[str, Any] = dict(product.defaults)
    for name, value in raw.items():
        if name not in OPTION_NAMES:
            reasons.append(_unknown(name))
            continue
        reason = _type_reason(name, value)
        if reason:
            reasons.append(reason)
        else:
            chosen[name] = int(value) if name in WHOLE and value != AUTO else value
    for name in WHOLE:
        if name not in chosen and name not in raw and name in product.parameters:
            p = product.parameters[name]
            reasons.append(
                Reason(
                    name,
                    Words.of(N_("%(name)s is required for a %(product)s"),
                             name=name, product=product.name),
                    Words.of(N_("send %(name)s from %(low)s to %(high)s"),
                             name=name, low=f"{p.minimum:,}", high=f"{p.maximum:,}"),
                )
            )
    return chosen, reasons


def _unknown(name: Any) -> Reason:
    close = difflib.get_close_matches(str(name), OPTION_NAMES, n=1)
    options = ", ".join(OPTION_NAMES)  # names a request writes, never said in another language
    return Reason(
        str(name),
        Words.of(N_("'%(name)s' is not an option this catalogue knows"), name=name),
        Words.of(N_("did you mean '%(close)s'? remove it; options are %(options)s"),
                 close=close[0], options=options) if close else
        Words.of(N_("remove it; options are %(options)s"), options=options),
    )


def _type_reason(name: str, value: Any) -> Reason | None:
    if name in MAY_BE_AUTO and value == AUTO:
        return None
    if name in WHOLE:
        whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not whole:
            return Reason(
                name,
                Words.of(N_("%(name)s must be a whole number (millimetres), got %(value)s")
                         if name.endswith("_mm") else
                         N_("%(name)s must be a whole number (a count), got %(value)s"),
                         name=name, value=repr(value)),
                Words.of(N_('send a number without quotes, e.g. "%(name)s": %(example)s'),
                         name=name, example=_example(name)),
            )
        return None
    if not isinstance(value, str) or not value:
        return Reason(
            name,
            Words.of(N_("%(name)s must be a name from the catalogue, got %(value)s"),
                     name=name, value=repr(value)),
            Words.of(N_('send a string, e.g. "%(name)s": "%(example)s"'),
                     name=name, example=_example(name)),
        )
    return None


def _example(name: str) -> Any:
    return {
        "width_mm": 2000,
        "height_mm": 2400,
        "depth_mm": 600,
        "doors": 2,
        "shelves": 2,
        "drawers": 0,
        "dividers": 1,
        "board": "particleboard-18",
        "finish": "melamine-white",
        "door_style": "hinged",
        "handle": "bar-128",
    }[name]


def resolve_autos(catalogue: Catalogue, product: ProductTemplate, options: dict[str, Any]) -> None:
    """Replace "auto" counts and handles with the least that satisfies the product's rules."""
    board = catalogue.boards[options["board"]]
    style = catalogue.door_styles.get(options["door_style"])
    if options["doors"] == AUTO:
        options["doors"] = _auto_doors(product, options, style, catalogue)
    if options["dividers"] == AUTO:
        options["dividers"] = _auto_dividers(product, options, board)
    if options["handle"] == AUTO:
        if options["doors"] and style is not None:
            options["handle"] = style.default_handle
        else:
            options["handle"] = product.handles[0]


def _auto_doors(product: ProductTemplate, options: dict, style: DoorStyle | None, catalogue) -> int:
    limit = product.parameters["doors"]
    if limit.maximum == 0 or style is None or not isinstance(options["width_mm"], int):
        return limit.minimum
    gap = catalogue.joinery.door_gap_mm
    floor = 2 if style.kind == "sliding" else 1
    needed = math.ceil((options["width_mm"] + gap) / (style.max_leaf_width_mm + gap))
    return min(max(needed, floor, limit.minimum), limit.maximum)


def _auto_dividers(product: ProductTemplate, options: dict, board: Board) -> int:
    limit = product.parameters["dividers"]
    width = options["width_mm"]
    if not isinstance(width, int):
        return limit.minimum
    t = board.thickness_mm
    inner = width - 2 * t
    widest = math.inf
    if options.get("shelves") and board.max_shelf_span_mm:
        widest = board.max_shelf_span_mm
    drawer_rule = next((r for r in product.rules if r.kind == "drawer_fit"), None)
    if options.get("drawers") and drawer_rule:
        widest = min(widest, drawer_rule.params.get("max_width_mm", math.inf))
    if widest == math.inf:
        return limit.minimum
    bays = math.ceil((inner + t) / (widest + t))
    return min(max(bays - 1, limit.minimum), limit.maximum)
