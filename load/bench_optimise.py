"""How long the planner's optimisation holds arrivals, and what it buys (issue 15).

    python -m load.bench_optimise [--factories 600] [--orders 15000] [--batch 100] [--seed 0]

In process, no servers: the planner loop's passes (`Planner.plan_once`) over a network state
built as the pipeline benchmark's chain network is (load/chain_fleet.py: factories, machines,
shifts) and filled with orders of its realistic mix (load/order_mix.py, routed by the seed
catalogue as the configurator routes them), published through the unit tests' recording
application (no database; the state follows). The orders arrive ``--batch`` at a time, each
batch slotted in as the loop does under a steady stream (one simulated second apart); then
the optimisation the loop runs at ``optimise_max_wait_s`` is made, and every pass it takes is
timed: while a pass runs, no arrival is slotted in. ``--lead`` sets how far the promised
dates are (the pipeline's mix: 4-13 days; 1-5 makes late work for the optimisation to
remove).

Reported: the slotting-in passes (p50 / p95 / max), each optimisation pass (the longest is how
long it holds arrivals), and the plan's total tardiness over its orders before and after the
optimisation (hours; weight 1, as the pool has no weights), with the orders late. Writes
load/results/optimise_<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from demo.factories import TIMEZONE
from load.chain_fleet import fleet
from load.order_mix import draw_item
from services.configurator.catalogue import Configuration, configure, seed_catalogue
from services.configurator.domain.order_routing import SETUP_FAMILY
from services.scheduling.domain.capacity import FactoryCapacity, MachineCapacity
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.pool import PoolOrder
from services.scheduling.domain.problem import due_ms
from services.scheduling.domain.values import RoutingStep
from services.scheduling.planning.planner import OPTIMISE, Planner
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.decompose import ensure_compiled
from tests.unit.scheduling.recording import RecordingApp
from tests.unit.scheduling.test_insert import Follower

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "load" / "results"
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday, 17:00 in the factories' zone


def _apply(state: NetworkState, *aggregates) -> None:
    for a in aggregates:
        for event in a.collect_events():
            state.apply(event)


def chain_state(factories: int, seed: int) -> NetworkState:
    """The chain network of the pipeline benchmark, as scheduling learns it from iot."""
    state = NetworkState()
    for f in fleet(factories, seed):
        _apply(state, FactoryCapacity(
            factory_id=f.factory_id, name=f.name, capacity_share=f.capacity_share_percent / 100,
            timezone=TIMEZONE, weekly_shifts=[[d + 1, s, e] for d, s, e in f.shifts],
            exceptions=[], active=True, source_version=1, city=f.city, region="Guangdong"))
        for m in f.machines:
            _apply(state, MachineCapacity(machine_id=m.machine_id, factory_id=f.factory_id,
                                          machine_type=m.machine_type, speed=m.speed_factor,
                                          batch_capacity=1, active=True, source_version=1))
    return state


def routings(count: int, seed: int, lead: tuple[int, int]) -> list[tuple[list[RoutingStep], int]]:
    """``count`` orders of the mix: each one's routing and lead time in days (refused ones
    are not drawn again: the configurator refuses them before scheduling sees them)."""
    catalogue = seed_catalogue()
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        product, options = draw_item(rng)
        result = configure(catalogue, product, options)
        if not isinstance(result, Configuration):
            continue
        steps = [RoutingStep(seq=i, machine_type=op.machine_type,
                             duration_s=op.duration_s + op.setup_s,
                             setup_family=SETUP_FAMILY.get(op.step, "") if op.setup_family else "",
                             setup_key=op.setup_family or "",
                             min_wait_after_s=op.min_wait_after_s, description=op.step)
                 for i, op in enumerate(result.routing.operations, start=1)]
        out.append((steps, rng.randint(*lead)))
    return out


def tardiness(state: NetworkState, now_ms: int) -> dict:
    """Total tardiness of the planned orders (hours, from the published plan's rows), how
    many are late, and their mean planned end (hours from now)."""
    ends: dict[str, int] = {}
    for r in state.plan_rows.values():
        ends[r.order_id] = max(ends.get(r.order_id, 0), r.end_ms)
    total = late = 0
    for order_id, end in ends.items():
        due = due_ms(state.orders[order_id].promised_date)
        if due and end > due:
            late += 1
            total += end - due
    return {"planned": len(ends), "late": late, "tardiness_h": round(total / 3_600_000, 1),
            "mean_end_h": round(sum(e - now_ms for e in ends.values()) / max(1, len(ends))
                                / 3_600_000, 2)}


def _ms(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {}
    return {"n": len(values), "p50": round(statistics.median(values)),
            "p95": round(values[min(len(values) - 1, int(0.95 * len(values)))]),
            "max": round(values[-1]), "total": round(sum(values))}


async def run(args) -> dict:
    ensure_compiled()
    state = chain_state(args.factories, args.seed)
    now = [START.timestamp()]
    settings = SchedulerSettings.from_env()
    planner = Planner(RecordingApp(state), state, Follower(), settings, clock=lambda: now[0])
    today = date.fromtimestamp(now[0])
    orders = routings(args.orders, args.seed, tuple(args.lead))
    print(f"{len(state.factories)} factories, {len(state.machines)} machines, "
          f"{len(orders)} orders of the mix", file=sys.stderr)
    slotted: list[float] = []
    for start in range(0, len(orders), args.batch):
        for i, (steps, lead) in enumerate(orders[start:start + args.batch], start=start):
            o = PoolOrder(order_id=f"B-{i:06d}", tenant="t")
            o.configure(1, steps, (today + timedelta(days=lead)).isoformat())
            _apply(state, o)
        t0 = time.perf_counter()
        await planner.plan_once({"orders_added"})
        slotted.append((time.perf_counter() - t0) * 1000)
        now[0] += 1.0
        if start // args.batch % 20 == 0:
            print(f"  {start + args.batch} slotted in, last pass {slotted[-1]:.0f} ms",
                  file=sys.stderr)
    before = tardiness(state, int(now[0] * 1000))
    print(f"before the optimisation: {before}", file=sys.stderr)
    passes: list[float] = []
    t_all = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        run_ = await planner.plan_once({OPTIMISE})
        passes.append((time.perf_counter() - t0) * 1000)
        now[0] += passes[-1] / 1000
        print(f"  optimisation pass {len(passes)}: {passes[-1]:.0f} ms "
              f"({run_.orders if run_ else 0} orders, moved {run_.moved if run_ else 0})",
              file=sys.stderr)
        if getattr(planner, "sweep", None) is None:
            break
    after = tardiness(state, int(now[0] * 1000))
    print(f"after: {after}", file=sys.stderr)
    return {"factories": len(state.factories), "orders": len(orders), "batch": args.batch,
            "slotting_in_ms": _ms(slotted), "optimisation_passes_ms": _ms(passes),
            "optimisation_wall_s": round(time.perf_counter() - t_all, 2),
            "before": before, "after": after, "lead_days": list(args.lead),
            "settings": {"time_limit_s": settings.time_limit_s,
                         "optimise_round_s": getattr(settings, "optimise_round_s", None),
                         "optimise_window_operations": getattr(
                             settings, "optimise_window_operations", None)}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factories", type=int, default=600)
    parser.add_argument("--orders", type=int, default=15_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lead", type=int, nargs=2, default=(4, 13), metavar=("MIN", "MAX"),
                        help="days from today to the promised date (the pipeline's mix: 4 13)")
    args = parser.parse_args(argv)
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"optimise_{stamp}.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
