"""An order plan as the values its events keep: the summary other services need (lines, nesting,
routing, price, packages), small enough for every event; panels, diagrams and labels are
recomputed from the line requests. Stored through the application's transcodings.

`*_from_v1` read what events stored before these values (plain JSON objects, Decimals as text),
`*_from_v2` what v2 events kept as a plain object (a line's resolved options): the upcasts of
OrderConfiguration's events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from services.configurator.catalogue import Catalogue, MaterialSummary
from services.configurator.domain.order_plan import (
    LineRejection,
    LineRequest,
    OrderPlan,
    OrderPrice,
    PriceTotal,
    describe,
)
from services.configurator.domain.order_routing import RoutingStep
from services.kit.words import Words


@dataclass(frozen=True)
class ResolvedOptions:
    """A line's options as configured: the product's defaults filled in and every "auto"
    resolved (`catalogue.options`), so each of the catalogue's option names has its value."""

    width_mm: int
    height_mm: int
    depth_mm: int
    doors: int
    shelves: int
    drawers: int
    dividers: int
    board: str
    finish: str
    door_style: str
    handle: str

    @staticmethod
    def of(options: Mapping[str, Any]) -> ResolvedOptions:
        """From a configuration's options (`Spec.options`), or a plain object an event stored;
        an option missing there reads as 0 or "" rather than refusing a stored fact."""

        def whole(name: str) -> int:
            return int(options.get(name) or 0)

        def named(name: str) -> str:
            return str(options.get(name) or "")

        return ResolvedOptions(
            width_mm=whole("width_mm"), height_mm=whole("height_mm"), depth_mm=whole("depth_mm"),
            doors=whole("doors"), shelves=whole("shelves"), drawers=whole("drawers"),
            dividers=whole("dividers"), board=named("board"), finish=named("finish"),
            door_style=named("door_style"), handle=named("handle"))

    def as_plain(self) -> dict[str, int | str]:
        """Option name → value, as the integration event's options object carries them."""
        return asdict(self)


@dataclass(frozen=True)
class ConfiguredLine:
    """What one line of an order became."""

    request: LineRequest
    resolved_options: ResolvedOptions
    summary: str
    panel_count: int
    hardware_count: int
    unit_price: Decimal
    price: Decimal  # unit price × quantity
    # the summary as words, for the reader's language (None in events from before them)
    summary_words: Words | None = field(default=None, compare=False)


@dataclass(frozen=True)
class MaterialUse:
    """One material's nesting, with the thickness of its board."""

    summary: MaterialSummary
    thickness_mm: float


@dataclass(frozen=True)
class NestingRecord:
    kerf_mm: float
    trim_mm: float
    materials: tuple[MaterialUse, ...]


@dataclass(frozen=True)
class ShippedPackage:
    """One parcel of the order as carriers see it."""

    package_id: str
    line_id: str
    description: str
    weight_kg: float
    length_mm: float
    width_mm: float
    height_mm: float
    volume_m3: float


@dataclass(frozen=True)
class ConfigurationResult:
    nesting_method: str
    nesting: NestingRecord
    routing: tuple[RoutingStep, ...]
    price: OrderPrice
    packages: tuple[ShippedPackage, ...]
    weight_kg: float
    volume_m3: float


@dataclass(frozen=True)
class RejectionReason:
    """Why a line cannot be built, and what a person can do about it."""

    line_id: str
    parameter: str
    message: str
    suggestion: str
    # message and suggestion as words for people (None in events stored before words)
    message_words: Words | None = field(default=None, compare=False)
    suggestion_words: Words | None = field(default=None, compare=False)


# The values above (and those they hold) as stored inside events, by name: names are a stored
# contract, like event topics.
STORED_VALUES: dict[type, str] = {
    LineRequest: "configurator.line_request",
    ResolvedOptions: "configurator.resolved_options",
    ConfiguredLine: "configurator.configured_line",
    MaterialSummary: "configurator.material_summary",
    MaterialUse: "configurator.material_use",
    NestingRecord: "configurator.nesting",
    RoutingStep: "configurator.routing_step",
    PriceTotal: "configurator.price_total",
    OrderPrice: "configurator.order_price",
    ShippedPackage: "configurator.shipped_package",
    ConfigurationResult: "configurator.configuration_result",
    RejectionReason: "configurator.rejection_reason",
}


