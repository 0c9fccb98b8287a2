"""Plan storage at chain scale (issue 15, part 1): what storing plans as their changes
writes to PostgreSQL over an hour of re-plans, beside storing each plan whole, and how long
rebuilding the current plan from the log takes.

    python -m load.bench_plan_storage [--presets chain-l chain-xl] [--replans 180]
                                      [--time-limit 30] [--replan-limit 2] [--seed 0]

Per preset (load/chain_networks.py: chain-l = 10,000 orders / 330 factories, chain-xl =
50,000 orders / 1,600 factories), on an embedded PostgreSQL of its own and a real
`SchedulingApplication`:

1. the planning pool is seeded: one `PoolOrder` per order (`record_configured`, with a
   routing as configurator sends it), saved 1,000 at a time;
2. the network is solved (`search.plan_network`) from day 2 08:00 and published through
   `app.publish_plan` (rows made by `outcome_of`, exactly as the planner makes them);
3. ``--replans`` re-plans follow (180 = one hour at one every 20 s, the optimise interval),
   alternately after a random machine with work ahead goes down (for 8 h, as
   load/chain_bench.py) and after it comes back up (`search.replan`; the clock moves 20 s a
   re-plan, operations whose planned start has passed are frozen as started); each is
   published as the planner does: only when it places something differently
   (`PlanOutcome.worth_publishing`), with the orders whose place is no news passed as
   ``unchanged`` and the state's factory plans as ``current``;
4. per publication: the bytes of the stored events it wrote (sum of the notifications'
   state: publication, factory revisions, order events), the snapshots it took, the growth
   of the scheduling schema's tables (events, snapshots, tracking, with indexes and TOAST:
   ``pg_total_relation_size``) and the WAL it wrote (``pg_current_wal_insert_lsn``);
5. baseline, in the same run: ONE `PublishedPlan` event holding every operation and order row
   of the same plan, as plans were stored before (encoded with the application's mapper;
   also written to a schema of its own to measure its PostgreSQL growth and WAL): the old
   storage wrote that on every publication;
6. rebuilding: the whole notification log replayed into a fresh `NetworkState` (500 a batch,
   as the planner starts), and every `FactoryPlan` loaded through `app.repository.get`
   (snapshots + later revisions); both must equal the state kept along the way, and after
   every publication that state must hold exactly the published rows: otherwise the
   benchmark fails (exit 1).

Targets: ≤ 1 MB per re-plan moving ≤ 1 % of the operations; rebuild ≤ 60 s at 50,000 orders.
Progress on stderr; a table per preset on stdout; load/results/plan_storage_<time>.json and
.svg (bytes per publication over the run).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from infra.servers import PostgresProcess, free_port
from load.chain_networks import DAY, PRESETS, describe, generate_preset
from load.charts import line_chart
from services.kit.persistence import ensure_schema, postgres_env
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.ids import factory_plan_key, operation_id
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.outcome import left_out_news, left_out_rows, outcome_of
from services.scheduling.domain.plans import PublishedPlan
from services.scheduling.domain.pool import PLANNABLE
from services.scheduling.domain.problem import MINUTE_MS, ProblemIndex, due_ms
from services.scheduling.domain.values import PlanRow, RoutingStep
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver import search
from services.scheduling.solver.decompose import ensure_compiled
from services.scheduling.solver.model import NetworkProblem, Window

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "load" / "results"
ORIGIN_MS = int(datetime(2026, 11, 30, tzinfo=UTC).timestamp() * 1000)  # a Monday: day 0
NOW = DAY + 8 * 60  # day 2, 08:00: the plan is made, then re-planned for an hour
REPLAN_EVERY_MS = 20_000  # the planner's optimise interval
DOWN_MINUTES = 8 * 60  # a machine down is expected back within 8 h (as load/chain_bench.py)
TARGET_BYTES = 1_000_000  # per re-plan moving <= 1 % of the operations
TARGET_REBUILD_S = 60.0  # at 50,000 orders
ORDER_NAMESPACE = uuid.UUID("6f1d0c52-93a4-4b7e-8d3a-51c2e0b7a9f4")
FAMILY = {"band": "edge_band", "paint": "paint_colour"}


def progress(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


# -- the network as the pool holds it ----------------------------------------------------------

def with_order_ids(problem: NetworkProblem, preset: str) -> NetworkProblem:
    """The problem with order ids as the platform has them (UUIDs, 36 characters)."""
    return replace(problem, orders=tuple(
        replace(o, id=str(uuid.uuid5(ORDER_NAMESPACE, f"{preset}:{o.id}"))) for o in problem.orders))


def routing_of(order) -> list[RoutingStep]:
    """The order's routing as configurator sends it (services/scheduling/policies.py
    routing_of): the keys the problem builder and outcome_of read, descriptions in
    configurator's words (services/configurator/domain/order_routing.py)."""
    steps = []
    for seq, op in enumerate(order.operations, start=1):
        family = key = ""
        if op.setup_family:
            kind, key = op.setup_family.split("-", 1)
            family = FAMILY[kind]
        batch = {"panel_saw": "saw:particleboard-18", "edge_bander": f"edge:{key}",
                 "paint_line": f"paint:{key}"}.get(op.machine_type, "")
        steps.append(RoutingStep(
            seq=seq, routing_operation_id=f"{order.id}-op-{seq:02d}",
            machine_type=op.machine_type, duration_s=op.duration * 60, setup_family=family,
            setup_key=key, min_wait_after_s=op.min_wait_after * 60, batch_key=batch,
            description=_description(op.machine_type, op.duration, key)))
    return steps


