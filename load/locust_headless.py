"""Run a Locust file headless through Locust's library API and write what it measured as JSON.

`python -m load.locust_headless --locustfile load.locustfile_webhooks --host URL --users 32
 --seconds 20 --out FILE [--warmup 3] [--processes 1] [--opt key=value ...]`

Locust monkey-patches the standard library with gevent when it is imported, which does not mix
with the asyncio code (psycopg, nats-py, httpx) the benchmarks use to start the platform and
measure their baselines; so a benchmark runs this module as a child process and reads its JSON.

A Locust file names the phases it wants with `phases(options) -> list[Phase]`; without one, every
User class it defines runs as one phase (after a short warm-up phase that is not recorded).
`--opt key=value` lands in `environment.parsed_options` for the users to read.

`--processes P` (> 1) splits the users over P Locust processes (this one runs P - 1 children of
itself and one share), each with its own gevent loop; their raw samples are merged, so the
figures are the same as from one process. Use it when one Locust process saturates its core.

Besides Locust's own statistics (whose percentiles are rounded to whole milliseconds), every
request event is kept as (seconds since the phase started, response time ms, ok) per name, so
the caller gets exact percentiles and latency-over-time series.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field

import gevent
from locust import User
from locust.env import Environment

from load.locust_results import merge, percentile

TICK_S = 2.0


@dataclass
class Phase:
    name: str
    user_classes: list[type[User]]
    users: int
    seconds: float
    spawn_rate: float | None = None  # None: all at once
    record: bool = True
    # Names whose rate the progress line shows (default: all requests).
    progress_names: tuple[str, ...] = ()
    setup: object = None  # called with the Environment before the users start
    meta: dict = field(default_factory=dict)


IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(/op-\d+|:\d+)?"
                 r"|\b[0-9a-f]{32}\b|\bF-LD-\d+\b")


def describe(exception: BaseException) -> str:
    """One line per kind of failure: a gRPC status and its details, ids masked to <id>."""
    code, details = getattr(exception, "code", None), getattr(exception, "details", None)
    if callable(code) and callable(details):
        text = f"{code().name}: {details()}"
    else:
        text = f"{type(exception).__name__}: {exception}"
    return IDS.sub("<id>", " ".join(text.split()))[:160]


def _user_classes(module) -> list[type[User]]:
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, User) and not v.abstract
            and v.__module__ == module.__name__]


def run_phase(phase: Phase, host: str, options: argparse.Namespace, share: tuple[int, int] = (0, 1),
              quiet: bool = False) -> dict:
    """One headless Locust run: `phase.users` users for `phase.seconds`; samples and stats."""
    env = Environment(user_classes=phase.user_classes, host=host, parsed_options=options,
                      catch_exceptions=True)
    samples: dict[str, list[tuple[float, float, bool]]] = {}
    errors: dict[str, int] = {}
    started = time.time()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)

    def on_request(request_type, name, response_time, response_length, exception=None, **_kw):
        samples.setdefault(name, []).append((time.time() - started, response_time,
                                             exception is None))
        if exception is not None:
            key = f"{name}: {describe(exception)}"
            errors[key] = errors.get(key, 0) + 1

    env.events.request.add_listener(on_request)
    if callable(phase.setup):
        phase.setup(env)
    runner = env.create_local_runner()
    index, parts = share
    users = phase.users // parts + (1 if index < phase.users % parts else 0)
    runner.start(users, spawn_rate=phase.spawn_rate or max(1, users), wait=False)

    def progress() -> None:
        seen: dict[str, int] = {}
        last_t = time.time()
        while True:
            gevent.sleep(TICK_S)
            now = time.time()
            names = phase.progress_names or tuple(samples)
            recent = [s for k in names for s in samples.get(k, ())[seen.get(k, 0):]]
            seen = {k: len(samples.get(k, ())) for k in names}
            ok = [s[1] for s in recent if s[2]]
            print(f"  [{phase.name}] {now - started:5.1f} s  users {runner.user_count:3d}  "
                  f"{sum(seen.values()):7d} requests  {len(recent) / (now - last_t):7.0f}/s  "
                  f"p50 {percentile(ok, 0.5):6.1f} ms  p99 {percentile(ok, 0.99):6.1f} ms  "
                  f"failures {len(recent) - len(ok)}", file=sys.stderr, flush=True)
            last_t = now

    ticker = gevent.spawn(progress) if not quiet else None
    gevent.sleep(phase.seconds)
    runner.quit()
    if ticker is not None:
        ticker.kill()
    elapsed = time.time() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_s = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
    stats = {}
    for (name, method), entry in env.stats.entries.items():
        stats[name] = {"type": method, "num_requests": entry.num_requests,
                       "num_failures": entry.num_failures,
                       "locust_p50_ms": entry.get_response_time_percentile(0.5),
                       "locust_p99_ms": entry.get_response_time_percentile(0.99),
                       "locust_avg_ms": entry.avg_response_time}
    return {"name": phase.name, "users": users, "seconds": elapsed, "stats": stats,
            "errors": errors, "samples": samples, "meta": phase.meta,
            # CPU this Locust process used during the phase, in % of one core.
            "cpu_pct": 100 * cpu_s / elapsed if elapsed else float("nan")}


def phases_of(module, args, options) -> list[Phase]:
    if hasattr(module, "phases"):
        return module.phases(options)
    classes = _user_classes(module)
    out = []
    if args.warmup > 0:
        out.append(Phase("warm-up", classes, min(4, args.users), args.warmup, record=False))
    out.append(Phase("measure", classes, args.users, args.seconds))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--locustfile", required=True, help="module, e.g. load.locustfile_webhooks")
    parser.add_argument("--host", required=True)
    parser.add_argument("--users", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--share", default="0/1", help=argparse.SUPPRESS)
    parser.add_argument("--opt", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    options = argparse.Namespace(headless=True, host=args.host, users=args.users,
                                 seconds=args.seconds, **dict(o.split("=", 1) for o in args.opt))
    module = importlib.import_module(args.locustfile.removesuffix(".py").replace("/", "."))
    index, parts = (int(x) for x in args.share.split("/"))
    children = []
    if args.processes > 1 and parts == 1:
        parts = args.processes
        for i in range(1, parts):
            argv = list(sys.argv[1:])
            out = f"{args.out}.part{i}"
            argv[argv.index("--out") + 1] = out
            children.append((subprocess.Popen(
                [sys.executable, "-m", "load.locust_headless", *argv, "--share", f"{i}/{parts}"],
                env={**os.environ, "PYTHONUNBUFFERED": "1"}), out))
    results = []
    for phase in phases_of(module, args, options):
        result = run_phase(phase, args.host, options, (index, parts), quiet=index > 0)
        if phase.record:
            results.append(result)
    if children:
        others = []
        for child, out in children:
            child.wait()
            with open(out) as f:
                others.append(json.load(f)["phases"])
            os.unlink(out)
        results = [merge([mine, *(theirs[i] for theirs in others)])
                   for i, mine in enumerate(results)]
    with open(args.out, "w") as f:
        json.dump({"processes": parts, "phases": results}, f)


if __name__ == "__main__":
    main()
