"""What the orders process spends following the other services, per order (issue 15, item 3).

`python -m load.bench_orders_follow [--orders 3000] [--batch 50] [--profile]`

Starts its own PostgreSQL, NATS and the orders service (a process of its own, as `make up`
runs it), places ``--orders`` orders through its gRPC `PlaceOrders` (as the gateway does), then
plays what the pipeline's configurator and scheduling publish about each order onto their
JetStream streams, as they publish it (an `EventEnvelope` per event, `Nats-Msg-Id` set):
`OrderConfigured` for every order, then `OrderScheduled`. Each phase ends when the order list
read model shows every order in its new status and the relay has published every order's
status change; the CPU seconds the orders process (and PostgreSQL) took over the phase are
divided by the orders. The orders process's idle CPU (its pollers) is measured too.

Baseline in the same run: the same upstream messages consumed raw (a pull consumer, fetched
``--batch`` at a time, each acked) and one raw PostgreSQL transaction per fetched batch
inserting one small row per message (what a tracking record costs): the CPU of this process
doing it, per message.

`--profile` records the orders process with py-spy (load/py_spy_profile.py) over the follow
phases and prints where its time goes. Prints a table; writes load/results/orders_follow_<time>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import psutil
import psycopg
from google.protobuf import json_format

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.orders.v1 import orders_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2_grpc as pb_grpc
from dovetail.scheduling.v1 import scheduling_events_pb2 as scheduling
from load.platform_harness import prepare, processes, server_processes
from load.py_spy_profile import Profile
from services.kit.envelope import msg_id, stream_name, subject, wrap
from services.kit.jetstream import connect, publish_acked
from services.kit.wellknown import timestamp_of
from tests.helpers import order_payload

RESULTS = Path(__file__).parent / "results"
PLACE_BATCH = 100


def cpu_of(pid: int, tree: bool = False) -> float:
    """User + system CPU seconds of a process (and its children, for PostgreSQL)."""
    procs = [psutil.Process(pid)]
    if tree:
        procs += procs[0].children(recursive=True)
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds by thread: the main thread (the event loop) and the rest by their names."""
    out: dict[str, float] = {}
    for t in psutil.Process(pid).threads():
        with contextlib.suppress(OSError):
            name = "event loop" if t.id == pid else Path(
                f"/proc/{pid}/task/{t.id}/comm").read_text().strip()
            out[name] = out.get(name, 0.0) + t.user_time + t.system_time
    return out


def place_request(payload: dict) -> pb.PlaceOrderRequest:
    payload = dict(payload)
    payload.pop("placed_at")
    y, m, d = map(int, payload["promised_date"].split("-"))
    payload["promised_date"] = {"year": y, "month": m, "day": d}
    return json_format.ParseDict({"channel": "dovetail", **payload}, pb.PlaceOrderRequest())


def configured(order_id: str) -> configurator.OrderConfigured:
    """As the configurator says it of a wardrobe: its routing of a dozen operations."""
    body = configurator.OrderConfigured(order_id=order_id, catalog_version=1, order_version=1)
    body.configured_at.CopyFrom(timestamp_of(datetime.now(UTC)))
    for seq in range(1, 13):
        body.routing.add(operation_id=f"{order_id}-op-{seq:02d}", seq=seq, machine_type=1 + seq % 8,
                         duration_seconds=300 + 7 * seq, setup_family="edge_band",
                         setup_key="white-1.0mm")
    return body


def scheduled(order_id: str, n: int) -> scheduling.OrderScheduled:
    start = datetime(2026, 12, 8, 8, tzinfo=UTC) + timedelta(minutes=n % 600)
    body = scheduling.OrderScheduled(order_id=order_id, plan_id=uuid.uuid4().hex,
                                     factory_id=f"F-{n % 600:03d}")
    body.planned_start.CopyFrom(timestamp_of(start))
    body.planned_end.CopyFrom(timestamp_of(start + timedelta(hours=5)))
    return body


async def publish(js, service: str, name: str, bodies: list, first_id: int) -> None:
    """Each body in an envelope from ``service``, as its relay publishes it."""
    now = datetime.now(UTC)
    messages = []
    for i, body in enumerate(bodies):
        nid = first_id + i
        envelope = wrap(service=service, body=body, aggregate_id=body.order_id, version=2,
                        occurred_at=now, tenant="default", notification_id=nid)
        messages.append((subject(service, name), envelope.SerializeToString(),
                         {"Nats-Msg-Id": msg_id(service, nid)}))
    for start in range(0, len(messages), 500):
        await publish_acked(js, messages[start:start + 500], 30.0)