def _description(machine_type: str, minutes: int, key: str) -> str:
    n = max(1, minutes // 10)
    return {
        "panel_saw": f"cut {n} boards with {n * 14} cuts ({n * 16.8:.1f} m)",
        "edge_bander": f"band {n * 9.5:.1f} m of {key} edge ({n * 6} edges)",
        "cnc_drill": f"drill {n * 2} panels, {n * 24} holes",
        "cnc_router": f"route {n * 3} features",
        "sander": f"sand {n * 1.4:.2f} m² on {n * 2} panels",
        "paint_line": f"lacquer top coat, {n * 1.4:.2f} m² ({key})",
        "assembly": f"assemble {max(1, n // 8)} unit(s)",
        "packing": f"pack {max(1, n // 8)} unit(s)",
    }[machine_type]


def promised_date(due_minute: int) -> str:
    """The day the order's due minute falls on (the promise is a date: due at its end)."""
    return datetime.fromtimestamp((ORIGIN_MS + due_minute * MINUTE_MS - 1) / 1000, UTC).date().isoformat()


# -- PostgreSQL figures ------------------------------------------------------------------------

class Meter:
    """Sizes of a schema's tables (with indexes and TOAST), its snapshots, and the WAL."""

    def __init__(self, url: str):
        self.conn = psycopg.connect(url, autocommit=True)

    def schema_bytes(self, schema: str) -> int:
        return int(self.conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
            "AND c.relkind = 'r'", (schema,)).fetchone()[0])

    def wal(self) -> str:
        return self.conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0]

    def wal_since(self, lsn: str) -> int:
        return int(self.conn.execute("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), %s)",
                                     (lsn,)).fetchone()[0])

    def snapshots(self, schema: str) -> tuple[int, int]:
        row = self.conn.execute(
            f'SELECT count(*), coalesce(sum(octet_length(state)), 0) FROM "{schema}".'
            "scheduling_snapshots").fetchone()
        return int(row[0]), int(row[1])

    @staticmethod
    def snapshot_totals(app: SchedulingApplication) -> tuple[int, int]:
        recorder = app.snapshots.recorder
        with recorder.datastore.get_connection() as conn, conn.cursor() as cur:
            cur.execute(f'SELECT count(*), coalesce(sum(octet_length(state)), 0) FROM '
                        f'"{recorder.datastore.schema}".scheduling_snapshots')
            row = cur.fetchone()
        return int(row["count"]), int(row["coalesce"])

    def close(self) -> None:
        self.conn.close()


def kind_of(topic: str) -> str:
    cls = topic.split(":", 1)[1].split(".", 1)[0]
    return {"PlanPublication": "publication", "FactoryPlan": "factory_revisions",
            "PoolOrder": "order_events"}.get(cls, "other")


class Follower:
    """Keeps a `NetworkState` by reading the application's new notifications, as the
    planner's state follower does; counts the bytes each read brings."""

    def __init__(self, app: SchedulingApplication):
        self.app = app
        self.state = NetworkState()
        self.position = 0

    def read(self) -> dict[str, Any]:
        out = {"publication": 0, "factory_revisions": 0, "order_events": 0, "other": 0}
        counts = dict.fromkeys(out, 0)
        largest = ("", 0)
        while True:
            batch = self.app.recorder.select_notifications(self.position + 1, 500)
            for n in batch:
                kind = kind_of(n.topic)
                out[kind] += len(n.state)
                counts[kind] += 1
                if len(n.state) > largest[1]:
                    largest = (n.topic.split(":", 1)[1], len(n.state))
                self.state.apply(self.app.mapper.to_domain_event(n))
            if batch:
                self.position = batch[-1].id
            if len(batch) < 500:
                break
        out["total"] = sum(out.values())
        return {"bytes": out, "events": counts, "largest_event": list(largest)}


