"""Classifier benchmark: accuracy by profile and defect against baselines, and stream throughput.

Run: ``python -m load.bench_classifier [--quick]``. Prints tables; writes JSON to
``load/results/bench_classifier.json``.

Baselines, in the same run on the same traces:
- ``fixed``: thresholds at the midpoints of the profile's *nominal* levels (it is told the levels);
- ``learnt-plain``: thresholds at the midpoints of the *learnt* levels, without median filter,
  hysteresis, dwell or tracking.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from dovetail_factory.signals.profiles import PROFILES, MachineProfile
from dovetail_factory.signals.traces import DEFECT_SETS, generate_trace
from services.iot.signals import MachineStateClassifier, classify, labels_from_changes

RESULTS = Path(__file__).parent / "results" / "bench_classifier.json"


def fixed_threshold_labels(amps: np.ndarray, profile: MachineProfile) -> np.ndarray:
    levels = [profile.off_amps, profile.idle_amps, profile.running_amps, profile.overload_amps]
    return np.searchsorted(0.5 * (np.array(levels[1:]) + np.array(levels[:-1])), amps)


def learnt_plain_labels(amps: np.ndarray, calibration) -> np.ndarray:
    off, idle, running = calibration.levels
    cuts = [0.5 * (off + idle), 0.5 * (idle + running), 1.27 * running]
    return np.searchsorted(np.array(cuts), amps)


def accuracy_tables(seeds: int, duration_s: float) -> dict:
    rows = []
    for profile in PROFILES.values():
        for defects in DEFECT_SETS:
            for seed in range(seeds):
                trace = generate_trace(profile, defects=defects, seed=seed, duration_s=duration_s)
                ours = classify(trace.timestamps, trace.amps)
                stream = MachineStateClassifier(trace.machine_id)
                changes = []
                for i in range(0, trace.amps.size, 10):
                    changes += stream.feed(trace.timestamps[i : i + 10], trace.amps[i : i + 10])
                changes += stream.flush()
                truth = trace.labels
                fixed = fixed_threshold_labels(trace.amps, profile)
                rows.append(
                    {
                        "profile": profile.machine_type,
                        "defects": defects,
                        "seed": seed,
                        "samples": int(truth.size),
                        "batch": float(np.mean(ours.labels == truth)),
                        "stream": float(
                            np.mean(labels_from_changes(trace.timestamps, changes) == truth)
                        ),
                        "fixed": float(np.mean(fixed == truth)),
                        "true_changes": int(np.count_nonzero(np.diff(truth))),
                        "stream_changes": len(changes) - 1,
                        "fixed_changes": int(np.count_nonzero(np.diff(fixed))),
                        "learnt_plain": float(
                            np.mean(learnt_plain_labels(trace.amps, ours.calibration) == truth)
                        ),
                    }
                )
    return {"rows": rows}


def _mean_by(rows: list[dict], key: str) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for value in dict.fromkeys(r[key] for r in rows):
        chosen = [r for r in rows if r[key] == value]
        weights = np.array([r["samples"] for r in chosen], dtype=float)
        out[value] = {
            m: float(np.average([r[m] for r in chosen], weights=weights))
            for m in ("batch", "stream", "fixed", "learnt_plain")
        }
    return out


def throughput(machines: int, batch: int, seconds: float) -> dict:
    """Samples/s of the streaming API over many machines fed round-robin (after warm-up)."""
    names = list(PROFILES)
    traces = [
        generate_trace(names[m % len(names)], defects="all", seed=100 + m, duration_s=seconds)
        for m in range(machines)
    ]
    classifiers = [MachineStateClassifier(tr.machine_id) for tr in traces]
    warm = 900
    for c, tr in zip(classifiers, traces, strict=True):
        c.feed(tr.timestamps[:warm], tr.amps[:warm])
    length = min(tr.amps.size for tr in traces)
    fed = 0
    started = time.perf_counter()
    for i in range(warm, length, batch):
        for c, tr in zip(classifiers, traces, strict=True):
            c.feed(tr.timestamps[i : i + batch], tr.amps[i : i + batch])
            fed += min(batch, length - i)
    elapsed = time.perf_counter() - started
    return {
        "machines": machines,
        "batch": batch,
        "samples": fed,
        "seconds": elapsed,
        "samples_per_s": fed / elapsed,
    }


def _print_table(title: str, table: dict[str, dict[str, float]]) -> None:
    print(
        f"\n{title:14s} {'ours(batch)':>11s} {'ours(stream)':>12s} {'fixed':>8s} "
        f"{'learnt-plain':>12s} {'err ratio':>9s}"
    )
    for name, acc in table.items():
        ratio = (1 - acc["fixed"]) / max(1 - acc["stream"], 1e-9)
        print(
            f"{name:14s} {100 * acc['batch']:10.2f}% {100 * acc['stream']:11.2f}% "
            f"{100 * acc['fixed']:7.2f}% {100 * acc['learnt_plain']:11.2f}% {ratio:8.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one seed, one hour per trace")
    args = parser.parse_args()
    seeds, duration = (1, 3600.0) if args.quick else (2, 7200.0)
    acc = accuracy_tables(seeds, duration)
    by_profile = _mean_by(acc["rows"], "profile")
    by_defect = _mean_by(acc["rows"], "defects")
    overall = _mean_by([dict(r, all="all") for r in acc["rows"]], "all")
    _print_table("profile", by_profile)
    _print_table("defects", by_defect)
    _print_table("overall", overall)
    changes = {k: sum(r[f"{k}_changes"] for r in acc["rows"]) for k in ("true", "stream", "fixed")}
    print(
        f"\nstate changes reported: true {changes['true']}, ours {changes['stream']}, "
        f"fixed baseline {changes['fixed']} (flapping)"
    )
    rates = [throughput(200, batch, 1500.0) for batch in (1, 10, 60)]
    print("\nstreaming throughput (one core, 200 machines, after warm-up):")
    for r in rates:
        print(f"  batch {r['batch']:3d} samples/machine: {r['samples_per_s']:>10,.0f} samples/s")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "by_profile": by_profile,
                "by_defect": by_defect,
                "overall": overall["all"],
                "throughput": rates,
                "rows": acc["rows"],
                "target_accuracy": 0.98,
                "target_samples_per_s": 20000,
            },
            indent=2,
        )
    )
    print(f"\nwrote {RESULTS}")


if __name__ == "__main__":
    main()
