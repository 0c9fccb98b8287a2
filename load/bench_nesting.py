"""Nesting yield and time: our guillotine best-of against first-fit-decreasing shelf packing.

    python -m load.bench_nesting [--seeds 3] [--quick]

Two families of generated panel sets, each nested by both methods on the same panels and
the same sheets (2800×2070 and 2440×1220, kerf 4 mm, trim 10 mm):
  orders  - batches of randomly configured catalogue products (real panel mixes, grain)
  mix     - a synthetic cabinet-shop mix of long, mid and small parts, 30 % grained
Yield is panel area over the area of boards used. Prints the table (ours, baseline, ratio)
and writes it as JSON to load/results/.

Then a day of demo orders (issue 20; `load/batch_day.py`): the demo's order mix configured
with the seed catalogue, cut three ways on the same parts - each order on its own boards
(baseline), the day as cutting batches per material (ours), and, on the big sheet only,
rectpack's best guillotine packer (every algorithm x sort order, best per material) against
the batch on that sheet. Writes a cutting diagram of one batch board (SVG) beside the JSON.

    python -m load.bench_nesting --batches-only [--days 3] [--day-orders 40]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.configurator.catalogue import (  # noqa: E402
    Configuration,
    NestingSettings,
    Part,
    SheetSize,
    configure,
    nest_parts,
    parts_of,
    seed_catalogue,
)
from services.configurator.catalogue.nesting_checks import layout_problems  # noqa: E402

CATALOGUE = seed_catalogue()
SHEETS = (SheetSize(2800, 2070), SheetSize(2440, 1220))


def order_batch(seed: int, orders: int) -> list[Part]:
    """Panels of `orders` randomly configured pieces that the rules accept."""
    rng = random.Random(seed)
    parts: list[Part] = []
    made = 0
    while made < orders:
        product = CATALOGUE.products[rng.choice(sorted(CATALOGUE.products))]
        options = {}
        for name in ("width_mm", "height_mm", "depth_mm"):
            p = product.parameters[name]
            options[name] = p.minimum + p.step * rng.randint(0, (p.maximum - p.minimum) // p.step)
        options["finish"] = rng.choice(["melamine-white", "melamine-white", "melamine-oak"])
        options["shelves"] = rng.randint(0, product.parameters["shelves"].maximum)
        outcome = configure(CATALOGUE, product.code, options)
        if isinstance(outcome, Configuration):
            made += 1
            parts += parts_of(f"O{seed}-{made}", outcome.panels)
    return parts


def cabinet_mix(seed: int, count: int) -> list[Part]:
    rng = random.Random(10_000 + seed)
    parts = []
    for i in range(count):
        kind = rng.random()
        if kind < 0.25:
            length, width = rng.randint(1200, 2400), rng.randint(300, 650)
        elif kind < 0.7:
            length, width = rng.randint(300, 1000), rng.randint(250, 600)
        else:
            length, width = rng.randint(150, 600), rng.randint(60, 200)
        grain = "length" if rng.random() < 0.3 else "none"
        parts.append(
            Part("MIX", f"part {i}", f"MIX-{i:04d}", length, width, 18, "board", grain, "-")
        )
    return parts


def _run(parts: list[Part], method: str) -> dict:
    sheets = {p.material: SHEETS for p in parts}
    start = time.perf_counter()
    plan = nest_parts(parts, sheets, NestingSettings(4.0, 10.0, method))
    seconds = time.perf_counter() - start
    problems = [p for board in plan.boards for p in layout_problems(board)]
    if problems:
        raise SystemExit(f"invalid layout from {method}: {problems[:3]}")
    return {
        "boards": plan.boards_used,
        "board_m2": round(plan.board_area_m2, 3),
        "yield_pct": round(plan.yield_pct, 2),
        "seconds": round(seconds, 3),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="smaller sets only")
    parser.add_argument("--days", type=int, default=3, help="days of demo orders")
    parser.add_argument("--day-orders", type=int, default=40, help="orders in a day")
    parser.add_argument("--batches-only", action="store_true", help="only the day of orders")
    args = parser.parse_args(argv)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    if args.batches_only:
        _write({"batches": _batch_days(args.days, args.day_orders, stamp)}, stamp)
        return 0
    sets = [("orders", n) for n in (1, 5, 20)] + [("mix", n) for n in (50, 150, 400)]
    if args.quick:
        sets = [s for s in sets if s[1] <= 50]
    rows = []
    print(
        f"{'set':10} {'seed':>4} {'parts':>5} {'ours %':>7} {'ffd %':>7} {'ratio':>6} "
        f"{'ours m²':>8} {'ffd m²':>8} {'ours s':>7} {'ffd s':>6}"
    )
    for family, size in sets:
        for seed in range(args.seeds):
            parts = order_batch(seed, size) if family == "orders" else cabinet_mix(seed, size)
            ours, ffd = _run(parts, "best"), _run(parts, "shelf")
            row = {
                "set": f"{family}-{size}",
                "seed": seed,
                "parts": len(parts),
                "ours": ours,
                "ffd_shelf": ffd,
                "yield_ratio": round(ours["yield_pct"] / ffd["yield_pct"], 4),
            }
            rows.append(row)
            print(
                f"{row['set']:10} {seed:4} {len(parts):5} {ours['yield_pct']:7.2f} {ffd['yield_pct']:7.2f} "
                f"{row['yield_ratio']:6.3f} {ours['board_m2']:8.2f} {ffd['board_m2']:8.2f} "
                f"{ours['seconds']:7.2f} {ffd['seconds']:6.3f}",
                flush=True,
            )
    ours_m2 = sum(r["ours"]["board_m2"] for r in rows)
    ffd_m2 = sum(r["ffd_shelf"]["board_m2"] for r in rows)
    worse = [
        f"{r['set']}/{r['seed']}"
        for r in rows
        if r["ours"]["board_m2"] > r["ffd_shelf"]["board_m2"]
    ]
    mean_ours = sum(r["ours"]["yield_pct"] for r in rows) / len(rows)
    mean_ffd = sum(r["ffd_shelf"]["yield_pct"] for r in rows) / len(rows)
    print(
        f"mean yield: ours {mean_ours:.2f}%  ffd shelf {mean_ffd:.2f}%  ratio {mean_ours / mean_ffd:.3f}; "
        f"board area ours/ffd {ours_m2 / ffd_m2:.3f}; ours uses more board on: {worse or 'none'}"
    )
    summary = {
        "kerf_mm": 4.0,
        "trim_mm": 10.0,
        "sheets": ["2800x2070", "2440x1220"],
        "rows": rows,
        "mean_yield_ours_pct": mean_ours,
        "mean_yield_ffd_pct": mean_ffd,
        "board_area_ratio_ours_over_ffd": ours_m2 / ffd_m2,
        "ours_worse_on": worse,
        "batches": _batch_days(args.days, args.day_orders, stamp),
    }
    _write(summary, stamp)
    return 0


def _batch_days(days: int, orders: int, stamp: str) -> dict:
    """Batch yield vs per-order yield vs rectpack on the same parts, one row per day."""
    from load.batch_day import batch_board_svg, cut_day, most_shared_board

    print(
        f"\nday of {orders} demo orders: per-order (baseline) vs cutting batches (ours) on the "
        "factory sheets; on the big sheet only, the batch vs rectpack's best guillotine packer"
    )
    print(
        f"{'day':>3} {'parts':>5} {'mat':>3} {'order %':>8} {'batch %':>8} {'+pts':>5} "
        f"{'net %':>6} {'order bd':>8} {'batch bd':>8} {'offcuts':>7} {'ours 1sz':>8} "
        f"{'rectpack':>8} {'batch s':>7} {'rp s':>6}"
    )
    rows, results = [], []
    for seed in range(days):
        r = cut_day(seed, orders, NestingSettings(4.0, 10.0))
        results.append(r)
        b = r.batch
        row = {
            "day": seed,
            "orders": r.orders,
            "parts": r.parts,
            "material_groups": r.groups,
            "per_order": {"boards": r.per_order_boards, "yield_pct": round(r.per_order_yield, 2)},
            "batch": {
                "boards": b.new_boards,
                "yield_pct": round(b.yield_pct, 2),
                "net_yield_pct": round(b.net_yield_pct, 2),
                "offcuts": len(b.offcuts),
                "offcut_m2": round(sum(o.area_m2 for o in b.offcuts), 2),
                "seconds": round(r.seconds_batch, 3),
            },
            "big_sheet_only": {
                "batch_boards": r.one_size_boards,
                "rectpack_best_boards": r.rectpack_boards,
                "rectpack_seconds": round(r.seconds_rectpack, 2),
            },
            "points_over_per_order": round(b.yield_pct - r.per_order_yield, 2),
        }
        rows.append(row)
        print(
            f"{seed:3} {r.parts:5} {r.groups:3} {r.per_order_yield:8.2f} {b.yield_pct:8.2f} "
            f"{b.yield_pct - r.per_order_yield:5.1f} {b.net_yield_pct:6.2f} "
            f"{r.per_order_boards:8} {b.new_boards:8} {len(b.offcuts):7} "
            f"{r.one_size_boards:8} {r.rectpack_boards:8} {r.seconds_batch:7.2f} "
            f"{r.seconds_rectpack:6.1f}",
            flush=True,
        )
    more = [
        r["day"]
        for r in rows
        if r["big_sheet_only"]["batch_boards"] > r["big_sheet_only"]["rectpack_best_boards"]
    ]
    order_pct = sum(r.batch.panel_m2 for r in results) / sum(
        r.batch.panel_m2 / (r.per_order_yield / 100) for r in results
    )
    batch_pct = sum(r.batch.panel_m2 for r in results) / sum(
        r.batch.panel_m2 / (r.batch.yield_pct / 100) for r in results
    )
    print(
        f"yield over all days: per order {100 * order_pct:.2f}%  batch {100 * batch_pct:.2f}% "
        f"(+{100 * (batch_pct - order_pct):.1f} points; target +5); boards on the big sheet: "
        f"batch {sum(r.one_size_boards for r in results)} rectpack "
        f"{sum(r.rectpack_boards for r in results)}; batch uses more on: {more or 'none'}"
    )
    board = most_shared_board(results[0].batch)
    diagram = ROOT / "load/results" / f"batch_board_{stamp}.svg"
    diagram.parent.mkdir(parents=True, exist_ok=True)
    diagram.write_text(batch_board_svg(board))
    print(
        f"wrote {diagram.relative_to(ROOT)} (day 0, {board.layout.material} board "
        f"{board.layout.number}: {len({p.part.order for p in board.layout.placements})} orders)"
    )
    return {
        "orders_per_day": orders,
        "rows": rows,
        "yield_per_order_pct": round(100 * order_pct, 2),
        "yield_batch_pct": round(100 * batch_pct, 2),
        "batch_more_boards_than_rectpack_on": more,
        "diagram": str(diagram.relative_to(ROOT)),
    }


def _write(summary: dict, stamp: str) -> None:
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"nesting_{stamp}.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    raise SystemExit(main())
