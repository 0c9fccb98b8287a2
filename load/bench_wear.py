"""Wear benchmark: lead time before failure and false alarms, wear detector against a fixed threshold.

Run: ``python -m load.bench_wear [--quick] [--labels true|classifier] [--seeds 22 3 5]``
(several fleets: the spread over seeds is reported beside each seed's row). Prints a table; writes JSON
to ``load/results/bench_wear.json`` and a chart of one wearing machine to
``load/results/bench_wear.svg``.

The fleet (``demo.wear.scenarios``) has wearing machines of every mode and shape with known onset
and failure times, and healthy machines whose work changes (thicker or thinner boards, another job
mix, busier shifts), all sampled as 15 minutes of 1 Hz current every hour in shift. The states come
from the iot classifier (calibration learnt from the machine's first day) unless ``--labels true``.

Both detectors see the same hourly features:
- ``wear``: ``services.iot.signals.wear.WearMonitor`` assessed every hour;
- ``fixed``: cutting or idle current above its first-``baseline_points``-windows median + 20 % for
  three windows running (the usual threshold alarm).

An alarm on a healthy machine, or on a wearing one before its onset, is false: it is counted, the
machine is "checked" (the detector relearns its baseline) and watching goes on. The first alarm
between onset and failure gives the lead time; none is a miss (lead time 0).
"""

from __future__ import annotations

import argparse
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from demo.wear import DAY_S, WearScenario, scenarios, window
from load.charts import line_chart
from services.iot.signals import classify, learn_calibration
from services.iot.signals.wear import WearConfig, WearMonitor
from services.iot.signals.wear_features import WearFeatures, window_features

RESULTS = Path(__file__).parent / "results"
HOUR_S = 3600.0
FIXED_MARGIN = 0.2


@dataclass
class FixedThreshold:
    """Current above baseline + 20 % for `confirm` windows in a row (cutting or idle current)."""

    baseline_points: int = 36
    confirm: int = 3
    values: dict[str, list[float]] = field(
        default_factory=lambda: {"running_amps": [], "idle_amps": []}
    )
    streak: int = 0

    def add(self, f: WearFeatures) -> bool:
        over = False
        for name, seen in self.values.items():
            v = f.value(name)
            if not math.isfinite(v):
                continue
            if len(seen) >= self.baseline_points:
                over |= v > (1 + FIXED_MARGIN) * float(np.median(seen[: self.baseline_points]))
            seen.append(v)
        self.streak = self.streak + 1 if over else 0
        return self.streak >= self.confirm

    def checked(self) -> None:
        for seen in self.values.values():
            seen.clear()
        self.streak = 0


@dataclass
class Outcome:
    machine_id: str
    wearing: bool
    detector: str
    false_alarms: int = 0
    lead_h: float | None = None  # None: missed, or a healthy machine
    first_alarm: float | None = None
    healthy_days: float = 0.0


def features_of(s: WearScenario, days: float, labels: str, seconds: float) -> list[WearFeatures]:
    out, calibration = [], None
    for hour in range(int(days * 24)):
        trace = window(s, s.start + hour * HOUR_S, seconds)
        if trace is None or trace.amps.size < 60:
            continue
        if labels == "true":
            states = trace.labels
        else:
            calibration = calibration or learn_calibration(trace.amps, trace.profile.rated_amps)
            states = classify(trace.timestamps, trace.amps, calibration=calibration).labels
        out.append(window_features(trace.timestamps, trace.amps, states))
    return out


def run_machine(s: WearScenario, feats: list[WearFeatures], config: WearConfig) -> list[Outcome]:
    wear, fixed = WearMonitor(s.machine_id, config), FixedThreshold(config.baseline_points)
    results = {
        "wear": Outcome(s.machine_id, s.wearing, "wear"),
        "fixed": Outcome(s.machine_id, s.wearing, "fixed"),
    }
    for f in feats:
        if s.failed(f.at):
            break
        wear.add(f)
        alarms = {"wear": wear.assess(f.at + HOUR_S / 4).alarm, "fixed": fixed.add(f)}
        for name, alarmed in alarms.items():
            o = results[name]
            if not alarmed or o.lead_h is not None:
                continue
            if s.wearing and f.at >= s.onset_s:
                o.lead_h, o.first_alarm = (s.failure_s - f.at) / HOUR_S, f.at
            else:
                o.false_alarms += 1
                o.first_alarm = o.first_alarm or f.at
                if name == "wear":
                    wear.maintained(f.at)
                else:
                    fixed.checked()
    end = min(s.onset_s, feats[-1].at if feats else s.start)
    for o in results.values():
        o.healthy_days = max(0.0, (end - s.start) / DAY_S)
        if o.wearing and o.lead_h is None:
            o.lead_h = 0.0
    return list(results.values())


