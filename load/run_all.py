"""`make bench`: every benchmark of DESIGN.md's table, each beside its baseline, then one table.

Runs each benchmark module in turn (their progress shows as they go), reads the JSON each one
wrote to load/results/ during this run, prints one table of our figures, baselines, ratios and
targets, and writes load/results/summary_<time>.json. Each benchmark also writes its own picture
(SVG). `--quick` shortens the long ones (the pipeline runs 1 minute instead of 10);
`--only bench_webhooks bench_factory_clients` runs some. A benchmark that fails or overruns its
time limit is interrupted (SIGINT, so it stops the platform it started) and listed as failed;
the others still run.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def newest(prefix: str, since: float = 0.0) -> tuple[Path, dict] | None:
    """The newest result file of a benchmark, if it was written after `since`."""
    files = [Path(f) for f in glob.glob(str(RESULTS / f"{prefix}*.json"))]
    files = [f for f in files if f.stat().st_mtime >= since]
    if not files:
        return None
    path = max(files, key=lambda f: f.stat().st_mtime)
    return path, json.loads(path.read_text())


def _webhooks(d):
    how = "Locust" if d.get("generator", "").startswith("locust") else "httpx loop"
    return [(f"signed webhook → order placed ({d['concurrency']}, {how})",
             f"{d['ours']['per_s']:.0f}/s, p99 {d['ours']['p99_ms']:.0f} ms",
             f"raw PG commits {d['baseline_raw_pg']['per_s']:.0f}/s", d["ratio"],
             "≥ 500/s, p99 ≤ 100 ms, ratio ≥ 0.40")]


def _factory_clients(d):
    r, h, dl = d["reports"], d["baseline_health"], d["assignment_delivery"]
    return [(f"gRPC factory clients ({d['factories']}): reports",
             f"{r['per_s']:.0f}/s, p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms",
             f"health check {h['per_s']:.0f}/s, p50 {h['p50_ms']:.1f} ms", d["ratio"],
             "none in DESIGN (issue #9)"),
            ("gRPC factory clients: assignment delivery",
             f"p50 {dl['p50_ms']:.0f} ms, p99 {dl['p99_ms']:.0f} ms",
             f"health under load p50 {d['health_under_load']['p50_ms']:.0f} ms", None,
             "none in DESIGN (issue #9)")]


def _relay(d):
    return [("relay: drain rate", f"{d['relay_drain_per_s']:.0f}/s",
             f"raw JetStream {d['raw_publish_per_s']:.0f}/s", d["ratio"], "ratio ≥ 0.50"),
            ("relay: lag at 500 events/s", f"p99 {d['lag_p99_ms']:.0f} ms", "", None, "p99 ≤ 200 ms")]


def _pipeline(d):
    hop = f"one JetStream hop p95 {d['jetstream_hop']['p95_ms']:.1f} ms"
    return [("placed → scheduled", f"p95 {d['placed_to_scheduled_p95_s']:.2f} s at {d['rate']:g}/s",
             hop, None, "p95 ≤ 5 s at 50/s for 10 min"),
            ("placed → decided (scheduled or left out)",
             f"p95 {d['placed_to_decided_p95_s']:.2f} s; {d['left_out']} of {d['accepted']} left out",
             hop, None, "")]


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


def _chain(d):
    rows = []
    for r in d["presets"]:
        if "ours" not in r:
            rows.append((f"{r['preset']}: plan", "failed", "", None, ""))
            continue
        o, e = r["ours"], r["edd"]
        rows.append((f"{r['preset']}: weighted tardiness, first plan / answer",
                     f"{o['weighted_tardiness']} ({o['first_plan_seconds']:.1f} / {o['answer_seconds']:.1f} s)",
                     f"EDD {e['weighted_tardiness']}", o["weighted_tardiness"] / max(1, e["weighted_tardiness"]),
                     "≤ 0.5 × EDD, first ≤ 10 s, answer ≤ limit + 5 s"))
        worst = max(r.get("replans", ()), key=lambda x: x.get("seconds", 0), default=None)
        if worst and "seconds" in worst:
            rows.append((f"{r['preset']}: slowest re-plan ({worst['change']})",
                         f"{worst['seconds']:.2f} s, moved {worst['moved_pct']:.2f} %",
                         f"EDD scratch {worst['edd_from_scratch']['weighted_tardiness']}", None,
                         "≤ 2 s, ≤ 1 %"))
    return rows


def _telemetry(d):
    ours, raw = d["intake_samples_per_s"], d["raw_subscribe_samples_per_s"]
    return [("telemetry intake", f"{ours:.0f} samples/s", f"raw nats-py {raw:.0f}/s",
             ours / raw if raw else None, "≥ 20,000/s")]


def _plan_storage(d):
    rows = []
    for s in d["summaries"]:
        if "per_replan_bytes_mean" in s:
            rows.append((f"{s['preset']}: plan stored per re-plan (mean, max)",
                         f"{s['per_replan_bytes_mean'] / 1e3:.1f} kB, {s['per_replan_bytes_max'] / 1e3:.1f} kB",
                         f"whole plan {s['baseline_event_bytes'] / 1e6:.1f} MB (ratio: x ours)",
                         s["baseline_event_bytes"] / max(1, s["per_replan_bytes_mean"]),
                         "≤ 1 MB per re-plan moving ≤ 1 %"))
        r = next(p for p in d["presets"] if p["preset"] == s["preset"])
        rows.append((f"{s['preset']}: rebuild plan (log replay / factory plans)",
                     f"{r['rebuild']['replay_seconds']:.1f} s / {r['rebuild']['load_seconds']:.1f} s",
                     "", None, "≤ 60 s at 50,000 orders"))
    return rows


def _outbound(d):
    ours, base = d["outbound"], d["baseline"]
    paced = f" at {d['rate']:g}/s" if d.get("rate") else f", {d['events']} at once"
    return [(f"outbound webhooks{paced} (event → arrival p99)",
             f"{ours['webhooks_per_s']:.0f}/s ({ours['delay_p99_s'] * 1000:.0f} ms)",
             f"raw signed POSTs {base['webhooks_per_s']:.0f}/s",
             ours["webhooks_per_s"] / base["webhooks_per_s"], "never in intake's way")]


# (module, arguments, quick arguments, result prefix, summary rows, time limit in minutes)
BENCHMARKS: list[tuple[str, list[str], list[str], str, Callable, float]] = [
    ("load.bench_configure", [], ["--runs", "300"], "configure_", _configure, 10),
    ("load.bench_nesting", [], ["--quick"], "nesting_", _nesting, 30),
    ("load.bench_classifier", [], ["--quick"], "bench_classifier", _classifier, 30),
    ("load.bench_fjsp", [], ["--only", "mk01,mk04,mk08"], "fjsp_brandimarte_", _fjsp, 60),
    ("load.bench_network", [], [], "network_", _network, 30),
    ("load.bench_network", ["--preset", "chain-m", "chain-l", "chain-xl"], ["--preset", "chain-m"],
     "chain_", _chain, 30),
    ("load.bench_plan_storage", [], ["--presets", "chain-l", "--replans", "30"], "plan_storage_",
     _plan_storage, 60),
    ("load.bench_webhooks", [], ["--seconds", "10"], "webhooks_", _webhooks, 15),
    ("load.bench_factory_clients", [], ["--seconds", "30", "--backlog", "80",
                                        "--baseline-seconds", "5"], "factory_clients_",
     _factory_clients, 15),
    ("load.bench_relay", [], ["--seconds", "10", "--backlog", "10000"], "relay_", _relay, 20),
    ("load.bench_telemetry", [], ["--seconds", "300"], "telemetry_", _telemetry, 30),
    ("load.bench_portal_reads", [], ["--orders", "20000"], "portal_reads_", _portal, 40),
    ("load.bench_pipeline", [], ["--minutes", "1", "--rate", "10"], "pipeline_", _pipeline, 30),
    ("load.bench_outbound", ["--events", "3000", "--rate", "50"], ["--events", "500", "--rate", "50"],
     "outbound_", _outbound, 15),
]


def run_one(module: str, argv: list[str], limit_s: float) -> int | str:
    """Run a benchmark as a child process (its output streams through); its exit code, or
    "timed out" after it was interrupted at its time limit."""
    child = subprocess.Popen([sys.executable, "-m", module, *argv])
    try:
        return child.wait(limit_s)
    except subprocess.TimeoutExpired:
        print(f"  {module} overran its {limit_s / 60:.0f} min limit: interrupting it", flush=True)
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)  # let it stop the platform it started, then stop
        child.wait(60)
        raise
    child.send_signal(signal.SIGINT)  # KeyboardInterrupt: its `with` blocks stop the servers
    try:
        child.wait(60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    return "timed out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--only", nargs="*", help="module names to run (e.g. bench_relay)")
    args = parser.parse_args()
    chosen = [b for b in BENCHMARKS if not args.only or b[0].rsplit(".", 1)[-1] in args.only]
    unknown = set(args.only or ()) - {b[0].rsplit(".", 1)[-1] for b in BENCHMARKS}
    if unknown:
        parser.error(f"unknown benchmarks {sorted(unknown)}")
    rows, failed, runs = [], [], []
    run_started = time.time()
    for i, (module, full, quick, prefix, summarise, limit_min) in enumerate(chosen, 1):
        argv = quick if args.quick else full
        print(f"\n[{i}/{len(chosen)}] {module} {' '.join(argv)}   "
              f"({time.strftime('%H:%M:%S')}, {(time.time() - run_started) / 60:.1f} min so far)",
              flush=True)
        started = time.time()
        code = run_one(module, argv, limit_min * 60)
        elapsed = time.time() - started
        found = newest(prefix, since=started)
        status = "ok"
        if code != 0 or found is None:
            status = f"exit {code}" if code != 0 else "wrote no result"
            failed.append(f"{module} ({status})")
        else:
            try:
                rows += summarise(found[1])
            except (KeyError, TypeError, ZeroDivisionError, ValueError) as exc:
                status = f"summary: {exc!r}"
                failed.append(f"{module} ({status})")
        runs.append({"module": module, "args": argv, "seconds": round(elapsed, 1),
                     "status": status, "result": str(found[0]) if found else None})
        print(f"  [{i}/{len(chosen)}] {module}: {status} in {elapsed:.0f} s", flush=True)
    print(f"\n{'what':44} {'ours':34} {'baseline':32} {'ratio':>6}  target")
    for what, ours, baseline, ratio, target in rows:
        r = f"{ratio:6.2f}" if isinstance(ratio, int | float) else "     -"
        print(f"{what:44} {ours:34} {baseline:32} {r}  {target}")
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"summary_{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps({
        "quick": args.quick, "minutes": round((time.time() - run_started) / 60, 1),
        "cores": os.cpu_count(), "load_average": os.getloadavg(), "benchmarks": runs,
        "rows": [dict(zip(("what", "ours", "baseline", "ratio", "target"), r, strict=True))
                 for r in rows], "failed": failed}, indent=2))
    print(f"\nwrote {out}; pictures: {RESULTS}/*.svg")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
