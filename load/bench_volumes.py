"""Volumes and replay: what one order leaves in each JetStream stream and PostgreSQL schema,
scaled to a chain, and how fast a backlog is read back.

`flock /tmp/dovetail-bench.lock python -m load.bench_volumes [--orders 20] [--replay 20000]`

1. Lifecycle (real applications, real encoded events): PostgreSQL, NATS, the five services and
   the gateway as processes, the demo factory network, the shop-floor and carrier simulators
   (DOVETAIL_DEMO_SPEEDUP). `--orders` signed webhooks are posted and followed until every
   order is DELIVERED. Before and after: rows and bytes of every PostgreSQL schema (events
   by topic with their stored size), and every stream's messages and bytes (by subject, with the
   largest message). The difference, divided by the orders, is what one order costs.
2. Telemetry: the encoded size of one second of one machine (a current sample, and a CNC state),
   as the simulators publish it, and the stream's bytes for a known count of them.
3. Replay: `--replay` orders placed through the real OrdersApplication (two events each), then
   read back through its notification log (`recorder.select_notifications`, 1,000 at a time) and
   decoded to domain events as a projection or the relay does; and as many real messages of the
   orders stream read back by a durable pull consumer with explicit acks.
4. Arithmetic: per day at the chain's scale (docs/operations.md), printed beside the measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import httpx
import nats
import psycopg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_events_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from load.platform_harness import prepare, processes, servers, wait_healthy
from services.kit.envelope import stream_name, wrap
from services.kit.jetstream import EVENT_SERVICES, TELEMETRY_STREAM
from services.kit.persistence import open_application
from services.orders.application import OrdersApplication, PlacementRequest
from tests.helpers import order_payload
from webhook_signature import sign

RESULTS = Path(__file__).parent / "results"
SCHEMAS = ("orders", "configurator", "scheduling", "delivery", "iot", "gateway")
STREAMS = [stream_name(s) for s in EVENT_SERVICES] + [TELEMETRY_STREAM]
SERVICES = ("orders", "configurator", "scheduling", "delivery", "iot")
SIMULATORS = ("demo.shop_floor", "demo.carriers")

# The chain (DESIGN.md "Scale" and "Benchmarks"): inputs, not measures.
CHAIN = {"factories": 1_600, "machines": 16_000, "open_orders": 50_000, "operations": 280_000,
         "peak_orders_per_s": 50, "telemetry_hz": 1.0,
         # DESIGN.md's canonical order: placed 2026-11-25, promised 2026-12-20.
         "order_to_delivery_days": 25,
         # Chosen: the longest outage of a consumer ridden out without an operator's replay.
         "catch_up_days": 7,
         # Assumed: shifts a machine works per day (two state changes each: OFF→IDLE→OFF).
         "shifts_per_day": 2}


# ---- measuring ----------------------------------------------------------------------------

def schema_figures(url: str) -> dict:
    """Per schema: total bytes (tables, indexes, TOAST); rows per table; events per topic."""
    out: dict = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in SCHEMAS:
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema,))]
            rows, total = {}, 0
            for t in tables:
                q = f'"{schema}"."{t}"'
                rows[t] = conn.execute(f"SELECT count(*) FROM {q}").fetchone()[0]
                total += conn.execute("SELECT pg_total_relation_size(%s)", (q,)).fetchone()[0]
            topics = {}
            for t in (t for t in tables if t.endswith("_events")):
                for topic, n, size in conn.execute(
                        f'SELECT topic, count(*), sum(octet_length(state)) FROM "{schema}"."{t}" '
                        "GROUP BY topic"):
                    topics[topic] = {"n": n, "state_bytes": int(size)}
            out[schema] = {"bytes": total, "rows": rows, "topics": topics}
    return out


async def stream_figures(js) -> dict:
    out = {}
    for name in STREAMS:
        try:
            st = (await js.stream_info(name)).state
        except Exception:  # noqa: BLE001 - not created in this run
            continue
        out[name] = {"messages": st.messages, "bytes": st.bytes, "last_seq": st.last_seq}
    return out


async def subjects_after(js, name: str, after_seq: int) -> dict:
    """Messages after `after_seq` by subject: count, payload bytes, largest message."""
    by: dict = defaultdict(lambda: {"n": 0, "payload_bytes": 0, "max_bytes": 0})
    info = await js.stream_info(name)
    if info.state.last_seq <= after_seq:
        return {}
    sub = await js.pull_subscribe(info.config.subjects[0], stream=name, config=ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=after_seq + 1,
        ack_policy=AckPolicy.NONE))
    seen, want = 0, info.state.last_seq - after_seq
    while seen < want:
        for m in await sub.fetch(500, timeout=5):
            size = len(m.data) + len(m.subject) + sum(len(k) + len(v) for k, v in
                                                      (m.headers or {}).items())
            s = by[m.subject]
            s["n"] += 1
            s["payload_bytes"] += len(m.data)
            s["max_bytes"] = max(s["max_bytes"], size)
            seen += 1
    await sub.unsubscribe()
    return dict(by)


async def order_statuses(client: httpx.AsyncClient, ids: list[str], key: str) -> dict[str, str]:
    out = {}
    for order_id in ids:
        r = await client.get(f"/api/v1/orders/{order_id}",
                             headers={"Authorization": f"Bearer {key}"})
        out[order_id] = r.json().get("status", "?") if r.status_code == 200 else str(r.status_code)
    return out


async def quiet(js, seconds: float = 5.0, limit: float = 120.0) -> None:
    """Until no stream has grown for `seconds` (the platform has settled)."""
    last, since, deadline = None, time.monotonic(), time.monotonic() + limit
    while time.monotonic() < deadline:
        now = {k: v["last_seq"] for k, v in (await stream_figures(js)).items()}
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        await asyncio.sleep(0.5)


async def lifecycle(settings, n_orders: int, timeout_s: float) -> dict:
    from demo.factories import seed

    await seed(settings)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    await quiet(js)
    streams0, schemas0 = await stream_figures(js), schema_figures(settings.database_url)
    secret = settings.webhook_secrets["dovetail"]
    ids: list[str] = []
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{settings.gateway_port}",
                                 timeout=30) as client:
        for _ in range(n_orders):
            payload = order_payload(f"VOL-{uuid.uuid4().hex[:12]}")
            payload["promised_date"] = "2027-01-31"
            body = json.dumps(payload).encode()
            r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
            r.raise_for_status()
            ids.append(r.json()["order_id"])
        statuses: dict[str, str] = {}
        while time.monotonic() - started < timeout_s:
            statuses = await order_statuses(client, ids, settings.admin_key)
            counts: dict[str, int] = defaultdict(int)
            for s in statuses.values():
                counts[s] += 1
            print(f"  {time.monotonic() - started:5.0f} s  {dict(counts)}", file=sys.stderr,
                  flush=True)
            if counts.get("DELIVERED", 0) == len(ids):
                break
            await asyncio.sleep(5)
    await quiet(js)
    streams1, schemas1 = await stream_figures(js), schema_figures(settings.database_url)
    subjects = {name: await subjects_after(js, name, streams0.get(name, {}).get("last_seq", 0))
                for name in streams1}
    await nc.close()
    delivered = sum(1 for s in statuses.values() if s == "DELIVERED")
    return {"orders": n_orders, "delivered": delivered,
            "seconds": round(time.monotonic() - started, 1),
            "streams": {k: {"messages": v["messages"] - streams0.get(k, {}).get("messages", 0),
                            "bytes": v["bytes"] - streams0.get(k, {}).get("bytes", 0),
                            "subjects": subjects[k]} for k, v in streams1.items()},
            "schemas": {k: {"bytes": v["bytes"] - schemas0[k]["bytes"],
                            "events": {t: {"n": f["n"] - schemas0[k]["topics"].get(t, {}).get("n", 0),
                                           "state_bytes": f["state_bytes"] - schemas0[k]["topics"]
                                           .get(t, {}).get("state_bytes", 0)}
                                       for t, f in v["topics"].items()}}
                        for k, v in schemas1.items()},
            "order_ids": ids}


async def telemetry_sizes(settings, machines: int = 1000) -> dict:
    """One second of telemetry per machine, as the simulators publish it, into the stream."""
    current = iot_pb.TelemetryBatch(factory_id="F-GZ-01", machine_id="F-GZ-01-SAW1",
                                    batch_id=uuid.uuid4().hex)
    current.current_samples.add(timestamp_unix_ms=int(time.time() * 1000), amperes=23.417)
    cnc = iot_pb.TelemetryBatch(factory_id="F-GZ-01", machine_id="F-GZ-01-CNC1",
                                batch_id=uuid.uuid4().hex)
    cnc.cnc_states.add(timestamp_unix_ms=int(time.time() * 1000),
                       state=iot_pb.MachineState.Value("MACHINE_STATE_RUNNING"),
                       program="O1000", power_kw=7.5, part_count=1234)
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    before = (await js.stream_info(TELEMETRY_STREAM)).state
    for i in range(machines):
        data = (current if i % 2 else cnc).SerializeToString()
        await nc.publish(f"dovetail.telemetry.F-BENCH-{i // 10:04d}.M-{i:05d}", data)
    await nc.flush()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        after = (await js.stream_info(TELEMETRY_STREAM)).state
        if after.messages - before.messages >= machines:
            break
        await asyncio.sleep(0.2)
    await nc.close()
    return {"current_batch_bytes": current.ByteSize(), "cnc_batch_bytes": cnc.ByteSize(),
            "messages": after.messages - before.messages,
            "stream_bytes": after.bytes - before.bytes,
            "stream_bytes_per_message": (after.bytes - before.bytes) / max(1, after.messages
                                                                             - before.messages)}


async def state_change_size(settings, n: int = 1000) -> dict:
    """A MachineStateChanged as the iot relay publishes it (envelope, Nats-Msg-Id), into a
    stream of its own: its payload and the stream's bytes per message."""
    body = iot_events_pb2.MachineStateChanged(
        machine_id="F-GZ-01-SAW1", factory_id="F-GZ-01",
        machine_type=types_pb2.MachineType.Value("MACHINE_TYPE_PANEL_SAW"),
        from_state=iot_pb.MachineState.Value("MACHINE_STATE_IDLE"),
        to_state=iot_pb.MachineState.Value("MACHINE_STATE_RUNNING"),
        reason="current above the running threshold for 4 s", available=True,
        previous_state_ms=734_000)
    body.at.FromDatetime(datetime.now(UTC))
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    await js.add_stream(name="BENCH_STATE", subjects=["bench.iot.>"])
    for i in range(n):
        data = wrap(service="iot", body=body, aggregate_id=str(uuid.uuid4()), version=i + 1,
                    occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=100_000 + i).SerializeToString()
        await js.publish("bench.iot.machine_state_changed", data,
                         headers={"Nats-Msg-Id": f"iot:{100_000 + i}"})
    st = (await js.stream_info("BENCH_STATE")).state
    await js.delete_stream("BENCH_STATE")
    await nc.close()
    return {"payload_bytes": len(data), "stream_bytes_per_message": st.bytes / st.messages}


