"""The configurator's pure domain: catalogue, build rules, panels, nesting, routing, price.

No I/O here: the service around it stores catalogues and configurations as events.
"""

# Registering the rule kinds is importing them (here, not in rules.py: they import rules).
from . import rule_checks, rule_geometry  # noqa: F401
from .codec import PlainDataError
from .configure import Configuration, Spec, configure, summarise
from .cut_list import PanelLabel, cut_list_csv, cut_lists, panel_labels, saw_sequence
from .cut_plan import BoardLayout, Cut, CutPlan, MaterialNesting, Part, Placement
from .cutting_diagram import board_dxf, board_svg
from .hardware import HardwareLine
from .layout import Layout
from .model import (
    Board,
    Catalogue,
    Construction,
    DoorStyle,
    EdgeBand,
    Finish,
    HardwareItem,
    Parameter,
    ProductTemplate,
    Rule,
    SheetSize,
)
from .nesting import NestingSettings, nest_orders, nest_parts, parts_of
from .panels import Band, EdgeBanding, Panel
from .pricing import Price, PriceLine
from .rejection import ConfigurationRejected, Reason, Rejection
from .routing import MaterialSummary, NestingSummary, Operation, Routing
from .rules import unknown_rule_kinds
from .seed import seed_catalogue
from .shipping import PackageEstimate, Parcel

__all__ = [
    "Band",
    "Board",
    "BoardLayout",
    "Catalogue",
    "Configuration",
    "ConfigurationRejected",
    "Construction",
    "Cut",
    "CutPlan",
    "DoorStyle",
    "EdgeBand",
    "EdgeBanding",
    "Finish",
    "HardwareItem",
    "HardwareLine",
    "Layout",
    "MaterialNesting",
    "MaterialSummary",
    "NestingSettings",
    "NestingSummary",
    "Operation",
    "PackageEstimate",
    "Panel",
    "PanelLabel",
    "Parameter",
    "Parcel",
    "Part",
    "Placement",
    "PlainDataError",
    "Price",
    "PriceLine",
    "ProductTemplate",
    "Reason",
    "Rejection",
    "Routing",
    "Rule",
    "SheetSize",
    "Spec",
    "board_dxf",
    "board_svg",
    "configure",
    "cut_list_csv",
    "cut_lists",
    "nest_orders",
    "nest_parts",
    "panel_labels",
    "parts_of",
    "saw_sequence",
    "seed_catalogue",
    "summarise",
    "unknown_rule_kinds",
]
