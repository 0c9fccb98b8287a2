"""Plain flexible job-shop mode, for holding the solver against published results.

    python -m services.scheduling.fjsp INSTANCE --time-limit SECONDS [--workers N] [--seed S]

Prints one JSON object: makespan, lower_bound, status and the assignments (job, op and
machine 0-based).

The tabu search kernel is compiled by numba and cached in ``__pycache__``. The first run
after an install compiles it (10-15 s on two cores). The answer still comes within the
time limit, but without the compiled search if the compile has not finished by then. The
process then waits for the compile to finish, so that later runs load the kernel from the
cache in about a second.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.scheduling.fjsp import fast
from services.scheduling.fjsp.instance import FjspFormatError, parse_fjsp
from services.scheduling.fjsp.solver import solve_fjsp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.scheduling.fjsp", description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("--time-limit", type=float, required=True, help="seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.time_limit <= 0 or args.workers < 1:
        parser.error("--time-limit must be positive and --workers at least 1")
    try:
        instance = parse_fjsp(args.instance.read_text(), name=args.instance.stem)
    except OSError as exc:
        parser.error(f"cannot read {args.instance}: {exc.strerror}")
    except FjspFormatError as exc:
        parser.error(f"{args.instance}: {exc}")
    result = solve_fjsp(instance, args.time_limit, args.workers, args.seed)
    json.dump(result.to_json(), sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()
    fast.finish_warm_up()  # the answer is out; let a first-run compile reach the cache
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