# ---- replay -------------------------------------------------------------------------------

def replay_log(settings, order_id: str, n_orders: int) -> dict:
    """Place `n_orders` through the real OrdersApplication, then read its log back."""
    schema = f"replay_{uuid.uuid4().hex[:8]}"
    source = open_application(OrdersApplication, settings, "orders")
    content = source.repository.get(uuid.UUID(order_id)).content
    source.close()
    app = open_application(OrdersApplication, settings, schema)
    t0 = time.perf_counter()
    for start in range(0, n_orders, 500):
        app.place_orders([PlacementRequest("dovetail", f"R-{i}", content,
                                           datetime.now(UTC), "default")
                          for i in range(start, min(n_orders, start + 500))])
    write_s = time.perf_counter() - t0
    total, bytes_, t0 = 0, 0, time.perf_counter()
    position = 1
    while True:
        batch = app.recorder.select_notifications(position, 1000)
        if not batch:
            break
        total += len(batch)
        bytes_ += sum(len(n.state) for n in batch)
        position = batch[-1].id + 1
    read_s = time.perf_counter() - t0
    decoded, t0, position = 0, time.perf_counter(), 1
    while True:
        batch = app.recorder.select_notifications(position, 1000)
        if not batch:
            break
        for n in batch:
            app.mapper.to_domain_event(n)
            decoded += 1
        position = batch[-1].id + 1
    decode_s = time.perf_counter() - t0
    app.close()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return {"events": total, "state_bytes": bytes_, "write_s": round(write_s, 2),
            "read_s": round(read_s, 3), "read_events_per_s": round(total / read_s),
            "read_and_decode_s": round(decode_s, 3),
            "read_and_decode_events_per_s": round(decoded / decode_s)}


