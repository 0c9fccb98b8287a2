"""Brandimarte mk01-mk10: our FJSP solver against the plain CP-SAT model at equal time.

    python load/bench_fjsp.py [--time-limit 10] [--workers 2] [--seed 0] [--only mk01,mk06]

Prints the table (instance, best known, plain, ours, gaps to the best-known upper bound,
mean gaps, ratio ours/plain) and writes it as JSON to load/results/.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.scheduling.fjsp.instance import parse_fjsp  # noqa: E402
from services.scheduling.fjsp.plain import solve_plain  # noqa: E402
from services.scheduling.fjsp.solver import solve_fjsp  # noqa: E402
from services.scheduling.fjsp.validate import validate_fjsp  # noqa: E402

DATA = ROOT / "services/scheduling/benchmarks_data/brandimarte"


def _run(solve, instance, args):
    t = time.monotonic()
    result = solve(instance, args.time_limit, args.workers, args.seed)
    wall = time.monotonic() - t
    problems = validate_fjsp(instance, result.assignments)
    if problems:
        raise SystemExit(f"{instance.name}: invalid schedule from {solve.__name__}: {problems[:3]}")
    return result, wall


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="")
    args = parser.parse_args(argv)
    bounds = json.loads((DATA / "bounds.json").read_text())
    names = args.only.split(",") if args.only else [f"mk{i:02d}" for i in range(1, 11)]
    rows = []
    print(f"{'inst':6} {'best':>5} {'plain':>6} {'ours':>6} {'gap plain':>10} {'gap ours':>9} "
          f"{'LB ours':>7} {'t plain':>7} {'t ours':>6}")
    for name in names:
        instance = parse_fjsp((DATA / f"{name}.fjs").read_text(), name=name)
        ub = bounds[name]["ub"]
        plain, t_plain = _run(solve_plain, instance, args)
        ours, t_ours = _run(solve_fjsp, instance, args)
        row = {
            "instance": name, "best_known": ub,
            "plain": plain.makespan, "ours": ours.makespan,
            "gap_plain_pct": 100.0 * (plain.makespan - ub) / ub,
            "gap_ours_pct": 100.0 * (ours.makespan - ub) / ub,
            "lower_bound_ours": ours.lower_bound,
            "seconds_plain": round(t_plain, 2), "seconds_ours": round(t_ours, 2),
        }
        rows.append(row)
        print(f"{name:6} {ub:5} {plain.makespan:6} {ours.makespan:6} {row['gap_plain_pct']:9.2f}% "
              f"{row['gap_ours_pct']:8.2f}% {ours.lower_bound:7} {t_plain:7.1f} {t_ours:6.1f}",
              flush=True)
    mean_plain = sum(r["gap_plain_pct"] for r in rows) / len(rows)
    mean_ours = sum(r["gap_ours_pct"] for r in rows) / len(rows)
    ratio = sum(r["ours"] for r in rows) / sum(r["plain"] for r in rows)
    worse = [r["instance"] for r in rows if r["ours"] > r["plain"]]
    print(f"mean gap: plain {mean_plain:.2f}%  ours {mean_ours:.2f}%  "
          f"ratio ours/plain (sum of makespans) {ratio:.3f}  ours worse on: {worse or 'none'}")
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    summary = {"time_limit": args.time_limit, "workers": args.workers, "seed": args.seed,
               "rows": rows, "mean_gap_plain_pct": mean_plain, "mean_gap_ours_pct": mean_ours,
               "ratio_ours_over_plain": ratio, "ours_worse_on": worse}
    path = out / f"fjsp_brandimarte_{stamp}.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
