"""Seed catalogue, materials and fittings: boards, finishes, edge bands, hardware, door styles.

Prices are in CNY and are planning figures for a Pearl River Delta cluster, not quotes.
"""

from __future__ import annotations

from services.kit.words import N_

# Names below are texts of the gateway's catalogue (N_): where a service's words name a board,
# finish or door style (a rejection's reasons), the reader reads it in their language; a name
# of another catalogue version reads as written.

BIG, SMALL = {"length_mm": 2800, "width_mm": 2070}, {"length_mm": 2440, "width_mm": 1220}


def _board(
    code, name, kind, thickness, cost, span, grain, density, sheets=(BIG, SMALL), offered=True
):
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "thickness_mm": thickness,
        "cost_per_m2": cost,
        "max_shelf_span_mm": span,
        "grain": grain,
        "density_kg_m3": density,
        "sheets": list(sheets),
        "offered": offered,
    }


BOARDS = [
    _board(
        "particleboard-18", N_("18 mm particleboard"), "particleboard", 18, "42.00", 800, False, 650
    ),
    _board(
        "particleboard-25", N_("25 mm particleboard"), "particleboard", 25, "56.00", 1000, False, 630
    ),
    _board("mdf-18", N_("18 mm MDF"), "mdf", 18, "58.00", 850, False, 740),
    _board("mdf-25", N_("25 mm MDF"), "mdf", 25, "76.00", 1100, False, 720),
    _board("plywood-18", N_("18 mm plywood"), "plywood", 18, "98.00", 1000, True, 600, (SMALL,)),
    _board("plywood-25", N_("25 mm plywood"), "plywood", 25, "128.00", 1300, True, 600, (SMALL,)),
    _board("veneered-18", N_("18 mm veneered MDF"), "veneered", 18, "96.00", 850, True, 740, (SMALL,)),
    _board(
        "veneered-25", N_("25 mm veneered MDF"), "veneered", 25, "122.00", 1100, True, 720, (SMALL,)
    ),
    _board("hdf-8", N_("8 mm HDF"), "hdf", 8, "24.00", 0, False, 850, offered=False),
]

_LACQUER_COLOURS = ("white", "black", "grey", "sage", "navy", "terracotta")
# The colours finishes and edge bands have, as words name them (an edge band "oak/1mm", a
# lacquer coat's colour in the routing)
COLOUR_NAMES = (N_("white"), N_("black"), N_("grey"), N_("sage"), N_("navy"), N_("terracotta"),
                N_("oak"), N_("walnut"))
LACQUER_NAMES = (N_("white lacquer"), N_("black lacquer"), N_("grey lacquer"), N_("sage lacquer"),
                 N_("navy lacquer"), N_("terracotta lacquer"))
FINISHES = [
    {
        "code": "melamine-white",
        "name": N_("white melamine"),
        "kind": "melamine",
        "colour": "white",
        "grain": False,
        "cost_per_m2": "12.00",
        "board_kinds": ["particleboard", "mdf", "plywood"],
    },
    {
        "code": "melamine-grey",
        "name": N_("grey melamine"),
        "kind": "melamine",
        "colour": "grey",
        "grain": False,
        "cost_per_m2": "14.00",
        "board_kinds": ["particleboard", "mdf", "plywood"],
    },
    {
        "code": "melamine-oak",
        "name": N_("oak-grain melamine"),
        "kind": "melamine",
        "colour": "oak",
        "grain": True,
        "cost_per_m2": "18.00",
        "board_kinds": ["particleboard", "mdf", "plywood"],
    },
    {
        "code": "veneer-oak",
        "name": N_("oak veneer"),
        "kind": "veneer",
        "colour": "oak",
        "grain": True,
        "cost_per_m2": "35.00",
        "board_kinds": ["veneered"],
    },
    {
        "code": "veneer-walnut",
        "name": N_("walnut veneer"),
        "kind": "veneer",
        "colour": "walnut",
        "grain": True,
        "cost_per_m2": "78.00",
        "board_kinds": ["veneered"],
    },
] + [
    {
        "code": f"lacquer-{c}",
        "name": f"{c} lacquer",
        "kind": "lacquer",
        "colour": c,
        "grain": False,
        "cost_per_m2": "0.00",
        "board_kinds": ["mdf"],
        "banded": False,
    }
    for c in _LACQUER_COLOURS
]

