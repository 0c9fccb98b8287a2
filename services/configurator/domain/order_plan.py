"""An order planned as one job: every line configured on one catalogue version, the panels
of all lines and units nested together, one routing for the whole order, one price.

Pure: the same catalogue version, lines and nesting method always give the same plan, which
is why the service stores only the summary and recomputes panels, diagrams and labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from services.configurator.catalogue import (
    Catalogue,
    Configuration,
    CutPlan,
    NestingSettings,
    NestingSummary,
    Parcel,
    Part,
    Reason,
    Rejection,
    SheetSize,
    configure,
    nest_parts,
    parts_of,
    summarise,
)
from services.configurator.domain.order_routing import RoutingStep, order_routing
from services.kit.words import N_, Words

# "best" tries every guillotine variant (often a board less per wardrobe; the variants are
# scored compiled, ~3 ms at 80 parts, ~28 ms at 400); above this many parts the order is
# nested with the single quick variant so that configuring stays fast.
BEST_NESTING_MAX_PARTS = 400


@dataclass(frozen=True)
class LineRequest:
    """One line as it was ordered. `options` stays the mapping the order (or a designer's
    what-if) sent, name → JSON value: it is free-form on purpose, since a person's mistakes in
    it (an unknown name, a count written as text, not an object at all) are what the
    configuration rejects with reasons (`catalogue.options.read_options`); what it resolves to
    is typed (`plan_records.ResolvedOptions`)."""

    line_id: str
    product: str
    quantity: int
    options: Mapping[str, object]


@dataclass(frozen=True)
class LineRejection:
    line_id: str
    reason: Reason


@dataclass(frozen=True)
class PlannedLine:
    request: LineRequest
    configuration: Configuration

    @property
    def line_id(self) -> str:
        return self.request.line_id

    @property
    def quantity(self) -> int:
        return self.request.quantity


@dataclass(frozen=True)
class PriceTotal:
    category: str  # boards | edge banding | hardware | coating | machine time | margin
    quantity: Decimal
    unit: str
    amount: Decimal


@dataclass(frozen=True)
class OrderPrice:
    currency: str
    lines: tuple[PriceTotal, ...]
    total: Decimal


@dataclass(frozen=True)
class Package:
    package_id: str
    line_id: str
    description: str
    parcel: Parcel


@dataclass(frozen=True)
class OrderPlan:
    catalogue_version: int
    lines: tuple[PlannedLine, ...]
    nesting_method: str
    cut_plan: CutPlan
    nesting: NestingSummary
    routing: tuple[RoutingStep, ...]
    price: OrderPrice
    packages: tuple[Package, ...]
    part_lines: dict[str, str]  # part label (barcode) → line id

    @property
    def weight_kg(self) -> float:
        return round(sum(p.parcel.weight_kg for p in self.packages), 1)

    @property
    def volume_m3(self) -> float:
        return round(sum(p.parcel.volume_m3 for p in self.packages), 3)


def plan_order(catalogue: Catalogue, order_id: str, lines: list[LineRequest],
               nesting_method: str | None = None) -> OrderPlan | tuple[LineRejection, ...]:
    """Configure every line; the plan, or the reasons of every line that cannot be built.

    Operation ids are `<order_id>-op-NN`; part labels (barcodes) `<order ref>-NNN`, the
    order ref being the first 12 hex digits of the order id.
    """
    planned, rejected = [], []
    for line in lines:
        result = _configure_line(catalogue, line)
        if isinstance(result, Rejection):
            rejected += [LineRejection(line.line_id, r) for r in result.reasons]
        else:
            planned.append(PlannedLine(line, result))
    if rejected:
        return tuple(rejected)
    if not planned:
        return (LineRejection("", Reason("items", Words(N_("the order has no lines to configure")),
                                         Words(N_("add at least one item")))),)
    return _plan(catalogue, order_id, tuple(planned), nesting_method)


def _configure_line(catalogue: Catalogue, line: LineRequest) -> Configuration | Rejection:
    try:
        return configure(catalogue, line.product, line.options)
    except Exception as exc:  # noqa: BLE001 - a catalogue gap must reach a person, not loop
        return Rejection(line.product, catalogue.version, (Reason(
            "options", Words.of(N_("this line could not be configured on catalogue version "
                                   "%(version)s (%(error)s)"),
                                version=catalogue.version, error=f"{type(exc).__name__}: {exc}"),
            Words(N_("check the options against GetProduct, or ask the chain leader to fix the "
                     "catalogue"))),))


def order_ref(order_id: str) -> str:
    """The short reference printed on an order's panel labels."""
    return order_id.replace("-", "")[:12]


