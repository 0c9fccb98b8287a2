"""A factory's assignment feed at chain scale: the whole replay of one factory's current
assignments through scheduling's `SubscribeAssignments`, beside two baselines of the same run.

`python -m load.bench_assignment_feed [--factories 1600] [--assignments 280000] [--seconds 15]
[--concurrency 4]` (alone), or through `load.bench_portal_reads`, which runs it in the same
platform as the order list and KPI reads.

**The feed tables are seeded directly**: ~280,000 current assignments over 1,600 factories are
written with COPY into `scheduling.current_assignments` and `scheduling.assignment_feed` (the
tables `AssignmentFeed.ensure_tables` creates, in the shape its writer leaves them: one ASSIGNED
row per operation and a RESCHEDULED row for about a third of them, each current row carrying its
last feed sequence). No planner made them: planning 50,000 orders is measured by the chain
benchmark; this one measures reading them back. The scheduling service then runs as a process
(nothing for its planner to plan), and the seeded rows are counted again after the reads.

Each read opens `SubscribeAssignments(factory_id, resume_after_sequence=0)` for a random factory
with the admin key, takes messages until it has the factory's whole replay (the count seeded),
and cancels the stream; `--concurrency` readers for `--seconds` per case. Baselines:
  bare gRPC stream  a grpc.aio server in its own process streaming the same number of
                    pre-built messages of the same size (what gRPC and protobuf cost alone);
  raw PostgreSQL    the two queries the feed runs for a replay (the factory's head sequence,
                    its current rows in order) from psycopg, on the same database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import grpc
import psycopg

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as sch_grpc
from load.charts import bar_chart
from load.locust_results import percentile

RESULTS = Path(__file__).parent / "results"
MACHINE_TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
                 "assembly", "packing")
BARE_METHOD = "/dovetail.bench.BareFeed/Replay"
CASE_BARE, CASE_RAW, CASE_FEED = ("bare gRPC stream (baseline)", "raw PostgreSQL (baseline)",
                                  "SubscribeAssignments replay")
# The replay's two queries, as services/scheduling/planning/feed.py runs them.
HEAD_SQL = ("SELECT coalesce(max(sequence), 0) AS head FROM scheduling.assignment_feed"
            " WHERE factory_id = %s")
REPLAY_SQL = ("SELECT sequence, kind, assignment, now() AS changed_at"
              " FROM scheduling.current_assignments WHERE factory_id = %s ORDER BY sequence")


# ---- seeding -----------------------------------------------------------------------------------

def create_feed_tables(database_url: str) -> None:
    """The feed tables exactly as the scheduling service makes them (its own DDL)."""
    from psycopg_pool import AsyncConnectionPool

    from services.kit.persistence import ensure_schema
    from services.scheduling.planning.feed import AssignmentFeed

    async def create() -> None:
        async with AsyncConnectionPool(database_url, min_size=1, max_size=1, open=False) as pool:
            await AssignmentFeed(None, pool, None).ensure_tables()  # type: ignore[arg-type]

    ensure_schema(database_url, "scheduling")
    asyncio.run(create())


def factory_ids(count: int) -> list[str]:
    return [f"CF-{i:04d}" for i in range(1, count + 1)]


def spread(total: int, factories: list[str], rng: random.Random) -> dict[str, int]:
    """``total`` assignments over the factories, unevenly (a busy factory has ~3× a quiet one)."""
    weights = [rng.uniform(0.5, 1.5) for _ in factories]
    scale = total / sum(weights)
    counts = {f: max(1, int(w * scale)) for f, w in zip(factories, weights, strict=True)}
    short = total - sum(counts.values())
    for f in rng.sample(factories, min(abs(short), len(factories))):
        counts[f] += 1 if short > 0 else -1 if counts[f] > 1 else 0
    return counts


def assignment(factory_id: str, n: int, rng: random.Random, plan_id: str, t0_ms: int) -> dict:
    """One operation as the feed writer stores it (the dict `mapping.assignment_pb` reads)."""
    order_n, seq = divmod(n, 6)
    machine_type = MACHINE_TYPES[seq % len(MACHINE_TYPES)]
    start = t0_ms + rng.randint(0, 14 * 86_400) * 1000
    duration = rng.randint(300, 5400)
    promised = date.fromtimestamp(start / 1000 + 10 * 86_400)
    return {"operation_id": f"{factory_id}-O{order_n:05d}-op-{seq + 1:02d}",
            "order_id": f"{factory_id}-O{order_n:05d}", "seq": seq + 1,
            "factory_id": factory_id, "machine_id": f"{factory_id}-{machine_type}-1",
            "machine_type": machine_type, "start_ms": start, "end_ms": start + duration * 1000,
            "duration_s": duration, "setup_s": 120, "setup_key": "particleboard-18",
            "min_wait_after_s": 0, "description": f"{machine_type.replace('_', ' ')} panels",
            "status": "PLANNED", "plan_id": plan_id, "promised_date": promised.isoformat(),
            "risk": rng.choice(("ON_TIME", "ON_TIME", "ON_TIME", "AT_RISK", "LATE"))}


def seed_feed(database_url: str, factories: int, assignments: int, seed: int = 11
              ) -> dict[str, int]:
    """Write the feed tables directly (COPY); the number of current assignments per factory."""
    rng = random.Random(seed)
    counts = spread(assignments, factory_ids(factories), rng)
    plan_id = "00000000-0000-4000-8000-00000000b0a7"
    t0_ms = int((datetime.now(UTC) - timedelta(days=1)).timestamp() * 1000)
    at = datetime.now(UTC)
    create_feed_tables(database_url)
    with psycopg.connect(database_url, autocommit=True) as conn:
        done = 0
        for factory_id, count in counts.items():
            feed_rows, current_rows, sequence = [], [], 0
            for n in range(count):
                a = assignment(factory_id, n, rng, plan_id, t0_ms)
                text = json.dumps(a)
                sequence += 1
                feed_rows.append((factory_id, sequence, a["operation_id"], a["machine_id"],
                                  "ASSIGNED", text, at))
                kind = "ASSIGNED"
                if rng.random() < 0.33:  # moved once since: the current row is the later one
                    sequence += 1
                    kind = "RESCHEDULED"
                    feed_rows.append((factory_id, sequence, a["operation_id"], a["machine_id"],
                                      kind, text, at))
                current_rows.append((a["operation_id"], a["order_id"], factory_id,
                                     a["machine_id"], sequence, kind, text))
            with conn.transaction(), conn.cursor() as cur:
                with cur.copy("COPY scheduling.assignment_feed (factory_id, sequence,"
                              " operation_id, machine_id, kind, assignment, changed_at)"
                              " FROM STDIN") as copy:
                    for row in feed_rows:
                        copy.write_row(row)
                with cur.copy("COPY scheduling.current_assignments (operation_id, order_id,"
                              " factory_id, machine_id, sequence, kind, assignment)"
                              " FROM STDIN") as copy:
                    for row in current_rows:
                        copy.write_row(row)
            done += count
            if done // 40_000 != (done - count) // 40_000:
                print(f"  seeded {done}/{assignments} assignments", file=sys.stderr, flush=True)
        conn.execute("ANALYZE scheduling.assignment_feed")
        conn.execute("ANALYZE scheduling.current_assignments")
    return counts


def seeded_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM scheduling.current_assignments").fetchone()[0]


def sample_message(database_url: str, factory_id: str) -> bytes:
    """One replay message of that factory as the service sends it (for the bare stream)."""
    with psycopg.connect(database_url) as conn:
        a = conn.execute("SELECT assignment FROM scheduling.current_assignments WHERE"
                         " factory_id = %s LIMIT 1", (factory_id,)).fetchone()[0]
    stamp = sch.SubscribeAssignmentsResponse().changed_at
    stamp.GetCurrentTime()
    return sch.SubscribeAssignmentsResponse(
        sequence=1, kind=sch.ASSIGNMENT_CHANGE_KIND_ASSIGNED, changed_at=stamp,
        assignment=sch.Assignment(operation_id=a["operation_id"], order_id=a["order_id"],
                                  seq=a["seq"], factory_id=a["factory_id"],
                                  machine_id=a["machine_id"], duration_seconds=a["duration_s"],
                                  setup_seconds=a["setup_s"], setup_key=a["setup_key"],
                                  description=a["description"], plan_id=a["plan_id"],
                                  status=sch.OPERATION_STATUS_PLANNED)).SerializeToString()


# ---- the bare stream (baseline) -----------------------------------------------------------------

def bare_stream_process(port: int, counts: dict[str, int], message: bytes) -> None:
    """A grpc.aio server streaming ``counts[factory]`` copies of ``message``: no database, no
    mapping, the same bytes on the wire as a replay of that factory."""
    async def replay(request: bytes, context):
        factory_id = sch.SubscribeAssignmentsRequest.FromString(request).factory_id
        for _ in range(counts.get(factory_id, 0)):
            yield message

    async def serve() -> None:
        server = grpc.aio.server()
        handler = grpc.unary_stream_rpc_method_handler(replay)  # bytes in, bytes out
        server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(
            "dovetail.bench.BareFeed", {"Replay": handler})])
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        await server.wait_for_termination()

    asyncio.run(serve())


# ---- reading -----------------------------------------------------------------------------------

async def timed_reads(read, factories: list[str], concurrency: int, seconds: float,
                      warmup_s: float = 2.0) -> dict:
    """``concurrency`` readers calling ``read(factory)`` on random factories for ``seconds``
    (after a warm-up that is not counted): latencies (ms) and failures."""
    samples: list[tuple[float, float]] = []
    failures: list[str] = []
    rng = random.Random(5)
    started = time.perf_counter()
    counted_from = started + warmup_s
    end = counted_from + seconds

    async def reader() -> None:
        while (t := time.perf_counter()) < end:
            try:
                await read(rng.choice(factories))
            except Exception as exc:  # noqa: BLE001 -- counted and shown, never hidden
                failures.append(repr(exc)[:200])
                continue
            done = time.perf_counter()
            if t >= counted_from:
                samples.append((done - counted_from, (done - t) * 1000))

    await asyncio.gather(*(reader() for _ in range(concurrency)))
    latencies = [ms for _, ms in samples]
    return {"reads": len(latencies), "per_s": len(latencies) / seconds,
            "failures": len(failures), "first_failures": failures[:3],
            "p50_ms": percentile(latencies, 0.5), "p95_ms": percentile(latencies, 0.95),
            "p99_ms": percentile(latencies, 0.99),
            "max_ms": max(latencies) if latencies else float("nan")}


async def read_bare(channel: grpc.aio.Channel, counts: dict[str, int], factory_id: str) -> None:
    call = channel.unary_stream(BARE_METHOD)(
        sch.SubscribeAssignmentsRequest(factory_id=factory_id).SerializeToString())
    got = 0
    async for _ in call:
        got += 1
    if got != counts[factory_id]:
        raise RuntimeError(f"bare stream gave {got} of {counts[factory_id]}")


async def read_raw(pool, factory_id: str) -> int:
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        await (await conn.execute(HEAD_SQL, (factory_id,))).fetchone()
        rows = await (await conn.execute(REPLAY_SQL, (factory_id,))).fetchall()
    return len(rows)


async def read_feed(stub, metadata, counts: dict[str, int], factory_id: str) -> None:
    """The factory's whole replay (as many messages as it has current assignments), then the
    stream is cancelled: after the replay it would follow live changes for ever."""
    want = counts[factory_id]
    call = stub.SubscribeAssignments(sch.SubscribeAssignmentsRequest(
        factory_id=factory_id, resume_after_sequence=0), metadata=metadata, timeout=30)
    got = 0
    try:
        async for message in call:
            if message.live:
                raise RuntimeError(f"live before the replay ended ({got} of {want})")
            got += 1
            if got == want:
                return
    finally:
        call.cancel()
    raise RuntimeError(f"the replay ended after {got} of {want}")


async def measure_feed(database_url: str, scheduling_address: str, admin_key: str,
                       counts: dict[str, int], bare_address: str, seconds: float,
                       concurrency: int) -> dict:
    """The three cases, one after another, on the same factories and readers."""
    from psycopg_pool import AsyncConnectionPool

    factories = sorted(counts)
    results: dict = {}
    async with grpc.aio.insecure_channel(bare_address) as channel:
        results[CASE_BARE] = await timed_reads(
            lambda f: read_bare(channel, counts, f), factories, concurrency, seconds)
    async with AsyncConnectionPool(database_url, min_size=concurrency, max_size=concurrency,
                                   open=False) as pool:
        async def raw(f: str) -> None:
            got = await read_raw(pool, f)
            if got != counts[f]:
                raise RuntimeError(f"raw query gave {got} of {counts[f]}")

        results[CASE_RAW] = await timed_reads(raw, factories, concurrency, seconds)
    from services.kit.settings import Settings
    from services.kit.tls import client_channel

    async with client_channel(Settings(), scheduling_address) as channel:
        stub = sch_grpc.SchedulingServiceStub(channel)
        metadata = (("authorization", f"Bearer {admin_key}"),)
        results[CASE_FEED] = await timed_reads(
            lambda f: read_feed(stub, metadata, counts, f), factories, concurrency, seconds)
    return results


def _measure_feed_sync(*args) -> dict:
    return asyncio.run(measure_feed(*args))


def measure_feed_in_child(*args) -> dict:
    """`measure_feed` in a fresh (spawned) process: a parent that ran Locust has gevent's
    monkey-patching in it (importing the locustfile does that), under which grpc.aio hangs."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_measure_feed_sync, *args).result()


