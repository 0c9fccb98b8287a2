"""Realistic network instances for the scheduler benchmarks.

``generate(orders=400, factories=20, machines_per_factory=8, seed=0)`` makes two weeks of
two-shift days (06:00-22:00, Monday to Saturday) in minutes, factories offering 60-100 % of
their capacity, machines of the DESIGN.md types with speeds 0.8-1.3, routings of five
operations (saw -> edge banding -> drilling or routing -> sanding or painting -> assembly),
edge-band and paint colours as changeover families, lacquer drying after painting, and
promised dates 1-2 days after release.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.scheduling.solver.model import (  # noqa: E402
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    SetupRule,
    Window,
)

DAY = 24 * 60
CORE = ("panel_saw", "edge_bander", "cnc_drill", "assembly", "packing")
EXTRA = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line")
COLOURS = ("white", "oak", "walnut", "grey", "black")


def shifts(days: int) -> tuple[Window, ...]:
    """Two shifts a day, 06:00-22:00, Sundays off."""
    return tuple(Window(d * DAY + 6 * 60, d * DAY + 22 * 60) for d in range(days) if d % 7 != 6)


def generate(orders: int = 400, factories: int = 20, machines_per_factory: int = 8,
             seed: int = 0, days: int = 14) -> NetworkProblem:
    rng = random.Random(seed)
    facs = []
    for f in range(factories):
        types = list(CORE) + [rng.choice(EXTRA) for _ in range(max(0, machines_per_factory - len(CORE)))]
        machines = tuple(
            Machine(f"F{f:02d}-M{i}", t, speed=round(rng.uniform(0.8, 1.3), 2))
            for i, t in enumerate(types)
        )
        facs.append(Factory(f"F{f:02d}", machines, shifts(days), round(rng.uniform(0.6, 1.0), 2)))
    out = []
    for o in range(orders):
        # the routing fits at least one factory (the one it was designed with)
        has = {m.type for m in rng.choice(facs).machines}
        finish = "paint_line" if "paint_line" in has and rng.random() < 0.5 else (
            "sander" if "sander" in has else "cnc_drill")
        shape = "cnc_router" if "cnc_router" in has and rng.random() < 0.5 else "cnc_drill"
        colour = rng.choice(COLOURS)
        ops = (
            Operation("panel_saw", rng.randint(40, 120)),
            Operation("edge_bander", rng.randint(40, 100), setup_family=f"band-{colour}"),
            Operation(shape, rng.randint(30, 90)),
            Operation(finish, rng.randint(40, 120), setup_family=f"paint-{colour}" if finish == "paint_line" else "",
                      min_wait_after=120 if finish == "paint_line" else 0),
            Operation("assembly", rng.randint(60, 180)),
        )
        release = rng.randint(0, 2) * DAY
        due = release + rng.randint(1, 2) * DAY
        out.append(Order(f"O{o:04d}", ops, due=due, weight=rng.choice((1, 1, 2, 3)), release=release))
    return NetworkProblem(
        horizon=days * DAY, factories=tuple(facs), orders=tuple(out),
        setups=(SetupRule("edge_bander", 15), SetupRule("paint_line", 30)),
    )
