"""Price with a breakdown: boards by area and yield, edge banding, hardware, coating,
machine time, then margin. Money is `Decimal`, every line rounded half-up to 2 places."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .hardware import HardwareLine
from .model import Catalogue
from .panels import Panel
from .routing import NestingSummary, Routing

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PriceLine:
    category: str  # boards | edge banding | hardware | coating | machine time
    item: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    note: str = ""


@dataclass(frozen=True)
class Price:
    currency: str
    lines: tuple[PriceLine, ...]
    subtotal: Decimal
    margin_percent: Decimal
    margin: Decimal
    total: Decimal

    def by_category(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.lines:
            totals[line.category] = totals.get(line.category, Decimal(0)) + line.amount
        return totals


def price(
    catalogue: Catalogue,
    panels: tuple[Panel, ...],
    hardware: tuple[HardwareLine, ...],
    nesting: NestingSummary,
    routing: Routing,
) -> Price:
    """Price one piece from what it is made of and the machine time it takes."""
    policy = catalogue.pricing
    lines = _board_lines(catalogue, panels, nesting)
    lines += _band_lines(catalogue, panels)
    lines += [
        PriceLine("hardware", h.name, Decimal(h.quantity), "pcs", h.unit_cost, money(h.cost))
        for h in hardware
    ]
    coats = [op for op in routing.operations if op.step == "lacquering"]
    if coats:
        area = Decimal(str(sum(op.basis["area_m2"] for op in coats))).quantize(Decimal("0.001"))
        unit = policy.lacquer_cost_per_m2_coat
        lines.append(
            PriceLine(
                "coating", f"lacquer, {len(coats)} coats", area, "m²·coat", unit, money(area * unit)
            )
        )
    for machine, seconds in routing.seconds_by_machine().items():
        rate = policy.machine_rate_per_hour.get(machine, Decimal(0))
        hours = (Decimal(seconds) / 3600).quantize(Decimal("0.001"))
        lines.append(PriceLine("machine time", machine, hours, "h", rate, money(hours * rate)))
    subtotal = sum((line.amount for line in lines), Decimal("0.00"))
    margin = money(subtotal * policy.margin_percent / 100)
    return Price(
        catalogue.currency, tuple(lines), subtotal, policy.margin_percent, margin, subtotal + margin
    )


def _board_lines(
    catalogue: Catalogue, panels: tuple[Panel, ...], nesting: NestingSummary
) -> list[PriceLine]:
    """Board area billed at the nesting yield, but never worse than a batch would reach."""
    floor = catalogue.pricing.batch_yield_floor
    areas: dict[str, float] = {}
    for p in panels:
        areas[p.material] = areas.get(p.material, 0.0) + p.area_m2 * p.quantity
    lines = []
    for material, area in areas.items():
        board_code, finish_code = material.split("/")
        unit = (
            catalogue.boards[board_code].cost_per_m2 + catalogue.finishes[finish_code].cost_per_m2
        )
        summary = nesting.of(material)
        achieved = summary.yield_pct / 100 if summary else floor
        used = max(achieved, floor)
        billed = Decimal(str(area / used)).quantize(Decimal("0.001"))
        lines.append(
            PriceLine(
                "boards",
                material,
                billed,
                "m²",
                unit,
                money(billed * unit),
                f"{area:.3f} m² of panels at {used:.0%} yield",
            )
        )
    return lines


def _band_lines(catalogue: Catalogue, panels: tuple[Panel, ...]) -> list[PriceLine]:
    metres: dict[str, float] = {}
    for p in panels:
        for _, band, size in p.banding.banded(p.length_mm, p.width_mm):
            key = f"{band.code} {band.colour}"
            metres[key] = metres.get(key, 0.0) + p.quantity * size / 1000
    lines = []
    for key, length in sorted(metres.items()):
        unit = catalogue.edge_bands[key.split(" ")[0]].cost_per_m
        billed = Decimal(str(length * catalogue.pricing.edge_waste_factor)).quantize(
            Decimal("0.01")
        )
        lines.append(PriceLine("edge banding", key, billed, "m", unit, money(billed * unit)))
    return lines
