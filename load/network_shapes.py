"""Networks shaped unlike ``chain_networks.py``, for checking the chain-scale scheduler where
its own generator does not go (many small similar factories, 4-7 operations, due 3-9 days,
load about 0.75).

Each shape is named and built from a size (orders, factories) and a seed; ``describe`` (the
chain generator's) gives its load. The shapes:

``giants``
    A few very large factories (40-80 machines, two shifts, every type) beside many
    workshops with one machine of each type they have (a third lack the specialists).
``partial``
    Factories that can make only some products: carcass shops (no router, sander or paint
    line), lacquer shops (no edge bander, drill or assembly) and full shops without a paint
    line, so a painted kitchen cabinet fits nowhere; and 1 % of the orders have one
    operation longer than any stretch of working time anywhere (they fit nowhere either).
``long-routings``
    Routings of 10-15 operations (repeated sanding and painting, a second machining pass)
    mixed with one-operation orders (a cut, a packing job), all released at minute 0.
``long-operations``
    Operations close to a whole stretch of working time (150-235 base minutes where a
    one-shift factory's stretch is 240; at speed 0.8 some fit only the faster machines or
    the two-shift factories), and heavy downtime: 60 % of the machines down 1-3 times for
    4-24 hours.
``tight``
    Due 4-24 hours after release (most orders unavoidably late), weights skewed: 95 % weight
    1, 5 % weight 10.
``loose-underload``
    Load about 0.2: few orders for the capacity, due 10-18 days after release, all released
    at minute 0.
``overload``
    Load about 1.5 (the factories offer 15-30 % of their machines), releases spread over
    ten days.
``batch-setups``
    Sanders and paint lines are batch machines (3-6 batchable operations at once), and
    changeovers dominate: 90 minutes on edge banders over twelve band colours, 60 on CNC
    routers over eight programme families.

    python -m load.network_shapes --shape giants --orders 1500 --factories 50 [--seed 0] --out F

The file is the JSON of docs/scheduling.md; the shape's summary goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from load.chain_networks import (
    CORE,
    DAY,
    HORIZON_DAYS,
    SETUPS,
    SPECIALISTS,
    _factories,
    _in_fives,
    _maintenance,
    _more_machines,
    _orders,
    describe,
    shifts,
)
from services.scheduling.solver import model
from services.scheduling.solver.codec import problem_to_dict

Network = tuple[tuple[model.Factory, ...], tuple[model.Order, ...], tuple[model.SetupRule, ...]]


@dataclass(frozen=True)
class Shape:
    about: str
    build: Callable[[int, int, int], Network]


# -- pieces ------------------------------------------------------------------------------------

def _factory(fid: str, types: list[str], rng: np.random.Generator, calendar, share: float,
             batch: dict[str, tuple[int, int]] | None = None,
             downtime: Callable[[np.random.Generator, tuple[model.Window, ...]], tuple[model.Window, ...]]
             = _maintenance) -> model.Factory:
    """A factory of machines of ``types`` (one per entry), speeds 0.8-1.3, each machine's
    downtime drawn by ``downtime``; types in ``batch`` are batch machines of that capacity."""
    speeds = np.round(rng.uniform(0.8, 1.3, len(types)) * 20) / 20
    machines = []
    for i, t in enumerate(types):
        low_high = (batch or {}).get(t)
        capacity = int(rng.integers(low_high[0], low_high[1] + 1)) if low_high else 1
        machines.append(model.Machine(f"{fid}-M{i:02d}", t, float(speeds[i]),
                                downtime(rng, calendar), batch_capacity=capacity))
    return model.Factory(fid, tuple(machines), calendar, share)


def _calendar(rng: np.random.Generator, two_shift_odds: float = 0.4) -> tuple[model.Window, ...]:
    return shifts(bool(rng.random() < two_shift_odds), bool(rng.random() < 0.4))


def _shops(n: int, rng: np.random.Generator, types_of: Callable[[int], tuple[str, ...]],
           sizes: tuple[int, int] | None, share_low: float, **kw) -> tuple[model.Factory, ...]:
    """``n`` factories, factory ``f`` with the machine types ``types_of(f)`` and more machines
    up to a size drawn from ``sizes`` (default: one more than its types to 12), offering a
    share from ``share_low`` to 1 (``kw``: :func:`_factory`'s batch and downtime)."""
    out = []
    for f in range(n):
        types = list(types_of(f))
        low, high = sizes or (len(types) + 1, 13)
        types = _more_machines(types, int(rng.integers(low, high)), rng)
        share = float(np.round(rng.uniform(share_low, 1.0) * 20) / 20)
        out.append(_factory(f"F{f:04d}", types, rng, _calendar(rng), share, **kw))
    return tuple(out)


def _retimed(orders, rng: np.random.Generator, release_days: tuple[float, float],
             due_days: tuple[float, float], weights: tuple[tuple[int, ...], tuple[float, ...]]
             | None = None) -> tuple[model.Order, ...]:
    """``orders`` with releases drawn over ``release_days``, due ``due_days`` after release
    (in whole hours) and, when given, weights drawn from ``(values, odds)``."""
    orders = list(orders)
    n = len(orders)
    release = (rng.uniform(release_days[0] * DAY, release_days[1] * DAY, n) // 15 * 15).astype(int)
    due = release + (rng.uniform(due_days[0] * DAY, due_days[1] * DAY, n) // 60 * 60).astype(int)
    weight = rng.choice(weights[0], size=n, p=weights[1]) if weights else [o.weight for o in orders]
    return tuple(replace(o, release=int(r), due=int(d), weight=int(w))
                 for o, r, d, w in zip(orders, release, due, weight, strict=True))


def _chain_orders(n: int, seed: int) -> tuple[model.Order, ...]:
    return tuple(_orders(n, np.random.default_rng([seed, 1])))


# -- shapes ------------------------------------------------------------------------------------

def giants(n_orders: int, n_factories: int, seed: int) -> Network:
    rng = np.random.default_rng([seed, 10])
    n_giants = max(2, n_factories // 25)
    facs = []
    for f in range(n_factories):
        fid = f"F{f:04d}"
        if f < n_giants:
            size = int(rng.integers(40, 81))
            types = _more_machines(list(CORE + SPECIALISTS), size, rng)
            facs.append(_factory(fid, types, rng, shifts(True, True), 1.0))
        else:
            types = list(CORE) + (list(SPECIALISTS) if rng.random() < 2 / 3 else [])
            share = float(np.round(rng.uniform(0.5, 1.0) * 20) / 20)
            facs.append(_factory(fid, types, rng, _calendar(rng), share))
    return tuple(facs), _chain_orders(n_orders, seed), SETUPS


PARTIAL_KINDS = {
    "carcass": ("panel_saw", "edge_bander", "cnc_drill", "assembly", "packing"),
    "lacquer": ("panel_saw", "cnc_router", "sander", "paint_line", "packing"),
    "full_unpainted": ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander",
                       "assembly", "packing"),
}


def partial(n_orders: int, n_factories: int, seed: int) -> Network:
    rng = np.random.default_rng([seed, 10])
    kinds = list(PARTIAL_KINDS.values())
    facs = _shops(n_factories, rng, lambda f: kinds[f % len(kinds)], None, 0.6)
    orders = list(_chain_orders(n_orders, seed))
    # the longest stretch anywhere is 960 minutes (two shifts back to back); at speed 1.3
    # 1,300 base minutes take 1,000
    for i in rng.choice(n_orders, size=max(1, n_orders // 100), replace=False):
        o = orders[i]
        orders[i] = replace(o, operations=o.operations[:-1] + (model.Operation("packing", 1300),))
    return facs, tuple(orders), SETUPS


LONG_PASS = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
             "sander", "paint_line", "cnc_drill", "edge_bander", "sander", "paint_line",
             "assembly", "assembly", "packing")
SINGLES = ("panel_saw", "packing", "cnc_router", "assembly")


def long_routings(n_orders: int, n_factories: int, seed: int) -> Network:
    rng = np.random.default_rng([seed, 10])
    facs = _shops(n_factories, rng, lambda f: CORE + SPECIALISTS, (9, 15), 0.5)
    orng = np.random.default_rng([seed, 1])
    colours = [f"paint-{c}" for c in ("white", "cream", "sage", "navy", "black")]
    orders = []
    for o in range(n_orders):
        if orng.random() < 0.4:
            ops = (model.Operation(str(orng.choice(SINGLES)), _in_fives((40, 180), orng.random())),)
        else:
            keep = int(orng.integers(10, 16))
            drop = set(orng.choice(len(LONG_PASS), size=len(LONG_PASS) - keep, replace=False))
            paint = str(orng.choice(colours))
            ops = tuple(
                model.Operation(t, _in_fives((40, 140), orng.random()),
                          paint if t == "paint_line" else "",
                          _in_fives((60, 240), orng.random()) if t == "paint_line" else 0)
                for i, t in enumerate(LONG_PASS) if i not in drop)
        orders.append(model.Order(f"O{o:05d}", ops, due=0))
    return facs, _retimed(orders, orng, (0, 0), (5, 12)), SETUPS


def _heavy_downtime(rng: np.random.Generator, calendar) -> tuple[model.Window, ...]:
    """60 % of the machines down 1-3 times for 4-24 hours in the first two weeks."""
    if rng.random() >= 0.6:
        return ()
    starts = sorted(int(s) for s in rng.integers(0, 14 * DAY, int(rng.integers(1, 4))))
    out: list[model.Window] = []
    for s in starts:
        start = max(s // 60 * 60, out[-1].end if out else 0)
        out.append(model.Window(start, start + 60 * int(rng.integers(4, 25))))
    return tuple(out)


def long_operations(n_orders: int, n_factories: int, seed: int) -> Network:
    rng = np.random.default_rng([seed, 10])
    facs = _shops(n_factories, rng, lambda f: CORE, (6, 11), 0.7, downtime=_heavy_downtime)
    orng = np.random.default_rng([seed, 1])
    routing = ("panel_saw", "edge_bander", "cnc_drill", "assembly", "packing")
    orders = []
    for o in range(n_orders):
        ops = tuple(model.Operation(t, _in_fives((150, 235), orng.random()) if orng.random() < 0.7
                              else _in_fives((30, 90), orng.random()))
                    for t in routing[:int(orng.integers(3, 6))])
        orders.append(model.Order(f"O{o:05d}", ops, due=0))
    return facs, _retimed(orders, orng, (0, 3), (3, 8)), SETUPS


def tight(n_orders: int, n_factories: int, seed: int) -> Network:
    facs = tuple(_factories(n_factories, np.random.default_rng([seed, 0]), True))
    orders = _retimed(_chain_orders(n_orders, seed), np.random.default_rng([seed, 2]),
                      (0, 10), (4 / 24, 1), ((1, 10), (0.95, 0.05)))
    return facs, orders, SETUPS


def loose_underload(n_orders: int, n_factories: int, seed: int) -> Network:
    facs = tuple(_factories(n_factories, np.random.default_rng([seed, 0]), True))
    orders = _retimed(_chain_orders(max(1, n_orders // 2), seed),
                      np.random.default_rng([seed, 2]), (0, 0), (10, 18))
    return facs, orders, SETUPS


def overload(n_orders: int, n_factories: int, seed: int) -> Network:
    facs = tuple(replace(f, capacity_share=round(f.capacity_share / 3.3, 3))
                 for f in _factories(n_factories, np.random.default_rng([seed, 0]), True))
    orders = _retimed(_chain_orders(n_orders, seed), np.random.default_rng([seed, 2]),
                      (0, 10), (3, 9))
    return facs, orders, SETUPS


BATCH = {"sander": (3, 6), "paint_line": (3, 6)}
HEAVY_SETUPS = (model.SetupRule("edge_bander", 90), model.SetupRule("cnc_router", 60))


def batch_setups(n_orders: int, n_factories: int, seed: int) -> Network:
    rng = np.random.default_rng([seed, 10])
    facs = _shops(n_factories, rng, lambda f: CORE + SPECIALISTS, (9, 14), 0.6, batch=BATCH)
    orng = np.random.default_rng([seed, 1])
    orders = []
    for o in _chain_orders(n_orders, seed):
        band, programme = int(orng.integers(12)), int(orng.integers(8))
        ops = tuple(
            replace(op, setup_family=f"band-{band}") if op.machine_type == "edge_bander" else
            replace(op, setup_family=f"programme-{programme}")
            if op.machine_type == "cnc_router" else
            replace(op, batchable=True, duration=op.duration * 2)
            if op.machine_type in BATCH else op
            for op in o.operations)
        orders.append(replace(o, operations=ops))
    return facs, tuple(orders), HEAVY_SETUPS


SHAPES = {
    "giants": Shape("a few 40-80-machine factories beside one-machine-per-type workshops",
                    giants),
    "partial": Shape("factories that make only some products; orders that fit nowhere",
                     partial),
    "long-routings": Shape("10-15-operation routings and one-operation orders, all released "
                           "at once", long_routings),
    "long-operations": Shape("operations close to a whole stretch; heavy downtime",
                             long_operations),
    "tight": Shape("due 4-24 h after release; 5 % of the orders weight 10", tight),
    "loose-underload": Shape("load about 0.2, due 10-18 days, all released at once",
                             loose_underload),
    "overload": Shape("load about 1.5, releases over ten days", overload),
    "batch-setups": Shape("batch sanders and paint lines; 60-90-minute changeovers over many "
                          "families", batch_setups),
}
SIZES = {"m": (1_500, 50), "l": (10_000, 330), "xl": (50_000, 1_600)}


def generate(shape: str, orders: int, factories: int, seed: int = 0) -> model.NetworkProblem:
    """The network of ``shape`` with ``orders`` orders (``loose-underload`` half of
    them) on ``factories`` factories; deterministic per seed."""
    facs, ords, setups = SHAPES[shape].build(orders, factories, seed)
    return model.NetworkProblem(horizon=HORIZON_DAYS * DAY, factories=facs, orders=ords,
                          setups=setups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.network_shapes",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=sorted(SHAPES), required=True)
    parser.add_argument("--orders", type=int, default=1_500)
    parser.add_argument("--factories", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    problem = generate(args.shape, args.orders, args.factories, args.seed)
    args.out.write_text(json.dumps(problem_to_dict(problem), separators=(",", ":")))
    print(json.dumps(describe(problem)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
