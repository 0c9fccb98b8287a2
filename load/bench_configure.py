"""Configure one wardrobe in process: p50 / p99 latency of `configure` (target p50 ≤ 5 ms).

    python -m load.bench_configure [--runs 2000] [--orders 2000]

Times the canonical webhook wardrobe, a lacquered hinged variant and a refused one, prints
the table and writes it as JSON to load/results/. Then the CPU per order (process time, so
that other work on a shared box weighs less than in wall-clock figures) of planning orders of
the shops' mix (`load.order_mix`: one piece each) as the order consumer does (`plan_order`:
each line configured, the order nested), after a warm-up of 100.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from load.order_mix import draw_item  # noqa: E402
from services.configurator.catalogue import Configuration, configure, seed_catalogue  # noqa: E402
from services.configurator.domain.order_plan import LineRequest, plan_order  # noqa: E402

CANONICAL = {
    "width_mm": 2000,
    "height_mm": 2400,
    "depth_mm": 600,
    "board": "particleboard-18",
    "finish": "melamine-white",
    "doors": 2,
}
CASES = {
    "canonical wardrobe": CANONICAL,
    "lacquered hinged wardrobe, 2 drawers": CANONICAL
    | {
        "board": "mdf-18",
        "finish": "lacquer-sage",
        "door_style": "hinged",
        "doors": 4,
        "drawers": 2,
    },
    "refused (shelf span)": CANONICAL | {"dividers": 0},
}
TARGET_P50_MS = 5.0


def _time(catalogue, options, runs: int) -> list[float]:
    for _ in range(min(50, runs)):
        configure(catalogue, "wardrobe", options)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        configure(catalogue, "wardrobe", options)
        samples.append((time.perf_counter() - start) * 1000)
    return sorted(samples)


def _order_cpu_ms(catalogue, orders: int) -> float:
    """Process time per order of planning `orders` one-piece orders of the mix (seed 0)."""
    rng = random.Random(0)
    drawn = []
    for n in range(orders + 100):
        product, options = draw_item(rng)
        drawn.append((f"00000000-0000-4000-8000-{n:012d}", [LineRequest("1", product, 1, options)]))
    for order_id, lines in drawn[:100]:
        plan_order(catalogue, order_id, lines)
    start = time.process_time()
    for order_id, lines in drawn[100:]:
        plan_order(catalogue, order_id, lines)
    return (time.process_time() - start) / orders * 1000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--orders", type=int, default=2000)
    args = parser.parse_args(argv)
    catalogue = seed_catalogue()
    rows = []
    print(f"{'case':40} {'p50 ms':>7} {'p99 ms':>7} {'mean ms':>8} {'outcome':>13}")
    for name, options in CASES.items():
        samples = _time(catalogue, options, args.runs)
        outcome = configure(catalogue, "wardrobe", options)
        row = {
            "case": name,
            "runs": args.runs,
            "p50_ms": round(samples[len(samples) // 2], 3),
            "p99_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))], 3),
            "mean_ms": round(statistics.fmean(samples), 3),
            "outcome": "configured" if isinstance(outcome, Configuration) else "rejected",
        }
        rows.append(row)
        print(
            f"{name:40} {row['p50_ms']:7.2f} {row['p99_ms']:7.2f} {row['mean_ms']:8.2f} {row['outcome']:>13}"
        )
    canonical = rows[0]
    verdict = "meets" if canonical["p50_ms"] <= TARGET_P50_MS else "MISSES"
    print(
        f"canonical wardrobe p50 {canonical['p50_ms']:.2f} ms {verdict} the {TARGET_P50_MS} ms target"
    )
    order_cpu_ms = round(_order_cpu_ms(catalogue, args.orders), 3)
    print(f"planning an order of the mix: {order_cpu_ms:.3f} ms CPU per order "
          f"({args.orders} orders)")
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"configure_{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"target_p50_ms": TARGET_P50_MS, "rows": rows,
                                "order_cpu_ms": order_cpu_ms, "orders": args.orders}, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