async def wait_until(check, what: str, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        await asyncio.sleep(0.05)


class Platform:
    """What the phases read: the order list's statuses, the orders stream's length."""

    def __init__(self, database_url: str, js):
        self.database_url = database_url
        self.js = js

    async def statuses(self) -> dict[str, int]:
        async with await psycopg.AsyncConnection.connect(self.database_url,
                                                         autocommit=True) as conn:
            with contextlib.suppress(psycopg.errors.UndefinedTable):
                rows = await (await conn.execute(
                    "SELECT status, count(*) FROM orders.order_list GROUP BY status")).fetchall()
                return dict(rows)
        return {}

    async def published(self) -> int:
        info = await self.js.stream_info(stream_name("orders"))
        return info.state.messages

    def settled(self, status: str, count: int, messages: int):
        async def check() -> bool:
            return ((await self.statuses()).get(status, 0) >= count
                    and await self.published() >= messages)

        return check


async def place_all(channel, key: str, n: int, batch: int = PLACE_BATCH) -> list[str]:
    stub = pb_grpc.OrdersServiceStub(channel)
    ids: list[str] = []
    for start in range(0, n, batch):
        reply = await stub.PlaceOrders(pb.PlaceOrdersRequest(orders=[
            place_request(order_payload()) for _ in range(min(batch, n - start))]),
            metadata=(("authorization", f"Bearer {key}"),))
        ids += [o.placed.order_id for o in reply.outcomes if o.HasField("placed")]
    return ids


async def raw_baseline(js, database_url: str, n: int, batch: int) -> dict:
    """The configurator's messages consumed raw, one transaction of small inserts per batch."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    stream = stream_name("configurator")
    await js.add_consumer(stream, ConsumerConfig(durable_name="bench-raw", ack_policy=AckPolicy.EXPLICIT,
                                                 deliver_policy=DeliverPolicy.ALL))
    sub = await js.pull_subscribe_bind("bench-raw", stream=stream)
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("CREATE TABLE IF NOT EXISTS bench_raw_tracking "
                           "(application_name text, notification_id bigint, "
                           "PRIMARY KEY (application_name, notification_id))")
        cpu0, t0, done = time.process_time(), time.perf_counter(), 0
        while done < n:
            messages = await sub.fetch(batch, timeout=5.0)
            async with conn.transaction():
                async with conn.cursor() as cur:
                    await cur.executemany(
                        "INSERT INTO bench_raw_tracking VALUES (%s, %s)",
                        [("configurator", done + i) for i in range(len(messages))])
            for msg in messages:
                await msg.ack()
            done += len(messages)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    await sub.unsubscribe()
    return {"messages": done, "cpu_ms_per_message": 1000 * cpu / done,
            "messages_per_s": done / wall}


async def main_async(args) -> dict:
    result: dict = {"orders": args.orders, "load_average_before": os.getloadavg()}
    with server_processes() as (settings, servers):
        await prepare(settings)
        with processes(settings, ["services.orders.main"]) as [orders]:
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{settings.service_ports['orders']}")
            await asyncio.wait_for(channel.channel_ready(), 60)
            nc = await connect(settings.nats_url, "bench-orders-follow")
            js = nc.jetstream()
            platform = Platform(settings.database_url, js)
            n = args.orders

            async def phase(name: str, act, status: str, count: int, messages: int) -> dict:
                """Run ``act``; done when ``count`` orders are in ``status`` and the relay has
                published ``messages`` in all."""
                cpu0, pg0 = cpu_of(orders.pid), cpu_of(servers["postgres"], tree=True)
                threads0 = thread_cpu(orders.pid)
                t0 = time.perf_counter()
                await act()
                await wait_until(platform.settled(status, count, messages), name)
                wall = time.perf_counter() - t0
                cpu, pg = cpu_of(orders.pid) - cpu0, cpu_of(servers["postgres"], tree=True) - pg0
                row = {"phase": name, "wall_s": round(wall, 2),
                       "orders_cpu_s": round(cpu, 2), "orders_cpu_ms_per_order": 1000 * cpu / n,
                       "postgres_cpu_ms_per_order": 1000 * pg / n,
                       "threads_ms_per_order": {
                           k: round(1000 * (v - threads0.get(k, 0.0)) / n, 3)
                           for k, v in thread_cpu(orders.pid).items()
                           if v - threads0.get(k, 0.0) > 0.001 * n}}
                print(f"  {name}: {wall:.1f} s, orders {1000 * cpu / n:.2f} ms CPU per order, "
                      f"PostgreSQL {1000 * pg / n:.2f} ms", file=sys.stderr, flush=True)
                return row

            idle0 = cpu_of(orders.pid)
            await asyncio.sleep(3.0)
            result["idle_cpu_ms_per_s"] = 1000 * (cpu_of(orders.pid) - idle0) / 3.0
            key, rate = settings.admin_key, args.rate
            ids: list[str] = []
            if rate:
                phases = [await phase(f"placed at {rate:g}/s (intake only)",
                                      lambda: steady(channel, key, js, n, rate, follow=False),
                                      "PLACED", n, n)]
            else:
                async def place() -> None:
                    ids.extend(await place_all(channel, key, n))

                phases = [await phase("placed at once (intake, relay, list)", place, "PLACED",
                                      n, n)]
            RESULTS.mkdir(exist_ok=True)
            spy = (Profile("orders", orders.pid, 0.0, 3600.0, RESULTS / "orders_follow.stacks",
                           gil=True, rate=250)
                   .start() if args.profile else None)
            if spy:
                await asyncio.sleep(1.0)  # py-spy attaches
            if rate:
                phases.append(await phase(
                    f"steady at {rate:g}/s: placed, configured 1 s, scheduled 3 s later",
                    lambda: steady(channel, key, js, n, rate), "SCHEDULED", n, 4 * n))
                result["follow_cpu_ms_per_order"] = (phases[1]["orders_cpu_ms_per_order"]
                                                     - phases[0]["orders_cpu_ms_per_order"])
            else:
                phases.append(await phase(
                    "configured", lambda: publish(js, "configurator", "OrderConfigured",
                                                  [configured(i) for i in ids], 1),
                    "CONFIGURED", n, 2 * n))
                phases.append(await phase(
                    "scheduled", lambda: publish(js, "scheduling", "OrderScheduled",
                                                 [scheduled(i, k) for k, i in enumerate(ids)], 1),
                    "SCHEDULED", n, 3 * n))
                result["follow_cpu_ms_per_order"] = sum(
                    p["orders_cpu_ms_per_order"] for p in phases[1:])
            if spy:
                proc = spy._proc
                if proc is not None:
                    proc.send_signal(signal.SIGINT)
                result["profile"] = spy.summary(top=25)
            result["phases"] = phases
            result["baseline"] = await raw_baseline(js, settings.database_url, n, args.batch)
            await nc.close()
            await channel.close()
    result["load_average_after"] = os.getloadavg()
    return result


async def steady(channel, key: str, js, n: int, rate: float, tick: float = 0.1,
                 follow: bool = True) -> None:
    """The pipeline's steady state: each tick, ``rate * tick`` new orders are placed, those placed
    a second before are configured, those placed three seconds before are scheduled (with
    ``follow``; otherwise only placed)."""
    per_tick = max(1, round(rate * tick))
    ticks = -(-n // per_tick)
    lag_configured, lag_scheduled = round(1 / tick), round(3 / tick)
    placed: list[list[str]] = []
    started = time.perf_counter()
    nid = {"configurator": 1_000_000, "scheduling": 1_000_000}

    async def send(service: str, name: str, bodies: list) -> None:
        if bodies:
            await publish(js, service, name, bodies, nid[service])
            nid[service] += len(bodies)

    for k in range(ticks + (lag_scheduled + 1 if follow else 0)):
        if k < ticks:
            placed.append(await place_all(channel, key, min(per_tick, n - k * per_tick),
                                          batch=per_tick))
        else:
            placed.append([])
        if follow and k >= lag_configured:
            await send("configurator", "OrderConfigured",
                       [configured(i) for i in placed[k - lag_configured]])
        if follow and k >= lag_scheduled:
            await send("scheduling", "OrderScheduled",
                       [scheduled(i, 0) for i in placed[k - lag_scheduled]])
        await asyncio.sleep(max(0.0, started + (k + 1) * tick - time.perf_counter()))


def report(result: dict) -> str:
    lines = [f"orders: {result['orders']}, load average before "
             f"{result['load_average_before'][0]:.2f}, after {result['load_average_after'][0]:.2f}",
             f"{'phase':32} {'wall s':>7} {'orders CPU ms/order':>20} {'PostgreSQL ms/order':>20}"]
    for p in result["phases"]:
        lines.append(f"{p['phase']:32} {p['wall_s']:7.1f} {p['orders_cpu_ms_per_order']:20.2f} "
                     f"{p['postgres_cpu_ms_per_order']:20.2f}")
        lines.append("    by thread (ms/order): " + ", ".join(
            f"{k} {v:.2f}" for k, v in sorted(p["threads_ms_per_order"].items(),
                                              key=lambda kv: -kv[1])))
    base = result["baseline"]
    lines += [f"following (configured + scheduled): {result['follow_cpu_ms_per_order']:.2f} ms "
              "of orders CPU per order",
              f"orders process idle: {result['idle_cpu_ms_per_s']:.1f} ms CPU per s",
              f"baseline, raw consume + one commit per batch: {base['cpu_ms_per_message']:.3f} ms "
              f"CPU per message ({base['messages_per_s']:.0f} messages/s)"]
    prof = result.get("profile")
    if prof and "inclusive" in prof:
        lines.append(f"py-spy, {prof['samples']} samples; inclusive:")
        lines += [f"  {pct:5.1f} %  {frame}" for frame, pct in prof["inclusive"]]
        lines.append("self:")
        lines += [f"  {pct:5.1f} %  {frame}" for frame, pct in prof["self"]]
    elif prof:
        lines.append(f"py-spy: {prof.get('error')}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=64, help="baseline fetch size "
                        "(orders' consumers fetch 64)")
    parser.add_argument("--rate", type=float, default=0.0, help="orders/s: the pipeline's "
                        "steady state at this rate instead of floods of each event")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(main_async(args))
    print(report(result))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"orders_follow_{time.strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=1, default=str))
    print(f"written {out}")


if __name__ == "__main__":
    main()