EDGE_BANDS = [
    {"code": "abs-0.4", "thickness_mm": 0.4, "cost_per_m": "0.60"},
    {"code": "abs-1.0", "thickness_mm": 1.0, "cost_per_m": "1.50"},
    {"code": "abs-2.0", "thickness_mm": 2.0, "cost_per_m": "3.20"},
]


def _hw(code, name, kind, cost, holes=0, fitting=0.0, router=0.0, weight=0.0):
    return {
        "code": code,
        "name": name,
        "kind": kind,
        "cost": cost,
        "holes": holes,
        "fitting_s": fitting,
        "router_s": router,
        "weight_kg": weight,
    }


# The hardware's names as texts of the gateway's catalogue (a handle is an order's option, said
# where its options are shown); a name of another catalogue version reads as written.
HARDWARE_NAMES = (N_("soft-close cup hinge 110°"), N_("full-extension soft-close slide pair"),
                  N_("bar handle 128 mm"), N_("bar handle 192 mm"), N_("round knob"),
                  N_("push-to-open latch"), N_("recessed flush pull"), N_("routed finger grip"),
                  N_("cam lock and bolt"), N_("beech dowel 8×35"), N_("shelf support pin"),
                  N_("double top and bottom track set"), N_("sliding door roller and guide set"),
                  N_("hanging rail with end brackets"), N_("adjustable cabinet hanger"),
                  N_("adjustable furniture leg"), N_("cable outlet grommet"))

HARDWARE = [
    _hw("hinge-soft-close", "soft-close cup hinge 110°", "hinge", "9.50", 3, 40, 0, 0.12),
    _hw("slide-pair", "full-extension soft-close slide pair", "slide", "48.00", 12, 120, 0, 1.2),
    _hw("bar-128", "bar handle 128 mm", "handle", "14.00", 2, 30, 0, 0.10),
    _hw("bar-192", "bar handle 192 mm", "handle", "18.00", 2, 30, 0, 0.14),
    _hw("knob", "round knob", "handle", "8.00", 1, 20, 0, 0.05),
    _hw("push-latch", "push-to-open latch", "handle", "16.00", 1, 45, 0, 0.05),
    _hw("flush-pull", "recessed flush pull", "handle", "12.00", 0, 40, 45, 0.05),
    _hw("routed-grip", "routed finger grip", "handle", "0.00", 0, 0, 90, 0.0),
    _hw("cam-lock", "cam lock and bolt", "connector", "0.60", 2, 15, 0, 0.02),
    _hw("dowel", "beech dowel 8×35", "connector", "0.05", 2, 5, 0, 0.005),
    _hw("shelf-pin", "shelf support pin", "shelf_pin", "0.20", 3, 5, 0, 0.005),
    _hw("sliding-track-set", "double top and bottom track set", "track", "160.00", 10, 600, 0, 3.5),
    _hw(
        "sliding-roller-set", "sliding door roller and guide set", "roller", "38.00", 6, 180, 0, 0.6
    ),
    _hw("wardrobe-rail", "hanging rail with end brackets", "rail", "26.00", 4, 120, 0, 0.8),
    _hw("wall-hanger", "adjustable cabinet hanger", "hanger", "11.00", 4, 60, 0, 0.2),
    _hw("furniture-leg", "adjustable furniture leg", "leg", "15.00", 4, 60, 0, 0.3),
    _hw("cable-grommet", "cable outlet grommet", "grommet", "6.00", 0, 20, 60, 0.03),
]

DOOR_STYLES = [
    {
        "code": "hinged",
        "name": N_("hinged doors"),
        "kind": "hinged",
        "min_leaf_width_mm": 250,
        "max_leaf_width_mm": 600,
        "max_leaf_height_mm": 2400,
        "handles": ["bar-128", "bar-192", "knob", "push-latch", "routed-grip"],
        "default_handle": "bar-128",
        "hinge_table": [
            {"max_height_mm": 900, "hinges": 2},
            {"max_height_mm": 1600, "hinges": 3},
            {"max_height_mm": 2000, "hinges": 4},
            {"max_height_mm": 2400, "hinges": 5},
        ],
    },
    {
        "code": "sliding",
        "name": N_("sliding doors"),
        "kind": "sliding",
        "min_leaf_width_mm": 450,
        "max_leaf_width_mm": 1200,
        "max_leaf_height_mm": 2600,
        "handles": ["flush-pull", "routed-grip"],
        "default_handle": "flush-pull",
        "per_leaf": {"sliding-roller-set": 1},
        "per_set": {"sliding-track-set": 1},
    },
]
