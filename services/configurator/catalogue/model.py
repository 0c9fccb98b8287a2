"""The catalogue: what a chain's factories can build, as plain versioned data.

A `Catalogue` is one published version. Everything a rule, a panel formula, the router or
the price needs lives here, so an order configured against version 7 is reproducible from
version 7 alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from .codec import from_plain, to_plain


@dataclass(frozen=True)
class SheetSize:
    """A standard board as it leaves the supplier; grain (if any) runs along its length."""

    length_mm: int
    width_mm: int


@dataclass(frozen=True)
class Board:
    code: str
    name: str
    kind: str  # particleboard | mdf | plywood | veneered | hdf
    thickness_mm: float
    cost_per_m2: Decimal
    max_shelf_span_mm: int
    grain: bool
    density_kg_m3: int
    sheets: tuple[SheetSize, ...]
    offered: bool = True  # False for boards used only inside (backs, drawer bottoms)


@dataclass(frozen=True)
class Finish:
    code: str
    name: str
    kind: str  # melamine | veneer | lacquer
    colour: str
    grain: bool
    cost_per_m2: Decimal
    board_kinds: tuple[str, ...]
    banded: bool = True  # lacquered edges are sanded and painted, not banded


@dataclass(frozen=True)
class EdgeBand:
    code: str
    thickness_mm: float
    cost_per_m: Decimal


@dataclass(frozen=True)
class HingeStep:
    """Doors up to `max_height_mm` tall hang on `hinges` hinges."""

    max_height_mm: int
    hinges: int


@dataclass(frozen=True)
class DoorStyle:
    code: str
    name: str
    kind: str  # hinged | sliding
    min_leaf_width_mm: int
    max_leaf_width_mm: int
    max_leaf_height_mm: int
    handles: tuple[str, ...]
    default_handle: str
    hinge_table: tuple[HingeStep, ...] = ()
    hinge: str = "hinge-soft-close"
    per_leaf: dict[str, int] = field(default_factory=dict)
    per_set: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class HardwareItem:
    code: str
    name: str
    kind: (
        str  # hinge | slide | handle | connector | shelf_pin | track | roller | leg | hanger | rail
    )
    cost: Decimal
    holes: int = 0  # holes the cnc_drill bores for one fitted unit
    fitting_s: float = 0.0  # assembly seconds per unit
    router_s: float = 0.0  # cnc_router seconds per unit (routed grips, cable outlets)
    weight_kg: float = 0.0


@dataclass(frozen=True)
class Parameter:
    name: str
    minimum: int
    maximum: int
    step: int = 1
    unit: str = "mm"  # mm | count


@dataclass(frozen=True)
class Rule:
    """One build rule as data: a kind the evaluator knows, its parameters, and when it applies."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    when: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Construction:
    """How a product's carcass goes together."""

    plinth_mm: int = 0
    has_bottom: bool = True
    top_on_sides: bool = False  # desks: the top overlays the sides
    back: str = "full"  # full | modesty | none
    modesty_height_mm: int = 0
    drawer_pitch_mm: int = 200
    fixtures: dict[str, int] = field(default_factory=dict)  # per product (legs, hangers)
    per_bay: dict[str, int] = field(default_factory=dict)  # per bay (hanging rails)


@dataclass(frozen=True)
class ProductTemplate:
    code: str
    name: str
    parameters: dict[str, Parameter]
    boards: tuple[str, ...]
    finishes: tuple[str, ...]
    door_styles: tuple[str, ...]
    handles: tuple[str, ...]
    defaults: dict[str, Any]
    construction: Construction
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Joinery:
    """Catalogue-wide construction constants (gaps, grooves, setbacks, internal materials)."""

    door_gap_mm: float = 3.0
    sliding_overlap_mm: float = 30.0
    sliding_track_mm: float = 40.0
    back_board: str = "hdf-8"
    back_finish: str = "melamine-white"
    back_groove_mm: float = 8.0
    back_inset_mm: float = 20.0
    shelf_setback_mm: float = 20.0
    shelf_clearance_mm: float = 2.0
    drawer_board: str = "particleboard-18"
    drawer_finish: str = "melamine-white"
    drawer_slide_clearance_mm: float = 13.0
    drawer_box_gap_mm: float = 60.0
    drawer_front_gap_mm: float = 4.0
    drawer_slide_lengths_mm: tuple[int, ...] = (250, 300, 350, 400, 450, 500, 550, 600)
    connector_spacing_mm: float = 250.0
    front_band: str = "abs-1.0"
    visible_band: str = "abs-1.0"
    hidden_band: str = "abs-0.4"
    connector: str = "cam-lock"
    dowel: str = "dowel"
    shelf_pin: str = "shelf-pin"
    drawer_slide: str = "slide-pair"


@dataclass(frozen=True)
class ProcessConstants:
    """Time constants of the routing formulas; see docs/routing.md for where they come from."""

    saw_setup_s: float = 180.0
    saw_board_handling_s: float = 90.0
    saw_cut_s: float = 12.0
    saw_feed_m_per_min: float = 20.0
    edge_setup_s: float = 300.0
    edge_feed_m_per_min: float = 12.0
    edge_pass_s: float = 8.0
    drill_setup_s: float = 120.0
    drill_panel_s: float = 20.0
    drill_hole_s: float = 1.5
    router_setup_s: float = 300.0
    router_panel_s: float = 30.0
    sand_setup_s: float = 120.0
    sand_s_per_m2: float = 90.0
    sand_panel_s: float = 15.0
    paint_setup_s: float = 900.0
    paint_s_per_m2: float = 60.0
    paint_panel_s: float = 20.0
    dry_s_per_coat: float = 14400.0
    assembly_base_s: float = 600.0
    assembly_panel_s: float = 45.0
    packing_base_s: float = 300.0
    packing_panel_s: float = 20.0


@dataclass(frozen=True)
class PricingPolicy:
    machine_rate_per_hour: dict[str, Decimal]
    margin_percent: Decimal
    batch_yield_floor: float = 0.82  # boards are cut in batches; an order pays no worse than this
    edge_waste_factor: float = 1.1  # band trimmed at both ends of every edge
    lacquer_cost_per_m2_coat: Decimal = Decimal("18.00")


@dataclass(frozen=True)
class Shipping:
    max_package_kg: float = 40.0
    padding_mm: float = 25.0
    hardware_box_mm: tuple[int, int, int] = (400, 300, 150)


@dataclass(frozen=True)
class Catalogue:
    """One published version of the catalogue."""

    version: int
    currency: str
    boards: dict[str, Board]
    finishes: dict[str, Finish]
    edge_bands: dict[str, EdgeBand]
    door_styles: dict[str, DoorStyle]
    hardware: dict[str, HardwareItem]
    products: dict[str, ProductTemplate]
    joinery: Joinery = field(default_factory=Joinery)
    process: ProcessConstants = field(default_factory=ProcessConstants)
    pricing: PricingPolicy = field(
        default_factory=lambda: PricingPolicy(machine_rate_per_hour={}, margin_percent=Decimal(30))
    )
    shipping: Shipping = field(default_factory=Shipping)
    kerf_mm: float = 4.0
    trim_mm: float = 10.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible plain data, as an event stores it."""
        return to_plain(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Catalogue:
        """Rebuild a catalogue from `to_dict` output; raises `PlainDataError` naming the misfit."""
        return from_plain(cls, data)

    def with_version(self, version: int) -> Catalogue:
        """The same content published as another version."""
        return replace(self, version=version)
