"""One chain preset of the network benchmark, measured in a process of its own (so its peak
memory is its own): ``load/bench_network.py --preset ...`` runs this once per preset and reads
the JSON it prints on stdout; progress goes to stderr.

    python -m load.chain_bench chain-m [--time-limit 20] [--replan-limit 2] [--workers 2] [--seed 0]
    python -m load.chain_bench giants@m ...   (a shape of load/network_shapes.py at size m, l, xl)

The preset's network, the EDD baseline (load/edd_baseline.py) and the floor of weighted
tardiness no plan goes below (each order alone), our solver, and three re-plans
from ``now`` = day 2 08:00 (started operations frozen): the busiest machine goes down for 8 h,
it comes back, an urgent order arrives (due within a day, weight 3); each beside the EDD
baseline from scratch on the changed problem. Every plan goes through the validator, on the
problem without the orders that plan left out.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import replace

from load.chain_networks import DAY, describe, generate_preset
from load.edd_baseline import edd_plan, tardiness_floor, without
from services.scheduling.solver import search
from services.scheduling.solver.decompose import ensure_compiled
from services.scheduling.solver.explain import explain
from services.scheduling.solver.model import NetworkProblem, Order, Window, evaluate
from services.scheduling.solver.validator import validate_plan

NOW = DAY + 8 * 60  # day 2, 08:00
DOWN_MINUTES = 8 * 60


def progress(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


def checked(problem: NetworkProblem, operations, left_out) -> dict:
    """Weighted tardiness, orders placed and the validator's verdict of a plan that left
    ``left_out`` out."""
    placed = without(problem, left_out)
    violations = validate_plan(placed, list(operations))
    return {"weighted_tardiness": evaluate(placed, operations).weighted_tardiness,
            "placed": len(placed.orders), "left_out": len(left_out),
            "valid": not violations, "violations": [v.message for v in violations[:3]]}


def baseline(problem: NetworkProblem, keep: list | None = None) -> dict:
    t = time.monotonic()
    plan = edd_plan(problem)
    seconds = time.monotonic() - t
    if keep is not None:
        keep.append(plan)
    return {"seconds": round(seconds, 3), **checked(problem, plan.operations, plan.left_out)}


def explain_late(problem: NetworkProblem, plan, count: int = 1000) -> dict:
    """Seconds to explain ``count`` late orders of ``plan`` (the EDD plan has plenty)."""
    ends: dict[str, int] = {}
    for p in plan.operations:
        ends[p.order] = max(ends.get(p.order, 0), p.end)
    late = [o for o in problem.orders if ends.get(o.id, 0) > o.due][:count]
    t = time.monotonic()
    got = explain(replace(problem, orders=tuple(late)), list(plan.operations))
    return {"orders": len(late), "explained": len(got), "seconds": round(time.monotonic() - t, 3)}


def left_out_of(plan) -> list[str]:
    """Order ids a plan left out (``Plan.left_out``: pairs or a dict, order → why)."""
    return list(dict(getattr(plan, "left_out", None) or {}))


def ours(problem: NetworkProblem, time_limit: float, workers: int, seed: int):
    series: list[tuple[float, int]] = []
    t = time.monotonic()
    plan = search.plan_network(problem, time_limit, workers, seed,
                               on_improvement=lambda s, o: series.append((s, o.weighted_tardiness)))
    wall = time.monotonic() - t
    left_out = left_out_of(plan)
    t = time.monotonic()
    late = explain(without(problem, left_out), list(plan.operations))
    explained = time.monotonic() - t
    return plan, {"seconds": round(wall, 3), "first_plan_seconds": series[0][0] if series else None,
                  "explain_seconds": round(explained, 3), "explained": len(late),
                  "answer_seconds": round(wall + explained, 3), "status": plan.status,
                  "objective_over_time": series, **checked(problem, plan.operations, left_out)}


def busiest_machine(operations) -> tuple[str, str]:
    """The machine with the most operations still to start at ``NOW``."""
    count: dict[tuple[str, str], int] = {}
    for p in operations:
        if p.start >= NOW:
            count[p.factory, p.machine] = count.get((p.factory, p.machine), 0) + 1
    return max(count, key=lambda k: (count[k], k))


def with_downtime(problem: NetworkProblem, where: tuple[str, str], down: Window):
    """``problem`` with machine ``where`` (factory, machine) also down during ``down``."""
    return replace(problem, factories=tuple(
        replace(f, machines=tuple(replace(m, downtime=m.downtime + (down,)) if m.id == where[1]
                                  else m for m in f.machines)) if f.id == where[0] else f
        for f in problem.factories))


def urgent_order(problem: NetworkProblem) -> Order:
    """A wardrobe-like order (no specialist machines; else the shortest routing) released now,
    due within a day."""
    plain = next((o for o in problem.orders if all(
        op.machine_type not in ("paint_line", "sander", "cnc_router") for op in o.operations)),
        None) or min(problem.orders, key=lambda o: (len(o.operations), o.id))
    return Order("URGENT-1", plain.operations, due=NOW + DAY - 60, weight=3, release=NOW)


def moved(before, after) -> int:
    """Operations of ``before`` whose machine or start differ in ``after`` (or gone)."""
    new = {p.key: (p.machine, p.start) for p in after}
    return sum(1 for p in before if new.get(p.key) != (p.machine, p.start))


def replan_row(change: str, problem: NetworkProblem, previous, limit: float, workers: int,
               seed: int) -> tuple[object, dict]:
    replan = getattr(search, "replan", None) or search.replan_machine_down
    t = time.monotonic()
    plan = replan(problem, previous, limit, workers, seed)
    seconds = time.monotonic() - t
    n_ops = sum(len(o.operations) for o in problem.orders)
    ours_row = checked(problem, plan.operations, left_out_of(plan))
    scratch = baseline(problem)
    n_moved = moved(previous, plan.operations)
    row = {"change": change, "function": replan.__name__, "status": plan.status,
           "seconds": round(seconds, 3),
           "moved": n_moved, "moved_pct": round(100 * n_moved / max(1, n_ops), 3), **ours_row,
           "edd_from_scratch": scratch,
           "not_worse": (ours_row["placed"] > scratch["placed"] or (
               ours_row["placed"] == scratch["placed"]
               and ours_row["weighted_tardiness"] <= scratch["weighted_tardiness"]))}
    progress(f"{change}: {seconds:.2f} s, moved {n_moved} ({row['moved_pct']:.2f} %), weighted "
             f"tardiness {ours_row['weighted_tardiness']}, EDD from scratch "
             f"{scratch['weighted_tardiness']}")
    return plan, row


def replans(problem: NetworkProblem, plan, limit: float, workers: int, seed: int) -> list[dict]:
    where = busiest_machine(plan.operations)
    before = list(plan.operations)
    frozen = tuple(p for p in before if p.start < NOW)
    down = with_downtime(replace(problem, frozen=frozen, last_plan=tuple(before), now=NOW),
                         where, Window(NOW, NOW + DOWN_MINUTES))
    rows = []
    plan_a, row = replan_row(f"{where[1]} down {DOWN_MINUTES // 60} h", down, before, limit,
                             workers, seed)
    rows.append(row)
    after_a = list(plan_a.operations)
    back = replace(down, factories=problem.factories, last_plan=tuple(after_a))
    plan_b, row = replan_row(f"{where[1]} back", back, after_a, limit, workers, seed)
    rows.append(row)
    if getattr(search, "replan", None) is None:
        rows.append({"change": "urgent order", "skipped": "search.replan does not exist yet"})
        return rows
    after_b = list(plan_b.operations)
    urgent = replace(back, orders=back.orders + (urgent_order(back),), last_plan=tuple(after_b))
    rows.append(replan_row("urgent order", urgent, after_b, limit, workers, seed)[1])
    return rows


def peak_rss_mb() -> float:
    """The largest resident set of this process or any child it waited for (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def network(name: str, seed: int) -> NetworkProblem:
    """A chain preset (``chain-m``) or a shape of load/network_shapes.py at a size
    (``giants@m``)."""
    if "@" not in name:
        return generate_preset(name, seed)
    from load.network_shapes import SIZES, generate

    shape, size = name.split("@", 1)
    return generate(shape, *SIZES[size], seed)


def measure(preset: str, time_limit: float, replan_limit: float, workers: int, seed: int) -> dict:
    t = time.monotonic()
    problem = network(preset, seed)
    out: dict = {"preset": preset, "seed": seed, "time_limit": time_limit,
                 "generate_seconds": round(time.monotonic() - t, 3), "shape": describe(problem)}
    progress(f"{preset}: {out['shape']['orders']} orders, {out['shape']['operations']} operations, "
             f"{out['shape']['factories']} factories, load {out['shape']['load']}")
    t = time.monotonic()
    ensure_compiled()  # compiled kernels: on a fresh install the first use compiles them
    out["compile_seconds"] = round(time.monotonic() - t, 3)
    edd: list = []
    out["edd"] = baseline(problem, edd)
    progress(f"EDD: {out['edd']['seconds']:.2f} s, weighted tardiness "
             f"{out['edd']['weighted_tardiness']}, placed {out['edd']['placed']}")
    t = time.monotonic()
    out["floor"] = {"weighted_tardiness": tardiness_floor(problem),
                    "seconds": round(time.monotonic() - t, 3)}
    progress(f"floor (each order alone): weighted tardiness {out['floor']['weighted_tardiness']}")
    out["explain_1000"] = explain_late(problem, edd[0])
    progress(f"explanations of {out['explain_1000']['orders']} late EDD orders: "
             f"{out['explain_1000']['seconds']:.2f} s")
    try:
        plan, out["ours"] = ours(problem, time_limit, workers, seed)
        progress(f"ours: first plan {out['ours']['first_plan_seconds']} s, answer "
                 f"{out['ours']['answer_seconds']:.2f} s, weighted tardiness "
                 f"{out['ours']['weighted_tardiness']}, placed {out['ours']['placed']}")
        out["replans"] = replans(problem, plan, replan_limit, workers, seed)
    except Exception as exc:  # a failing solver is a result to print, not a crash
        out["error"] = f"{type(exc).__name__}: {exc}"
        progress(f"failed: {out['error']}")
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.chain_bench",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("preset")
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--replan-limit", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    result = measure(args.preset, args.time_limit, args.replan_limit, args.workers, args.seed)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