async def replay_stream(settings, n: int) -> dict:
    """`n` real messages of the orders stream (copied cyclically) read back by a durable
    pull consumer with explicit acks, 64 at a time as services/kit/consumer.py fetches."""
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    real = []
    sub = await js.pull_subscribe("dovetail.orders.>", stream=stream_name("orders"),
                                  config=ConsumerConfig(
        deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE))
    real = [(m.subject, m.data) for m in await sub.fetch(200, timeout=5)]
    await sub.unsubscribe()
    await js.add_stream(name="BENCH_REPLAY", subjects=["bench.replay.>"])
    futures, t0 = [], time.perf_counter()
    for i in range(n):
        subject, data = real[i % len(real)]
        futures.append(await js.publish_async("bench.replay." + subject.rsplit(".", 1)[-1], data,
                                              headers={"Nats-Msg-Id": f"r:{i}"}))
    await asyncio.gather(*futures)
    publish_s = time.perf_counter() - t0
    st = (await js.stream_info("BENCH_REPLAY")).state
    sub = await js.pull_subscribe("bench.replay.>", durable="replay", stream="BENCH_REPLAY",
                                  config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT,
                                                        max_ack_pending=1000))
    got, t0 = 0, time.perf_counter()
    while got < n:
        msgs = await sub.fetch(64, timeout=5)
        for m in msgs:
            await m.ack()
        got += len(msgs)
    read_s = time.perf_counter() - t0
    await js.delete_stream("BENCH_REPLAY")
    await nc.close()
    return {"messages": n, "stream_bytes": st.bytes, "publish_s": round(publish_s, 2),
            "read_s": round(read_s, 2), "read_messages_per_s": round(n / read_s)}