def start_bare(counts: dict[str, int], message: bytes, port: int) -> multiprocessing.Process:
    bare = multiprocessing.Process(target=bare_stream_process, args=(port, counts, message),
                                   daemon=True)
    bare.start()
    return bare


def feed_summary(counts: dict[str, int], results: dict) -> dict:
    sizes = sorted(counts.values())
    return {"factories": len(counts), "current_assignments": sum(sizes),
            "per_factory": {"min": sizes[0], "p50": percentile(sizes, 0.5), "max": sizes[-1]},
            "feed_tables_seeded_directly": True, **results}


def report(feed: dict) -> list[str]:
    """Lines comparing the replay with each baseline (p50 / p95 / p99 and the p99 ratio)."""
    lines = [f"{'assignment feed replay':32} {'reads/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
             f"{'p99 ms':>8} {'fail':>5}"]
    for name in (CASE_BARE, CASE_RAW, CASE_FEED):
        r = feed[name]
        lines.append(f"{name:32} {r['per_s']:8.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} "
                     f"{r['p99_ms']:8.1f} {r['failures']:5d}")
    ours = feed[CASE_FEED]
    for name in (CASE_BARE, CASE_RAW):
        base = feed[name]
        lines.append(f"  replay vs {name}: p50 ×{ours['p50_ms'] / base['p50_ms']:.1f}, "
                     f"p95 ×{ours['p95_ms'] / base['p95_ms']:.1f}, "
                     f"p99 ×{ours['p99_ms'] / base['p99_ms']:.1f}")
    lines.append(f"target: p99 ≤ 200 ms for one factory's replay ({feed['factories']} factories,"
                 f" {feed['current_assignments']} current assignments, median"
                 f" {feed['per_factory']['p50']} per factory)")
    return lines


