"""Signed webhooks → durably placed orders, at 32 concurrent senders.

`python -m load.bench_webhooks [--seconds 20] [--concurrency 32]
 [--generator raw|locust|httpx|both] [--locust-processes 1] [--profile orders|gateway|both]
 [--orders-replicas 1] [--gateways 1]`

Starts its own PostgreSQL, NATS, the orders service and the gateway (as processes), then
measures in the same run:
  baseline  raw single-row PostgreSQL commits/s at the same concurrency (psycopg, one
            INSERT of a ~1 KB row per transaction, synchronous_commit on, like our writes);
  ours      signed canonical webhooks answered 202, i.e. Order.Placed durably stored, sent by
            the lean generator (`raw`, the default): one kept-alive TCP connection per sender
            on uvloop, each request a fresh order (its own external id) signed as a shop signs
            it, written as HTTP/1.1 bytes, its answer read by httptools' parser, the next one
            sent only when the whole answer is in. The body is the same order text with the
            external id put in (no JSON encoding per request); the signature is computed per
            request (webhook_signature.sign). The generator shares the two cores with the
            platform, so the less CPU it takes per request, the less it takes from what is
            measured: Locust took 0.29 ms per order (20 % of a core at 800 orders/s).
`--generator locust` sends them with Locust (load/locustfile_webhooks.py: FastHttpUser, one user
per sender, headless in a child process, see load/locust_headless.py), `httpx` with the
hand-written asyncio + httpx loop; `both` runs httpx then Locust on the same platform.

`--orders-replicas N` runs N orders processes (the design's scale-out: the gateway balances
its calls over them, one of them is the leader that relays and projects) and `--gateways N`
N gateways on ports of their own, the lean generator's senders spread over them; the
baseline is the same either way.

Every 202 counted must be in the store: after the run the orders stored since the senders
started are counted (Order.Placed events, and one intake per order); fewer orders than 202
answers, or orders without their intake, fail the run (exit 1). CPU of each process is
sampled over the run; `--profile` records the orders service and/or the gateway with py-spy
over the middle of the run and names where their time goes.
Prints a table, writes load/results/webhooks_<time>.json and a latency-over-time SVG.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httptools
import httpx
import psutil
import psycopg
import uvloop

from infra.servers import free_port
from load.charts import line_chart
from load.locust_results import buckets, run_locust, summarise
from load.platform_harness import prepare, processes, server_processes, wait_healthy
from load.proc_stats import ProcessSampler
from load.proc_stats import table as cpu_table
from load.py_spy_profile import Profile
from services.kit.settings import Settings
from tests.helpers import order_payload
from webhook_signature import sign

RESULTS = Path(__file__).parent / "results"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(samples: list, errors: dict, elapsed: float) -> dict:
    """A sender run's figures: orders answered per second, latency percentiles, the series."""
    latencies = [lat for _, lat in samples]
    return {"per_s": len(samples) / elapsed, "count": len(samples), "errors": errors,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "series": samples}


