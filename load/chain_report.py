"""The chain-scale benchmark's report: tables of our figures beside the EDD baseline with the
targets of issue 14 (PASS/FAIL), JSON of every figure and a bar chart, in load/results/."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from load.charts import bar_chart

FIRST_PLAN_S = 10.0
ANSWER_MARGIN_S = 5.0
WT_RATIO = 0.5
RSS_MB = 4096.0
REPLAN_S = 2.0
MOVED_PCT = 1.0


def plan_targets(r: dict, limit: float) -> list[tuple[str, bool]]:
    ours, edd = r["ours"], r["edd"]
    first = ours["first_plan_seconds"]
    return [
        (f"first plan ≤ {FIRST_PLAN_S:g} s", first is not None and first <= FIRST_PLAN_S),
        (f"answer ≤ {limit + ANSWER_MARGIN_S:g} s", ours["answer_seconds"] <= limit + ANSWER_MARGIN_S),
        (f"WT ≤ {WT_RATIO:g} × EDD", ours["weighted_tardiness"] <= WT_RATIO * edd["weighted_tardiness"]),
        ("placed ≥ EDD", ours["placed"] >= edd["placed"]),
        (f"RSS ≤ {RSS_MB / 1024:g} GB", r["peak_rss_mb"] <= RSS_MB),
        ("valid", ours["valid"] and edd["valid"]),
    ]


def replan_targets(row: dict) -> list[tuple[str, bool]]:
    return [
        (f"≤ {REPLAN_S:g} s", row["seconds"] <= REPLAN_S),
        (f"moved ≤ {MOVED_PCT:g} %", row["moved_pct"] <= MOVED_PCT),
        ("≤ EDD from scratch", row["not_worse"]),
        ("valid", row["valid"] and row["edd_from_scratch"]["valid"]),
    ]


def _marks(targets: list[tuple[str, bool]]) -> str:
    return " · ".join(f"{name} {'PASS' if ok else 'FAIL'}" for name, ok in targets)


def _ratio(ours: int, edd: int) -> str:
    return f"{ours / edd:.3f}" if edd else ("1.000" if not ours else "inf")


def print_tables(results: list[dict], limit: float) -> None:
    print(f"\n{'preset':18} {'orders':>7} {'ops':>7} {'fact':>5} | {'EDD WT':>10} {'placed':>7} "
          f"{'s':>6} | {'ours WT':>10} {'placed':>7} {'first s':>7} {'wall s':>7} | "
          f"{'ours/EDD':>8} {'RSS MB':>7} {'valid':>5}")
    for r in results:
        if "ours" not in r:
            print(f"{r['preset']:18} failed: {r.get('error')}")
            continue
        s, e, o = r["shape"], r["edd"], r["ours"]
        first = "-" if o["first_plan_seconds"] is None else f"{o['first_plan_seconds']:.2f}"
        print(f"{r['preset']:18} {s['orders']:7d} {s['operations']:7d} {s['factories']:5d} | "
              f"{e['weighted_tardiness']:10d} {e['placed']:7d} {e['seconds']:6.2f} | "
              f"{o['weighted_tardiness']:10d} {o['placed']:7d} {first:>7} {o['seconds']:7.2f} | "
              f"{_ratio(o['weighted_tardiness'], e['weighted_tardiness']):>8} "
              f"{r['peak_rss_mb']:7.0f} {'OK' if o['valid'] and e['valid'] else 'NO':>5}")
        print(f"{'':18} targets: {_marks(plan_targets(r, limit))}"
              f" (answer {o['answer_seconds']:.2f} s with {o['explained']} explanations)")
        if "floor" in r:
            floor = r["floor"]["weighted_tardiness"]
            print(f"{'':18} floor (each order alone) {floor:,}: above it ours "
                  f"{o['weighted_tardiness'] - floor:,}, EDD {e['weighted_tardiness'] - floor:,}, "
                  f"ratio {_ratio(o['weighted_tardiness'] - floor, e['weighted_tardiness'] - floor)}")
        if "explain_1000" in r:
            x = r["explain_1000"]
            mark = "PASS" if x["seconds"] <= 1.0 or x["orders"] < 1000 else "FAIL"
            print(f"{'':18} explanations of {x['orders']} late orders (the EDD plan's): "
                  f"{x['seconds']:.2f} s, target ≤ 1 s {mark}; kernels compiled or loaded in "
                  f"{r.get('compile_seconds', 0):.1f} s before timing")
    print(f"\n{'preset':18} {'re-plan':24} {'s':>6} {'moved':>7} {'%':>6} {'WT':>10} "
          f"{'EDD scratch':>11} {'ours ≤ EDD':>10}")
    for r in results:
        for row in r.get("replans", ()):
            if "skipped" in row:
                print(f"{r['preset']:18} {row['change']:24} skipped: {row['skipped']}")
                continue
            scratch = row["edd_from_scratch"]
            print(f"{r['preset']:18} {row['change'][:24]:24} {row['seconds']:6.2f} {row['moved']:7d} "
                  f"{row['moved_pct']:6.2f} {row['weighted_tardiness']:10d} "
                  f"{scratch['weighted_tardiness']:11d} {'yes' if row['not_worse'] else 'NO':>10}")
            print(f"{'':18} targets: {_marks(replan_targets(row))}")
    print("(ours ≤ EDD: more orders placed, or as many and no more weighted tardiness)")


def chart(results: list[dict]) -> str:
    """Weighted tardiness per preset as a share of the EDD baseline's, figures on the bars."""
    groups, notes = {}, {}
    for r in results:
        if "ours" not in r:
            continue
        edd, ours = r["edd"]["weighted_tardiness"], r["ours"]["weighted_tardiness"]
        groups[r["preset"]] = {"EDD list schedule": 1.0, "ours": ours / edd if edd else 0.0}
        notes[r["preset"], "EDD list schedule"] = f"{edd:,}"
        notes[r["preset"], "ours"] = f"{ours:,}"
    return bar_chart("Weighted tardiness, ours beside the EDD list schedule (dashed: target)",
                     groups, y_label="share of the EDD baseline's weighted tardiness",
                     notes=notes, guide=WT_RATIO)


def report(results: list[dict], limit: float, replan_limit: float, folder: Path) -> Path:
    """Print the tables; write the JSON and the chart; the JSON's path."""
    print_tables(results, limit)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = folder / f"chain_{stamp}.json"
    for r in results:
        if "ours" in r:
            r["targets"] = {name: ok for name, ok in plan_targets(r, limit)}
            for row in r.get("replans", ()):
                if "skipped" not in row:
                    row["targets"] = {name: ok for name, ok in replan_targets(row)}
    path.write_text(json.dumps({"time_limit": limit, "replan_limit": replan_limit,
                                "cores": os.cpu_count(), "load_average": os.getloadavg(),
                                "presets": results}, indent=1))
    (folder / f"chain_{stamp}.svg").write_text(chart(results))
    print(f"wrote {path} and {path.with_suffix('.svg').name}")
    return path