def chart(feed: dict) -> str:
    return bar_chart(
        f"One factory's assignment replay ({feed['current_assignments']} assignments on "
        f"{feed['factories']} factories)",
        {name: {"p50": feed[name]["p50_ms"], "p95": feed[name]["p95_ms"],
                "p99": feed[name]["p99_ms"]} for name in (CASE_BARE, CASE_RAW, CASE_FEED)},
        y_label="ms", guide=200.0)


def main() -> None:
    from infra.servers import free_port
    from load.platform_harness import prepare, processes, servers, wait_healthy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factories", type=int, default=1600)
    parser.add_argument("--assignments", type=int, default=280_000)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with servers() as settings:
        settings = settings.with_(services=("scheduling",))
        asyncio.run(prepare(settings))
        counts = seed_feed(settings.database_url, args.factories, args.assignments)
        bare_port = free_port()
        bare = start_bare(counts, sample_message(settings.database_url, min(counts)), bare_port)
        with processes(settings, ["services.scheduling.main", "gateway.main"]):
            wait_healthy(settings, timeout=120)
            results = asyncio.run(measure_feed(
                settings.database_url, f"127.0.0.1:{settings.service_ports['scheduling']}",
                settings.admin_key, counts, f"127.0.0.1:{bare_port}", args.seconds,
                args.concurrency))
            after = seeded_count(settings.database_url)
        bare.terminate()
    feed = feed_summary(counts, results)
    feed["current_assignments_after"] = after
    print("\n".join(report(feed)))
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    (RESULTS / f"assignment_feed_{stamp}.json").write_text(json.dumps(feed, indent=2))
    (RESULTS / f"assignment_feed_{stamp}.svg").write_text(chart(feed))
    print(f"wrote {RESULTS / f'assignment_feed_{stamp}.json'} and .svg")


if __name__ == "__main__":
    main()
