"""Hardware a piece needs: hinges, slides, handles, connectors, pins, tracks and fixtures."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .layout import Layout
from .model import Catalogue, DoorStyle, ProductTemplate


@dataclass(frozen=True)
class HardwareLine:
    code: str
    name: str
    kind: str
    quantity: int
    unit_cost: Decimal
    holes: int  # holes bored for all units of the line
    fitting_s: float  # assembly seconds for all units
    router_s: float  # cnc_router seconds for all units

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.quantity


def count_hardware(
    catalogue: Catalogue, product: ProductTemplate, options: dict[str, Any], layout: Layout
) -> tuple[HardwareLine, ...]:
    """Hardware lines in a stable order (by catalogue order of items)."""
    j, build, lay = catalogue.joinery, product.construction, layout
    counts: Counter[str] = Counter()
    joints = 2  # the top meets both sides
    joints += 2 if build.has_bottom else 0
    joints += 4 if lay.plinth_mm else 0  # plinth front and rail
    joints += (lay.bays - 1) * (2 if build.has_bottom else 1)
    joints += 2 if lay.drawers and build.has_bottom else 0
    joints += 2 if build.back == "modesty" else 0
    per_joint = max(2, math.ceil(lay.depth_mm / j.connector_spacing_mm))
    counts[j.connector] += joints * per_joint
    counts[j.dowel] += joints * per_joint
    counts[j.shelf_pin] += 4 * lay.shelves_per_bay * lay.bays
    style = catalogue.door_styles.get(options["door_style"]) if lay.doors else None
    if style is not None:
        _door_hardware(counts, style, lay)
    handle = options["handle"]
    if handle in catalogue.hardware:
        counts[handle] += lay.doors + lay.drawers
    counts[j.drawer_slide] += lay.drawers
    counts.update(build.fixtures)
    counts.update({code: n * lay.bays for code, n in build.per_bay.items()})
    lines = []
    for code, item in catalogue.hardware.items():
        n = counts.get(code, 0)
        if n:
            lines.append(
                HardwareLine(
                    code,
                    item.name,
                    item.kind,
                    n,
                    item.cost,
                    n * item.holes,
                    n * item.fitting_s,
                    n * item.router_s,
                )
            )
    return tuple(lines)


def _door_hardware(counts: Counter[str], style: DoorStyle, lay: Layout) -> None:
    if style.hinge_table:
        hinges = next(
            (s.hinges for s in style.hinge_table if lay.leaf_height_mm <= s.max_height_mm),
            style.hinge_table[-1].hinges,
        )
        counts[style.hinge] += hinges * lay.doors
    counts.update({code: n * lay.doors for code, n in style.per_leaf.items()})
    counts.update(style.per_set)