# -- one preset --------------------------------------------------------------------------------

def seed_pool(app: SchedulingApplication, problem: NetworkProblem) -> float:
    t = time.monotonic()
    pending = []
    for i, order in enumerate(problem.orders, 1):
        pending += app.record_configured(order.id, "chain", 1, routing_of(order),
                                         promised_date(order.due))
        if len(pending) >= 1000 or i == len(problem.orders):
            app.save(*pending)
            pending = []
        if i % 10_000 == 0:
            progress(f"pool: {i:,} orders saved")
    return time.monotonic() - t


def index_of(state: NetworkState, problem: NetworkProblem, frozen, now_min: int) -> ProblemIndex:
    """How the problem maps back to the pool (what build_problem records): operation ids,
    routing steps, promises, revisions; started operations (frozen) marked so."""
    index = ProblemIndex(ORIGIN_MS, now_min, problem.horizon)
    for o in problem.orders:
        pool = state.orders[o.id]
        index.op_ids[o.id] = [operation_id(o.id, s.seq) for s in pool.routing]
        index.steps[o.id] = list(pool.routing)
        index.due_ms[o.id] = due_ms(pool.promised_date)
        index.revisions[o.id] = pool.revision
        index.promised[o.id] = pool.promised_date
        for i, op_id in enumerate(index.op_ids[o.id]):
            index.key_of[op_id] = (o.id, i)
    index.started = {q.key for q in frozen}
    return index


def unchanged(state: NetworkState, outcome) -> set[str]:
    """Orders whose place needs nothing recorded (the planner's _unchanged)."""
    out = set()
    for row in outcome.orders:
        order = state.orders.get(row.order_id)
        if (order is not None and order.status == PLANNABLE and order.revision == row.revision
                and not order.is_news(row.factory_id, row.start_ms, row.end_ms, row.risk)):
            out.add(row.order_id)
    return out


def publish(app, follower: Follower, meter: Meter, plan, problem: NetworkProblem, frozen,
            now_ms: int, trigger: str, solve_ms: int, at_risk_ms: int) -> tuple[dict, Any]:
    """Publish ``plan`` as the planner does; what it wrote; the outcome published."""
    state = follower.state
    t = time.monotonic()
    index = index_of(state, problem, frozen, problem.now)
    outcome = outcome_of(plan, problem, index, state.plan_rows, now_ms, at_risk_ms)
    outcome.left_out = left_out_news(left_out_rows(index, dict.fromkeys(dict(plan.left_out), 1)),
                                     state.orders)
    outcome.trigger, outcome.solve_ms, outcome.published_at_ms = trigger, solve_ms, now_ms
    previous = state.publications.get("network")
    outcome.previous_plan_id = str(previous.id) if previous else ""
    convert_s = time.monotonic() - t
    if not outcome.worth_publishing(state.plan_rows, state.orders):
        # as the planner: nothing placed differently, nothing to record
        zero = dict.fromkeys(("publication", "factory_revisions", "order_events", "other"), 0)
        return {"published": False, "operations": len(outcome.operations),
                "orders": len(outcome.orders), "affected_factories": 0,
                "moved_ids_in_publication": 0, "bytes": {**zero, "total": 0},
                "events": zero, "largest_event": ["", 0], "snapshots": 0, "snapshot_bytes": 0,
                "pg_growth_bytes": 0, "wal_bytes": 0, "convert_s": round(convert_s, 3),
                "publish_s": 0.0, "follow_s": 0.0}, outcome
    size0, wal0, snaps0 = meter.schema_bytes("scheduling"), meter.wal(), meter.snapshots("scheduling")
    t = time.monotonic()
    app.publish_plan(outcome, unchanged=unchanged(state, outcome),
                     current=dict(state.factory_plans), partition="network")
    publish_s = time.monotonic() - t
    wal = meter.wal_since(wal0)
    growth = meter.schema_bytes("scheduling") - size0
    snaps = meter.snapshots("scheduling")
    t = time.monotonic()
    wrote = follower.read()
    follow_s = time.monotonic() - t
    mismatch = differences(state.plan_rows, outcome.operations)
    if mismatch:
        raise SystemExit(f"the state kept from the store differs from the published plan: "
                         f"{mismatch}")
    return {"published": True, "operations": len(outcome.operations),
            "orders": len(outcome.orders), "affected_factories": len(outcome.affected_factory_ids),
            "moved_ids_in_publication": len(outcome.moved_operation_ids),
            **wrote, "snapshots": snaps[0] - snaps0[0], "snapshot_bytes": snaps[1] - snaps0[1],
            "pg_growth_bytes": growth, "wal_bytes": wal,
            "convert_s": round(convert_s, 3), "publish_s": round(publish_s, 3),
            "follow_s": round(follow_s, 3)}, outcome


