"""Our FJSP solver against the plain CP-SAT model at equal time, on a set of `.fjs` instances.

    python load/bench_fjsp.py [--dir DIR] [--bounds FILE] [--only la01,la40]
                              [--time-limit 10] [--workers 2] [--seed 0]

``--dir`` holds the instances (``NAME.fjs``; default: Brandimarte mk01-mk10 in the tree) and
``--bounds`` their best-known bounds (default ``DIR/bounds.json``: ``{"NAME": {"lb": .., "ub":
..}}``); every instance of the directory runs unless ``--only`` names some. Prints the table
(instance, best known, plain, ours, gaps to the best-known upper bound, mean gaps, ratio
ours/plain) and writes it as JSON to load/results/.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.scheduling.fjsp.instance import FjspFormatError, parse_fjsp  # noqa: E402
from services.scheduling.fjsp.plain import solve_plain  # noqa: E402
from services.scheduling.fjsp.solver import solve_fjsp  # noqa: E402
from services.scheduling.fjsp.validate import validate_fjsp  # noqa: E402

BRANDIMARTE = ROOT / "services/scheduling/benchmarks_data/brandimarte"


def _run(solve, instance, args):
    t = time.monotonic()
    result = solve(instance, args.time_limit, args.workers, args.seed)
    wall = time.monotonic() - t
    problems = validate_fjsp(instance, result.assignments)
    if problems:
        raise SystemExit(f"{instance.name}: invalid schedule from {solve.__name__}: {problems[:3]}")
    return result, wall


def _natural(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _instances(directory: Path, only: str, bounds: dict) -> list[Path]:
    """The instance files to run, in natural order; every one must have bounds."""
    if only:
        paths = [directory / f"{name}.fjs" for name in only.split(",")]
    else:
        paths = sorted(directory.glob("*.fjs"), key=lambda p: _natural(p.stem))
    problems = [f"{p} does not exist" for p in paths if not p.is_file()]
    problems += [f"{p.stem} has no bounds" for p in paths if p.stem not in bounds]
    if not paths:
        problems.append(f"no .fjs files in {directory}")
    if problems:
        raise SystemExit("; ".join(problems))
    return paths


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=BRANDIMARTE, help="directory of NAME.fjs files")
    parser.add_argument("--bounds", type=Path, help="best-known bounds (default DIR/bounds.json)")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", default="", help="comma-separated instance names")
    parser.add_argument("--label", help="the set's name in the output (default: the directory's)")
    args = parser.parse_args(argv)
    bounds = json.loads((args.bounds or args.dir / "bounds.json").read_text())
    paths = _instances(args.dir, args.only, bounds)
    label = args.label or args.dir.resolve().name
    rows = []
    print(f"set {label}: {len(paths)} instances, {args.time_limit:g} s, {args.workers} workers")
    print(f"{'inst':9} {'ops':>4} {'best':>5} {'plain':>6} {'ours':>6} {'gap plain':>10} {'gap ours':>9} "
          f"{'LB ours':>7} {'t plain':>7} {'t ours':>6}")
    for path in paths:
        name = path.stem
        try:
            instance = parse_fjsp(path.read_text(), name=name)
        except FjspFormatError as exc:
            raise SystemExit(f"{path}: {exc}") from None
        ub = bounds[name]["ub"]
        plain, t_plain = _run(solve_plain, instance, args)
        ours, t_ours = _run(solve_fjsp, instance, args)
        row = {
            "instance": name, "operations": instance.operation_count, "best_known": ub,
            "best_known_lb": bounds[name].get("lb"),
            "plain": plain.makespan, "ours": ours.makespan,
            "gap_plain_pct": 100.0 * (plain.makespan - ub) / ub,
            "gap_ours_pct": 100.0 * (ours.makespan - ub) / ub,
            "lower_bound_ours": ours.lower_bound,
            "seconds_plain": round(t_plain, 2), "seconds_ours": round(t_ours, 2),
        }
        rows.append(row)
        print(f"{name:9} {instance.operation_count:4} {ub:5} {plain.makespan:6} {ours.makespan:6} "
              f"{row['gap_plain_pct']:9.2f}% {row['gap_ours_pct']:8.2f}% {ours.lower_bound:7} "
              f"{t_plain:7.1f} {t_ours:6.1f}", flush=True)
    mean_plain = sum(r["gap_plain_pct"] for r in rows) / len(rows)
    mean_ours = sum(r["gap_ours_pct"] for r in rows) / len(rows)
    ratio = sum(r["ours"] for r in rows) / sum(r["plain"] for r in rows)
    worse = [r["instance"] for r in rows if r["ours"] > r["plain"]]
    print(f"mean gap: plain {mean_plain:.2f}%  ours {mean_ours:.2f}%  "
          f"ratio ours/plain (sum of makespans) {ratio:.3f}  ours worse on: {worse or 'none'}")
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    summary = {"set": label, "time_limit": args.time_limit, "workers": args.workers, "seed": args.seed,
               "rows": rows, "mean_gap_plain_pct": mean_plain, "mean_gap_ours_pct": mean_ours,
               "ratio_ours_over_plain": ratio, "ours_worse_on": worse}
    path = out / f"fjsp_{re.sub(r'[^A-Za-z0-9_-]', '_', label)}_{stamp}.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
