"""The seed catalogue (version 1) as plain data, loaded on a service's first start:
products, their build rules and the pricing policy; materials live in `seed_materials`."""

from __future__ import annotations

from typing import Any

from services.kit.words import N_

from .model import Catalogue
from .seed_materials import BOARDS, DOOR_STYLES, EDGE_BANDS, FINISHES, HARDWARE

_SLIDING = {"door_style": "sliding", "doors": {"min": 1}}
_PROCESS_RULES = [
    {
        "kind": "adds_operations",
        "when": {"finish.kind": "lacquer"},
        "params": {
            "operations": [
                {"step": "sanding"},
                {"step": "lacquering", "coat": "primer"},
                {"step": "sanding"},
                {"step": "lacquering", "coat": "top"},
            ]
        },
    },
    {
        "kind": "adds_operations",
        "when": {"finish.kind": "veneer"},
        "params": {"operations": [{"step": "sanding"}, {"step": "lacquering", "coat": "clear"}]},
    },
]


def _rules(parameters: dict[str, Any], drawer_max_width: int = 1000) -> list[dict[str, Any]]:
    """The rule list every carcass product shares; products differ in their parameters."""
    rules: list[dict[str, Any]] = [
        {"kind": "offered", "params": {"option": "board", "among": "boards"}},
        {"kind": "offered", "params": {"option": "finish", "among": "finishes"}},
        {
            "kind": "offered",
            "params": {"option": "door_style", "among": "door_styles"},
            "when": {"doors": {"min": 1}},
        },
        {"kind": "offered", "params": {"option": "handle", "among": "handles"}},
        {"kind": "finish_suits_board"},
        {"kind": "handle_suits_doors", "when": {"doors": {"min": 1}}},
    ]
    rules += [{"kind": "range", "params": {"parameter": name}} for name in parameters]
    rules += [
        {
            "kind": "limit",
            "when": _SLIDING,
            "params": {
                "parameter": "doors",
                "min": 2,
                "why": N_("sliding doors run in pairs on a double track"),
                "otherwise": N_("choose hinged doors"),
            },
        },
        {
            "kind": "limit",
            "when": _SLIDING,
            "params": {
                "parameter": "depth_mm",
                "min": 550,
                "why": N_("sliding doors need a 450 mm hanging depth plus 100 mm for the double track"),
                "otherwise": N_("choose hinged doors"),
            },
        },
        {"kind": "shelf_span"},
        {"kind": "door_width"},
        {"kind": "door_height"},
        {
            "kind": "drawer_fit",
            "params": {
                "min_width_mm": 250,
                "max_width_mm": drawer_max_width,
                "max_share_of_height": 0.6,
            },
        },
        {"kind": "panel_fits_sheet"},
    ]
    return rules + _PROCESS_RULES


def _p(name, lo, hi, step=1, unit="count"):
    return {"name": name, "minimum": lo, "maximum": hi, "step": step, "unit": unit}


def _product(code, name, size, counts, door_styles, defaults, construction, handles=None):
    (w0, w1), (h0, h1), (d0, d1) = size
    parameters = {
        "width_mm": _p("width_mm", w0, w1, 10, "mm"),
        "height_mm": _p("height_mm", h0, h1, 10, "mm"),
        "depth_mm": _p("depth_mm", d0, d1, 10, "mm"),
    } | {n: _p(n, lo, hi) for n, (lo, hi) in counts.items()}
    offered = [b["code"] for b in BOARDS if b["offered"]]
    base_defaults = {
        "board": "particleboard-18",
        "finish": "melamine-white",
        "doors": "auto",
        "dividers": "auto",
        "shelves": 1,
        "drawers": 0,
        "handle": "auto",
        "door_style": door_styles[0],
    }
    all_handles = [h["code"] for h in HARDWARE if h["kind"] == "handle"]
    return {
        "code": code,
        "name": name,
        "parameters": parameters,
        "boards": offered,
        "finishes": [f["code"] for f in FINISHES],
        "door_styles": list(door_styles),
        "handles": handles or all_handles,
        "defaults": base_defaults | defaults,
        "construction": construction,
        "rules": _rules(parameters),
    }