def differences(rows: dict[str, PlanRow], published: list[PlanRow]) -> str:
    if len(rows) != len(published):
        return f"{len(rows)} rows kept, {len(published)} published"
    for r in published:
        if rows.get(r.operation_id) != r:
            return f"operation {r.operation_id}: kept {rows.get(r.operation_id)}, published {r}"
    return ""


def whole_plan_baseline(app, scratch, meter: Meter, outcome) -> dict:
    """ONE `PublishedPlan` event of the same plan (every operation and order row), as the old
    storage wrote it: its stored state, and its PostgreSQL growth and WAL when written."""
    # the rows as plain objects, as that storage wrote them (today's values add a type tag)
    operations, orders = [asdict(r) for r in outcome.operations], [asdict(o) for o in outcome.orders]
    t = time.monotonic()
    plan = PublishedPlan(previous_plan_id=outcome.previous_plan_id,
                         published_at_ms=outcome.published_at_ms, status=outcome.status,
                         objective=asdict(outcome.objective), trigger=outcome.trigger,
                         solve_ms=outcome.solve_ms, operations=operations, orders=orders,
                         moved_operation_ids=outcome.moved_operation_ids,
                         affected_factory_ids=outcome.affected_factory_ids)
    event = plan.collect_events()[0]
    state_bytes = len(app.mapper.to_stored_event(event).state)
    encode_s = time.monotonic() - t
    size0, wal0 = meter.schema_bytes("whole_plans"), meter.wal()
    scratch.save(event)
    return {"event_bytes": state_bytes, "operations": len(outcome.operations),
            "orders": len(outcome.orders), "encode_s": round(encode_s, 3),
            "pg_growth_bytes": meter.schema_bytes("whole_plans") - size0,
            "wal_bytes": meter.wal_since(wal0)}


def rebuild(app: SchedulingApplication, kept: NetworkState) -> dict:
    """The current plan rebuilt from the log (the planner's startup) and from the factory
    plans' snapshots and revisions; both checked against the state kept along the way."""
    fresh = NetworkState()
    t = time.monotonic()
    position, events, state_bytes = 0, 0, 0
    while True:
        batch = app.recorder.select_notifications(position + 1, 500)
        for n in batch:
            fresh.apply(app.mapper.to_domain_event(n))
            state_bytes += len(n.state)
        events += len(batch)
        if batch:
            position = batch[-1].id
        if len(batch) < 500:
            break
    replay_s = time.monotonic() - t
    replay_equal = (fresh.plan_rows == kept.plan_rows
                    and fresh.factory_plans.keys() == kept.factory_plans.keys()
                    and all(fresh.factory_plans[f].operations == p.operations
                            for f, p in kept.factory_plans.items()))
    del fresh
    t = time.monotonic()
    loaded = {f: app.repository.get(factory_plan_key(f)) for f in kept.factory_plans}
    load_s = time.monotonic() - t
    load_equal = all(loaded[f].operations == p.operations and loaded[f].version == p.version
                     for f, p in kept.factory_plans.items())
    # No factory plan reached 50 revisions in an hour (no snapshots were taken): take one of
    # each at its version before the last and load again, snapshot + the revision after it.
    t = time.monotonic()
    for f, p in kept.factory_plans.items():
        if p.version >= 2:
            app.take_snapshot(factory_plan_key(f), version=p.version - 1)
    snapshot_s = time.monotonic() - t
    count, snapshot_bytes = Meter.snapshot_totals(app)
    t = time.monotonic()
    again = {f: app.repository.get(factory_plan_key(f)) for f in kept.factory_plans}
    snapshot_load_s = time.monotonic() - t
    snapshot_equal = all(again[f].operations == p.operations and again[f].version == p.version
                         for f, p in kept.factory_plans.items())
    return {"log_events": events, "log_state_bytes": state_bytes,
            "snapshots_taken": count, "snapshot_bytes_mean": snapshot_bytes // max(1, count),
            "snapshot_seconds": round(snapshot_s, 2),
            "load_from_snapshots_seconds": round(snapshot_load_s, 2),
            "load_from_snapshots_equal": snapshot_equal,
            "replay_seconds": round(replay_s, 2), "replay_equal": replay_equal,
            "factory_plans": len(loaded), "load_seconds": round(load_s, 2),
            "load_equal": load_equal,
            "revisions_per_factory_max": max((p.version for p in kept.factory_plans.values()),
                                             default=0)}