def summary(outcomes: list[Outcome]) -> dict:
    rows = {}
    for name in ("wear", "fixed"):
        mine = [o for o in outcomes if o.detector == name]
        leads = [o.lead_h or 0.0 for o in mine if o.wearing]
        months = sum(o.healthy_days for o in mine) / 30.0
        rows[name] = {
            "median_lead_h": float(np.median(leads)) if leads else 0.0,
            "detected": sum(1 for x in leads if x and x > 0),
            "wearing": len(leads),
            "false_alarms": sum(o.false_alarms for o in mine),
            "machine_months": round(months, 2),
            "false_alarms_per_machine_month": round(sum(o.false_alarms for o in mine) / months, 3)
            if months
            else 0.0,
        }
    return rows


def chart(s: WearScenario, feats: list[WearFeatures], outcomes: list[Outcome], feature: str) -> str:
    pts = [
        ((f.at - s.start) / DAY_S, f.value(feature))
        for f in feats
        if math.isfinite(f.value(feature)) and not s.failed(f.at)
    ]
    base = float(np.median([y for _, y in pts[:36]]))
    top = max(y for _, y in pts) * 1.05
    series: dict[str, Sequence[tuple[float, float]]] = {
        f"{feature} (hourly)": pts,
        "fixed threshold (+20 %)": [(0.0, base * 1.2), (pts[-1][0], base * 1.2)],
    }
    for o in outcomes:
        if o.first_alarm is not None and o.lead_h:
            x = (o.first_alarm - s.start) / DAY_S
            series[f"{o.detector} alarm ({o.lead_h:.0f} h ahead)"] = [(x, 0.0), (x, top)]
    fx = (s.failure_s - s.start) / DAY_S
    series["failure"] = [(fx, 0.0), (fx, top)]
    return line_chart(
        f"{s.machine_id}: {s.mode}, {s.shape}", series, x_label="days", y_label=feature
    )


def run_seed(seed: int, n: int, days: float, labels: str, kept: dict, sudden: int = 0) -> dict:
    fleet = scenarios(seed, wearing=n, healthy=n, days=days, sudden=sudden)
    config, outcomes = WearConfig(), []
    for s in fleet:
        feats = features_of(s, days, labels, 900.0)
        mine = run_machine(s, feats, config)
        outcomes += mine
        if s.wearing and s.mode == "blade_dulling" and "chart" not in kept:
            kept["chart"] = (s, feats, mine)
        for o in mine:
            print(
                f"{seed:3} {o.machine_id:16} {s.mode or 'healthy':14} "
                f"{s.shape if s.wearing else '':16} {o.detector:6} lead_h={o.lead_h} "
                f"false={o.false_alarms}"
            )
    rows = summary(outcomes)
    # what is missed, by wear mode: the detector's blind spots stated, not averaged away
    for name in rows:
        missed: dict[str, int] = {}
        for s, o in zip(fleet, (o for o in outcomes if o.detector == name), strict=True):
            if s.wearing and not o.lead_h:
                missed[str(s.mode)] = missed.get(str(s.mode), 0) + 1
        rows[name]["missed_by_mode"] = missed
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--labels", choices=("classifier", "true"), default="classifier")
    parser.add_argument("--seeds", type=int, nargs="+", default=[22, 3, 5])
    parser.add_argument(
        "--sudden", type=int, default=0, help="machines per fleet that fail with no warning"
    )
    args = parser.parse_args()
    n, days = (6, 21.0) if args.quick else (24, 30.0)
    kept: dict = {}
    by_seed = {seed: run_seed(seed, n, days, args.labels, kept, args.sudden) for seed in args.seeds}
    load = os.getloadavg()
    print(
        f"\n{'seed':>4} {'detector':8} {'median lead h':>14} {'detected':>9} "
        f"{'FA/machine-month':>17}  missed by mode"
    )
    for seed, rows in by_seed.items():
        for name, r in rows.items():
            print(
                f"{seed:4} {name:8} {r['median_lead_h']:14.1f} {r['detected']:>4}/{r['wearing']:<4} "
                f"{r['false_alarms_per_machine_month']:17.3f}  {r['missed_by_mode']}"
            )
    spread = {}
    for name in ("wear", "fixed"):
        leads = [rows[name]["median_lead_h"] for rows in by_seed.values()]
        fas = [rows[name]["false_alarms_per_machine_month"] for rows in by_seed.values()]
        spread[name] = {
            "median_lead_h": [min(leads), float(np.median(leads)), max(leads)],
            "false_alarms_per_machine_month": [min(fas), float(np.median(fas)), max(fas)],
        }
        print(
            f"{name:8} over seeds {args.seeds}: median lead h min/median/max "
            f"{min(leads):.1f}/{np.median(leads):.1f}/{max(leads):.1f}; FA/machine-month "
            f"{min(fas):.3f}/{np.median(fas):.3f}/{max(fas):.3f}"
        )
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; labels={args.labels}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_wear.json").write_text(
        json.dumps(
            {
                "by_seed": by_seed,
                "spread": spread,
                "labels": args.labels,
                "seeds": args.seeds,
                "machines_per_seed": 2 * n + args.sudden,
                "sudden": args.sudden,
                "days": days,
                "loadavg": load,
            },
            indent=2,
        )
    )
    if "chart" in kept:
        shown, feats, outcomes = kept["chart"]
        (RESULTS / "bench_wear.svg").write_text(chart(shown, feats, outcomes, "running_amps"))


if __name__ == "__main__":
    main()
