"""Configure one wardrobe in process: p50 / p99 latency of `configure` (target p50 ≤ 5 ms).

    python -m load.bench_configure [--runs 2000]

Times the canonical webhook wardrobe, a lacquered hinged variant and a refused one, prints
the table and writes it as JSON to load/results/.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.configurator.catalogue import Configuration, configure, seed_catalogue  # noqa: E402

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
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
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"configure_{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({"target_p50_ms": TARGET_P50_MS, "rows": rows}, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