def moved_count(before, after) -> int:
    new = {p.key: (p.machine, p.start) for p in after}
    return sum(1 for p in before if new.get(p.key) != (p.machine, p.start))


def with_down(base: NetworkProblem, down: dict[tuple[str, str], Window]) -> tuple:
    """The base factories with the machines in ``down`` also down."""
    if not down:
        return base.factories
    out = []
    for f in base.factories:
        if any(fid == f.id for fid, _ in down):
            f = replace(f, machines=tuple(
                replace(m, downtime=m.downtime + (down[f.id, m.id],)) if (f.id, m.id) in down
                else m for m in f.machines))
        out.append(f)
    return tuple(out)


def machine_down(base: NetworkProblem, previous, frozen, now_min: int, rng: random.Random,
                 args, refused: list[str]):
    """A random machine with work ahead goes down for DOWN_MINUTES; the re-plan after it.
    A re-plan the solver refuses (InvalidPlanError) is noted and another machine is drawn."""
    ahead = sorted({(p.factory, p.machine) for p in previous if p.start >= now_min})
    for _ in range(5):
        where = ahead[rng.randrange(len(ahead))]
        busy = max((p.end for p in frozen if (p.factory, p.machine) == where), default=0)
        start = max(now_min, busy)
        down = {where: Window(start, start + DOWN_MINUTES)}
        problem = replace(base, factories=with_down(base, down), frozen=frozen,
                          last_plan=tuple(previous), now=now_min)
        t = time.monotonic()
        try:
            plan = search.replan(problem, previous, args.replan_limit, args.workers, args.seed)
        except search.InvalidPlanError as exc:
            refused.append(f"{where[1]} down at minute {now_min}: {exc}")
            progress(f"the solver refused the re-plan after {where[1]} went down: {exc}")
            continue
        return plan, problem, down, f"machine_down:{where[1]}", t
    raise RuntimeError("five machines in a row could not go down: " + "; ".join(refused[-5:]))


