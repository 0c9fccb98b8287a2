"""The network scenario of DESIGN.md: 400 orders x 5 operations on 20 factories x 8 machines;
with --preset, chain-scale networks (issue 14) beside the plain EDD list schedule.

    python load/bench_network.py [--time-limit 10] [--replan-limit 2] [--workers 2] [--seed 0]
    python -m load.bench_network --preset chain-m chain-l chain-xl [--time-limit 20] ...
    python -m load.bench_network --shape giants@m overload@l ... (load/network_shapes.py)

Default scenario: against the greedy dispatch as baseline, time to the first feasible plan,
the objective over time, and the re-plan after one machine goes down (time and operations
moved). Writes load/results/network_<time>.json.

Presets (load/chain_networks.py: chain-m, chain-l, chain-xl, chain-over): each in a process of
its own (load/chain_bench.py), one table row each: our solver beside the EDD baseline (weighted
tardiness, orders placed, seconds), the ratio, time to first plan, wall time, peak RSS, then
re-plan rows (machine down, back, urgent order) beside EDD from scratch, with the targets of
issue 14 marked PASS or FAIL. Writes load/results/chain_<time>.json and .svg.

Every plan is checked by the independent validator.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "load"))

from network_instances import generate  # noqa: E402

from load.chain_networks import PRESETS  # noqa: E402
from load.chain_report import report  # noqa: E402
from services.scheduling.solver.greedy import greedy_plan  # noqa: E402
from services.scheduling.solver.model import Window, evaluate  # noqa: E402
from services.scheduling.solver.search import plan_network, replan_machine_down  # noqa: E402
from services.scheduling.solver.validator import validate_plan  # noqa: E402


def _moved(before, after) -> int:
    old = {p.key: p for p in before}
    return sum(1 for p in after if (old[p.key].machine, old[p.key].start) != (p.machine, p.start))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--factories", type=int, default=20)
    parser.add_argument("--machines", type=int, default=8)
    parser.add_argument("--preset", nargs="+", choices=sorted(PRESETS),
                        help="chain-scale networks instead of the default scenario")
    parser.add_argument("--shape", nargs="+", default=[],
                        help="networks of load/network_shapes.py as SHAPE@SIZE (m, l, xl), "
                             "measured like the presets")
    parser.add_argument("--time-limit", type=float, help="seconds (10; 20 with --preset)")
    parser.add_argument("--replan-limit", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.preset or args.shape:
        return chain_presets(args)
    return scenario(args)


def chain_presets(args) -> int:
    """Each preset measured in a fresh process (its own peak memory), then the report."""
    limit = 20.0 if args.time_limit is None else args.time_limit
    results = []
    for name in (args.preset or []) + args.shape:
        print(f"{name}:", file=sys.stderr, flush=True)
        cmd = [sys.executable, "-m", "load.chain_bench", name, "--time-limit", str(limit),
               "--replan-limit", str(args.replan_limit), "--workers", str(args.workers),
               "--seed", str(args.seed)]
        try:
            child = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True,
                                   timeout=20 * 60 + 10 * limit)
        except subprocess.TimeoutExpired:
            results.append({"preset": name, "error": "timed out"})
            continue
        if child.returncode != 0:
            results.append({"preset": name, "error": f"exit {child.returncode}"})
            continue
        results.append(json.loads(child.stdout))
    report(results, limit, args.replan_limit, ROOT / "load/results")
    return 0


def scenario(args) -> int:
    args.time_limit = 10.0 if args.time_limit is None else args.time_limit
    problem = generate(args.orders, args.factories, args.machines, seed=args.seed)
    n_ops = sum(len(o.operations) for o in problem.orders)
    print(f"{args.orders} orders, {n_ops} operations, {args.factories} factories x {args.machines} machines")

    t = time.monotonic()
    greedy = greedy_plan(problem)
    t_greedy = time.monotonic() - t
    assert validate_plan(problem, greedy) == []
    g_obj = evaluate(problem, greedy)
    print(f"greedy baseline: {t_greedy:.2f} s, weighted tardiness {g_obj.weighted_tardiness}, makespan {g_obj.makespan}")

    series = []
    t = time.monotonic()
    plan = plan_network(problem, args.time_limit, args.workers, args.seed,
                        on_improvement=lambda s, o: series.append((round(s, 2), o.weighted_tardiness, o.makespan)))
    t_plan = time.monotonic() - t
    assert validate_plan(problem, list(plan.operations)) == []
    print(f"first feasible plan at {series[0][0]:.2f} s; after {t_plan:.1f} s: weighted tardiness "
          f"{plan.objective.weighted_tardiness} ({100 * (1 - plan.objective.weighted_tardiness / max(1, g_obj.weighted_tardiness)):.1f} % below greedy), makespan {plan.objective.makespan}")
    print("objective over time (s, weighted tardiness, makespan):")
    for row in series:
        print(f"  {row[0]:6.2f} {row[1]:8d} {row[2]:6d}")

    before = list(plan.operations)
    now = 24 * 60 + 8 * 60  # day 2, 08:00
    frozen = tuple(p for p in before if p.start < now)
    ahead = [p for p in before if p.start >= now]
    fm = max({(p.factory, p.machine) for p in ahead},
             key=lambda k: (sum(1 for p in ahead if (p.factory, p.machine) == k), k))
    down = Window(now, now + 8 * 60)
    factories = tuple(
        replace(f, machines=tuple(replace(m, downtime=m.downtime + (down,)) if m.id == fm[1] else m
                                  for m in f.machines)) if f.id == fm[0] else f
        for f in problem.factories)
    changed = replace(problem, factories=factories, frozen=frozen, last_plan=tuple(before), now=now)
    hit = sum(1 for p in before if (p.factory, p.machine) == fm and p.start < down.end and p.end > down.start)
    t = time.monotonic()
    repaired = replan_machine_down(changed, before, args.replan_limit, args.workers, args.seed)
    t_replan = time.monotonic() - t
    assert validate_plan(changed, list(repaired.operations)) == []
    moved = _moved(before, repaired.operations)

    t = time.monotonic()
    from_scratch = greedy_plan(changed)
    t_scratch = time.monotonic() - t
    assert validate_plan(changed, from_scratch) == []
    s_obj = evaluate(changed, from_scratch)
    print(f"machine {fm[1]} in {fm[0]} down {down.start}-{down.end} ({hit} operations on it in that window)")
    print(f"re-plan: {t_replan:.2f} s, moved {moved} of {n_ops} operations ({100 * moved / n_ops:.1f} %), "
          f"weighted tardiness {repaired.objective.weighted_tardiness}")
    print(f"greedy from scratch: {t_scratch:.2f} s, moved {s_obj.moved} ({100 * s_obj.moved / n_ops:.1f} %), "
          f"weighted tardiness {s_obj.weighted_tardiness}")

    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"network_{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps({
        "args": vars(args), "operations": n_ops,
        "greedy": {"seconds": t_greedy, "weighted_tardiness": g_obj.weighted_tardiness, "makespan": g_obj.makespan},
        "plan": {"seconds": t_plan, "first_feasible_seconds": series[0][0],
                 "weighted_tardiness": plan.objective.weighted_tardiness, "makespan": plan.objective.makespan,
                 "objective_over_time": series},
        "replan": {"machine": fm, "down": [down.start, down.end], "operations_hit": hit,
                   "seconds": t_replan, "moved": moved, "moved_pct": 100 * moved / n_ops,
                   "weighted_tardiness": repaired.objective.weighted_tardiness},
        "greedy_from_scratch": {"seconds": t_scratch, "moved": s_obj.moved,
                                "weighted_tardiness": s_obj.weighted_tardiness},
    }, indent=1))
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
