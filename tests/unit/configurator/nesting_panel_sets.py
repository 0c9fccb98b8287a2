"""Generated panel sets for nesting scenarios: a cabinet shop's mix of long, mid and small parts."""

from __future__ import annotations

import random

from services.configurator.catalogue import Part, SheetSize

SHEETS = {"particleboard-18/melamine-oak": (SheetSize(2800, 2070), SheetSize(2440, 1220))}
MATERIAL = "particleboard-18/melamine-oak"


def panel_set(seed: int, count: int, grain_share: float = 0.3) -> list[Part]:
    rng = random.Random(seed)
    parts = []
    for i in range(count):
        kind = rng.random()
        if kind < 0.25:
            length, width = rng.randint(1200, 2400), rng.randint(300, 650)  # sides, doors
        elif kind < 0.7:
            length, width = rng.randint(300, 1000), rng.randint(250, 600)  # shelves, tops
        else:
            length, width = rng.randint(150, 600), rng.randint(60, 200)  # rails, drawer parts
        grain = "length" if rng.random() < grain_share else "none"
        parts.append(
            Part(
                f"S{seed}", f"part {i}", f"S{seed}-{i:03d}", length, width, 18, MATERIAL, grain, "-"
            )
        )
    return parts