def run_preset(name: str, args, home: Path) -> dict:
    out: dict[str, Any] = {"preset": name, "about": PRESETS[name].about, "seed": args.seed}
    t = time.monotonic()
    base = with_order_ids(generate_preset(name, args.seed), name)
    out["shape"] = describe(base)
    n_ops = out["shape"]["operations"]
    progress(f"{name}: {len(base.orders):,} orders, {n_ops:,} operations, "
             f"{len(base.factories):,} factories ({time.monotonic() - t:.1f} s)")
    at_risk_ms = SchedulerSettings().at_risk_ms
    pg = PostgresProcess(home / name / "data", free_port()).start()
    app = scratch = meter = None
    try:
        for schema in ("scheduling", "whole_plans"):
            ensure_schema(pg.url, schema)
        app = SchedulingApplication(env=postgres_env(pg.url, "scheduling"))
        scratch = SchedulingApplication(env=postgres_env(pg.url, "whole_plans", 1))
        meter = Meter(pg.url)
        follower = Follower(app)
        size0, wal0 = meter.schema_bytes("scheduling"), meter.wal()
        seconds = seed_pool(app, base)
        follower.read()
        out["pool"] = {"orders": len(base.orders), "seconds": round(seconds, 1),
                       "pg_growth_bytes": meter.schema_bytes("scheduling") - size0,
                       "wal_bytes": meter.wal_since(wal0)}
        progress(f"pool seeded in {seconds:.1f} s ({out['pool']['pg_growth_bytes'] / 1e6:.1f} MB)")

        ensure_compiled()
        problem = replace(base, now=NOW)
        t = time.monotonic()
        plan = search.plan_network(problem, args.time_limit, args.workers, args.seed)
        solve_s = time.monotonic() - t
        progress(f"plan: {solve_s:.1f} s, {plan.status}, weighted tardiness "
                 f"{plan.objective.weighted_tardiness}, left out {len(plan.left_out)}")
        first, outcome = publish(app, follower, meter, plan, problem, (), ORIGIN_MS + NOW * MINUTE_MS,
                                 "startup", int(solve_s * 1000), at_risk_ms)
        out["first_publication"] = {**first, "solve_s": round(solve_s, 1)}
        progress(f"first publication (whole plan): {first['bytes']['total'] / 1e6:.2f} MB of "
                 f"events, PostgreSQL +{first['pg_growth_bytes'] / 1e6:.2f} MB, WAL "
                 f"{first['wal_bytes'] / 1e6:.2f} MB, publish {first['publish_s']:.1f} s")
        out["baseline_first"] = whole_plan_baseline(app, scratch, meter, outcome)
        progress(f"baseline: one PublishedPlan of the same plan "
                 f"{out['baseline_first']['event_bytes'] / 1e6:.2f} MB")

        rng = random.Random(args.seed)
        previous = list(plan.operations)
        down: dict[tuple[str, str], Window] = {}
        rows: list[dict] = []
        refused: list[str] = []
        hour0, wal_hour0 = meter.schema_bytes("scheduling"), meter.wal()
        for i in range(1, args.replans + 1):
            now_ms = ORIGIN_MS + NOW * MINUTE_MS + i * REPLAN_EVERY_MS
            now_min = math.ceil((now_ms - ORIGIN_MS) / MINUTE_MS)
            frozen = tuple(p for p in previous if p.start < now_min)
            if down:  # the machine down since the last re-plan comes back up
                (where, _), = down.items()
                down = {}
                change = f"machine_up:{where[1]}"
                problem = replace(base, frozen=frozen, last_plan=tuple(previous), now=now_min)
                t = time.monotonic()
                plan = search.replan(problem, previous, args.replan_limit, args.workers, args.seed)
            else:
                plan, problem, down, change, t = machine_down(base, previous, frozen, now_min,
                                                              rng, args, refused)
            solve_s = time.monotonic() - t
            moved = moved_count(previous, plan.operations)
            row, outcome = publish(app, follower, meter, plan, problem, frozen, now_ms, change,
                                   int(solve_s * 1000), at_risk_ms)
            row = {"replan": i, "change": change, "solve_s": round(solve_s, 2), "moved": moved,
                   "moved_pct": round(100 * moved / n_ops, 3), "frozen": len(frozen), **row}
            rows.append(row)
            previous = list(plan.operations)
            progress(f"re-plan {i}/{args.replans} {change}: solve {solve_s:.1f} s, moved {moved} "
                     f"({row['moved_pct']:.2f} %), wrote {row['bytes']['total'] / 1e3:.1f} kB "
                     f"(factories {row['bytes']['factory_revisions'] / 1e3:.1f}, orders "
                     f"{row['bytes']['order_events'] / 1e3:.1f}, publication "
                     f"{row['bytes']['publication'] / 1e3:.1f}), PostgreSQL "
                     f"+{row['pg_growth_bytes'] / 1e3:.0f} kB, WAL {row['wal_bytes'] / 1e3:.0f} kB")
        out["replans"] = rows
        out["replans_refused"] = refused
        out["hour"] = {"replans": len(rows),
                       "event_bytes": sum(r["bytes"]["total"] for r in rows),
                       "snapshot_bytes": sum(r["snapshot_bytes"] for r in rows),
                       "pg_growth_bytes": meter.schema_bytes("scheduling") - hour0,
                       "wal_bytes": meter.wal_since(wal_hour0)}
        if rows:
            out["baseline_last"] = whole_plan_baseline(app, scratch, meter, outcome)
        progress("rebuilding the current plan from the log and from the factory plans")
        out["rebuild"] = rebuild(app, follower.state)
        progress(f"replay of {out['rebuild']['log_events']:,} events: "
                 f"{out['rebuild']['replay_seconds']} s (equal: {out['rebuild']['replay_equal']}); "
                 f"{out['rebuild']['factory_plans']:,} factory plans loaded: "
                 f"{out['rebuild']['load_seconds']} s (equal: {out['rebuild']['load_equal']})")
        out["schema_bytes_end"] = meter.schema_bytes("scheduling")
    finally:
        for closeable in (meter, app, scratch):
            if closeable is not None:
                closeable.close()
        pg.stop()
    return out


# -- report ------------------------------------------------------------------------------------

