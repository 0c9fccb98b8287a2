"""The benchmark side of a Locust run: start `load.locust_headless` as a child process, read
its JSON, and turn raw samples into exact figures and per-second curves.

Deliberately free of Locust and gevent imports: importing locust monkey-patches the standard
library, which the asyncio benchmarks (psycopg, nats-py, httpx) must not get.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summarise(result: dict) -> dict:
    """Exact figures per request name of one phase, from its raw samples (ok answers only)."""
    out = {}
    for name, rows in result["samples"].items():
        ok = [rt for _, rt, good in rows if good]
        out[name] = {"count": len(ok), "failures": len(rows) - len(ok),
                     "per_s": len(ok) / result["seconds"] if result["seconds"] else float("nan"),
                     "p50_ms": percentile(ok, 0.5), "p90_ms": percentile(ok, 0.9),
                     "p99_ms": percentile(ok, 0.99),
                     "mean_ms": sum(ok) / len(ok) if ok else float("nan"),
                     "max_ms": max(ok) if ok else float("nan")}
    return out


EMPTY = {"count": 0, "failures": 0, "per_s": 0.0, "p50_ms": float("nan"), "p90_ms": float("nan"),
         "p99_ms": float("nan"), "mean_ms": float("nan"), "max_ms": float("nan")}


def buckets(rows, bucket_s: float = 1.0):
    """Per-bucket p50, p99 (ms) and rate (/s) of the ok samples: lists of (t, value)."""
    grouped: dict[int, list[float]] = {}
    for t, rt, good in rows:
        if good:
            grouped.setdefault(int(t / bucket_s), []).append(rt)
    keys = sorted(grouped)
    return ([(k * bucket_s, percentile(grouped[k], 0.5)) for k in keys],
            [(k * bucket_s, percentile(grouped[k], 0.99)) for k in keys],
            [(k * bucket_s, len(grouped[k]) / bucket_s) for k in keys])


def merge(parts: list[dict]) -> dict:
    """Results of the same phase from several Locust processes, as if from one."""
    merged = dict(parts[0])
    samples: dict[str, list] = {}
    errors: dict[str, int] = {}
    for p in parts:
        for name, rows in p["samples"].items():
            samples.setdefault(name, []).extend(rows)
        for k, v in p["errors"].items():
            errors[k] = errors.get(k, 0) + v
    merged.update(samples=samples, errors=errors, users=sum(p["users"] for p in parts),
                  seconds=max(p["seconds"] for p in parts),
                  cpu_pct=sum(p.get("cpu_pct", 0.0) for p in parts))
    if len(parts) > 1:
        merged["stats"] = {"by_process": [p["stats"] for p in parts]}
    return merged


def run_locust(locustfile: str, host: str, users: int, seconds: float, *, warmup: float = 3,
               processes: int = 1, opts: dict[str, object] | None = None) -> dict:
    """Run a Locust file headless in a child process; {"processes": n, "phases": [...]}."""
    with tempfile.TemporaryDirectory(prefix="dovetail-locust-") as tmp:
        out = Path(tmp) / "locust.json"
        argv = [sys.executable, "-m", "load.locust_headless", "--locustfile", locustfile,
                "--host", host, "--users", str(users), "--seconds", str(seconds),
                "--warmup", str(warmup), "--processes", str(processes), "--out", str(out)]
        for key, value in (opts or {}).items():
            argv += ["--opt", f"{key}={value}"]
        code = subprocess.call(argv, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        if code != 0 or not out.exists():
            raise RuntimeError(f"Locust run of {locustfile} failed (exit {code})")
        return json.loads(out.read_text())
