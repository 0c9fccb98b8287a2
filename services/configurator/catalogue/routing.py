"""Routing: the operations a piece goes through, with machine type and duration.

Durations are derived from the panels (cuts, edge metres, holes, coated area); the formulas
and the provenance of every constant are written up in docs/routing.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .hardware import HardwareLine
from .model import Catalogue, Finish
from .panels import Panel

ADDED_STEPS = {"sanding", "lacquering"}  # steps an `adds_operations` rule may ask for


@dataclass(frozen=True)
class MaterialSummary:
    material: str
    boards: int
    sheets: tuple[str, ...]  # "2800x2070" per board
    panel_area_m2: float
    board_area_m2: float
    yield_pct: float
    cuts: int
    cut_length_m: float


@dataclass(frozen=True)
class NestingSummary:
    materials: tuple[MaterialSummary, ...]

    @property
    def boards_used(self) -> int:
        return sum(m.boards for m in self.materials)

    @property
    def yield_pct(self) -> float:
        board = sum(m.board_area_m2 for m in self.materials)
        return 100 * sum(m.panel_area_m2 for m in self.materials) / board if board else 0.0

    def of(self, material: str) -> MaterialSummary | None:
        return next((m for m in self.materials if m.material == material), None)


@dataclass(frozen=True)
class Operation:
    sequence: int
    step: str  # cutting | edge_banding | routing | drilling | sanding | lacquering | assembly | packing
    machine_type: str
    duration_s: int  # processing time, excluding setup
    setup_s: int  # changeover when the machine last ran another setup family
    setup_family: str | None
    min_wait_after_s: int = 0  # e.g. lacquer drying before the next operation
    basis: dict[str, Any] = field(default_factory=dict)  # quantities the duration came from


@dataclass(frozen=True)
class Routing:
    operations: tuple[Operation, ...]

    @property
    def processing_s(self) -> int:
        return sum(op.duration_s + op.setup_s for op in self.operations)

    def seconds_by_machine(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for op in self.operations:
            totals[op.machine_type] = totals.get(op.machine_type, 0) + op.duration_s + op.setup_s
        return totals


def route(
    catalogue: Catalogue,
    panels: tuple[Panel, ...],
    hardware: tuple[HardwareLine, ...],
    nesting: NestingSummary,
    finish: Finish,
    added: list[dict[str, Any]],
) -> Routing:
    """Operations in the order the piece moves through the factory."""
    k = catalogue.process
    pieces = sum(p.quantity for p in panels)
    steps: list[tuple] = []
    cuts = sum(m.cuts for m in nesting.materials)
    cut_m = sum(m.cut_length_m for m in nesting.materials)
    steps.append(
        (
            "cutting",
            "panel_saw",
            nesting.boards_used * k.saw_board_handling_s
            + cuts * k.saw_cut_s
            + cut_m / k.saw_feed_m_per_min * 60,
            k.saw_setup_s * len(nesting.materials),
            None,
            0,
            {"boards": nesting.boards_used, "cuts": cuts, "cut_m": round(cut_m, 2)},
        )
    )
    for family, (passes, metres) in _edge_families(panels).items():
        steps.append(
            (
                "edge_banding",
                "edge_bander",
                passes * k.edge_pass_s + metres / k.edge_feed_m_per_min * 60,
                k.edge_setup_s,
                family,
                0,
                {"edges": passes, "edge_m": round(metres, 2)},
            )
        )
    router_s = sum(h.router_s for h in hardware)
    if router_s:
        units = sum(h.quantity for h in hardware if h.router_s)
        steps.append(
            (
                "routing",
                "cnc_router",
                router_s + units * k.router_panel_s,
                k.router_setup_s,
                None,
                0,
                {"features": units},
            )
        )
    holes = sum(h.holes for h in hardware)
    drilled = sum(p.quantity for p in panels if p.board != catalogue.joinery.back_board)
    steps.append(
        (
            "drilling",
            "cnc_drill",
            drilled * k.drill_panel_s + holes * k.drill_hole_s,
            k.drill_setup_s,
            None,
            0,
            {"panels": drilled, "holes": holes},
        )
    )
    coated = [p for p in panels if p.finish == finish.code and p.finished_faces]
    area = sum(p.area_m2 * p.quantity * p.finished_faces for p in coated)
    coated_pieces = sum(p.quantity for p in coated)
    for extra in added:
        steps.append(_added_step(extra, k, area, coated_pieces, finish))
    fitting = sum(h.fitting_s for h in hardware)
    steps.append(
        (
            "assembly",
            "assembly",
            k.assembly_base_s + pieces * k.assembly_panel_s + fitting,
            0,
            None,
            0,
            {"panels": pieces, "fittings": sum(h.quantity for h in hardware)},
        )
    )
    steps.append(
        (
            "packing",
            "packing",
            k.packing_base_s + pieces * k.packing_panel_s,
            0,
            None,
            0,
            {"panels": pieces},
        )
    )
    return Routing(
        tuple(
            Operation(
                i + 1, step, machine, math.ceil(duration), math.ceil(setup), family, wait, basis
            )
            for i, (step, machine, duration, setup, family, wait, basis) in enumerate(steps)
        )
    )


def _edge_families(panels: tuple[Panel, ...]) -> dict[str, tuple[int, float]]:
    """Edge passes and metres per setup family (band colour and thickness)."""
    families: dict[str, tuple[int, float]] = {}
    for p in panels:
        for _, band, size in p.banding.banded(p.length_mm, p.width_mm):
            passes, metres = families.get(band.family, (0, 0.0))
            families[band.family] = (passes + p.quantity, metres + p.quantity * size / 1000)
    return dict(sorted(families.items()))


def _added_step(extra: dict[str, Any], k, area: float, pieces: int, finish: Finish) -> tuple:
    basis = {"area_m2": round(area, 3), "panels": pieces}
    if extra["step"] == "sanding":
        return (
            "sanding",
            "sander",
            area * k.sand_s_per_m2 + pieces * k.sand_panel_s,
            k.sand_setup_s,
            None,
            0,
            basis,
        )
    if extra["step"] == "lacquering":
        coat = extra.get("coat", "top")
        family = finish.colour if coat == "top" else coat
        return (
            "lacquering",
            "paint_line",
            area * k.paint_s_per_m2 + pieces * k.paint_panel_s,
            k.paint_setup_s,
            family,
            math.ceil(k.dry_s_per_coat),
            basis | {"coat": coat},
        )
    raise ValueError(f"unknown added operation step {extra['step']!r}")
