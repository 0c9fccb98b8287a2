"""Nesting yield and time: our guillotine best-of against first-fit-decreasing shelf packing.

    python -m load.bench_nesting [--seeds 3] [--quick]

Two families of generated panel sets, each nested by both methods on the same panels and
the same sheets (2800×2070 and 2440×1220, kerf 4 mm, trim 10 mm):
  orders  - batches of randomly configured catalogue products (real panel mixes, grain)
  mix     - a synthetic cabinet-shop mix of long, mid and small parts, 30 % grained
Yield is panel area over the area of boards used. Prints the table (ours, baseline, ratio)
and writes it as JSON to load/results/.
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
    args = parser.parse_args(argv)
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
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"nesting_{time.strftime('%Y%m%dT%H%M%S')}.json"
    summary = {
        "kerf_mm": 4.0,
        "trim_mm": 10.0,
        "sheets": ["2800x2070", "2440x1220"],
        "rows": rows,
        "mean_yield_ours_pct": mean_ours,
        "mean_yield_ffd_pct": mean_ffd,
        "board_area_ratio_ours_over_ffd": ours_m2 / ffd_m2,
        "ours_worse_on": worse,
    }
    path.write_text(json.dumps(summary, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
