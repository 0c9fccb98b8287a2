"""Wire (protobuf) ↔ domain for the configurator: specs, routing, price, nesting, packages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_events_pb2 as events
from dovetail.configurator.v1 import configurator_service_pb2 as pb
from services.configurator.catalogue import Configuration, HardwareLine, Panel, Price, Reason
from services.configurator.domain.order_plan import OrderPrice
from services.configurator.domain.order_routing import RoutingStep
from services.configurator.domain.plan_records import (
    ConfiguredLine,
    MaterialUse,
    NestingRecord,
    RejectionReason,
    ShippedPackage,
)
from services.kit.words import N_, Words
from services.kit.words_pb import words_or_none

COMPONENTS = {
    "boards": pb.PRICE_COMPONENT_BOARD,
    "edge banding": pb.PRICE_COMPONENT_EDGE_BANDING,
    "hardware": pb.PRICE_COMPONENT_HARDWARE,
    "coating": pb.PRICE_COMPONENT_FINISH,
    "machine time": pb.PRICE_COMPONENT_MACHINE_TIME,
    "margin": pb.PRICE_COMPONENT_MARGIN,
}
# What a line of the order's price is, said (its `description` is the English)
PRICE_WORDS = {"boards": N_("boards"), "edge banding": N_("edge banding"),
               "hardware": N_("hardware"), "coating": N_("finish"),
               "machine time": N_("machine time")}
MARGIN = N_("margin %(percent)s%%")
HARDWARE_KINDS = {
    "hinge": pb.HARDWARE_KIND_HINGE,
    "slide": pb.HARDWARE_KIND_SLIDE,
    "handle": pb.HARDWARE_KIND_HANDLE,
    "connector": pb.HARDWARE_KIND_CONNECTOR,
    "shelf_pin": pb.HARDWARE_KIND_SHELF_PIN,
    "track": pb.HARDWARE_KIND_SLIDING_DOOR_TRACK,
    "rail": pb.HARDWARE_KIND_HANGING_RAIL,
    "leg": pb.HARDWARE_KIND_LEG,
}
GRAIN = {"length": pb.GRAIN_DIRECTION_LENGTH, "width": pb.GRAIN_DIRECTION_WIDTH,
         "none": pb.GRAIN_DIRECTION_NONE}
EDGES = (("l1", pb.PANEL_EDGE_LENGTH_1), ("l2", pb.PANEL_EDGE_LENGTH_2),
         ("w1", pb.PANEL_EDGE_WIDTH_1), ("w2", pb.PANEL_EDGE_WIDTH_2))


def timestamp(value: datetime | str | None) -> timestamp_pb2.Timestamp | None:
    if not value:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return ts


def date_to_pb(value: str) -> types_pb2.Date | None:
    if not value:
        return None
    d = date.fromisoformat(value)
    return types_pb2.Date(year=d.year, month=d.month, day=d.day)


def date_from_pb(value: types_pb2.Date, present: bool) -> str:
    if not present or not value.year:
        return ""
    try:
        return date(value.year, value.month, value.day).isoformat()
    except ValueError:
        return ""


def money(amount: Decimal | str, currency: str) -> types_pb2.Money:
    return types_pb2.Money(amount=str(amount), currency=currency)


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update(values)
    return out


def value(v: Any) -> struct_pb2.Value | None:
    if v is None:
        return None
    out = struct_pb2.Value()
    if isinstance(v, bool):
        out.bool_value = v
    elif isinstance(v, int | float):
        out.number_value = v
    else:
        out.string_value = str(v)
    return out


def reason_to_pb(reason: RejectionReason | Reason, line_id: str = "") -> pb.RejectionReason:
    """Why a line cannot be built, in English and as words (a reason stored before words has
    only the English)."""
    return pb.RejectionReason(line_id=getattr(reason, "line_id", line_id),
                              parameter=reason.parameter, message=reason.message,
                              suggestion=reason.suggestion,
                              message_words=words_or_none(reason.message_words),
                              suggestion_words=words_or_none(reason.suggestion_words))


def routing_to_pb(step: RoutingStep, words: Words | None = None) -> pb.RoutingOperation:
    """One operation of the routing; its description as words too: `words` (the plan made
    again says it) before those the step was stored with (none before words were kept)."""
    return pb.RoutingOperation(
        operation_id=step.operation_id, seq=step.seq,
        machine_type=types_pb2.MachineType.Value(f"MACHINE_TYPE_{step.machine_type.upper()}"),
        duration_seconds=step.duration_s, setup_family=step.setup_family,
        setup_key=step.setup_key, min_wait_after_seconds=step.min_wait_after_s,
        batch_key=step.batch_key, description=step.description,
        line_ids=list(step.line_ids), setup_seconds=step.setup_s,
        description_words=words_or_none(words or step.description_words))


def order_price_to_pb(price: OrderPrice) -> pb.Price:
    currency = price.currency
    return pb.Price(total=money(price.total, currency), lines=[
        pb.PriceLine(component=COMPONENTS.get(line.category, 0),
                     description=(said := price_words(line.category, line.quantity)).english(),
                     quantity=str(line.quantity), unit=line.unit,
                     amount=money(line.amount, currency), description_words=words_or_none(said))
        for line in price.lines])


def price_words(category: str, quantity: Decimal) -> Words:
    """What one line of an order's price is: its category, the margin with its percent."""
    if category == "margin":
        return Words.of(MARGIN, percent=quantity)
    return Words(PRICE_WORDS.get(category, category))