# The seed's product names as a text of the gateway's catalogue, so a line's summary (words,
# order_plan.describe) says them in the reader's language; a name of another catalogue
# version reads as written.
PRODUCT_NAMES = (N_("wardrobe"), N_("base cabinet"), N_("wall cabinet"), N_("tall cabinet"),
                 N_("bookcase"), N_("TV unit"), N_("desk"))

PRODUCTS = [
    _product(
        "wardrobe",
        "wardrobe",
        ((600, 2800), (1800, 2700), (450, 650)),
        {"doors": (0, 8), "shelves": (0, 8), "drawers": (0, 4), "dividers": (0, 6)},
        ["sliding", "hinged"],
        {"shelves": 2},
        {"plinth_mm": 80, "per_bay": {"wardrobe-rail": 1}},
    ),
    _product(
        "base_cabinet",
        "base cabinet",
        ((300, 1200), (700, 900), (450, 650)),
        {"doors": (0, 4), "shelves": (0, 3), "drawers": (0, 4), "dividers": (0, 2)},
        ["hinged"],
        {},
        {"plinth_mm": 100, "drawer_pitch_mm": 180},
    ),
    _product(
        "wall_cabinet",
        "wall cabinet",
        ((300, 1200), (300, 1000), (250, 400)),
        {"doors": (0, 4), "shelves": (0, 4), "drawers": (0, 0), "dividers": (0, 2)},
        ["hinged"],
        {},
        {"fixtures": {"wall-hanger": 2}},
    ),
    _product(
        "tall_cabinet",
        "tall cabinet",
        ((400, 1200), (1800, 2600), (300, 650)),
        {"doors": (0, 4), "shelves": (0, 8), "drawers": (0, 4), "dividers": (0, 2)},
        ["hinged"],
        {"shelves": 4},
        {"plinth_mm": 80},
    ),
    _product(
        "bookcase",
        "bookcase",
        ((400, 2400), (800, 2400), (250, 400)),
        {"doors": (0, 0), "shelves": (0, 8), "drawers": (0, 0), "dividers": (0, 4)},
        ["hinged"],
        {"shelves": 4, "doors": 0},
        {"plinth_mm": 60},
    ),
    _product(
        "tv_unit",
        "TV unit",
        ((1000, 2800), (300, 700), (300, 500)),
        {"doors": (0, 4), "shelves": (0, 2), "drawers": (0, 3), "dividers": (0, 4)},
        ["hinged"],
        {"drawers": 0},
        {"drawer_pitch_mm": 150, "fixtures": {"furniture-leg": 4, "cable-grommet": 1}},
    ),
    _product(
        "desk",
        "desk",
        ((800, 2000), (700, 780), (500, 800)),
        {"doors": (0, 0), "shelves": (0, 0), "drawers": (0, 3), "dividers": (0, 1)},
        ["hinged"],
        {"doors": 0, "shelves": 0, "board": "particleboard-25"},
        {
            "has_bottom": False,
            "top_on_sides": True,
            "back": "modesty",
            "modesty_height_mm": 350,
            "drawer_pitch_mm": 130,
        },
        handles=["bar-128", "bar-192", "knob", "push-latch", "routed-grip"],
    ),
]

_RATES = {
    "panel_saw": "180",
    "edge_bander": "150",
    "cnc_drill": "160",
    "cnc_router": "200",
    "sander": "120",
    "paint_line": "260",
    "assembly": "90",
    "packing": "60",
}

SEED: dict[str, Any] = {
    "version": 1,
    "currency": "CNY",
    "boards": {b["code"]: b for b in BOARDS},
    "finishes": {f["code"]: f for f in FINISHES},
    "edge_bands": {e["code"]: e for e in EDGE_BANDS},
    "door_styles": {d["code"]: d for d in DOOR_STYLES},
    "hardware": {h["code"]: h for h in HARDWARE},
    "products": {p["code"]: p for p in PRODUCTS},
    "pricing": {"machine_rate_per_hour": _RATES, "margin_percent": "35"},
}


def seed_catalogue() -> Catalogue:
    """The seed catalogue, version 1."""
    return Catalogue.from_dict(SEED)
