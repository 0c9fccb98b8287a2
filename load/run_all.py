"""`make bench`: every benchmark of DESIGN.md's table, each beside its baseline, then one table.

Runs each benchmark module in turn (their progress shows as they go), reads the JSON each one
wrote to load/results/, prints one table of our figures, baselines, ratios and targets, and
writes load/results/summary_<time>.json. Each benchmark also writes its own picture (SVG).
`--quick` shortens the long ones (the pipeline runs 1 minute instead of 10).
"""

from __future__ import annotations

import argparse
import glob
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def newest(prefix: str) -> dict | None:
    files = sorted(glob.glob(str(RESULTS / f"{prefix}*.json")))
    return json.loads(Path(files[-1]).read_text()) if files else None


def _webhooks(d):
    return [("signed webhook → order placed (32 senders)", f"{d['ours']['per_s']:.0f}/s, p99 "
             f"{d['ours']['p99_ms']:.0f} ms", f"raw PG commits {d['baseline_raw_pg']['per_s']:.0f}/s",
             d["ratio"], "≥ 500/s, p99 ≤ 100 ms, ratio ≥ 0.40")]


def _relay(d):
    return [("relay: drain rate", f"{d['relay_drain_per_s']:.0f}/s",
             f"raw JetStream {d['raw_publish_per_s']:.0f}/s", d["ratio"], "ratio ≥ 0.50"),
            ("relay: lag at 500 events/s", f"p99 {d['lag_p99_ms']:.0f} ms", "", None, "p99 ≤ 200 ms")]


def _pipeline(d):
    return [("placed → scheduled", f"p95 {d['placed_to_scheduled_p95_s']:.2f} s at {d['rate']:g}/s",
             f"one JetStream hop p95 {d['jetstream_hop']['p95_ms']:.1f} ms", None,
             "p95 ≤ 5 s at 50/s for 10 min")]


def _portal(d):
    first, bare = d["orders, first page"], d["bare Litestar endpoint (baseline)"]
    return [(f"portal list, {d['orders']} orders", f"p99 {first['p99_ms']:.0f} ms",
             f"bare Litestar p99 {bare['p99_ms']:.0f} ms", first["p99_ms"] / bare["p99_ms"],
             "p99 ≤ 100 ms")]


def _classifier(d):
    o = d["overall"]
    return [("machine state from current", f"{o['stream'] * 100:.2f} % per sample",
             f"fixed thresholds {o['fixed'] * 100:.2f} %", o["stream"] / o["fixed"], "≥ 98 %")]


def _configure(d):
    row = d["rows"][0]
    return [("configure one wardrobe", f"p50 {row['p50_ms']:.2f} ms", "", None, "p50 ≤ 5 ms")]


def _nesting(d):
    return [("nesting yield", f"{d['mean_yield_ours_pct']:.2f} %",
             f"FFD shelf {d['mean_yield_ffd_pct']:.2f} %",
             d["mean_yield_ours_pct"] / d["mean_yield_ffd_pct"], "ahead of FFD")]


def _fjsp(d):
    return [("Brandimarte mean gap (10 s, 2 workers)", f"{d['mean_gap_ours_pct']:.2f} %",
             f"plain CP-SAT {d['mean_gap_plain_pct']:.2f} %", d["ratio_ours_over_plain"],
             "≤ 1 %, never worse than plain")]


def _network(d):
    return [("400 orders × 5 ops: first plan", f"{d['plan']['first_feasible_seconds']:.2f} s",
             f"greedy {d['greedy'].get('seconds', float('nan')):.2f} s", None, "≤ 5 s"),
            ("machine down: re-plan", f"{d['replan']['seconds']:.2f} s, moved "
             f"{d['replan']['moved_pct']:.1f} %", "", None, "≤ 2 s, ≤ 10 %")]


def _telemetry(d):
    ours, raw = d["intake_samples_per_s"], d["raw_subscribe_samples_per_s"]
    return [("telemetry intake", f"{ours:.0f} samples/s", f"raw nats-py {raw:.0f}/s",
             ours / raw if raw else None, "≥ 20,000/s")]


# (module, arguments, quick arguments, result prefix, summary rows)
BENCHMARKS: list[tuple[str, list[str], list[str], str, Callable]] = [
    ("load.bench_configure", [], ["--runs", "300"], "configure_", _configure),
    ("load.bench_nesting", [], ["--quick"], "nesting_", _nesting),
    ("load.bench_classifier", [], ["--quick"], "bench_classifier", _classifier),
    ("load.bench_fjsp", [], ["--only", "mk01,mk04,mk08"], "fjsp_brandimarte_", _fjsp),
    ("load.bench_network", [], [], "network_", _network),
    ("load.bench_webhooks", [], ["--seconds", "10"], "webhooks_", _webhooks),
    ("load.bench_relay", [], ["--seconds", "10", "--backlog", "10000"], "relay_", _relay),
    ("load.bench_telemetry", [], ["--seconds", "300"], "telemetry_", _telemetry),
    ("load.bench_portal_reads", [], ["--orders", "20000"], "portal_reads_", _portal),
    ("load.bench_pipeline", [], ["--minutes", "1", "--rate", "10"], "pipeline_", _pipeline),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", nargs="*", help="module names to run (e.g. bench_relay)")
    args = parser.parse_args()
    rows, failed = [], []
    for i, (module, full, quick, prefix, summarise) in enumerate(BENCHMARKS, 1):
        if args.only and module.rsplit(".", 1)[-1] not in args.only:
            continue
        print(f"\n[{i}/{len(BENCHMARKS)}] {module} {' '.join(quick if args.quick else full)}",
              flush=True)
        started = time.time()
        code = subprocess.call([sys.executable, "-m", module, *(quick if args.quick else full)])
        data = newest(prefix)
        if code != 0 or data is None:
            failed.append(module)
            continue
        try:
            rows += summarise(data)
        except (KeyError, TypeError, ZeroDivisionError) as exc:
            failed.append(f"{module} (summary: {exc!r})")
        print(f"  done in {time.time() - started:.0f} s", flush=True)
    print(f"\n{'what':44} {'ours':34} {'baseline':32} {'ratio':>6}  target")
    for what, ours, baseline, ratio, target in rows:
        r = f"{ratio:6.2f}" if isinstance(ratio, float) else "     -"
        print(f"{what:44} {ours:34} {baseline:32} {r}  {target}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"summary_{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps([dict(zip(("what", "ours", "baseline", "ratio", "target"), r,
                                        strict=True)) for r in rows], indent=2))
    print(f"\nwrote {out}; pictures: {RESULTS}/*.svg")


if __name__ == "__main__":
    main()