async def raw_commits(url: str, concurrency: int, seconds: float) -> dict:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, body text)")
    body = json.dumps(order_payload())
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                await conn.execute("INSERT INTO bench_raw (id, body) VALUES (%s, %s)",
                                   (uuid.uuid4(), body))
                latencies.append(time.perf_counter() - t0)

    started = time.perf_counter()
    await asyncio.gather(*[worker() for _ in range(concurrency)])
    elapsed = time.perf_counter() - started
    return {"per_s": len(latencies) / elapsed, "count": len(latencies),
            "p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000}


async def webhooks(base_url: str, secret: str, concurrency: int, seconds: float) -> dict:
    samples: list[tuple[float, float]] = []  # (seconds since start, latency)
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    progress = {"done": 0}

    async def sender(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            body = json.dumps(order_payload(f"BENCH-{uuid.uuid4().hex}")).encode()
            t0 = time.perf_counter()
            try:
                r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                    "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
            except httpx.TransportError as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                continue
            t1 = time.perf_counter()
            if r.status_code == 202:
                samples.append((t1 - started, t1 - t0))
                progress["done"] += 1
            else:
                errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1

    async def report() -> None:
        while time.perf_counter() < deadline:
            await asyncio.sleep(2)
            print(f"  {time.perf_counter() - started:5.1f} s  {progress['done']:7d} orders placed",
                  file=sys.stderr, flush=True)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:
        await asyncio.gather(report(), *[sender(client) for _ in range(concurrency)])
    return figures(samples, errors, time.perf_counter() - started)


async def stored_orders(url: str) -> dict[str, int]:
    """Orders and intake records in the orders service's store (each is one event row)."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        row = await (await conn.execute(
            "SELECT count(*) FILTER (WHERE topic LIKE %s), count(*) FILTER (WHERE topic LIKE %s)"
            " FROM orders.orders_events WHERE originator_version = 1",
            ("%:Order.Placed", "%:OrderIntake.Recorded"))).fetchone()
    return {"orders": row[0], "intakes": row[1]}


def reconciliation(before: dict[str, int], after: dict[str, int], runs: dict[str, dict]) -> dict:
    """Every 202 counted is a stored order, and every stored order has its one intake."""
    accepted = sum(run["count"] for run in runs.values())
    stored = after["orders"] - before["orders"]
    problems = []
    if stored < accepted:
        problems.append(f"{accepted} orders answered 202 but only {stored} stored")
    if after["orders"] != after["intakes"]:
        problems.append(f"{after['orders']} orders stored beside {after['intakes']} intakes")
    return {"accepted_202": accepted, "stored_since_start": stored, "problems": problems}


def latency_series(samples: list[tuple[float, float]], bucket_s: float = 1.0):
    buckets: dict[int, list[float]] = {}
    for t, lat in samples:
        buckets.setdefault(int(t / bucket_s), []).append(lat)
    p50 = [(k * bucket_s, percentile(v, 0.5) * 1000) for k, v in sorted(buckets.items())]
    p99 = [(k * bucket_s, percentile(v, 0.99) * 1000) for k, v in sorted(buckets.items())]
    rate = [(k * bucket_s, len(v) / bucket_s) for k, v in sorted(buckets.items())]
    return p50, p99, rate


def locust_webhooks(base_url: str, secret: str, concurrency: int, seconds: float,
                    processes: int) -> dict:
    # Not imported from the locustfile: importing locust monkey-patches this process (gevent).
    result = run_locust("load.locustfile_webhooks", base_url, concurrency, seconds,
                        processes=processes, opts={"webhook_secret": secret})
    phase = result["phases"][-1]
    name = next(iter(phase["samples"]), "")  # the locustfile sends one kind of request
    rows = phase["samples"].get(name, [])
    figures = summarise(phase).get(name, {"count": 0, "per_s": 0.0, "p50_ms": float("nan"),
                                          "p99_ms": float("nan"), "mean_ms": float("nan")})
    p50, p99, rate = buckets(rows)
    return {"per_s": figures["per_s"], "count": figures["count"], "errors": phase["errors"],
            "p50_ms": figures["p50_ms"], "p99_ms": figures["p99_ms"],
            "mean_ms": figures["mean_ms"], "generator": "locust",
            "locust_processes": result["processes"], "locust_stats": phase["stats"],
            "generator_cpu_pct": phase.get("cpu_pct"),
            "curves": {"p50": p50, "p99": p99, "rate": rate}}


class _Connection(asyncio.Protocol):
    """One kept-alive HTTP/1.1 connection of the lean generator: `exchange(request)` writes a
    whole request and returns the answer's status once the whole answer has been read."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.answer: asyncio.Future | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(exc)

    def on_message_complete(self) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(self.parser.get_status_code())

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or ConnectionResetError("the gateway closed the connection"))

    def _fail(self, exc: BaseException) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    async def exchange(self, request: bytes) -> int:
        assert self.transport is not None
        self.answer = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.answer


async def raw_senders(host: str, ports: list[int], secret: str, concurrency: int,
                      seconds: float) -> dict:
    """The lean generator: `concurrency` senders, each on its own connection, back to back
    (sender i to the gateway on ports[i % len(ports)])."""
    marker = "BENCH-" + "0" * 32
    prefix, suffix = json.dumps(order_payload(marker)).encode().split(marker.encode())
    heads = [(f"POST /webhooks/dovetail/orders HTTP/1.1\r\nHost: {host}:{port}\r\n"
              "Content-Type: application/json\r\n").encode() for port in ports]
    samples: list[tuple[float, float]] = []
    errors: dict[str, int] = {}
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    deadline = started + seconds

    async def sender(port: int, head: bytes) -> None:
        connection: _Connection | None = None
        while time.perf_counter() < deadline:
            body = prefix + b"BENCH-" + uuid.uuid4().hex.encode() + suffix
            request = b"".join((head, b"Content-Length: %d\r\nDovetail-Signature: " % len(body),
                                sign(secret, body).encode(), b"\r\n\r\n", body))
            t0 = time.perf_counter()
            try:
                if connection is None or connection.transport is None \
                        or connection.transport.is_closing():
                    _, connection = await loop.create_connection(_Connection, host, port)
                status = await connection.exchange(request)
            except (OSError, httptools.HttpParserError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                connection = None
                continue
            t1 = time.perf_counter()
            if status == 202:
                samples.append((t1 - started, t1 - t0))
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        if connection is not None and connection.transport is not None:
            connection.transport.close()

    async def report() -> None:
        while time.perf_counter() < deadline:
            await asyncio.sleep(2)
            print(f"  {time.perf_counter() - started:5.1f} s  {len(samples):7d} orders placed",
                  file=sys.stderr, flush=True)

    await asyncio.gather(report(), *[sender(ports[i % len(ports)], heads[i % len(ports)])
                                     for i in range(concurrency)])
    return figures(samples, errors, time.perf_counter() - started)


def raw_webhooks(host: str, ports: list[int], secret: str, concurrency: int,
                 seconds: float) -> dict:
    uvloop.run(raw_senders(host, ports, secret, 4 * len(ports), 3))  # warm up, not counted
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    ours = uvloop.run(raw_senders(host, ports, secret, concurrency, seconds))
    cpu1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall0
    # The whole process: the CPU sampler's thread is counted as the generator's.
    cpu_s = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
    p50, p99, rate = latency_series(ours.pop("series"))
    return {**ours, "generator": "lean", "generator_cpu_pct": 100 * cpu_s / wall,
            "curves": {"p50": p50, "p99": p99, "rate": rate}}


def httpx_webhooks(base_url: str, secret: str, concurrency: int, seconds: float) -> dict:
    asyncio.run(webhooks(base_url, secret, 4, 3))  # warm up
    cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    ours = asyncio.run(webhooks(base_url, secret, concurrency, seconds))
    cpu1, wall = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter() - wall0
    cpu_s = cpu1.ru_utime - cpu0.ru_utime + cpu1.ru_stime - cpu0.ru_stime
    p50, p99, rate = latency_series(ours.pop("series"))
    return {**ours, "generator": "httpx loop", "generator_cpu_pct": 100 * cpu_s / wall,
            "curves": {"p50": p50, "p99": p99, "rate": rate}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--generator", choices=("raw", "locust", "httpx", "both"),
                        default="raw")
    parser.add_argument("--locust-processes", type=int, default=1)
    parser.add_argument("--profile", choices=("orders", "gateway", "both"),
                        help="record this process (or both) with py-spy over the middle of the run")
    parser.add_argument("--orders-replicas", type=int, default=1,
                        help="orders processes; the gateway balances its calls over them")
    parser.add_argument("--gateways", type=int, default=1,
                        help="gateway processes, each on its own port; senders spread over them")
    args = parser.parse_args()
    if args.generator != "raw" and args.gateways > 1:
        parser.error("--gateways > 1 needs the lean generator (--generator raw)")
    runs: dict[str, dict] = {}
    profiles: list[dict] = []
    stamp = time.strftime("%Y%m%dT%H%M%S")
    with server_processes() as (settings, server_pids):
        asyncio.run(prepare(settings))
        print(f"baseline: raw single-row PostgreSQL commits, {args.concurrency} connections, "
              f"{args.seconds:.0f} s", file=sys.stderr)
        raw = asyncio.run(raw_commits(settings.database_url, args.concurrency, args.seconds))
        print(f"  {raw['per_s']:.0f} commits/s, p50 {raw['p50_ms']:.1f} ms, "
              f"p99 {raw['p99_ms']:.1f} ms", file=sys.stderr)
        with replicas(settings.with_(services=("orders",)), args.orders_replicas,
                      args.gateways) as (platform, gateway_ports):
            base_url = f"http://127.0.0.1:{settings.gateway_port}"
            secret = settings.webhook_secrets["dovetail"]
            before = asyncio.run(stored_orders(settings.database_url))
            sampler = ProcessSampler()
            pids = {name: process.pid for name, process in platform.items()}
            for name, pid in {**pids, "postgres": server_pids["postgres"],
                              "nats-server": server_pids["nats-server"]}.items():
                sampler.watch(name, pid)
            watching = [] if not args.profile else [
                name for name in pids if args.profile == "both" or name.startswith(args.profile)]
            RESULTS.mkdir(exist_ok=True)
            spies = [Profile(name, pids[name], 3 + args.seconds / 4, args.seconds / 2,
                             RESULTS / f"webhooks_{stamp}_{name}.stacks").start()
                     for name in watching]
            sampler.start()
            box0, wall0 = psutil.cpu_times(), time.monotonic()
            # both: the httpx loop first, on the emptier database (if anything, that favours it)
            if args.generator == "raw":
                print(f"ours: signed webhooks → placed orders, lean generator, "
                      f"{args.concurrency} senders, {args.seconds:.0f} s", file=sys.stderr)
                runs["raw"] = raw_webhooks("127.0.0.1", gateway_ports, secret,
                                           args.concurrency, args.seconds)
            if args.generator in ("httpx", "both"):
                print(f"ours: signed webhooks → placed orders, httpx loop, {args.concurrency} "
                      f"senders, {args.seconds:.0f} s", file=sys.stderr)
                runs["httpx"] = httpx_webhooks(base_url, secret, args.concurrency, args.seconds)
            if args.generator in ("locust", "both"):
                print(f"ours: signed webhooks → placed orders, Locust, {args.concurrency} users, "
                      f"{args.seconds:.0f} s", file=sys.stderr)
                runs["locust"] = locust_webhooks(base_url, secret, args.concurrency, args.seconds,
                                                 args.locust_processes)
            cpu_rows, wall = sampler.stop(), time.monotonic() - wall0
            box_busy_s = busy_seconds(box0, psutil.cpu_times())
            profiles = [spy.summary() for spy in spies]
            checked = reconciliation(before, asyncio.run(stored_orders(settings.database_url)),
                                     runs)
    ours = runs.get("raw") or runs.get("locust") or runs["httpx"]
    ratio = ours["per_s"] / raw["per_s"] if raw["per_s"] else float("nan")
    print()
    print(f"{'':40} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}  load generator CPU")
    print(f"{'raw PostgreSQL commits (baseline)':40} {raw['per_s']:9.0f} {raw['p50_ms']:8.1f} "
          f"{raw['p99_ms']:8.1f}")
    for run in runs.values():
        label = f"signed webhook → order placed ({run['generator']})"
        print(f"{label:40} {run['per_s']:9.0f} {run['p50_ms']:8.1f} {run['p99_ms']:8.1f}  "
              f"{run['generator_cpu_pct']:.0f} % of a core")
    print(f"ratio ours / baseline: {ratio:.2f}   (targets: ratio ≥ 0.25, p99 ≤ 100 ms)")
    for run in runs.values():
        if run["errors"]:
            print(f"failed answers ({run['generator']}): {run['errors']}")
    print(f"stored: {checked['stored_since_start']} orders since the senders started, "
          f"{checked['accepted_202']} answered 202 in the measured phase(s)")
    print()
    print(cpu_table(cpu_rows, wall))
    per_order = cpu_per_order(cpu_rows, runs, wall, box_busy_s)
    print("CPU per order answered 202 (ms): " + ", ".join(
        f"{name} {ms:.2f}" for name, ms in per_order.items()))
    for profile in profiles:
        print_profile(profile)
    curves = {name: run.pop("curves") for name, run in runs.items()}
    main_curves = curves.get("raw") or curves.get("locust") or curves["httpx"]
    summary = {"concurrency": args.concurrency, "seconds": args.seconds,
               "orders_replicas": args.orders_replicas, "gateways": args.gateways,
               "generator": ours["generator"], "baseline_raw_pg": raw, "ours": ours,
               "ratio": ratio, "p50_over_time": main_curves["p50"],
               "p99_over_time": main_curves["p99"], "rate_over_time": main_curves["rate"],
               "reconciliation": checked, "processes": cpu_rows,
               "cpu_ms_per_order": per_order, "profiles": profiles}
    if "locust" in runs and "httpx" in runs:
        summary["httpx_loop"] = runs["httpx"]
        summary["httpx_loop_over_time"] = curves["httpx"]
    (RESULTS / f"webhooks_{stamp}.json").write_text(json.dumps(summary, indent=2))
    series = {"p50 ms": main_curves["p50"], "p99 ms": main_curves["p99"]}
    if "httpx" in curves and "locust" in curves:
        series.update({"p50 ms (httpx loop)": curves["httpx"]["p50"],
                       "p99 ms (httpx loop)": curves["httpx"]["p99"]})
    svg = RESULTS / f"webhooks_{stamp}.svg"
    svg.write_text(line_chart(
        f"Signed webhook → order placed, {args.concurrency} senders ({ours['generator']}): "
        "latency over time", series, x_label="seconds", y_label="milliseconds"))
    print(f"wrote {RESULTS / f'webhooks_{stamp}.json'} and {svg}")
    for problem in checked["problems"]:
        print(f"NOT DURABLE: {problem}", file=sys.stderr)
    if checked["problems"]:
        raise SystemExit(1)


@contextlib.contextmanager
def replicas(settings: Settings, orders_n: int, gateways_n: int,
             ) -> Iterator[tuple[dict[str, subprocess.Popen], list[int]]]:
    """The orders service (`orders_n` processes, each on its own ports; the gateways' calls
    balanced over them) and `gateways_n` gateways; yields the processes by name ("orders",
    "gateway" for one of each, else "orders-0", ...) and the gateways' ports, once each
    gateway says every service answers. One orders process and one gateway run with
    `settings`' ports."""
    orders_ports = [settings.service_ports["orders"],
                    *(free_port() for _ in range(orders_n - 1))]
    metrics_ports = [settings.metrics_ports["orders"],
                     *(free_port() for _ in range(orders_n - 1))]
    gateway_ports = [settings.gateway_port, *(free_port() for _ in range(gateways_n - 1))]
    target = ("ipv4:" + ",".join(f"127.0.0.1:{port}" for port in orders_ports)
              if orders_n > 1 else "")
    shared = settings.with_(service_targets={"orders": target}) if target else settings
    started: dict[str, subprocess.Popen] = {}
    with contextlib.ExitStack() as stack:
        for i, (port, metrics) in enumerate(zip(orders_ports, metrics_ports, strict=True)):
            own = shared.with_(service_ports={**settings.service_ports, "orders": port},
                               metrics_ports={**settings.metrics_ports, "orders": metrics})
            [started["orders" if orders_n == 1 else f"orders-{i}"]] = stack.enter_context(
                processes(own, ["services.orders.main"]))
        for i, port in enumerate(gateway_ports):
            [started["gateway" if gateways_n == 1 else f"gateway-{i}"]] = stack.enter_context(
                processes(shared.with_(gateway_port=port), ["gateway.main"]))
        for port in gateway_ports:
            wait_healthy(shared.with_(gateway_port=port))
        yield started, gateway_ports


def busy_seconds(before, after) -> float:
    """CPU seconds the whole machine was busy between two psutil.cpu_times() readings."""
    idle = ("idle", "iowait")
    return sum(getattr(after, f) - getattr(before, f) for f in after._fields if f not in idle)


def cpu_per_order(rows: list[dict], runs: dict[str, dict], wall_s: float,
                  box_busy_s: float) -> dict[str, float]:
    """Each process's CPU per accepted order, the load generator's, and the rest of the
    machine's (other programs on the same cores: they take CPU the platform does not get)."""
    accepted = sum(run["count"] for run in runs.values()) or 1
    out = {r["process"]: 1000 * r["cpu_s"] / accepted for r in rows}
    generator_s = sum(run["generator_cpu_pct"] / 100 * (wall_s / len(runs)) for run in runs.values())
    out["load generator"] = 1000 * generator_s / accepted
    out["rest of the machine"] = max(0.0, 1000 * (box_busy_s - generator_s
                                                  - sum(r["cpu_s"] for r in rows)) / accepted)
    return out


def print_profile(profile: dict) -> None:
    print(f"\nwhere {profile['process']} spends its time (py-spy, % of samples):")
    if "error" in profile:
        print(f"  not recorded: {profile['error']}")
        return
    print("  threads: " + ", ".join(f"{t} {pct}" for t, pct in profile["threads"]))
    for kind in ("self", "inclusive"):
        print(f"  {kind}:")
        for frame, pct in profile[kind]:
            print(f"    {pct:5.1f}  {frame[:110]}")


if __name__ == "__main__":
    main()
