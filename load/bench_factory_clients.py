"""gRPC factory clients: N factories following their assignments and reporting their work
while orders keep flowing.

`python -m load.bench_factory_clients [--factories 8] [--seconds 60] [--order-rate 5]
 [--backlog 120] [--baseline-seconds 10] [--work-ms 0]`

Starts PostgreSQL, NATS, orders, configurator, scheduling, iot and the gateway as processes,
registers N load-test factories (load/factory_fleet.py: every machine type, round the clock)
with their keys, places a backlog of orders and waits until they are scheduled; then runs
load/locustfile_factory.py headless through Locust (gevent-patched grpc, sync channels, one
user per factory), in two phases:
  baseline  N users calling grpc.health.v1.Health/Check back to back on the scheduling
            service: its bare gRPC round trip and rate at the same concurrency;
  ours      N factory clients: each follows SubscribeAssignments and reports the earliest ready
            operation STARTED then FINISHED, as fast as the service allows, and checks health on
            the same channel once a second; a shop posts orders at --order-rate meanwhile.
Measured: ReportOperation latency p50/p99 and reports/s (ratio to the health-check rate),
assignment delivery latency (plan recorded → change received by the factory) and the echo of
the factories' own progress. Writes load/results/factory_clients_<time>.json and two SVGs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
import uuid
from pathlib import Path

import grpc
import httpx
import nats
from psycopg_pool import AsyncConnectionPool

from demo.factories import factory_request, machine_request
from dovetail.iot.v1 import iot_service_pb2_grpc
from dovetail.scheduling.v1 import scheduling_events_pb2
from dovetail.scheduling.v1 import scheduling_service_pb2 as sched_pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as sched_grpc
from load.charts import line_chart
from load.factory_fleet import fleet
from load.locust_results import EMPTY, buckets, run_locust, summarise
from load.platform_harness import prepare, processes, servers, wait_healthy
from services.kit.auth import KeyStore, Principal
from services.kit.envelope import unwrap
from tests.helpers import order_payload
from webhook_signature import sign

RESULTS = Path(__file__).parent / "results"
SERVICES = ("orders", "configurator", "scheduling", "iot")
# Names the Locust file gives its samples (kept here so this module never imports Locust).
REPORTS = ("ReportOperation started", "ReportOperation finished", "ReportOperation duplicate")
DELIVERED = "assignment delivered (plan → client)"
ECHOED = "progress echoed (report → client)"
HEALTH = "Health/Check (same channel, under load)"
HEALTH_BASELINE = "Health/Check (baseline, back to back)"
WEBHOOK = "POST /webhooks/dovetail/orders"
IDLE = "idle: nothing ready to report"


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def register_fleet(settings, n: int) -> list[str]:
    """Register the load-test factories, their machines and keys (admin, through iot)."""
    factories = fleet(n)
    async with AsyncConnectionPool(settings.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        keys = KeyStore(pool)
        await keys.ensure_schema()
        for f in factories:
            await keys.add(f.dev_key, Principal("factory", f.factory_id), f"bench {f.name}")
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    async with grpc.aio.insecure_channel(settings.service_address("iot")) as channel:
        stub = iot_service_pb2_grpc.IotServiceStub(channel)
        for f in factories:
            await stub.RegisterFactory(factory_request(f), metadata=admin, timeout=30)
            for m in f.machines:
                await stub.RegisterMachine(machine_request(f, m), metadata=admin, timeout=30)
    return [f.factory_id for f in factories]


async def wait_for_capacity(settings, factory_ids: list[str], timeout: float = 90) -> None:
    """Until scheduling has heard (over JetStream) of every factory and machine."""
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    want = {fid: len(f.machines) for fid, f in zip(factory_ids, fleet(len(factory_ids)),
                                                     strict=True)}
    deadline = time.monotonic() + timeout
    async with grpc.aio.insecure_channel(settings.service_address("scheduling")) as channel:
        stub = sched_grpc.SchedulingServiceStub(channel)
        while True:
            reply = await stub.GetSchedule(sched_pb.GetScheduleRequest(), metadata=admin,
                                           timeout=30)
            lanes: dict[str, int] = {}
            for lane in reply.lanes:
                lanes[lane.factory_id] = lanes.get(lane.factory_id, 0) + 1
            if all(lanes.get(fid, 0) >= count for fid, count in want.items()):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"scheduling knows only {lanes} of {want}")
            await asyncio.sleep(0.5)


class Watcher:
    """Counts orders scheduled and produced (core NATS subscriptions on the event subjects)."""

    def __init__(self) -> None:
        self.scheduled: set[str] = set()
        self.produced: set[str] = set()
        self.plans: list[tuple[float, int, int]] = []  # (received, solve ms, operations)
        self.nc = None

    async def start(self, url: str) -> None:
        self.nc = await nats.connect(url)

        async def on_scheduled(msg):
            body = scheduling_events_pb2.OrderScheduled()
            unwrap(msg.data).body.Unpack(body)
            self.scheduled.add(body.order_id)

        async def on_produced(msg):
            body = scheduling_events_pb2.OrderProduced()
            unwrap(msg.data).body.Unpack(body)
            self.produced.add(body.order_id)

        async def on_plan(msg):
            body = scheduling_events_pb2.SchedulePublished()
            unwrap(msg.data).body.Unpack(body)
            self.plans.append((time.time(), body.solve_ms, body.operation_count))

        await self.nc.subscribe("dovetail.scheduling.order_scheduled", cb=on_scheduled)
        await self.nc.subscribe("dovetail.scheduling.schedule_published", cb=on_plan)
        await self.nc.subscribe("dovetail.scheduling.order_produced", cb=on_produced)

    async def stop(self) -> None:
        await self.nc.close()


async def place_backlog(settings, watcher: Watcher, count: int, timeout: float = 180) -> dict:
    """Post `count` orders and wait until scheduling has scheduled them."""
    secret = settings.webhook_secrets["dovetail"]
    accepted: set[str] = set()
    errors: dict[str, int] = {}
    queue = list(range(count))

    async def sender(client: httpx.AsyncClient) -> None:
        while queue:
            queue.pop()
            payload = order_payload(f"BACKLOG-{uuid.uuid4().hex}")
            payload["promised_date"] = "2027-01-31"
            body = json.dumps(payload).encode()
            r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
            if r.status_code == 202:
                accepted.add(r.json()["order_id"])
            else:
                errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1

    started = time.monotonic()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.gateway_port}",
                                 timeout=30) as client:
        await asyncio.gather(*[sender(client) for _ in range(8)])
    say(f"  backlog: {len(accepted)} orders accepted in {time.monotonic() - started:.1f} s; "
        "waiting until they are scheduled")
    deadline = time.monotonic() + timeout
    next_note = time.monotonic() + 5
    while time.monotonic() < deadline and not accepted <= watcher.scheduled:
        await asyncio.sleep(0.5)
        if time.monotonic() > next_note:
            next_note += 5
            say(f"  {time.monotonic() - started:5.0f} s  backlog scheduled "
                f"{len(accepted & watcher.scheduled)}/{len(accepted)}")
    done = len(accepted & watcher.scheduled)
    say(f"  backlog: {done}/{len(accepted)} scheduled after {time.monotonic() - started:.1f} s")
    return {"accepted": len(accepted), "scheduled": done, "errors": errors,
            "seconds": time.monotonic() - started}


def merged_rows(phase: dict, names) -> list:
    return sorted((r for n in names for r in phase["samples"].get(n, [])), key=lambda r: r[0])


def figures_of(rows: list, seconds: float) -> dict:
    return summarise({"samples": {"x": rows}, "seconds": seconds}).get("x", dict(EMPTY))


async def sdk_observer(settings, factory_id: str, key: str, state_dir: Path,
                       stop: asyncio.Event) -> list[tuple[float, float]]:
    """A second, read-only subscriber to one factory's feed through the dovetail_factory SDK
    (grpc.aio, in this process): the delivery lag it sees cross-checks the Locust clients'."""
    from dovetail_factory import FactoryClient

    lags: list[tuple[float, float]] = []
    started = time.time()
    async with FactoryClient(settings.service_address("scheduling"), key, factory_id=factory_id,
                             state_dir=state_dir, consumer="bench-observer") as client:
        async def follow() -> None:
            async for change in client.assignments():
                if change.live and change.changed_at is not None and change.kind in (
                        "ASSIGNED", "RESCHEDULED"):
                    now = time.time()
                    lags.append((now - started, (now - change.changed_at.timestamp()) * 1000))

        task = asyncio.create_task(follow())
        await stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    return lags


