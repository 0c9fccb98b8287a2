"""What-if planning from a file.

    python -m services.scheduling.plan PROBLEM.json [--time-limit 10] [--workers 2] [--seed 0]

Reads a network problem (format in docs/scheduling.md), plans it, checks the plan with the
independent validator and prints the plan JSON with an explanation for each late or at-risk
order. Orders that fit nowhere (more work than capacity, no capable factory) are left out,
each with its reason, under ``left_out``; the rest is planned. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from services.scheduling.solver.codec import plan_to_dict, problem_from_dict
from services.scheduling.solver.explain import explain
from services.scheduling.solver.model import SchedulingError
from services.scheduling.solver.search import plan_network


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.scheduling.plan", description=__doc__.splitlines()[0])
    parser.add_argument("problem", type=Path)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        problem = problem_from_dict(json.loads(args.problem.read_text()))
    except OSError as exc:
        parser.error(f"cannot read {args.problem}: {exc.strerror}")
    except json.JSONDecodeError as exc:
        parser.error(f"{args.problem} is not JSON: {exc}")
    except SchedulingError as exc:
        parser.error(f"{args.problem}: {exc}")
    n_ops = sum(len(o.operations) for o in problem.orders)
    # the time limit is the caller's: reading the file, explaining and writing come out of it
    solve_s = max(0.5, args.time_limit - (time.monotonic() - started) - _output_seconds(n_ops))
    print(f"planning {len(problem.orders)} orders ({n_ops} operations) on {len(problem.factories)} "
          f"factories, {args.time_limit:g} s ({solve_s:.1f} s of it solving)", file=sys.stderr)

    def progress(seconds: float, objective) -> None:
        print(f"  {seconds:7.2f} s  weighted tardiness {objective.weighted_tardiness}", file=sys.stderr)

    try:
        plan = plan_network(problem, solve_s, args.workers, args.seed, on_improvement=progress)
    except SchedulingError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    out = plan_to_dict(plan)
    out["left_out"] = [{"order": order, "reason": why} for order, why in plan.left_out]
    out["explanations"] = [
        {"order": e.order, "status": e.status, "factory": e.factory, "planned_end": e.planned_end,
         "due": e.due, "bottleneck": {"machine_type": e.bottleneck_machine_type,
                                      "machine": e.bottleneck_machine, "window": list(e.window)},
         "waited_minutes": e.waited_minutes, "suggestions": list(e.suggestions), "text": e.text}
        for e in explain(problem, list(plan.operations))
    ]
    # dumps, not dump: only the one-shot encoder is the C one (a chain's plan: 0.4 s, not 10)
    sys.stdout.write(json.dumps(out, indent=1 if n_ops <= 20_000 else None))
    sys.stdout.write("\n")
    print(f"answered in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return 0


def _output_seconds(n_ops: int) -> float:
    """Seconds kept for explaining and writing a plan of ``n_ops`` operations."""
    return 0.2 + n_ops * 8e-6


if __name__ == "__main__":
    raise SystemExit(main())