def summary(r: dict) -> dict:
    rows = r["replans"]
    totals = [x["bytes"]["total"] for x in rows]
    base = r.get("baseline_last", r["baseline_first"])
    s = {"preset": r["preset"], "operations": r["shape"]["operations"]}
    if rows:
        within = [x for x in rows if x["moved_pct"] <= 1.0]
        published = [x["bytes"]["total"] for x in rows if x["published"]]
        s.update({
            "publications": len(published),
            "per_publication_bytes_mean": round(statistics.fmean(published)) if published else 0,
            "per_replan_bytes_mean": round(statistics.fmean(totals)),
            "per_replan_bytes_p50": round(statistics.median(totals)),
            "per_replan_bytes_max": max(totals),
            "per_replan_split_mean": {k: round(statistics.fmean(x["bytes"][k] for x in rows))
                                      for k in ("publication", "factory_revisions", "order_events")},
            "per_replan_snapshot_bytes_mean": round(statistics.fmean(x["snapshot_bytes"] for x in rows)),
            "per_replan_pg_growth_mean": round(statistics.fmean(x["pg_growth_bytes"] for x in rows)),
            "per_replan_wal_mean": round(statistics.fmean(x["wal_bytes"] for x in rows)),
            "moved_pct_p50": statistics.median(x["moved_pct"] for x in rows),
            "moved_pct_max": max(x["moved_pct"] for x in rows),
            "replans_within_1pct": len(within),
            "max_bytes_within_1pct": max((x["bytes"]["total"] for x in within), default=0),
            "baseline_event_bytes": base["event_bytes"],
            "ratio_per_publication": round(base["event_bytes"] / max(1, statistics.fmean(totals)), 1),
            # the old storage wrote the whole plan on every publication (the planner publishes
            # only re-plans that place something differently, with either storage)
            "baseline_hour_event_bytes": base["event_bytes"] * len(published),
            "baseline_hour_pg_growth": base["pg_growth_bytes"] * len(published),
            "baseline_hour_wal": base["wal_bytes"] * len(published),
            "baseline_hour_pg_growth_every_replan": base["pg_growth_bytes"] * len(rows),
        })
        s["target_bytes_pass"] = s["max_bytes_within_1pct"] <= TARGET_BYTES
    s["rebuild_pass"] = (r["rebuild"]["replay_equal"] and r["rebuild"]["load_equal"]
                         and r["rebuild"].get("load_from_snapshots_equal", True)
                         and (r["shape"]["orders"] < 50_000
                              or r["rebuild"]["replay_seconds"] <= TARGET_REBUILD_S))
    return s


def mb(n: float) -> str:
    return f"{n / 1e6:,.2f} MB" if abs(n) >= 1e5 else f"{n / 1e3:,.1f} kB"


def table(r: dict, s: dict) -> str:
    f, b0, rb = r["first_publication"], r["baseline_first"], r["rebuild"]
    lines = [f"\n{r['preset']}: {r['shape']['orders']:,} orders, {r['shape']['operations']:,} "
             f"operations, {r['shape']['factories']:,} factories; {len(r['replans'])} re-plans",
             f"{'what':52} {'ours (as changes)':28} {'baseline (whole plan)':26} ratio",
             f"{'first publication (every operation new)':52} {mb(f['bytes']['total']):28} "
             f"{mb(b0['event_bytes']):26} {b0['event_bytes'] / max(1, f['bytes']['total']):5.2f}",
             f"{'  PostgreSQL growth / WAL':52} {mb(f['pg_growth_bytes']) + ' / ' + mb(f['wal_bytes']):28} "
             f"{mb(b0['pg_growth_bytes']) + ' / ' + mb(b0['wal_bytes']):26}"]
    if r["replans"]:
        h, bl = r["hour"], r["baseline_last"]
        sp = s["per_replan_split_mean"]
        lines += [
            f"{'re-plan: stored events, mean (p50, max)':52} "
            f"{mb(s['per_replan_bytes_mean']) + ' (' + mb(s['per_replan_bytes_p50']) + ', ' + mb(s['per_replan_bytes_max']) + ')':28} "
            f"{mb(bl['event_bytes']):26} {s['ratio_per_publication']:5.0f}",
            f"{'  publications (re-plans that changed a placement)':52} {s['publications']}, "
            f"mean {mb(s['per_publication_bytes_mean'])}",
            f"{'  split: publication / factory revisions / orders':52} "
            f"{mb(sp['publication'])} / {mb(sp['factory_revisions'])} / {mb(sp['order_events'])}",
            f"{'  snapshots taken (mean per re-plan)':52} {mb(s['per_replan_snapshot_bytes_mean'])}",
            f"{'  PostgreSQL growth / WAL, mean':52} "
            f"{mb(s['per_replan_pg_growth_mean']) + ' / ' + mb(s['per_replan_wal_mean']):28} "
            f"{mb(bl['pg_growth_bytes']) + ' / ' + mb(bl['wal_bytes']):26}",
            f"{'  operations moved, p50 / max':52} {s['moved_pct_p50']:.3f} % / {s['moved_pct_max']:.3f} %",
            f"{'the run (' + str(h['replans']) + ' re-plans, ' + str(s['publications']) + ' published): stored events':52} {mb(h['event_bytes']):28} "
            f"{mb(s['baseline_hour_event_bytes']):26} {s['baseline_hour_event_bytes'] / max(1, h['event_bytes']):5.0f}",
            f"{'  PostgreSQL growth over the run':52} {mb(h['pg_growth_bytes']):28} "
            f"{mb(s['baseline_hour_pg_growth']):26} {s['baseline_hour_pg_growth'] / max(1, h['pg_growth_bytes']):5.0f}",
            f"{'  WAL over the run':52} {mb(h['wal_bytes']):28} "
            f"{mb(s['baseline_hour_wal']):26} {s['baseline_hour_wal'] / max(1, h['wal_bytes']):5.0f}",
            f"{'target: ≤ 1 MB per re-plan moving ≤ 1 %':52} "
            f"{'PASS' if s['target_bytes_pass'] else 'FAIL'} (max {mb(s['max_bytes_within_1pct'])}, "
            f"{s['replans_within_1pct']} of {len(r['replans'])} re-plans moved ≤ 1 %)"]
    lines += [
        f"{'rebuild: replay the whole log into a NetworkState':52} "
        f"{rb['replay_seconds']:.1f} s ({rb['log_events']:,} events, {mb(rb['log_state_bytes'])}), "
        f"equal: {rb['replay_equal']}",
        f"{'rebuild: every FactoryPlan via repository.get':52} "
        f"{rb['load_seconds']:.1f} s ({rb['factory_plans']:,} plans, snapshots + revisions), "
        f"equal: {rb['load_equal']}",
        f"{'  again, each from a snapshot + its last revision':52} "
        f"{rb.get('load_from_snapshots_seconds', float('nan')):.1f} s "
        f"({rb.get('snapshots_taken', 0):,} snapshots of {mb(rb.get('snapshot_bytes_mean', 0))} "
        f"on average), equal: {rb.get('load_from_snapshots_equal')}",
        f"{'target: rebuild ≤ 60 s at 50,000 orders':52} "
        + ("PASS" if s["rebuild_pass"] else "FAIL")
        + ("" if r["shape"]["orders"] >= 50_000 else " (equality only: not 50,000 orders)")]
    return "\n".join(lines)