async def run(settings, args) -> dict:
    say(f"registering {args.factories} load-test factories")
    factory_ids = await register_fleet(settings, args.factories)
    await wait_for_capacity(settings, factory_ids)
    watcher = Watcher()
    await watcher.start(settings.nats_url)
    backlog = await place_backlog(settings, watcher, args.backlog)
    produced_before, plans_before = len(watcher.produced), len(watcher.plans)
    stop = asyncio.Event()
    first = fleet(1)[0]
    observer = asyncio.create_task(sdk_observer(settings, first.factory_id, first.dev_key,
                                                settings.home / "sdk", stop))
    say(f"Locust: health-check baseline {args.baseline_seconds:g} s, then {args.factories} "
        f"factory clients for {args.seconds:g} s with orders at {args.order_rate:g}/s")
    result = await asyncio.to_thread(
        run_locust, "load.locustfile_factory", f"http://127.0.0.1:{settings.gateway_port}",
        args.factories, args.seconds, warmup=0, opts={
            "factories": args.factories, "scheduling": settings.service_address("scheduling"),
            "order_rate": args.order_rate, "webhook_secret": settings.webhook_secrets["dovetail"],
            "baseline_seconds": args.baseline_seconds, "work_ms": args.work_ms})
    await asyncio.sleep(1)
    stop.set()
    observed = await observer
    produced = len(watcher.produced) - produced_before
    plans = watcher.plans[plans_before:]
    await watcher.stop()
    return {"backlog": backlog, "locust": result, "orders_produced_during_run": produced,
            "sdk_observer": observed,
            "plans_published_during_run": {
                "count": len(plans),
                "mean_solve_ms": sum(p[1] for p in plans) / len(plans) if plans else None,
                "mean_operations": sum(p[2] for p in plans) / len(plans) if plans else None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factories", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--baseline-seconds", type=float, default=10)
    parser.add_argument("--order-rate", type=float, default=5)
    parser.add_argument("--backlog", type=int, default=120)
    parser.add_argument("--work-ms", type=float, default=0)
    args = parser.parse_args()
    with servers() as settings:
        settings = settings.with_(services=SERVICES)
        asyncio.run(prepare(settings))
        with processes(settings, [f"services.{s}.main" for s in SERVICES] + ["gateway.main"]):
            wait_healthy(settings, timeout=120)
            out = asyncio.run(run(settings, args))
    base_phase, phase = out["locust"]["phases"]
    seconds = phase["seconds"]
    by_name = summarise(phase)
    baseline = summarise(base_phase).get(HEALTH_BASELINE, dict(EMPTY))
    report_rows = merged_rows(phase, REPORTS)
    reports = figures_of(report_rows, seconds)
    delivered = by_name.get(DELIVERED, dict(EMPTY))
    echoed = by_name.get(ECHOED, dict(EMPTY))
    health = by_name.get(HEALTH, dict(EMPTY))
    webhook = by_name.get(WEBHOOK, dict(EMPTY))
    ratio = reports["per_s"] / baseline["per_s"] if baseline["per_s"] else float("nan")
    idle_ms = sum(r[1] for r in phase["samples"].get(IDLE, []))
    idle_share = idle_ms / 1000 / (args.factories * seconds) if seconds else float("nan")
    observed = figures_of([(t, lag, True) for t, lag in out["sdk_observer"]], seconds)
    result = {
        "factories": args.factories, "seconds": args.seconds, "order_rate": args.order_rate,
        "work_ms": args.work_ms, "backlog": out["backlog"],
        "baseline_health": baseline, "health_under_load": health, "reports": reports,
        "reports_by_kind": {n: by_name.get(n, dict(EMPTY)) for n in REPORTS},
        "assignment_delivery": delivered, "progress_echo": echoed, "webhooks": webhook,
        "sdk_observer_delivery": observed, "idle_share": idle_share,
        "orders_produced_during_run": out["orders_produced_during_run"],
        "plans_published_during_run": out["plans_published_during_run"],
        "ratio": ratio, "errors": phase["errors"], "baseline_errors": base_phase["errors"],
        "locust_cpu_pct": {"health baseline": base_phase.get("cpu_pct"),
                           "factory clients": phase.get("cpu_pct")},
        "locust_stats": phase["stats"]}
    print()
    print(f"{args.factories} factory clients, {seconds:.0f} s, orders at {args.order_rate:g}/s "
          f"(backlog {out['backlog']['scheduled']} scheduled orders)")
    print(f"{'':44} {'count':>7} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'fail':>5}")

    def row(label: str, f: dict) -> None:
        print(f"{label:44} {f['count']:7d} {f['per_s']:8.1f} {f['p50_ms']:8.1f} "
              f"{f['p99_ms']:8.1f} {f['failures']:5d}")

    row("Health/Check back to back (baseline)", baseline)
    row("Health/Check, same channel, under load", health)
    row("ReportOperation (started + finished)", reports)
    row("assignment delivered (plan → client)", delivered)
    row("  same, seen by an SDK (grpc.aio) observer", observed)
    row("progress echoed (report → client)", echoed)
    row("webhook orders placed meanwhile", webhook)
    print(f"reports/s ÷ health checks/s: {ratio:.2f}; clients idle (nothing ready) "
          f"{idle_share * 100:.0f} % of the time; orders produced during the run: "
          f"{out['orders_produced_during_run']}; Locust CPU {phase.get('cpu_pct', 0):.0f} % "
          "of a core (no DESIGN target for this row)")
    plans = out["plans_published_during_run"]
    if plans["count"]:
        print(f"plans published during the run: {plans['count']} (mean solve "
              f"{plans['mean_solve_ms']:.0f} ms, {plans['mean_operations']:.0f} operations)")
    if phase["errors"]:
        print("failures:")
        for key, n in sorted(phase["errors"].items(), key=lambda kv: -kv[1])[:8]:
            print(f"  {n:6d}  {key}")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    r50, r99, rrate = buckets(report_rows)
    h50, _, _ = buckets(phase["samples"].get(HEALTH, []))
    d50, d99, _ = buckets(phase["samples"].get(DELIVERED, []), 2.0)
    e50, e99, _ = buckets(phase["samples"].get(ECHOED, []), 2.0)
    result.update(report_p50_over_time=r50, report_p99_over_time=r99, report_rate_over_time=rrate,
                  health_p50_over_time=h50, delivery_p50_over_time=d50,
                  delivery_p99_over_time=d99, echo_p50_over_time=e50, echo_p99_over_time=e99)
    (RESULTS / f"factory_clients_{stamp}.json").write_text(json.dumps(result, indent=2))
    (RESULTS / f"factory_clients_{stamp}.svg").write_text(line_chart(
        f"{args.factories} factory clients: ReportOperation latency over time "
        f"(orders at {args.order_rate:g}/s)",
        {"report p50 ms": r50, "report p99 ms": r99, "health check p50 ms (same channel)": h50},
        x_label="seconds", y_label="milliseconds"))
    (RESULTS / f"factory_clients_{stamp}_delivery.svg").write_text(line_chart(
        f"{args.factories} factory clients: assignment delivery and progress echo",
        {"delivered p50 ms": d50, "delivered p99 ms": d99, "echo p50 ms": e50,
         "echo p99 ms": e99}, x_label="seconds", y_label="milliseconds"))
    print(f"wrote {RESULTS / f'factory_clients_{stamp}.json'} and two SVGs")


if __name__ == "__main__":
    main()
