"""Signed webhooks → durably placed orders, at 32 concurrent senders.

`python -m load.bench_webhooks [--seconds 20] [--concurrency 32]`

Starts its own PostgreSQL, NATS, the orders service and the gateway (as processes), then
measures in the same run:
  baseline  raw single-row PostgreSQL commits/s at the same concurrency (psycopg, one
            INSERT of a ~1 KB row per transaction, synchronous_commit on, like our writes);
  ours      signed canonical webhooks answered 202, i.e. Order.Placed durably stored.
Prints a table, writes load/results/webhooks_<time>.json and a latency-over-time SVG.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
import psycopg

from gateway.webhooks.signature import sign
from load.charts import line_chart
from load.platform_harness import prepare, processes, servers, wait_healthy
from tests.helpers import order_payload

RESULTS = Path(__file__).parent / "results"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
    elapsed = time.perf_counter() - started
    latencies = [lat for _, lat in samples]
    return {"per_s": len(samples) / elapsed, "count": len(samples), "errors": errors,
            "p50_ms": percentile(latencies, 0.5) * 1000,
            "p99_ms": percentile(latencies, 0.99) * 1000,
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan"),
            "series": samples}


def latency_series(samples: list[tuple[float, float]], bucket_s: float = 1.0):
    buckets: dict[int, list[float]] = {}
    for t, lat in samples:
        buckets.setdefault(int(t / bucket_s), []).append(lat)
    p50 = [(k * bucket_s, percentile(v, 0.5) * 1000) for k, v in sorted(buckets.items())]
    p99 = [(k * bucket_s, percentile(v, 0.99) * 1000) for k, v in sorted(buckets.items())]
    rate = [(k * bucket_s, len(v) / bucket_s) for k, v in sorted(buckets.items())]
    return p50, p99, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with servers() as settings:
        asyncio.run(prepare(settings))
        print(f"baseline: raw single-row PostgreSQL commits, {args.concurrency} connections, "
              f"{args.seconds:.0f} s", file=sys.stderr)
        raw = asyncio.run(raw_commits(settings.database_url, args.concurrency, args.seconds))
        with processes(settings.with_(services=("orders",)), ["services.orders.main", "gateway.main"]):
            wait_healthy(settings.with_(services=("orders",)))
            base_url = f"http://127.0.0.1:{settings.gateway_port}"
            asyncio.run(webhooks(base_url, settings.webhook_secrets["dovetail"], 4, 3))  # warm up
            print(f"ours: signed webhooks → placed orders, {args.concurrency} senders, "
                  f"{args.seconds:.0f} s", file=sys.stderr)
            ours = asyncio.run(webhooks(base_url, settings.webhook_secrets["dovetail"],
                                        args.concurrency, args.seconds))
    ratio = ours["per_s"] / raw["per_s"] if raw["per_s"] else float("nan")
    print()
    print(f"{'':34} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    print(f"{'raw PostgreSQL commits (baseline)':34} {raw['per_s']:9.0f} {raw['p50_ms']:8.1f} "
          f"{raw['p99_ms']:8.1f}")
    print(f"{'signed webhook → order placed':34} {ours['per_s']:9.0f} {ours['p50_ms']:8.1f} "
          f"{ours['p99_ms']:8.1f}")
    print(f"ratio ours / baseline: {ratio:.2f}   (targets: ≥ 500/s, p99 ≤ 100 ms, ratio ≥ 0.40)")
    if ours["errors"]:
        print(f"non-202 answers: {ours['errors']}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    p50, p99, rate = latency_series(ours.pop("series"))
    (RESULTS / f"webhooks_{stamp}.json").write_text(json.dumps(
        {"concurrency": args.concurrency, "seconds": args.seconds, "baseline_raw_pg": raw,
         "ours": ours, "ratio": ratio, "p50_over_time": p50, "p99_over_time": p99,
         "rate_over_time": rate}, indent=2))
    svg = RESULTS / f"webhooks_{stamp}.svg"
    svg.write_text(line_chart(
        f"Signed webhook → order placed, {args.concurrency} senders: latency over time",
        {"p50 ms": p50, "p99 ms": p99}, x_label="seconds", y_label="milliseconds"))
    print(f"wrote {RESULTS / f'webhooks_{stamp}.json'} and {svg}")


if __name__ == "__main__":
    main()