# ---- arithmetic ---------------------------------------------------------------------------

def gib_up(n: float) -> int:
    return max(1, -(-int(n) // (1 << 30)))


def per_day(measured: dict) -> dict:
    """Per order from the lifecycle run, times the chain's orders per day; stream caps."""
    life = measured["lifecycle"]
    orders = life["delivered"] or 1
    day_orders = CHAIN["open_orders"] / CHAIN["order_to_delivery_days"]
    peak_hour = CHAIN["peak_orders_per_s"] * 3600
    window_d = CHAIN["catch_up_days"]
    ops = life["streams"]["DOVETAIL_SCHEDULING"]["subjects"].get(
        "dovetail.scheduling.operation_started", {}).get("n", 0) / orders
    streams = {}
    for name, f in life["streams"].items():
        if name == TELEMETRY_STREAM:
            continue
        msgs, bytes_ = f["messages"] / orders, f["bytes"] / orders
        streams[name] = {"messages_per_order": round(msgs, 2), "bytes_per_order": round(bytes_),
                         "messages_per_day": round(msgs * day_orders),
                         "bytes_per_day": round(bytes_ * day_orders),
                         "bytes_peak_hour": round(bytes_ * peak_hour),
                         "largest_message": max((x["max_bytes"] for x in f["subjects"].values()),
                                                default=0)}
    # iot: machine-state changes, two per operation run and two per machine per shift.
    sc = measured["state_change"]
    changes = (2 * day_orders * CHAIN["operations"] / CHAIN["open_orders"]
               + 2 * CHAIN["shifts_per_day"] * CHAIN["machines"])
    streams["DOVETAIL_IOT"].update(
        messages_per_day=round(changes), bytes_per_day=round(changes * sc["stream_bytes_per_message"]),
        bytes_peak_hour=0, largest_message=sc["payload_bytes"])
    for f in streams.values():
        f["window_bytes"] = window_d * f["bytes_per_day"] + f["bytes_peak_hour"]
        f["cap_gib"] = gib_up(2 * f["window_bytes"])
    t = measured["telemetry"]
    per_s = CHAIN["machines"] * CHAIN["telemetry_hz"]
    hour = per_s * 3600 * t["stream_bytes_per_message"]
    streams[TELEMETRY_STREAM] = {"messages_per_day": round(per_s * 86_400),
                                 "bytes_per_day": round(24 * hour), "bytes_per_hour": round(hour),
                                 "cap_gib": gib_up(1.2 * hour)}
    schemas = {}
    for name, f in life["schemas"].items():
        plan = {t: e for t, e in f["events"].items() if ":PublishedPlan." in t}
        rest = {t: e for t, e in f["events"].items() if t not in plan}
        events = sum(e["n"] for e in rest.values()) / orders
        state = sum(e["state_bytes"] for e in rest.values()) / orders
        schemas[name] = {"events_per_order": round(events, 2),
                         "event_bytes_per_order": round(state),
                         "schema_bytes_per_order": round(f["bytes"] / orders),
                         "events_per_day": round(events * day_orders),
                         "event_bytes_per_day": round(state * day_orders),
                         "schema_bytes_per_day": round(f["bytes"] / orders * day_orders),
                         "plan_events_in_run": {t: e for t, e in plan.items() if e["n"]}}
    iot_state = changes * measured["state_change"]["payload_bytes"]
    schemas["iot"]["state_change_events_per_day"] = round(changes)
    schemas["iot"]["state_change_bytes_per_day_at_least"] = round(iot_state)
    return {"orders_per_day": day_orders, "peak_hour_orders": peak_hour,
            "operations_per_order_measured": ops, "streams": streams, "schemas": schemas}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--replay", type=int, default=20_000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--speedup", type=float, default=3600)
    args = parser.parse_args()
    measured: dict = {"chain": CHAIN}
    os.environ["DOVETAIL_DEMO_SPEEDUP"] = str(args.speedup)
    with servers() as settings:
        asyncio.run(prepare(settings))
        modules = [f"services.{s}.main" for s in SERVICES] + ["gateway.main"]
        with processes(settings, modules):
            wait_healthy(settings)
            with processes(settings, list(SIMULATORS)):
                measured["lifecycle"] = asyncio.run(lifecycle(settings, args.orders, args.timeout))
            measured["telemetry"] = asyncio.run(telemetry_sizes(settings))
            measured["state_change"] = asyncio.run(state_change_size(settings))
        order_id = measured["lifecycle"]["order_ids"][0]
        measured["replay_log"] = replay_log(settings, order_id, args.replay)
        measured["replay_stream"] = asyncio.run(replay_stream(settings, 2 * args.replay))
    measured["per_day"] = per_day(measured)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "volumes.json"
    out.write_text(json.dumps(measured, indent=2))
    print(json.dumps({k: v for k, v in measured.items() if k != "lifecycle"}, indent=2))
    print(json.dumps({k: v for k, v in measured["lifecycle"].items() if k != "order_ids"},
                     indent=2), file=sys.stderr)
    print(f"written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
