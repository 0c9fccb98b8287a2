"""The whole pipeline: signed webhook accepted → OrderScheduled published (or the order
reported as one the network cannot plan now, OrderUnplannable: over capacity, say).

`python -m load.bench_pipeline [--rate 50] [--minutes 10]`

Starts PostgreSQL, NATS, orders, configurator, scheduling, iot and the gateway as processes,
registers the demo factory network, then posts orders at a steady rate. Subscribers on
`dovetail.configurator.order_configured`, `dovetail.scheduling.order_scheduled` and
`dovetail.scheduling.order_unplannable` time each stage from the 202 ("decided": scheduled or
reported unplannable, with the reasons counted). Beside it, measured in the same run: one JetStream hop (publish → a durable
pull consumer receives), the floor under each of the pipeline's hops.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
import uuid
from pathlib import Path

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig

from dovetail.configurator.v1 import configurator_events_pb2
from dovetail.scheduling.v1 import scheduling_events_pb2
from gateway.webhooks.signature import sign
from load.bench_webhooks import percentile
from load.charts import line_chart
from load.platform_harness import prepare, processes, servers, wait_healthy
from services.kit.envelope import unwrap
from tests.helpers import order_payload

RESULTS = Path(__file__).parent / "results"
SERVICES = ("orders", "configurator", "scheduling", "iot")


async def jetstream_hop(url: str, count: int = 500) -> dict:
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH_HOP", subjects=["bench.hop"])
    sub = await js.pull_subscribe("bench.hop", durable="hop",
                                  config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT))
    latencies = []
    for i in range(count):
        t0 = time.perf_counter()
        await js.publish("bench.hop", str(i).encode())
        msgs = await sub.fetch(1, timeout=5)
        await msgs[0].ack()
        latencies.append(time.perf_counter() - t0)
    await nc.close()
    return {"p50_ms": percentile(latencies, 0.5) * 1000, "p95_ms": percentile(latencies, 0.95) * 1000}


async def run(settings, rate: float, seconds: float) -> dict:
    accepted: dict[str, float] = {}
    configured: dict[str, float] = {}
    scheduled: dict[str, float] = {}
    left_out: dict[str, float] = {}
    reasons: dict[str, int] = {}

    async def on_configured(msg):
        body = configurator_events_pb2.OrderConfigured()
        unwrap(msg.data).body.Unpack(body)
        configured.setdefault(body.order_id, time.time())

    async def on_scheduled(msg):
        body = scheduling_events_pb2.OrderScheduled()
        unwrap(msg.data).body.Unpack(body)
        scheduled.setdefault(body.order_id, time.time())

    async def on_unplannable(msg):
        body = scheduling_events_pb2.OrderUnplannable()
        unwrap(msg.data).body.Unpack(body)
        if body.order_id not in left_out:
            left_out[body.order_id] = time.time()
            reasons[body.reason] = reasons.get(body.reason, 0) + 1

    watcher = await nats.connect(settings.nats_url)
    await watcher.subscribe("dovetail.scheduling.order_unplannable", cb=on_unplannable)
    await watcher.subscribe("dovetail.configurator.order_configured", cb=on_configured)
    await watcher.subscribe("dovetail.scheduling.order_scheduled", cb=on_scheduled)
    secret = settings.webhook_secrets["dovetail"]
    base = f"http://127.0.0.1:{settings.gateway_port}"
    started = time.time()
    errors: dict[str, int] = {}

    async def post(client, payload):
        body = json.dumps(payload).encode()
        try:
            r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        if r.status_code == 202:
            accepted[r.json()["order_id"]] = time.time()
        else:
            errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tasks = set()
        deadline = time.perf_counter() + seconds
        next_at = time.perf_counter()
        last_report = 0.0
        while time.perf_counter() < deadline:
            payload = order_payload(f"PIPE-{uuid.uuid4().hex}")
            payload["promised_date"] = "2027-01-31"
            task = asyncio.create_task(post(client, payload))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            next_at += 1.0 / rate
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            if time.time() - last_report > 5:
                last_report = time.time()
                print(f"  {time.time() - started:6.0f} s  accepted {len(accepted):6d}  "
                      f"configured {len(configured):6d}  scheduled {len(scheduled):6d}  "
                      f"left out {len(left_out):6d}",
                      file=sys.stderr, flush=True)
        await asyncio.gather(*tasks)
    drain_deadline = time.time() + 60
    while time.time() < drain_deadline and set(accepted) - set(scheduled) - set(left_out):
        await asyncio.sleep(0.5)
    await watcher.close()
    to_conf = [configured[o] - t for o, t in accepted.items() if o in configured]
    to_sched = [scheduled[o] - t for o, t in accepted.items() if o in scheduled]
    decided = {o: min(scheduled.get(o, 1e300), left_out.get(o, 1e300)) for o in accepted
               if o in scheduled or o in left_out}
    to_decided = [decided[o] - accepted[o] for o in decided]
    series = sorted((t - started, scheduled[o] - t) for o, t in accepted.items() if o in scheduled)
    return {"rate": rate, "seconds": seconds, "accepted": len(accepted), "errors": errors,
            "configured": len(to_conf), "scheduled": len(to_sched),
            "left_out": len(left_out), "left_out_reasons": reasons, "decided": len(to_decided),
            # scheduled, then left out by a later plan (bumped); left out, then fitted in
            "bumped": sum(1 for o, t in left_out.items() if o in scheduled and scheduled[o] < t),
            "bumped_ids": sorted(o for o, t in left_out.items() if o in scheduled and scheduled[o] < t),
            "fitted_in_later": sum(1 for o, t in left_out.items()
                                   if o in scheduled and scheduled[o] > t),
            "placed_to_decided_p50_s": percentile(to_decided, 0.5),
            "placed_to_decided_p95_s": percentile(to_decided, 0.95),
            "placed_to_configured_p50_s": percentile(to_conf, 0.5),
            "placed_to_configured_p95_s": percentile(to_conf, 0.95),
            "placed_to_scheduled_p50_s": percentile(to_sched, 0.5),
            "placed_to_scheduled_p95_s": percentile(to_sched, 0.95),
            "placed_to_scheduled_max_s": max(to_sched) if to_sched else float("nan"),
            "series": series}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    args = parser.parse_args()
    with servers() as settings:
        settings = settings.with_(services=SERVICES)
        asyncio.run(prepare(settings))
        hop = asyncio.run(jetstream_hop(settings.nats_url))
        with processes(settings, [f"services.{s}.main" for s in SERVICES] + ["gateway.main"]):
            wait_healthy(settings, timeout=120)
            from services.iot.demo import seed

            asyncio.run(seed(settings))
            print(f"pipeline: {args.rate:.0f} orders/s for {args.minutes:g} min", file=sys.stderr)
            result = asyncio.run(run(settings, args.rate, args.minutes * 60))
    series = result.pop("series")
    result["jetstream_hop"] = hop
    print()
    print(f"one JetStream hop (baseline): p50 {hop['p50_ms']:.1f} ms, p95 {hop['p95_ms']:.1f} ms")
    print(f"accepted {result['accepted']}, configured {result['configured']}, "
          f"scheduled {result['scheduled']}, left out {result['left_out']} "
          f"{result['left_out_reasons']}, errors {result['errors']}")
    print(f"scheduled then left out by a later plan (bumped): {result['bumped']}; "
          f"left out then fitted in later: {result['fitted_in_later']}")
    print(f"placed → configured: p50 {result['placed_to_configured_p50_s']:.2f} s, "
          f"p95 {result['placed_to_configured_p95_s']:.2f} s")
    print(f"placed → scheduled:  p50 {result['placed_to_scheduled_p50_s']:.2f} s, "
          f"p95 {result['placed_to_scheduled_p95_s']:.2f} s (target p95 ≤ 5 s at 50/s for 10 min)")
    print(f"placed → decided (scheduled or left out): p50 "
          f"{result['placed_to_decided_p50_s']:.2f} s, p95 {result['placed_to_decided_p95_s']:.2f} s")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"pipeline_{stamp}.json").write_text(json.dumps(result, indent=2))
    buckets: dict[int, list[float]] = {}
    for t, lat in series:
        buckets.setdefault(int(t // 5) * 5, []).append(lat)
    (RESULTS / f"pipeline_{stamp}.svg").write_text(line_chart(
        f"Placed → scheduled at {args.rate:g} orders/s", {
            "p50 s": [(k, percentile(v, 0.5)) for k, v in sorted(buckets.items())],
            "p95 s": [(k, percentile(v, 0.95)) for k, v in sorted(buckets.items())]},
        x_label="seconds into the run (by acceptance)", y_label="seconds"))
    print(f"wrote {RESULTS / f'pipeline_{stamp}.json'} and .svg")


if __name__ == "__main__":
    main()