def chart(results: list[dict]) -> str:
    series = {}
    for r in results:
        series[f"{r['preset']} (kB of stored events)"] = [
            (x["replan"], x["bytes"]["total"] / 1e3) for x in r["replans"]]
        series[f"{r['preset']} PostgreSQL growth (kB)"] = [
            (x["replan"], x["pg_growth_bytes"] / 1e3) for x in r["replans"]]
    return line_chart("Plan storage: bytes written per re-plan (one every 20 s)", series,
                      x_label="re-plan", y_label="kB per publication")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench_plan_storage",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["chain-l", "chain-xl"],
                        choices=sorted(PRESETS))
    parser.add_argument("--replans", type=int, default=180)
    parser.add_argument("--time-limit", type=float, default=30.0,
                        help="seconds for the first plan")
    parser.add_argument("--replan-limit", type=float, default=2.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", type=Path, help="print the tables of a results file again "
                        "(summaries recomputed and written back) instead of measuring")
    args = parser.parse_args(argv)
    if args.report:
        data = json.loads(args.report.read_text())
        data["summaries"] = [summary(r) for r in data["presets"]]
        for r, s in zip(data["presets"], data["summaries"], strict=True):
            print(table(r, s))
        args.report.write_text(json.dumps(data, indent=1))
        return 0
    results, summaries = [], []
    started = time.strftime("%Y%m%dT%H%M%S")
    with tempfile.TemporaryDirectory(prefix="dovetail-plan-storage-") as tmp:
        for name in args.presets:
            r = run_preset(name, args, Path(tmp))
            s = summary(r)
            results.append(r)
            summaries.append(s)
            print(table(r, s), flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"plan_storage_{started}.json"
    path.write_text(json.dumps({"args": vars(args), "summaries": summaries, "presets": results},
                               indent=1))
    svg = path.with_suffix(".svg")
    svg.write_text(chart(results))
    print(f"\nwrote {path.relative_to(ROOT)} and {svg.relative_to(ROOT)}")
    failed = [s["preset"] for s in summaries
              if not s["rebuild_pass"] or not s.get("target_bytes_pass", True)]
    if any(not r["rebuild"]["replay_equal"] or not r["rebuild"]["load_equal"]
           or not r["rebuild"]["load_from_snapshots_equal"] for r in results):
        print("FAIL: a rebuilt plan differs from the state kept along the way", file=sys.stderr)
        return 1
    if failed:
        print(f"targets missed: {', '.join(failed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