def line_price_to_pb(price: Price, quantity: int) -> pb.Price:
    """One unit's price breakdown times the quantity; the lines add up to the total."""
    c = price.currency
    lines = [pb.PriceLine(component=COMPONENTS.get(p.category, 0),
                          description=p.item + (f" ({p.note})" if p.note else ""),
                          quantity=str(p.quantity * quantity), unit=p.unit,
                          unit_price=money(p.unit_price, c), amount=money(p.amount * quantity, c))
             for p in price.lines]
    lines.append(pb.PriceLine(component=pb.PRICE_COMPONENT_MARGIN,
                              description=f"margin {price.margin_percent}%",
                              quantity=str(price.margin_percent), unit="%",
                              amount=money(price.margin * quantity, c)))
    return pb.Price(total=money(price.total * quantity, c), lines=lines)


def nesting_summary_to_pb(nesting: NestingRecord) -> pb.NestingSummary:
    materials = [m.summary for m in nesting.materials]
    panel = sum(m.panel_area_m2 for m in materials)
    board = sum(m.board_area_m2 for m in materials)
    return pb.NestingSummary(
        boards_used=sum(m.boards for m in materials),
        yield_percent=round(100 * panel / board, 2) if board else 0.0,
        kerf_mm=nesting.kerf_mm, trim_mm=nesting.trim_mm,
        panel_area_m2=round(panel, 4), board_area_m2=round(board, 4),
        materials=[_material_to_pb(m) for m in nesting.materials])


def _material_to_pb(use: MaterialUse) -> pb.MaterialNesting:
    m = use.summary
    length, _, width = (m.sheets[0] if m.sheets else "0x0").partition("x")
    return pb.MaterialNesting(material=m.material, thickness_mm=use.thickness_mm,
                              stock_length_mm=float(length), stock_width_mm=float(width),
                              boards_used=m.boards, yield_percent=m.yield_pct)


def package_to_pb(p: ShippedPackage) -> pb.Package:
    return pb.Package(package_id=p.package_id, description=p.description,
                      weight_kg=p.weight_kg, length_mm=p.length_mm, width_mm=p.width_mm,
                      height_mm=p.height_mm, volume_m3=p.volume_m3)


def line_summary_to_pb(line: ConfiguredLine, currency: str) -> events.ConfiguredLineSummary:
    return events.ConfiguredLineSummary(
        line_id=line.request.line_id, product=line.request.product,
        quantity=line.request.quantity, options=struct(line.resolved_options.as_plain()),
        summary=line.summary, summary_words=words_or_none(line.summary_words),
        panel_count=line.panel_count,
        hardware_count=line.hardware_count, price=money(line.price, currency))


def panel_to_pb(line_id: str, index: int, panel: Panel) -> pb.Panel:
    banding = [pb.EdgeBanding(edge=edge, material=band.code, thickness_mm=band.thickness_mm,
                              colour=band.colour)
               for name, edge in EDGES if (band := getattr(panel.banding, name)) is not None]
    return pb.Panel(panel_id=f"{line_id}-{index:02d}", line_id=line_id, name=panel.name,
                    quantity=panel.quantity, length_mm=panel.length_mm, width_mm=panel.width_mm,
                    thickness_mm=panel.thickness_mm, material=panel.board, finish=panel.finish,
                    grain=GRAIN.get(panel.grain, 0), edge_banding=banding)


def hardware_to_pb(h: HardwareLine, currency: str) -> pb.HardwareLine:
    return pb.HardwareLine(sku=h.code, name=h.name,
                           kind=HARDWARE_KINDS.get(h.kind, pb.HARDWARE_KIND_OTHER),
                           quantity=h.quantity, unit_cost=money(h.unit_cost, currency),
                           total_cost=money(h.cost, currency))


def line_spec_to_pb(line_id: str, quantity: int, configuration: Configuration,
                    summary: str, packages: tuple[ShippedPackage, ...],
                    summary_words: Words | None = None) -> pb.LineSpec:
    """One line's spec: panels and hardware of one unit; price and packages of all units."""
    c = configuration
    return pb.LineSpec(
        line_id=line_id, product=c.product, quantity=quantity, options=struct(c.spec.options),
        summary=summary, summary_words=words_or_none(summary_words), panels=[panel_to_pb(line_id, i, p) for i, p in enumerate(c.panels, 1)],
        hardware=[hardware_to_pb(h, c.price.currency) for h in c.hardware],
        price=line_price_to_pb(c.price, quantity),
        packages=[package_to_pb(p) for p in packages if p.line_id == line_id])
