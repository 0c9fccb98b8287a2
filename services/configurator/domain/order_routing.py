"""One routing for a whole order: the operations the scheduler packs, in order.

An order's panels are cut together (one nesting), so cutting, edge banding, routing and
drilling are single operations over all lines and units; coating runs per finish (a paint
line changes over between colours); assembly and packing add up each unit's own time.
Durations come from the catalogue's routing formulas (docs/routing.md) applied to the
summed quantities, so an order of one piece gets exactly that piece's routing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from services.configurator.catalogue import (
    Catalogue,
    Configuration,
    NestingSummary,
    Operation,
    Panel,
)
from services.configurator.catalogue.routing import ADDED_STEPS, route
from services.kit.words import N_, Words

SHARED_STEPS = ("cutting", "edge_banding", "routing", "drilling")
# A setup family tells the scheduler which operations change over between each other.
SETUP_FAMILY = {"edge_banding": "edge_band", "lacquering": "paint_colour"}


@dataclass(frozen=True)
class RoutingStep:
    operation_id: str
    seq: int
    step: str
    machine_type: str
    duration_s: int  # setup included
    setup_s: int  # the changeover part of duration_s
    setup_family: str
    setup_key: str
    min_wait_after_s: int
    batch_key: str
    description: str
    line_ids: tuple[str, ...]
    # the description as words, for the reader's language (None in events from before them)
    description_words: Words | None = field(default=None, compare=False)


Units = list[tuple[str, int, Configuration]]  # (line id, quantity, one unit's configuration)


def order_routing(catalogue: Catalogue, order_key: str, units: Units,
                  nesting: NestingSummary) -> tuple[RoutingStep, ...]:
    all_lines = tuple(line_id for line_id, _, _ in units)
    panels = tuple(p for _, q, c in units for p in _times(c.panels, q))
    hardware = tuple(h for _, q, c in units for h in _hardware_times(c, q))
    first_finish = catalogue.finishes[units[0][2].spec.options["finish"]]
    shared = route(catalogue, panels, hardware, nesting, first_finish, [])
    steps: list[tuple[Operation, tuple[str, ...], str]] = []
    materials = "+".join(m.material for m in nesting.materials)
    for op in shared.operations:
        if op.step in SHARED_STEPS:
            steps.append((op, all_lines, materials))
    for finish_code, group in _coating_groups(units).items():
        coated = tuple(p for _, q, c in group for p in _times(c.panels, q))
        added = _added_steps(group[0][2])
        finish = catalogue.finishes[finish_code]
        for op in route(catalogue, coated, (), NestingSummary(()), finish, added).operations:
            if op.step in ADDED_STEPS:
                steps.append((op, tuple(line_id for line_id, _, _ in group), ""))
    for step in ("assembly", "packing"):
        own = [(q, _own(c, step)) for _, q, c in units]
        seconds = sum(q * (op.duration_s + op.setup_s) for q, op in own)
        basis = {"units": sum(q for _, q, _ in units)}
        template = own[0][1]
        steps.append((replace(template, duration_s=seconds, setup_s=0, basis=basis),
                      all_lines, ""))
    return tuple(_step(order_key, seq, op, lines, materials)
                 for seq, (op, lines, materials) in enumerate(steps, start=1))


def _times(panels: tuple[Panel, ...], quantity: int) -> tuple[Panel, ...]:
    return tuple(replace(p, quantity=p.quantity * quantity) for p in panels)


def _hardware_times(configuration: Configuration, quantity: int):
    return tuple(replace(h, quantity=h.quantity * quantity, holes=h.holes * quantity,
                         fitting_s=h.fitting_s * quantity, router_s=h.router_s * quantity)
                 for h in configuration.hardware)


def _coating_groups(units: Units) -> dict[str, Units]:
    """Lines that need coating, grouped by finish (same finish, same coats)."""
    groups: dict[str, Units] = {}
    for unit in units:
        if _added_steps(unit[2]):
            groups.setdefault(unit[2].spec.options["finish"], []).append(unit)
    return groups


def _added_steps(configuration: Configuration) -> list[dict]:
    """The coating steps the catalogue's rules added to this configuration, as rule data."""
    out: list[dict] = []
    for op in configuration.routing.operations:
        if op.step == "sanding":
            out.append({"step": "sanding"})
        elif op.step == "lacquering":
            out.append({"step": "lacquering", "coat": op.basis.get("coat", "top")})
    return out


def _own(configuration: Configuration, step: str) -> Operation:
    return next(op for op in configuration.routing.operations if op.step == step)


def _step(order_key: str, seq: int, op: Operation, lines: tuple[str, ...],
          materials: str) -> RoutingStep:
    key = op.setup_family or ""
    family = SETUP_FAMILY.get(op.step, "") if key else ""
    batch = {"cutting": f"saw:{materials}", "edge_banding": f"edge:{key}",
             "lacquering": f"paint:{key}"}.get(op.step, "")
    return RoutingStep(
        operation_id=f"{order_key}-op-{seq:02d}", seq=seq, step=op.step,
        machine_type=op.machine_type, duration_s=op.duration_s + op.setup_s, setup_s=op.setup_s,
        setup_family=family, setup_key=key, min_wait_after_s=op.min_wait_after_s,
        batch_key=batch, description=(said := describe_step(op)).english(), line_ids=lines,
        description_words=said)


# What a lacquering coat is called (the catalogue's routing names them)
COATS = {"primer": N_("primer"), "top": N_("top")}


def edge_words(family: str) -> Words | str:
    """An edge band's setup family ("oak/1mm": its colour and thickness) as words, the colour
    a text of the catalogue (seed_materials.COLOUR_NAMES); another shape as it is."""
    colour, slash, thickness = family.partition("/")
    if not slash or not thickness.endswith("mm"):
        return family
    return Words.of(N_("%(colour)s/%(thickness)smm"), colour=colour,  # the English as it was
                    thickness=thickness.removesuffix("mm"))


def describe_step(op: Operation) -> Words:
    """What the operation does, in workshop words: "cut 3 boards with 41 cuts (52.4 m)"."""
    b = op.basis
    said = {
        "cutting": lambda: Words.of(N_("cut %(boards)s boards with %(cuts)s cuts (%(metres)s m)"),
                                    boards=b.get("boards", 0), cuts=b.get("cuts", 0),
                                    metres=b.get("cut_m", 0)),
        "edge_banding": lambda: Words.of(
            N_("band %(metres)s m of %(edge)s edge (%(edges)s edges)"),
            metres=b.get("edge_m", 0), edge=edge_words(op.setup_family or ""),
            edges=b.get("edges", 0)),
        "routing": lambda: Words.of(N_("route %(features)s features"),
                                    features=b.get("features", 0)),
        "drilling": lambda: Words.of(N_("drill %(panels)s panels, %(holes)s holes"),
                                     panels=b.get("panels", 0), holes=b.get("holes", 0)),
        "sanding": lambda: Words.of(N_("sand %(area)s m² on %(panels)s panels"),
                                    area=b.get("area_m2", 0), panels=b.get("panels", 0)),
        "lacquering": lambda: Words.of(
            N_("lacquer %(coat)s coat, %(area)s m² (%(finish)s)"),
            coat=COATS.get(b.get("coat", ""), b.get("coat", "")), area=b.get("area_m2", 0),
            finish=op.setup_family),
        "assembly": lambda: Words.of(N_("assemble %(units)s unit(s)"), units=b.get("units", 0)),
        "packing": lambda: Words.of(N_("pack %(units)s unit(s)"), units=b.get("units", 0)),
    }.get(op.step)
    return said() if said else Words(op.step)
