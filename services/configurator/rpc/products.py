"""Catalogue products on the wire: parameters with ranges and choices, rules in words."""

from __future__ import annotations

from typing import Any

from dovetail.configurator.v1 import configurator_service_pb2 as pb
from services.configurator.catalogue import Catalogue, ProductTemplate, Rule
from services.configurator.wire import value
from services.kit.words import N_

CATEGORIES = {"wardrobe": "bedroom", "tall_cabinet": "storage", "bookcase": "living",
              "tv_unit": "living", "base_cabinet": "kitchen", "wall_cabinet": "kitchen",
              "desk": "office"}
# A parameter's label: a text of the gateway's catalogue, said where an order's options are
# shown (gateway/catalogue_names.py)
LABELS = {"width_mm": N_("Width"), "height_mm": N_("Height"), "depth_mm": N_("Depth"),
          "doors": N_("Doors"), "shelves": N_("Shelves per bay"), "drawers": N_("Drawers"),
          "dividers": N_("Dividers"), "board": N_("Board"), "finish": N_("Surface finish"),
          "door_style": N_("Door style"), "handle": N_("Handle")}
RULES = {
    "offered": "{option} must be one the product offers",
    "finish_suits_board": "the finish must be made on the chosen board kind",
    "handle_suits_doors": "the handle must suit the door style",
    "range": "{parameter} within its range and on its step",
    "limit": "{parameter} bound: {why}",
    "shelf_span": "a shelf may not span more than its board allows: add dividers or a thicker board",
    "door_width": "a door leaf wider than its style allows must split into more doors",
    "door_height": "a door leaf may not be taller than its style allows",
    "drawer_fit": "drawers need a bay a slide pair carries, room in height and a slide that fits",
    "panel_fits_sheet": "every panel must come out of a standard sheet of its board",
    "adds_operations": "adds routing steps: {steps}",
}


def category_of(code: str) -> str:
    return CATEGORIES.get(code, "furniture")


def product_to_pb(catalogue: Catalogue, product: ProductTemplate) -> pb.Product:
    sizes = ", ".join(f"{p.name.removesuffix('_mm')} {p.minimum:,}–{p.maximum:,} mm"
                      for p in product.parameters.values() if p.unit == "mm")
    return pb.Product(
        code=product.code, name=product.name, category=category_of(product.code),
        description=f"Made-to-measure {product.name}: {sizes}.",
        catalog_version=catalogue.version,
        parameters=_numeric(product) + _choices(catalogue, product),
        rules=[_rule(product.code, i, rule) for i, rule in enumerate(product.rules, 1)])


def _numeric(product: ProductTemplate) -> list[pb.Parameter]:
    return [pb.Parameter(
        name=p.name, label=LABELS.get(p.name, p.name), kind=pb.PARAMETER_KIND_INTEGER,
        unit="mm" if p.unit == "mm" else "pcs", min=p.minimum, max=p.maximum, step=p.step,
        default_value=value(product.defaults.get(p.name)), required=p.name not in product.defaults,
        description="'auto': the least the build rules allow" if product.defaults.get(p.name) == "auto"
        else "") for p in product.parameters.values()]


def _choices(catalogue: Catalogue, product: ProductTemplate) -> list[pb.Parameter]:
    boards = [(c, catalogue.boards[c].name) for c in product.boards if c in catalogue.boards]
    finishes = [(c, catalogue.finishes[c].name) for c in product.finishes if c in catalogue.finishes]
    styles = [(c, catalogue.door_styles[c].name) for c in product.door_styles
              if c in catalogue.door_styles]
    handles = [(c, catalogue.hardware[c].name) for c in product.handles if c in catalogue.hardware]
    out = []
    for name, choices in (("board", boards), ("finish", finishes), ("door_style", styles),
                          ("handle", handles)):
        out.append(pb.Parameter(
            name=name, label=LABELS[name], kind=pb.PARAMETER_KIND_CHOICE,
            default_value=value(product.defaults.get(name)),
            choices=[pb.ParameterChoice(value=code, label=label) for code, label in choices]))
    return out


def _rule(code: str, index: int, rule: Rule) -> pb.ProductRule:
    params: dict[str, Any] = dict(rule.params)
    steps = ", ".join(s.get("step", "?") + (f" ({s['coat']})" if "coat" in s else "")
                      for s in params.get("operations", ()))
    text = RULES.get(rule.kind, rule.kind)
    try:
        text = text.format(steps=steps, **{"option": "", "parameter": "", "why": ""} | params)
    except (KeyError, IndexError, ValueError):
        pass
    if rule.when:
        text += " — when " + ", ".join(f"{k} {_condition(v)}" for k, v in rule.when.items())
    named = [params[k] for k in ("option", "parameter") if isinstance(params.get(k), str)]
    named += [k for k in rule.when if k not in named]
    return pb.ProductRule(rule_id=f"{code}.{index:02d}.{rule.kind}", parameters=named,
                          description=text)


def _condition(wanted: Any) -> str:
    if isinstance(wanted, dict):
        return " and ".join(f"{'≥' if k == 'min' else '≤'} {v}" for k, v in wanted.items())
    if isinstance(wanted, list):
        return "in " + ", ".join(map(str, wanted))
    return f"= {wanted}"
