"""Event store → JetStream relay: lag at a steady rate, and drain rate against raw publishes.

`python -m load.bench_relay [--rate 500] [--seconds 20] [--backlog 20000]`

In the same run, on fresh embedded PostgreSQL and NATS:
  baseline  raw JetStream publishes/s: nats-py publish_async with Nats-Msg-Id, every PubAck
            awaited, payloads the size of our envelopes;
  lag       orders written at --rate events/s through the application; an independent
            subscriber measures event time → message received (p50/p95/p99);
  drain     a backlog written with the relay stopped, then relayed: events/s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import nats

from load.bench_webhooks import percentile
from load.charts import line_chart
from load.platform_harness import servers
from services.kit.envelope import stream_name, unwrap
from services.kit.jetstream import connect, ensure_streams
from services.kit.log_follower import LogWakeup
from services.kit.persistence import open_application
from services.kit.positions import ensure_positions_table
from services.kit.relay import Relay
from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.values import parse_order_content
from services.orders.published import TOPICS, to_integration
from tests.helpers import order_payload

RESULTS = Path(__file__).parent / "results"


async def raw_publish(url: str, count: int, size: int) -> float:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH_RAW", subjects=["bench.raw"], duplicate_window=600)
    payload = b"x" * size
    started = time.perf_counter()
    for start in range(0, count, 256):
        futures = [await js.publish_async("bench.raw", payload,
                                          headers={"Nats-Msg-Id": f"raw:{i}"})
                   for i in range(start, min(count, start + 256))]
        await asyncio.gather(*futures)
    rate = count / (time.perf_counter() - started)
    await nc.close()
    return rate


def requests(n: int, content) -> list[PlacementRequest]:
    now = datetime.now(UTC)
    return [PlacementRequest("bench", uuid.uuid4().hex, content, now, "t") for _ in range(n)]


async def main_async(args) -> dict:
    from psycopg_pool import AsyncConnectionPool

    content = parse_order_content(order_payload())
    with servers() as settings:
        app = open_application(OrdersApplication, settings, "orders")
        nc = await connect(settings.nats_url, "bench-relay")
        js = nc.jetstream()
        await ensure_streams(js)
        pool = AsyncConnectionPool(settings.database_url, min_size=1, max_size=4,
                                   kwargs={"autocommit": True})
        await pool.open()
        await ensure_positions_table(pool, "orders")
        wakeup = LogWakeup()
        wakeup.bind(asyncio.get_running_loop())
        app.on_recorded = wakeup.notify
        relay = Relay(service="orders", app=app, js=js, pool=pool, wakeup=wakeup,
                      to_integration=to_integration, schema="orders", tenant="t", topics=TOPICS)
        # About the size of one OrderPlaced envelope with one wardrobe line.
        envelope_size = 900

        print("baseline: raw JetStream publishes ...", file=sys.stderr, flush=True)
        raw_rate = await raw_publish(settings.nats_url, args.backlog, envelope_size)

        # Lag at a steady rate, measured by an independent subscriber.
        lags: list[tuple[float, float]] = []
        started = time.time()

        async def on_message(msg):
            env = unwrap(msg.data)
            sent = env.occurred_at.ToDatetime(tzinfo=UTC).timestamp()
            lags.append((time.time() - started, time.time() - sent))

        watcher = await nats.connect(settings.nats_url)
        await watcher.subscribe("dovetail.orders.placed", cb=on_message)
        stop = asyncio.Event()
        relay_task = asyncio.create_task(relay.run(stop))
        print(f"lag: writing {args.rate}/s for {args.seconds:.0f} s ...", file=sys.stderr,
              flush=True)
        tick = 0.02
        per_tick = max(1, round(args.rate * tick))
        deadline = time.perf_counter() + args.seconds
        next_at = time.perf_counter()
        written = 0
        while time.perf_counter() < deadline:
            await asyncio.to_thread(app.place_orders, requests(per_tick, content))
            written += per_tick
            next_at += tick
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            if written % (args.rate * 2) < per_tick:
                print(f"  {written} events written, {len(lags)} received", file=sys.stderr,
                      flush=True)
        achieved_rate = written / args.seconds
        while len(lags) < written and time.perf_counter() < deadline + 30:
            await asyncio.sleep(0.1)
        stop.set()
        await relay_task
        await watcher.close()

        # Drain: a backlog written while the relay is stopped, then relayed.
        print(f"drain: writing a backlog of {args.backlog} events ...", file=sys.stderr,
              flush=True)
        for start in range(0, args.backlog, 250):
            await asyncio.to_thread(app.place_orders, requests(min(250, args.backlog - start),
                                                               content))
        info = await js.stream_info(stream_name("orders"))
        before = info.state.messages
        stop = asyncio.Event()
        t0 = time.perf_counter()
        relay_task = asyncio.create_task(relay.run(stop))
        while (await js.stream_info(stream_name("orders"))).state.messages < before + args.backlog:
            await asyncio.sleep(0.05)
        drain_rate = args.backlog / (time.perf_counter() - t0)
        stop.set()
        await relay_task
        await nc.close()
        await pool.close()
        app.close()
    values = [lag for _, lag in lags]
    return {"raw_publish_per_s": raw_rate, "relay_drain_per_s": drain_rate,
            "ratio": drain_rate / raw_rate, "target_rate": args.rate,
            "achieved_write_rate": achieved_rate, "received": len(values), "written": written,
            "lag_p50_ms": percentile(values, 0.5) * 1000,
            "lag_p95_ms": percentile(values, 0.95) * 1000,
            "lag_p99_ms": percentile(values, 0.99) * 1000, "series": lags}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--backlog", type=int, default=20000)
    args = parser.parse_args()
    r = asyncio.run(main_async(args))
    series = r.pop("series")
    print()
    print(f"raw JetStream publishes (baseline)  {r['raw_publish_per_s']:9.0f} /s")
    print(f"relay drain                         {r['relay_drain_per_s']:9.0f} /s   "
          f"ratio {r['ratio']:.2f} (target ≥ 0.50)")
    print(f"lag at {r['achieved_write_rate']:.0f} events/s: p50 {r['lag_p50_ms']:.1f} ms, "
          f"p95 {r['lag_p95_ms']:.1f} ms, p99 {r['lag_p99_ms']:.1f} ms (target p99 ≤ 200 ms); "
          f"{r['received']}/{r['written']} received")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"relay_{stamp}.json").write_text(json.dumps(r, indent=2))
    buckets: dict[int, list[float]] = {}
    for t, lag in series:
        buckets.setdefault(int(t), []).append(lag * 1000)
    p99 = [(k, percentile(v, 0.99)) for k, v in sorted(buckets.items())]
    p50 = [(k, percentile(v, 0.5)) for k, v in sorted(buckets.items())]
    (RESULTS / f"relay_{stamp}.svg").write_text(line_chart(
        f"Relay lag at {args.rate} events/s (event recorded → received by a subscriber)",
        {"p50 ms": p50, "p99 ms": p99}, x_label="seconds", y_label="milliseconds"))
    print(f"wrote {RESULTS / f'relay_{stamp}.json'} and .svg")


if __name__ == "__main__":
    main()