def _plan(catalogue: Catalogue, order_id: str, lines: tuple[PlannedLine, ...],
          nesting_method: str | None) -> OrderPlan:
    panels, owners = [], []
    for line in lines:
        for _ in range(line.quantity):
            for panel in line.configuration.panels:
                panels.append(panel)
                owners += [line.line_id] * panel.quantity
    parts = parts_of(order_ref(order_id), panels)
    method = nesting_method or ("best" if len(parts) <= BEST_NESTING_MAX_PARTS else "quick")
    sheets = {p.material: catalogue.boards[p.board].sheets for p in panels}
    cut_plan = _order_cut_plan(catalogue, order_id, lines, parts, sheets, method)
    nesting = summarise(cut_plan)
    units = [(line.line_id, line.quantity, line.configuration) for line in lines]
    return OrderPlan(
        catalogue_version=catalogue.version,
        lines=lines,
        nesting_method=method,
        cut_plan=cut_plan,
        nesting=nesting,
        routing=order_routing(catalogue, order_id, units, nesting),
        price=order_price(catalogue.currency, units),
        packages=order_packages(lines),
        part_lines={part.label: owner for part, owner in zip(parts, owners, strict=True)},
    )


def _order_cut_plan(catalogue: Catalogue, order_id: str, lines: tuple[PlannedLine, ...],
                    parts: list[Part], sheets: Mapping[str, Sequence[SheetSize]],
                    method: str) -> CutPlan:
    """The order's parts nested by `method`.

    Configuring a line nested its piece the quick way, for the piece's price; the order is
    nested again as a whole (often "best"), for its cut plan, routing and boards. Two
    questions, both needed: a piece costs the same alone or in an order, and an order of
    several pieces shares boards. But an order of one piece (as shops send most) is the
    same parts: its nesting takes the piece's layout for each material where it is provably
    the one chosen (always when nested quick), and builds only the others."""
    one_piece = len(lines) == 1 and lines[0].quantity == 1
    quick = lines[0].configuration.unit_cut_plan if one_piece else None
    return nest_parts(parts, sheets, NestingSettings(catalogue.kerf_mm, catalogue.trim_mm,
                                                     method=method), quick=quick)


def order_price(currency: str, units: list[tuple[str, int, Configuration]]) -> OrderPrice:
    """Each line's unit price times its quantity, summed by category; margin last."""
    totals: dict[tuple[str, str], list[Decimal]] = {}
    total = Decimal("0.00")
    for _, quantity, configuration in units:
        price = configuration.price
        for line in price.lines:
            entry = totals.setdefault((line.category, line.unit), [Decimal(0), Decimal(0)])
            entry[0] += line.quantity * quantity
            entry[1] += line.amount * quantity
        margin = totals.setdefault(("margin", "%"), [price.margin_percent, Decimal(0)])
        margin[1] += price.margin * quantity
        total += price.total * quantity
    lines = tuple(PriceTotal(category, q, unit, amount)
                  for (category, unit), (q, amount) in sorted(
                      totals.items(), key=lambda kv: kv[0][0] == "margin"))
    return OrderPrice(currency, lines, total)


def order_packages(lines: tuple[PlannedLine, ...]) -> tuple[Package, ...]:
    """Every unit of every line ships flat-packed in its own parcels."""
    out = []
    for line in lines:
        parcels = line.configuration.package.parcels
        for unit in range(1, line.quantity + 1):
            for n, parcel in enumerate(parcels, start=1):
                out.append(Package(
                    f"{line.line_id}-{unit}-{n}", line.line_id,
                    f"line {line.line_id} ({line.configuration.product}) unit {unit}/"
                    f"{line.quantity}, parcel {n}/{len(parcels)}: {parcel.contents}", parcel))
    return tuple(out)


# (one, more) of a kind of door, drawer, bay, as a line's summary says them
DOORS = {"hinged": (N_("%(n)s hinged door"), N_("%(n)s hinged doors")),
         "sliding": (N_("%(n)s sliding door"), N_("%(n)s sliding doors")),
         "": (N_("%(n)s door"), N_("%(n)s doors"))}
DRAWERS = (N_("%(n)s drawer"), N_("%(n)s drawers"))


def describe(configuration: Configuration, catalogue: Catalogue | None = None) -> Words:
    """One line a person reads: 'wardrobe 2000×2400×600 mm, 2 sliding doors, ..., 18 mm
    particleboard, white melamine': the board and finish by the names of `catalogue` (the
    version it was configured with; texts of the gateway's catalogue, said in the reader's
    language), by code without it."""
    o, lay = configuration.spec.options, configuration.spec.layout
    parts: list[Words | str] = [Words.of(
        N_("%(product)s %(width)s×%(height)s×%(depth)s mm"),
        product=configuration.spec.product_name, width=o["width_mm"], height=o["height_mm"],
        depth=o["depth_mm"])]
    if lay.doors:
        one, more = DOORS.get(lay.door_kind or "", DOORS[""])
        parts.append(Words.of(one if lay.doors == 1 else more, n=lay.doors))
    if lay.drawers:
        parts.append(Words.of(DRAWERS[lay.drawers > 1], n=lay.drawers))
    if lay.bays > 1:
        parts.append(Words.of(N_("%(n)s bays"), n=lay.bays))
    parts += material_names(catalogue, o["board"], o["finish"]) if catalogue is not None \
        else [f"{o['board']} {o['finish']}"]
    return Words.listing(parts)


def material_names(catalogue: Catalogue, board: str, finish: str) -> list[str]:
    """A board and its finish by their names in `catalogue` (a code it lacks as it is)."""
    b, f = catalogue.boards.get(board), catalogue.finishes.get(finish)
    return [b.name if b else board, f.name if f else finish]