def plan_lines(plan: OrderPlan, catalogue: Catalogue | None = None) -> list[ConfiguredLine]:
    """The plan's lines as the configuration keeps them; their summaries name materials by
    `catalogue`'s names (the version the plan was made with)."""
    out = []
    for line in plan.lines:
        c = line.configuration
        out.append(ConfiguredLine(
            request=line.request, resolved_options=ResolvedOptions.of(c.spec.options),
            summary=(said := describe(c, catalogue)).english(), summary_words=said,
            panel_count=sum(p.quantity for p in c.panels),
            hardware_count=sum(h.quantity for h in c.hardware),
            unit_price=c.price.total, price=c.price.total * line.quantity))
    return out


def plan_result(catalogue: Catalogue, plan: OrderPlan) -> ConfigurationResult:
    return ConfigurationResult(
        nesting_method=plan.nesting_method,
        nesting=NestingRecord(plan.cut_plan.kerf_mm, plan.cut_plan.trim_mm, tuple(
            MaterialUse(m, _thickness(catalogue, m.material)) for m in plan.nesting.materials)),
        routing=plan.routing,
        price=plan.price,
        packages=tuple(ShippedPackage(
            p.package_id, p.line_id, p.description, p.parcel.weight_kg, p.parcel.length_mm,
            p.parcel.width_mm, p.parcel.height_mm, round(p.parcel.volume_m3, 4))
            for p in plan.packages),
        weight_kg=plan.weight_kg,
        volume_m3=plan.volume_m3)


def rejection_reasons(rejections: tuple[LineRejection, ...]) -> list[RejectionReason]:
    return [RejectionReason(r.line_id, r.reason.parameter, r.reason.message, r.reason.suggestion,
                            r.reason.message_words, r.reason.suggestion_words)
            for r in rejections]


def _thickness(catalogue: Catalogue, material: str) -> float:
    board = catalogue.boards.get(material.split("/")[0])
    return board.thickness_mm if board else 0.0


# --- events stored before these values (v1) ---------------------------------------------

def request_from_v1(line: dict[str, Any]) -> LineRequest:
    return LineRequest(line["line_id"], line["product"], line["quantity"], line["options"])


def configured_line_from_v1(line: dict[str, Any]) -> ConfiguredLine:
    return ConfiguredLine(
        request=request_from_v1(line), resolved_options=ResolvedOptions.of(line["resolved_options"]),
        summary=line["summary"], panel_count=line["panel_count"],
        hardware_count=line["hardware_count"], unit_price=Decimal(line["unit_price"]),
        price=Decimal(line["price"]))


def result_from_v1(result: dict[str, Any]) -> ConfigurationResult:
    nesting, price = result["nesting"], result["price"]
    return ConfigurationResult(
        nesting_method=result["nesting_method"],
        nesting=NestingRecord(nesting["kerf_mm"], nesting["trim_mm"], tuple(
            MaterialUse(MaterialSummary(**{k: v for k, v in m.items() if k != "thickness_mm"}
                                        | {"sheets": tuple(m["sheets"])}), m["thickness_mm"])
            for m in nesting["materials"])),
        routing=tuple(RoutingStep(**step | {"line_ids": tuple(step["line_ids"])})
                      for step in result["routing"]),
        price=OrderPrice(price["currency"], tuple(
            PriceTotal(p["category"], Decimal(p["quantity"]), p["unit"], Decimal(p["amount"]))
            for p in price["lines"]), Decimal(price["total"])),
        packages=tuple(ShippedPackage(**p) for p in result["packages"]),
        weight_kg=result["weight_kg"],
        volume_m3=result["volume_m3"])


def configured_line_from_v2(line: ConfiguredLine) -> ConfiguredLine:
    """A v2 line kept its resolved options as a plain object."""
    options: Any = line.resolved_options
    return line if isinstance(options, ResolvedOptions) else replace(
        line, resolved_options=ResolvedOptions.of(options))


def reason_from_v1(reason: dict[str, str]) -> RejectionReason:
    return RejectionReason(reason.get("line_id", ""), reason["parameter"], reason["message"],
                           reason["suggestion"])
