"""configure(): from a product and its options to everything a factory needs, or the reasons not.

The nesting inside is the quick single-variant one, enough for a board count, yield and
cut count in a millisecond; cut lists for the workshop come from `nest_orders` over a batch.
The configuration keeps that cut plan (`unit_cut_plan`): an order of just this one piece
takes it where its own nesting chooses the same layout (`order_plan`), rather than building
it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from services.kit.words import N_, Words

from .codec import to_plain
from .cut_plan import CutPlan
from .hardware import HardwareLine, count_hardware
from .layout import Layout, lay_out
from .model import Catalogue
from .nesting import NestingSettings, nest_parts, parts_of
from .options import read_options, resolve_autos
from .panels import Panel, derive_panels
from .pricing import Price, price
from .rejection import Reason, Rejection, one_of
from .routing import MaterialSummary, NestingSummary, Routing, route
from .rules import CHOICES, GEOMETRY, PANELS, VALUES, RuleContext, added_operations, evaluate
from .shipping import PackageEstimate, estimate_packages


@dataclass(frozen=True)
class Spec:
    """What was ordered, resolved: every option with defaults and autos filled, and the layout."""

    product: str
    product_name: str
    catalogue_version: int
    options: dict[str, Any]
    layout: Layout


@dataclass(frozen=True)
class Configuration:
    spec: Spec
    panels: tuple[Panel, ...]
    hardware: tuple[HardwareLine, ...]
    nesting: NestingSummary
    routing: Routing
    price: Price
    package: PackageEstimate
    # one unit nested the quick way, parts labelled "quote-NNN": what `nesting` summarises
    unit_cut_plan: CutPlan = field(compare=False, repr=False)

    @property
    def product(self) -> str:
        return self.spec.product

    @property
    def catalogue_version(self) -> int:
        return self.spec.catalogue_version

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible plain data (Decimals as strings), as `OrderConfigured` stores it;
        the unit's cut plan stays out (its summary is `nesting`)."""
        return {f.name: to_plain(getattr(self, f.name)) for f in fields(self)
                if f.name != "unit_cut_plan"}


def configure(catalogue: Catalogue, product: str, options: Any) -> Configuration | Rejection:
    """Configure one piece; never raises for bad input: that is what a `Rejection` is for."""
    template = catalogue.products.get(product) if isinstance(product, str) else None
    if template is None:
        return Rejection(
            str(product),
            catalogue.version,
            (
                Reason(
                    "product",
                    Words.of(N_("'%(product)s' is not a product in catalogue version %(version)s"),
                             product=product, version=catalogue.version),
                    one_of(catalogue.products),
                ),
            ),
        )
    chosen, reasons = read_options(template, options)
    if reasons:
        return Rejection(product, catalogue.version, tuple(reasons))
    context = RuleContext(catalogue, template, chosen)
    for stage in (CHOICES, VALUES, GEOMETRY, PANELS):
        if stage == VALUES:
            resolve_autos(catalogue, template, chosen)
        elif stage == GEOMETRY:
            context.layout = lay_out(catalogue, template, chosen)
        elif stage == PANELS:
            context.panels = derive_panels(catalogue, template, chosen, context.layout)
        reasons = evaluate(stage, context)
        if reasons:
            return Rejection(product, catalogue.version, tuple(reasons))
    return _build(context)


def _build(context: RuleContext) -> Configuration:
    catalogue, template, chosen = context.catalogue, context.product, context.options
    panels, layout = context.panels, context.layout
    hardware = count_hardware(catalogue, template, chosen, layout)
    cut_plan = nest_parts(
        parts_of("quote", panels),
        {p.material: catalogue.boards[p.board].sheets for p in panels},
        NestingSettings(catalogue.kerf_mm, catalogue.trim_mm, method="quick"),
    )
    nesting = summarise(cut_plan)
    routing = route(catalogue, panels, hardware, nesting, context.finish, added_operations(context))
    spec = Spec(template.code, template.name, catalogue.version, dict(chosen), layout)
    return Configuration(
        spec,
        panels,
        hardware,
        nesting,
        routing,
        price(catalogue, panels, hardware, nesting, routing),
        estimate_packages(catalogue, panels, hardware),
        cut_plan,
    )


def summarise(plan: CutPlan) -> NestingSummary:
    """Board counts, yield and cuts per material: what routing and price need of a cut plan."""
    return NestingSummary(
        tuple(
            MaterialSummary(
                m.material,
                len(m.boards),
                tuple(f"{b.sheet.length_mm}x{b.sheet.width_mm}" for b in m.boards),
                round(m.panel_area_m2, 4),
                round(m.board_area_m2, 4),
                round(m.yield_pct, 2),
                m.cut_count,
                round(sum(c.length_mm for b in m.boards for c in b.cuts) / 1000, 2),
            )
            for m in plan.materials
        )
    )
