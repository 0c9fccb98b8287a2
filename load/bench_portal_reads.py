"""Portal REST list endpoints with 100,000 orders, and a factory's assignment feed at chain
scale: latency beside baselines of the same run.

`python -m load.bench_portal_reads [--orders 100000] [--seconds 15] [--concurrency 8]
[--feed-factories 1600] [--feed-assignments 280000] [--feed-concurrency 4]
[--iot-factories 600] [--iot-days 3] [--kpi-seconds 75]`
(`--feed-factories 0` leaves the feed out, `--iot-factories 0` the iot service)

Seeds the orders through the orders application (the same events a webhook records, written
in large batches) and waits for the read model, then starts the orders service and the gateway
as processes and measures, in the same run:
  baseline  a bare Litestar endpoint returning a constant JSON list (same host, same client);
  ours      GET /api/v1/orders (first page; a status filter; a search; the 20th page by cursor),
            GET /api/v1/orders/counts, GET /api/v1/kpis?days=30 and GET /api/v1/schedule of
            one factory, with the admin key.
Each endpoint is read by `--concurrency` Locust users (load/locustfile_portal.py, FastHttpUser,
no think time) for `--seconds`, one endpoint after another.

With `--iot-factories N` the iot service runs too: N chain factories (load/chain_fleet.py, ~9
machines each) are registered through its gRPC API, and `--iot-days` days of their machines'
history (state changes, minute energy, finished operations) are written straight into iot's
read-model tables (load/iot_history.py), so the KPIs carry every factory's utilisation, OEE,
kWh and CO2e (iot's GetFactoryKpis, paged). iot's own answer is also timed: the whole network's
figures read page by page from iot (no gateway), sequentially, `--seconds` long.

Then, in the same platform, one factory's assignment feed (load/bench_assignment_feed.py):
scheduling's `SubscribeAssignments` replay of a random factory's current assignments, beside a
bare gRPC stream of as many same-size messages and the raw PostgreSQL query of the same rows.
The feed tables (`scheduling.current_assignments`, `scheduling.assignment_feed`) are seeded
directly, ~280,000 current assignments over 1,600 factories, not planned by the scheduler.
The gateway keeps the network's factory figures (gateway/factory_figures.py: a minute, up to ten
while a new reading runs); the first KPI reader, who waits for the first reading, is timed on its
own, and with iot the KPIs are read `--kpi-seconds` (75) so that a reading runs behind them.

The gateway has no endpoint that reads the feed (its schedule reads the planner's plan in
memory), so the feed is read from scheduling itself. The scheduler plans nothing here (no order
reaches it configured), so the schedule read is one factory's lanes (its machines, shifts and
stops, learnt from iot) without bars: what a factory's answer costs apart from its plan.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import psycopg

from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from gateway.controllers.kpis import kpi_request
from infra.servers import free_port
from load import bench_assignment_feed as feed_bench
from load import chain_fleet, iot_history
from load.bench_webhooks import percentile
from load.charts import line_chart
from load.locust_results import EMPTY, run_locust, summarise
from load.platform_harness import prepare, processes, servers, wait_healthy
from services.kit.persistence import open_application
from services.kit.tls import client_channel
from services.orders.application import OrdersApplication, PlacementRequest
from services.orders.domain.values import parse_order_content
from tests.helpers import order_payload

RESULTS = Path(__file__).parent / "results"


def seed(settings, count: int) -> None:
    app = open_application(OrdersApplication, settings, "orders")
    rng = random.Random(7)
    names = ["Li Wei", "Zhang Min", "Wang Fang", "Chen Jie", "Liu Yang", "Zhao Lei"]
    start = datetime.now(UTC) - timedelta(days=90)
    done = 0
    while done < count:
        batch = []
        for _ in range(min(1000, count - done)):
            payload = order_payload(f"LIST-{uuid.uuid4().hex[:12]}")
            payload["customer"]["name"] = rng.choice(names)
            batch.append(PlacementRequest(rng.choice(["dovetail", "shopify", "woocommerce"]),
                                          payload["external_id"], parse_order_content(payload),
                                          start + timedelta(seconds=rng.randint(0, 90 * 86400)),
                                          "default"))
        app.place_orders(batch)
        done += len(batch)
        print(f"  seeded {done}/{count} orders", file=sys.stderr, flush=True)
    app.close()


def bare_app_process(port: int) -> None:
    import uvicorn
    from litestar import Litestar, get

    rows = [{"order_id": str(uuid.uuid4()), "status": "PLACED", "external_id": f"X-{i}"}
            for i in range(50)]

    @get("/bare")
    async def bare() -> dict:
        return {"items": rows, "next_cursor": None}

    uvicorn.run(Litestar([bare]), host="127.0.0.1", port=port, log_level="warning")


def measure(base: str, path: str, params: dict, headers: dict, seconds: float,
            concurrency: int) -> dict:
    from load.locustfile_portal import NAME

    query = f"{path}?{urlencode(params)}" if params else path
    key = headers.get("Authorization", "").removeprefix("Bearer ")
    phase = run_locust("load.locustfile_portal", base, concurrency, seconds, warmup=2,
                       opts={"path": query, **({"admin_key": key} if key else {})})["phases"][-1]
    rows = phase["samples"].get(NAME, [])
    figures = summarise(phase).get(NAME, EMPTY)
    return {"requests": figures["count"], "per_s": figures["per_s"],
            "failures": figures["failures"], "errors": phase["errors"],
            "p50_ms": figures["p50_ms"],
            "p95_ms": percentile([rt for _, rt, ok in rows if ok], 0.95),
            "p99_ms": figures["p99_ms"],
            "generator_cpu_pct": phase.get("cpu_pct"),
            "series": [(t, rt / 1000) for t, rt, ok in rows if ok]}


def iot_network(settings, factories: int, days: int) -> dict:
    """Register a chain network with iot (gRPC), wait for its read models, write its history."""
    network = chain_fleet.fleet(factories)
    registered = asyncio.run(chain_fleet.register(settings, network))
    machines = sum(len(f.machines) for f in network)
    deadline = time.time() + 600
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        while time.time() < deadline:
            seen = conn.execute("SELECT (SELECT count(*) FROM iot.factories),"
                                " (SELECT count(*) FROM iot.machines)").fetchone()
            if seen == (factories, machines):
                break
            time.sleep(1)
        else:
            raise SystemExit(f"iot's read models hold {seen}, not {factories} factories and "
                             f"{machines} machines")
    print(f"  iot: {factories} factories, {machines} machines registered; writing {days} days "
          "of history ...", file=sys.stderr, flush=True)
    history = iot_history.seed(settings.database_url, network, days)
    print(f"  iot history: {history}", file=sys.stderr, flush=True)
    return {"factories": factories, "machines": machines, "registration": registered,
            "history": history, "factory_ids": [f.factory_id for f in network]}


async def time_network_kpis(settings, days: int, seconds: float) -> dict:
    """iot's GetFactoryKpis for the whole network, page after page, read again and again for
    ``seconds``: how long one complete answer takes (no gateway, no cache)."""
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    took: list[float] = []
    factories = 0
    async with client_channel(settings, settings.service_address("iot")) as channel:
        stub = iot_grpc.IotServiceStub(channel)
        stop = time.monotonic() + seconds
        while time.monotonic() < stop or not took:
            t0, token, factories = time.perf_counter(), "", 0
            while True:
                reply = await stub.GetFactoryKpis(kpi_request(days, token), metadata=admin,
                                                  timeout=120)
                factories += len(reply.factories)
                token = reply.next_page_token
                if not token:
                    break
            took.append((time.perf_counter() - t0) * 1000)
    return {"reads": len(took), "factories": factories, "p50_ms": percentile(took, 0.5),
            "max_ms": max(took)}


async def cursor_of_page(base: str, headers: dict, page: int) -> str:
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        cursor = None
        for _ in range(page):
            params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
            cursor = (await client.get("/api/v1/orders", params=params)).json()["next_cursor"]
        return cursor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--feed-factories", type=int, default=1600)
    parser.add_argument("--feed-assignments", type=int, default=280_000)
    parser.add_argument("--feed-concurrency", type=int, default=4)
    parser.add_argument("--iot-factories", type=int, default=600)
    parser.add_argument("--iot-days", type=int, default=3)
    parser.add_argument("--kpi-seconds", type=float, default=75,
                        help="KPIs with iot are read this long (the figures are kept 60 s)")
    args = parser.parse_args()
    results: dict = {"orders": args.orders, "concurrency": args.concurrency}
    feed = network = None
    with_feed, with_iot = args.feed_factories > 0, args.iot_factories > 0
    with servers() as settings:
        settings = settings.with_(services=("orders",) + (("scheduling",) if with_feed else ())
                                  + (("iot",) if with_iot else ()))
        asyncio.run(prepare(settings))
        seed(settings, args.orders)
        if with_feed:
            feed_counts = feed_bench.seed_feed(settings.database_url, args.feed_factories,
                                               args.feed_assignments)
            bare_feed_port = settings.service_ports["delivery"]
            bare_feed = feed_bench.start_bare(feed_counts, feed_bench.sample_message(
                settings.database_url, min(feed_counts)), bare_feed_port)
        bare_port = free_port()
        bare = multiprocessing.Process(target=bare_app_process, args=(bare_port,), daemon=True)
        bare.start()
        modules = ["services.orders.main", "gateway.main"]
        modules += ["services.scheduling.main"] if with_feed else []
        modules += ["services.iot.main"] if with_iot else []
        with processes(settings, modules):
            wait_healthy(settings, timeout=120)
            if with_iot:
                network = iot_network(settings, args.iot_factories, args.iot_days)
                results["iot network"] = {k: v for k, v in network.items() if k != "factory_ids"}
            base = f"http://127.0.0.1:{settings.gateway_port}"
            headers = {"Authorization": f"Bearer {settings.admin_key}"}
            deadline = time.time() + 600
            while time.time() < deadline:  # the read model catches up with the seeded orders
                counts = httpx.get(f"{base}/api/v1/orders/counts", headers=headers, timeout=30)
                if counts.status_code == 200 and sum(
                        c["count"] for c in counts.json()) >= args.orders:
                    break
                time.sleep(2)
            # Let the relay, projections and the gateway's read model finish catching up, so
            # the reads are measured on a settled platform, not beside a backlog.
            print("  settling ...", file=sys.stderr, flush=True)
            time.sleep(30)
            cursor = asyncio.run(cursor_of_page(base, headers, 20))
            cases = {
                "bare Litestar endpoint (baseline)": (f"http://127.0.0.1:{bare_port}", "/bare", {}),
                "orders, first page": (base, "/api/v1/orders", {"limit": 50}),
                "orders, status filter": (base, "/api/v1/orders", {"status": "PLACED", "limit": 50}),
                "orders, channel filter": (base, "/api/v1/orders", {"channel": "shopify"}),
                "orders, search": (base, "/api/v1/orders", {"q": "Zhang", "limit": 50}),
                "orders, 21st page by cursor": (base, "/api/v1/orders", {"limit": 50,
                                                                         "cursor": cursor}),
                "pipeline counts": (base, "/api/v1/orders/counts", {}),
                "KPIs, 30 days": (base, "/api/v1/kpis", {"days": 30}),
            }
            if with_feed and network:  # scheduling learns the factories from iot's events
                asyncio.run(chain_fleet.wait_learnt(settings))
                one = random.Random(3).choice(network["factory_ids"])
                cases["schedule, one factory"] = (base, "/api/v1/schedule", {"factory_id": one})
            if network:
                print("  iot GetFactoryKpis, whole network ...", file=sys.stderr, flush=True)
                results["iot GetFactoryKpis, whole network"] = asyncio.run(time_network_kpis(
                    settings, 30, args.seconds))
            if network:  # the first KPI reader waits for the gateway's first reading
                t0 = time.perf_counter()
                first = httpx.get(f"{base}/api/v1/kpis", params={"days": 30}, headers=headers,
                                  timeout=300)
                with_figures = sum(1 for f in first.json()["factories"] if f["kwh"])
                results["KPIs, first reader (cold)"] = {
                    "ms": round((time.perf_counter() - t0) * 1000),
                    "factories": len(first.json()["factories"]), "with_kwh": with_figures}
            for name, (url, path, params) in cases.items():
                print(f"  {name} ...", file=sys.stderr, flush=True)
                # KPIs long enough for the kept figures to be read again behind the readers
                seconds = max(args.seconds, args.kpi_seconds) if path == "/api/v1/kpis" \
                    and network else args.seconds
                results[name] = measure(url, path, params, headers, seconds, args.concurrency)
            if with_feed:
                print("  assignment feed ...", file=sys.stderr, flush=True)
                feed = feed_bench.feed_summary(feed_counts, feed_bench.measure_feed_in_child(
                    settings.database_url,
                    f"127.0.0.1:{settings.service_ports['scheduling']}", settings.admin_key,
                    feed_counts, f"127.0.0.1:{bare_feed_port}", args.seconds, args.feed_concurrency))
                feed["current_assignments_after"] = feed_bench.seeded_count(settings.database_url)
                results["assignment feed"] = feed
        bare.terminate()
        if with_feed:
            bare_feed.terminate()
    baseline = results["bare Litestar endpoint (baseline)"]
    print()
    print(f"{'':32} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'p99 vs bare':>12}")
    series = {}
    for name, r in results.items():
        if not isinstance(r, dict) or "series" not in r:
            continue
        ratio = r["p99_ms"] / baseline["p99_ms"] if baseline["p99_ms"] else float("nan")
        print(f"{name:32} {r['per_s']:8.0f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
              f"{r['p99_ms']:8.1f} {ratio:12.1f}")
        buckets: dict[int, list[float]] = {}
        for t, lat in r.pop("series"):
            buckets.setdefault(int(t), []).append(lat * 1000)
        series[name] = [(k, percentile(v, 0.99)) for k, v in sorted(buckets.items())]
    print(f"target: p99 ≤ 100 ms with {args.orders} orders (≤ 200 ms at 50,000 open orders)")
    if network:
        whole = results["iot GetFactoryKpis, whole network"]
        print(f"iot: {network['factories']} factories, {network['machines']} machines, "
              f"{network['history']}")
        cold = results["KPIs, first reader (cold)"]
        print(f"KPIs, first reader (waits for the first reading): {cold['ms']} ms, "
              f"{cold['factories']} factories, {cold['with_kwh']} with kWh")
        print(f"iot GetFactoryKpis, 30 days, all {whole['factories']} factories page by page: "
              f"p50 {whole['p50_ms']:.0f} ms, max {whole['max_ms']:.0f} ms over {whole['reads']} "
              "complete reads")
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    if feed is not None:
        print()
        print("\n".join(feed_bench.report(feed)))
        (RESULTS / f"portal_reads_feed_{stamp}.svg").write_text(feed_bench.chart(feed))
    (RESULTS / f"portal_reads_{stamp}.json").write_text(json.dumps(results, indent=2))
    (RESULTS / f"portal_reads_{stamp}.svg").write_text(line_chart(
        f"Portal list endpoints with {args.orders} orders: p99 per second",
        series, x_label="seconds", y_label="p99 ms"))
    print(f"wrote {RESULTS / f'portal_reads_{stamp}.json'} and .svg")


if __name__ == "__main__":
    main()
