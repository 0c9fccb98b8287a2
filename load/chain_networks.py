"""Chain-shaped network problems for the chain-scale benchmark (issue 14), unlike
``network_instances.py``.

A chain is many small factories of two kinds: 60 % work one shift with a lunch break
(08:00-12:00, 13:00-17:00), 40 % two shifts back to back (07:00-15:00, 15:00-23:00 as two
windows that touch; ``touching=False`` puts 30 minutes between them instead). Sundays are off
everywhere; 40 % of the factories work Saturday mornings (the first shift), the others not.
Each factory has 6-12 machines: one of each core type (panel saw, edge bander, CNC drill,
assembly, packing), in about half the factories the specialists (CNC router, sander, paint
line), and more machines of the types with the most expected work per machine; speeds 0.8-1.3,
planned maintenance (2, 4 or 8 h) on a quarter of the machines, capacity shares 0.5-1.0.
Orders are wardrobes, kitchen cabinets, bookcases and lacquered door panels (4-7 operations of
40-185 base minutes, so each fits a 4-hour stretch at speed 0.8; edge-band and paint colours as
changeover families, drying after painting), released over the first three days and due 3-9
days after release, weights 1-3. The horizon is three weeks. The presets take about 0.7-0.8 of
the offered share by the mean due date (see :func:`describe`); chain-over about 2.5.

    python -m load.chain_networks --preset chain-l [--seed 0] [--no-touching] --out FILE.json

The file is the JSON of docs/scheduling.md; a summary (machines, operations, load) goes to
stderr. Deterministic per seed; the orders and the factories are drawn from separate streams,
so :func:`operation_count` knows a preset's size without building it.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.scheduling.solver.codec import problem_to_dict
from services.scheduling.solver.model import (
    Factory,
    Machine,
    NetworkProblem,
    Operation,
    Order,
    SetupRule,
    Window,
)

DAY = 24 * 60
HORIZON_DAYS = 21
SETUPS = (SetupRule("edge_bander", 15), SetupRule("paint_line", 40))
CORE = ("panel_saw", "edge_bander", "cnc_drill", "assembly", "packing")
SPECIALISTS = ("cnc_router", "sander", "paint_line")
BAND_COLOURS = ("white", "oak", "walnut", "grey", "black", "anthracite")
BAND_ODDS = (0.35, 0.2, 0.15, 0.12, 0.1, 0.08)
PAINT_COLOURS = ("white", "cream", "sage", "navy", "black")
PAINT_ODDS = (0.4, 0.2, 0.15, 0.15, 0.1)


@dataclass(frozen=True)
class Step:
    """One step of a product's routing: base minutes drawn from ``minutes`` (in 5s), taken
    with probability ``odds``; ``colour`` names the changeover family (band or paint)."""

    machine_type: str
    minutes: tuple[int, int]
    odds: float = 1.0
    colour: str = ""
    drying: tuple[int, int] = (0, 0)


PRODUCTS: dict[str, tuple[float, tuple[Step, ...]]] = {
    "wardrobe": (0.3, (
        Step("panel_saw", (90, 185)), Step("edge_bander", (70, 170), colour="band"),
        Step("cnc_drill", (60, 150)), Step("cnc_router", (70, 170), odds=0.4),
        Step("sander", (50, 140), odds=0.3), Step("assembly", (110, 185)),
        Step("packing", (40, 90)))),
    "kitchen_cabinet": (0.3, (
        Step("panel_saw", (90, 185)), Step("edge_bander", (70, 170), colour="band"),
        Step("cnc_drill", (60, 150)), Step("cnc_router", (70, 170), odds=0.5),
        Step("paint_line", (70, 160), odds=0.25, colour="paint", drying=(120, 360)),
        Step("assembly", (110, 185)), Step("packing", (40, 90)))),
    "bookcase": (0.2, (
        Step("panel_saw", (70, 170)), Step("edge_bander", (60, 160), colour="band"),
        Step("cnc_drill", (50, 130)), Step("assembly", (90, 180), odds=0.6),
        Step("packing", (40, 80)))),
    "lacquered_door_panel": (0.2, (
        Step("panel_saw", (70, 160)), Step("cnc_router", (70, 170)), Step("sander", (60, 150)),
        Step("paint_line", (70, 160), colour="paint", drying=(180, 480)),
        Step("sander", (50, 130), odds=0.6), Step("paint_line", (70, 160), odds=0.6,
                                                    colour="paint", drying=(240, 600)),
        Step("packing", (40, 80)))),
}
# the second coat (sander, paint) comes as a pair: drawn once for both steps
PAIRED = {("lacquered_door_panel", 5): 4}
# expected base minutes per order on each machine type
DEMAND = {t: sum(share * s.odds * sum(s.minutes) / 2 for share, steps in PRODUCTS.values()
                 for s in steps if s.machine_type == t)
          for t in CORE + SPECIALISTS}


@dataclass(frozen=True)
class Preset:
    orders: int
    factories: int
    about: str


PRESETS = {
    "chain-m": Preset(1_500, 50, "1,500 orders / 50 factories"),
    "chain-l": Preset(10_000, 330, "10,000 orders / 330 factories"),
    "chain-xl": Preset(50_000, 1_600, "50,000 orders / 1,600 factories (~280k operations)"),
    "chain-over": Preset(5_000, 50, "5,000 orders / 50 factories: more work than capacity"),
}


def generate(orders: int, factories: int, seed: int = 0, touching: bool = True) -> NetworkProblem:
    """A chain network of ``orders`` orders on ``factories`` factories (see the module text)."""
    facs = tuple(_factories(factories, np.random.default_rng([seed, 0]), touching))
    return NetworkProblem(horizon=HORIZON_DAYS * DAY, factories=facs,
                          orders=tuple(_orders(orders, np.random.default_rng([seed, 1]))),
                          setups=SETUPS)


def generate_preset(name: str, seed: int = 0, touching: bool = True) -> NetworkProblem:
    preset = PRESETS[name]
    return generate(preset.orders, preset.factories, seed, touching)


def operation_count(orders: int, seed: int = 0) -> int:
    """How many operations :func:`generate` gives ``orders`` orders, without building them."""
    return int(sum(len(steps) for steps in _routings(orders, np.random.default_rng([seed, 1]))[1]))


# -- factories ---------------------------------------------------------------------------------

def shifts(two_shifts: bool, saturdays: bool, touching: bool = True) -> tuple[Window, ...]:
    """The factory calendar over the horizon (day 0 is a Monday)."""
    if two_shifts:
        day = ((420, 900), (900, 1380)) if touching else ((360, 840), (870, 1350))
    else:
        day = ((480, 720), (780, 1020))
    out = []
    for d in range(HORIZON_DAYS):
        weekday = d % 7
        if weekday == 6 or (weekday == 5 and not saturdays):
            continue
        for start, end in day[:1] if weekday == 5 else day:
            out.append(Window(d * DAY + start, d * DAY + end))
    return tuple(out)


def _factories(n: int, rng: np.random.Generator, touching: bool):
    calendars = {(two, sat): shifts(two, sat, touching) for two in (False, True)
                 for sat in (False, True)}
    for f in range(n):
        fid = f"F{f:04d}"
        two, sat = bool(rng.random() < 0.4), bool(rng.random() < 0.4)
        specialist = f == 0 or rng.random() < 0.5  # every routing fits factory 0
        types = list(CORE) + (list(SPECIALISTS) if specialist else
                              ["cnc_router"] if rng.random() < 0.3 else [])
        size = int(rng.integers(max(6, len(types)), 13))
        types = _more_machines(types, size, rng)
        speeds = np.round(rng.uniform(0.8, 1.3, len(types)) * 20) / 20
        calendar = calendars[two, sat]
        machines = tuple(
            Machine(f"{fid}-M{i:02d}", t, float(speeds[i]), _maintenance(rng, calendar))
            for i, t in enumerate(types))
        share = float(np.round(rng.uniform(0.5, 1.0) * 20) / 20)
        yield Factory(fid, machines, calendar, share)


def _more_machines(types: list[str], size: int, rng: np.random.Generator) -> list[str]:
    """``types`` and ``size - len(types)`` more machines, each of the type with the most
    expected work per machine (each factory's expectation a little off the chain's)."""
    work = {t: DEMAND[t] * rng.uniform(0.8, 1.25) * (2.0 if t in SPECIALISTS else 1.0)
            for t in types}
    count = dict.fromkeys(types, 1)
    for _ in range(size - len(types)):
        busiest = max(types, key=lambda t: work[t] / count[t])
        count[busiest] += 1
    return [t for t in types for _ in range(count[t])]


def _maintenance(rng: np.random.Generator, calendar: tuple[Window, ...]) -> tuple[Window, ...]:
    """A quarter of the machines have one planned maintenance: 2, 4 or 8 hours from the start
    of a shift in the first two weeks."""
    if rng.random() >= 0.25:
        return ()
    early = [w for w in calendar if w.start < 14 * DAY]
    w = early[int(rng.integers(len(early)))]
    start = w.start + 60 * int(rng.integers(0, 3))
    return (Window(start, start + int(rng.choice((120, 240, 480)))),)


# -- orders ------------------------------------------------------------------------------------

def _routings(n: int, rng: np.random.Generator):
    """Each order's product and its steps (indices into the product's routing)."""
    names = list(PRODUCTS)
    odds = np.array([PRODUCTS[p][0] for p in names])
    product = rng.choice(len(names), size=n, p=odds / odds.sum())
    taken = rng.random((n, 7))
    routings = []
    for o in range(n):
        name = names[product[o]]
        steps = PRODUCTS[name][1]
        routings.append([
            i for i, s in enumerate(steps)
            if taken[o, PAIRED.get((name, i), i)] < s.odds
        ])
    return product, routings


def _orders(n: int, rng: np.random.Generator):
    names = list(PRODUCTS)
    product, routings = _routings(n, rng)
    draws = rng.random((n, 7, 2))  # minutes, drying
    band = rng.choice(BAND_COLOURS, size=n, p=BAND_ODDS)
    paint = rng.choice(PAINT_COLOURS, size=n, p=PAINT_ODDS)
    release = (rng.integers(0, 3 * DAY, n) // 15) * 15
    due = release + (rng.integers(3 * DAY, 9 * DAY + 1, n) // 60) * 60
    weight = rng.choice((1, 2, 3), size=n, p=(0.5, 0.3, 0.2))
    width = len(str(max(n - 1, 1)))
    interned: dict[tuple, Operation] = {}
    for o in range(n):
        steps = PRODUCTS[names[product[o]]][1]
        ops = []
        for i in routings[o]:
            s = steps[i]
            minutes = _in_fives(s.minutes, draws[o, i, 0])
            drying = _in_fives(s.drying, draws[o, i, 1]) if s.drying[1] else 0
            family = {"band": f"band-{band[o]}", "paint": f"paint-{paint[o]}"}.get(s.colour, "")
            key = (s.machine_type, minutes, family, drying)
            op = interned.get(key)
            if op is None:
                op = interned[key] = Operation(s.machine_type, minutes, family, drying)
            ops.append(op)
        yield Order(f"O{o:0{width}d}", tuple(ops), due=int(due[o]), weight=int(weight[o]),
                    release=int(release[o]))


def _in_fives(bounds: tuple[int, int], u: float) -> int:
    low, high = bounds
    return low + 5 * int(u * ((high - low) // 5 + 1))


# -- shape -------------------------------------------------------------------------------------

def _minutes_until(windows, downtime, until: int) -> int:
    """Working minutes before ``until``, downtime taken off (windows do not overlap here)."""
    total = sum(max(0, min(w.end, until) - w.start) for w in windows)
    for d in downtime:
        total -= sum(max(0, min(w.end, d.end, until) - max(w.start, d.start)) for w in windows)
    return total


def describe(problem: NetworkProblem) -> dict:
    """The network's shape: sizes and how much of the offered share the work takes.

    ``load`` is the work (base minutes at each type's mean speed) over the offered share
    (share x working minutes) from minute 0 to the mean due date, ``load_by_last_due`` the
    same to the last due date, ``load_of_horizon`` over the whole horizon; ``by_type`` the
    first figure per machine type."""
    n_ops = sum(len(o.operations) for o in problem.orders)
    mean_due = int(np.mean([o.due for o in problem.orders])) if problem.orders else 0
    last_due = max((o.due for o in problem.orders), default=0)
    speed: dict[str, list[float]] = {}
    offered: dict[int, dict[str, float]] = {mean_due: {}, last_due: {}, problem.horizon: {}}
    for f in problem.factories:
        for m in f.machines:
            speed.setdefault(m.type, []).append(m.speed)
            for until, per_type in offered.items():
                minutes = f.capacity_share * _minutes_until(f.shifts, m.downtime, until)
                per_type[m.type] = per_type.get(m.type, 0.0) + minutes
    work: dict[str, float] = {}
    for o in problem.orders:
        for op in o.operations:
            work[op.machine_type] = work.get(op.machine_type, 0.0) + op.duration
    work = {t: w / float(np.mean(speed.get(t, [1.0]))) for t, w in work.items()}

    def load(until: int) -> float:
        return round(sum(work.values()) / max(1.0, sum(offered[until].values())), 3)

    machines = [len(f.machines) for f in problem.factories]
    return {
        "orders": len(problem.orders), "operations": n_ops, "factories": len(problem.factories),
        "machines": sum(machines), "machines_per_factory": [min(machines), max(machines)],
        "horizon_days": problem.horizon / DAY, "mean_due_day": round(mean_due / DAY, 2),
        "load": load(mean_due), "load_by_last_due": load(last_due),
        "load_of_horizon": load(problem.horizon),
        "by_type": {t: round(work.get(t, 0.0) / max(1.0, c), 3)
                    for t, c in sorted(offered[mean_due].items())},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.chain_networks",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-touching", action="store_true",
                        help="30 minutes between the two shifts instead of back to back")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    problem = generate_preset(args.preset, args.seed, touching=not args.no_touching)
    args.out.write_text(json.dumps(problem_to_dict(problem), separators=(",", ":")))
    print(json.dumps(describe(problem)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
