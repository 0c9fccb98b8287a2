"""The whole pipeline: signed webhook accepted → OrderScheduled published (or the order
reported as one the network cannot plan now, OrderUnplannable: over capacity, say).

    python -m load.bench_pipeline [--rate 50] [--minutes 10]
    python -m load.bench_pipeline --network chain [--factories 600] [--rate 50] [--minutes 10]

Starts PostgreSQL, NATS, orders, configurator, scheduling, iot and the gateway as processes.
`--network demo` (the default) seeds the 4-factory demo network and posts the canonical
wardrobe; `--network chain` registers a chain of factories and their machines through iot's
gRPC API (load/chain_fleet.py; scheduling learns them from iot's events), starts a telemetry
simulator process that keeps every machine live (load/chain_telemetry.py), prints the capacity
arithmetic of the network against the orders to come, and posts a realistic product mix with
promised dates spread over the planning horizon (load/order_mix.py).

Subscribers on `dovetail.configurator.order_configured` / `configuration_rejected` and
`dovetail.scheduling.order_scheduled` / `order_unplannable` time each stage from the 202
("decided": scheduled, left out by the planner or refused by the configurator, with reasons).
After the run, a reconciliation reads the orders read model and the streams in full: every
accepted order found exactly once (load/reconcile.py). Every process is sampled with psutil
(peak memory, CPU seconds and share of a core: load/proc_stats.py). Beside it, measured in the
same run: one JetStream hop (publish → a durable pull consumer receives) and raw single-row
PostgreSQL commits/s (load/bench_webhooks.py's baseline), the floors under the pipeline's hops.
Writes load/results/pipeline_<time>.json and SVG charts (latency and backlog per stage over
time, CPU per process over time).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig

from dovetail.configurator.v1 import configurator_events_pb2
from dovetail.scheduling.v1 import scheduling_events_pb2
from load.bench_webhooks import percentile, raw_commits
from load.charts import line_chart
from load.platform_harness import prepare, processes, server_processes, wait_healthy
from load.proc_stats import ProcessSampler, table
from load.reconcile import lost_or_doubled, reconcile
from services.kit.envelope import stream_name, unwrap
from tests.helpers import order_payload
from webhook_signature import sign

RESULTS = Path(__file__).parent / "results"
SERVICES = ("orders", "configurator", "scheduling", "iot")
TARGET_SCHEDULED_P95_S = 5.0
# (stage, durable consumer, its stream's service): what each stage still has to take
CONSUMERS = (("configurator", "configurator-from-orders", "orders"),
             ("scheduling", "scheduling-from-configurator", "configurator"),
             ("orders (follows)", "orders-from-scheduling", "scheduling"))


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


def demo_payloads(prefix: str):
    """The canonical webhook wardrobe, one external id each (the demo network's mode)."""
    n = 0
    while True:
        n += 1
        yield order_payload(f"{prefix}-{n:06d}", promised_date="2027-01-31")


class Stages:
    """When each accepted order passed each stage, from the events on NATS."""

    def __init__(self) -> None:
        self.accepted: dict[str, float] = {}  # order id → 202 time
        self.external: dict[str, str] = {}  # external id → order id answered
        self.configured: dict[str, float] = {}
        self.rejected: dict[str, float] = {}
        self.scheduled: dict[str, float] = {}
        self.left_out: dict[str, float] = {}
        self.reasons: dict[str, int] = {}
        # each plan publication: (seen at, its pass began at, trigger, operations moved,
        # late orders, weighted tardiness)
        self.plans: list[tuple[float, float, str, int, int, float]] = []

    async def subscribe(self, nc) -> None:
        async def on_configured(msg):
            body = configurator_events_pb2.OrderConfigured()
            unwrap(msg.data).body.Unpack(body)
            self.configured.setdefault(body.order_id, time.time())

        async def on_rejected(msg):
            body = configurator_events_pb2.ConfigurationRejected()
            unwrap(msg.data).body.Unpack(body)
            if body.order_id not in self.rejected:
                self.rejected[body.order_id] = time.time()
                why = "; ".join(r.message for r in body.reasons)[:120]
                self._count(f"configurator refused: {why}")

        async def on_scheduled(msg):
            body = scheduling_events_pb2.OrderScheduled()
            unwrap(msg.data).body.Unpack(body)
            self.scheduled.setdefault(body.order_id, time.time())

        async def on_unplannable(msg):
            body = scheduling_events_pb2.OrderUnplannable()
            unwrap(msg.data).body.Unpack(body)
            if body.order_id not in self.left_out:
                self.left_out[body.order_id] = time.time()
                self._count(f"planner left out: {body.reason}")

        async def on_plan(msg):
            body = scheduling_events_pb2.SchedulePublished()
            unwrap(msg.data).body.Unpack(body)
            self.plans.append((time.time(), body.published_at.ToMilliseconds() / 1000,
                               body.trigger, len(body.moved_operation_ids), body.late_count,
                               body.objective.weighted_tardiness))

        await nc.subscribe("dovetail.scheduling.schedule_published", cb=on_plan)
        await nc.subscribe("dovetail.configurator.order_configured", cb=on_configured)
        await nc.subscribe("dovetail.configurator.configuration_rejected", cb=on_rejected)
        await nc.subscribe("dovetail.scheduling.order_scheduled", cb=on_scheduled)
        await nc.subscribe("dovetail.scheduling.order_unplannable", cb=on_unplannable)

    def _count(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1

    def decided_at(self, order_id: str) -> float | None:
        times = [d[order_id] for d in (self.scheduled, self.left_out, self.rejected)
                 if order_id in d]
        return min(times) if times else None

    def undecided(self) -> int:
        return sum(1 for o in self.accepted if self.decided_at(o) is None)

    def backlog(self) -> dict[str, int]:
        """Orders accepted and not yet through each stage."""
        through_conf = set(self.configured) | set(self.rejected)
        conf = sum(1 for o in self.accepted if o not in through_conf)
        sched = sum(1 for o in self.configured
                    if o in self.accepted and o not in self.scheduled and o not in self.left_out)
        return {"waiting for configuration": conf, "configured, waiting for a plan": sched}


async def consumer_lag(js) -> dict[str, int]:
    out = {}
    for stage, durable, upstream in CONSUMERS:
        try:
            info = await js.consumer_info(stream_name(upstream), durable)
            out[f"{stage} consumer pending"] = info.num_pending + info.num_ack_pending
        except Exception:  # noqa: BLE001 - not created yet; the sampler goes on
            continue
    return out


async def planning_passes(client: httpx.AsyncClient, url: str) -> dict[str, tuple[int, float]]:
    """The scheduling process's planning passes so far, by kind: (how many, seconds in all),
    published or not (dovetail_scheduling_planning_pass_seconds); empty while it does not
    answer."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        text = (await client.get(url, timeout=2)).text
    except httpx.HTTPError:
        return {}
    out: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != "dovetail_scheduling_planning_pass_seconds":
            continue
        for sample in family.samples:
            kind = sample.labels.get("kind", "")
            if sample.name.endswith("_count"):
                out.setdefault(kind, [0, 0.0])[0] += int(sample.value)
            elif sample.name.endswith("_sum"):
                out.setdefault(kind, [0, 0.0])[1] += sample.value
    return {k: (int(n), round(t, 2)) for k, (n, t) in out.items()}


async def offer(settings, payloads, rate: float, seconds: float, drain_s: float) -> dict:
    """Post ``rate`` orders/s for ``seconds`` and follow them until decided (or ``drain_s``)."""
    stages = Stages()
    watcher = await nats.connect(settings.nats_url)
    await stages.subscribe(watcher)
    js = watcher.jetstream()
    secret = settings.webhook_secrets["dovetail"]
    base = f"http://127.0.0.1:{settings.gateway_port}"
    started = time.time()
    errors: dict[str, int] = {}
    backlog_series: list[tuple[float, dict[str, int]]] = []
    passes_series: list[tuple[float, dict[str, tuple[int, float]]]] = []
    metrics_url = f"http://127.0.0.1:{settings.metrics_ports['scheduling']}/metrics"
    offered = {"n": 0}

    async def post(client, payload):
        body = json.dumps(payload).encode()
        try:
            r = await client.post("/webhooks/dovetail/orders", content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
        except httpx.HTTPError as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        if r.status_code == 202:
            order_id = r.json()["order_id"]
            stages.accepted[order_id] = time.time()
            stages.external[payload["external_id"]] = order_id
        else:
            errors[str(r.status_code)] = errors.get(str(r.status_code), 0) + 1

    async def watch_backlog(stop: asyncio.Event) -> None:
        last_report = 0.0
        async with httpx.AsyncClient() as scraper:
            while not stop.is_set():
                now = time.time()
                point = {"accepted": len(stages.accepted), **stages.backlog(),
                         **await consumer_lag(js)}
                backlog_series.append((now - started, point))
                passes_series.append((now - started, await planning_passes(scraper, metrics_url)))
                if now - last_report >= 10:
                    last_report = now
                    print(f"  {now - started:6.0f} s  offered {offered['n']:6d}  accepted "
                          f"{len(stages.accepted):6d}  configured {len(stages.configured):6d}  "
                          f"scheduled {len(stages.scheduled):6d}  left out {len(stages.left_out):5d}"
                          f"  refused {len(stages.rejected):5d}  undecided {stages.undecided():6d}",
                          file=sys.stderr, flush=True)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2)

    stop = asyncio.Event()
    watcher_task = asyncio.create_task(watch_backlog(stop))
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tasks = set()
        deadline = time.perf_counter() + seconds
        next_at = time.perf_counter()
        while time.perf_counter() < deadline:
            task = asyncio.create_task(post(client, next(payloads)))
            offered["n"] += 1
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            next_at += 1.0 / rate
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        await asyncio.gather(*tasks)
    offered_for = time.time() - started
    drain_deadline = time.time() + drain_s
    while time.time() < drain_deadline and stages.undecided():
        await asyncio.sleep(0.5)
    drained_after = time.time() - started - offered_for
    stop.set()
    await watcher_task
    await watcher.close()
    result = summarise(stages, rate, seconds, offered["n"], errors, offered_for, drained_after,
                       backlog_series)
    result["passes_series"] = passes_series
    return result


def summarise(s: Stages, rate, seconds, offered, errors, offered_for, drained_after,
              backlog_series) -> dict:
    acc = s.accepted
    to_conf = [s.configured[o] - t for o, t in acc.items() if o in s.configured]
    to_sched = [s.scheduled[o] - t for o, t in acc.items() if o in s.scheduled]
    conf_to_sched = [s.scheduled[o] - s.configured[o] for o in acc
                     if o in s.scheduled and o in s.configured]
    decided = {o: d for o in acc if (d := s.decided_at(o)) is not None}
    to_decided = [decided[o] - acc[o] for o in decided]
    left = s.left_out
    return {
        "rate": rate, "seconds": seconds, "offered": offered, "accepted": len(acc),
        "errors": errors, "offered_for_s": round(offered_for, 1),
        "drained_after_s": round(drained_after, 1),
        "configured": len(to_conf), "refused_by_configurator": len(s.rejected),
        "scheduled": len(to_sched), "left_out": len(left),
        "left_out_reasons": dict(sorted(s.reasons.items(), key=lambda kv: -kv[1])),
        "decided": len(to_decided), "undecided": len(acc) - len(decided),
        # scheduled, then left out by a later plan (bumped); left out, then fitted in
        "bumped": sum(1 for o, t in left.items() if o in s.scheduled and s.scheduled[o] < t),
        "bumped_ids": sorted(o for o, t in left.items() if o in s.scheduled and s.scheduled[o] < t),
        "fitted_in_later": sum(1 for o, t in left.items() if o in s.scheduled and s.scheduled[o] > t),
        "placed_to_decided_p50_s": percentile(to_decided, 0.5),
        "placed_to_decided_p95_s": percentile(to_decided, 0.95),
        "placed_to_configured_p50_s": percentile(to_conf, 0.5),
        "placed_to_configured_p95_s": percentile(to_conf, 0.95),
        "configured_to_scheduled_p50_s": percentile(conf_to_sched, 0.5),
        "configured_to_scheduled_p95_s": percentile(conf_to_sched, 0.95),
        "placed_to_scheduled_p50_s": percentile(to_sched, 0.5),
        "placed_to_scheduled_p95_s": percentile(to_sched, 0.95),
        "placed_to_scheduled_max_s": max(to_sched) if to_sched else float("nan"),
        "external_ids": s.external,
        "latency_series": sorted(
            (t, s.configured.get(o, float("nan")) - t, s.scheduled.get(o, float("nan")) - t)
            for o, t in acc.items()),
        "backlog_series": backlog_series,
        "plans_series": s.plans,
    }


# -- the chain network -------------------------------------------------------------------------

def capacity_report(factories, rate: float, seconds: float, mix, horizon_days: int) -> dict:
    """Machine hours the orders to come ask per type against what the network offers over the
    planning horizon and up to the mean promised date."""
    from load.chain_fleet import offered_hours
    from load.order_mix import demand

    d = demand(1000, mix.seed)
    orders = rate * seconds
    planned = orders * d["configured"] / d["sample"]
    asked = {t: planned * m / 60 for t, m in d["minutes_per_order"].items()}
    now = datetime.now(UTC)
    mean_lead = sum(mix.lead_days) / 2
    offered = offered_hours(factories, now, now + timedelta(days=horizon_days))
    by_mean_due = offered_hours(factories, now, now + timedelta(days=mean_lead))
    load = {t: round(asked[t] / offered[t], 3) if offered.get(t) else None for t in asked}
    half = {t: round(asked[t] / 2 / by_mean_due[t], 3) if by_mean_due.get(t) else None
            for t in asked}
    binding = max((t for t in load if load[t] is not None), key=lambda t: load[t])
    return {"orders": int(orders), "expected_configured": int(planned), "demand": d,
            "horizon_days": horizon_days, "promised_in_days": list(mix.lead_days),
            "asked_hours": {t: round(h) for t, h in asked.items()},
            "offered_hours_in_horizon": {t: round(h) for t, h in sorted(offered.items())},
            "load_of_horizon": load, "half_the_orders_by_mean_promise": half,
            "binding_type": binding,
            "factories_for_load_0_85": int(len(factories) * load[binding] / 0.85) + 1}


def print_capacity(c: dict) -> None:
    d = c["demand"]
    print(f"capacity arithmetic: {c['orders']} orders offered; the catalogue refuses "
          f"{100 * (1 - d['configured'] / d['sample']):.1f} % of the mix (sample of {d['sample']}), "
          f"so ~{c['expected_configured']} to plan, {d['operations_per_order']} operations and "
          f"{d['total_minutes_per_order']} machine-minutes each (setups included); promised "
          f"{c['promised_in_days'][0]}-{c['promised_in_days'][1]} days out, "
          f"horizon {c['horizon_days']} days")
    print(f"  {'machine type':<12} {'min/order':>9} {'asked h':>9} {'offered h':>10} "
          f"{'load':>6} {'half by mean promise':>21}")
    for t, h in c["asked_hours"].items():
        print(f"  {t:<12} {d['minutes_per_order'][t]:9.1f} {h:9d} "
              f"{c['offered_hours_in_horizon'].get(t, 0):10d} {c['load_of_horizon'][t]:6.2f} "
              f"{c['half_the_orders_by_mean_promise'][t]:21.2f}")
    print(f"  binding type {c['binding_type']}; offered hours = working minutes × speed × "
          f"capacity share; {c['factories_for_load_0_85']} factories of this mix would run "
          f"the binding type at 0.85")


async def chain_network(settings, factories: int, seed: int) -> tuple[list, dict]:
    from load.chain_fleet import describe, fleet, register, wait_learnt

    network = fleet(factories, seed)
    shape = describe(network)
    print(f"chain network: {shape['factories']} factories, {shape['machines']} machines "
          f"({shape['machines_per_factory'][0]}-{shape['machines_per_factory'][1]} each), "
          f"{shape['with_paint_line']} with a paint line, {shape['two_shift_factories']} on two "
          f"shifts; {', '.join(shape['cities'])}", file=sys.stderr, flush=True)
    registration = await register(settings, network)
    registration["scheduling_caught_up_after_s"] = round(await wait_learnt(settings), 1)
    print(f"  registered in {registration['seconds']} s ({registration['calls_per_s']} calls/s, "
          f"p95 {registration['call_p95_ms']} ms); scheduling caught up "
          f"{registration['scheduling_caught_up_after_s']} s later", file=sys.stderr, flush=True)
    return network, {"shape": shape, "registration": registration}


# -- report ------------------------------------------------------------------------------------

def limiting(rows: list[dict], result: dict) -> dict:
    """The busiest process, and the stage whose backlog was largest when offering stopped."""
    busiest = max(rows, key=lambda r: r["cpu_s"]) if rows else {}
    at_end = [p for t, p in result["backlog_series"] if t <= result["offered_for_s"]]
    backlog = at_end[-1] if at_end else {}
    stage_backlog = {k: v for k, v in backlog.items() if k != "accepted"}
    stage = max(stage_backlog, key=stage_backlog.get) if stage_backlog else ""
    return {"busiest_process": busiest.get("process", ""),
            "busiest_cpu_pct_of_core": busiest.get("cpu_pct_of_core"),
            "largest_backlog_when_offering_stopped": stage,
            "backlog_when_offering_stopped": stage_backlog}


def print_report(result: dict, hop: dict, raw: dict, rows: list[dict], wall: float) -> None:
    r, rec = result, result["reconciliation"]
    print()
    print(f"baselines (same run): one JetStream hop p50 {hop['p50_ms']:.1f} ms, "
          f"p95 {hop['p95_ms']:.1f} ms; raw PostgreSQL single-row commits "
          f"{raw['per_s']:.0f}/s at {raw['connections']} connections (p50 {raw['p50_ms']:.1f} ms, "
          f"p99 {raw['p99_ms']:.1f} ms)")
    print(f"offered {r['offered']} at {r['rate']:g}/s, accepted {r['accepted']}, configured "
          f"{r['configured']}, refused by the configurator {r['refused_by_configurator']}, "
          f"scheduled {r['scheduled']}, left out by the planner {r['left_out']}, undecided "
          f"{r['undecided']} (after {r['drained_after_s']} s of draining), errors {r['errors']}")
    for why, n in list(r["left_out_reasons"].items())[:8]:
        print(f"  {n:6d}  {why}")
    print(f"scheduled then left out by a later plan (bumped): {r['bumped']}; "
          f"left out then fitted in later: {r['fitted_in_later']}")
    print(f"placed → configured:  p50 {r['placed_to_configured_p50_s']:.2f} s, "
          f"p95 {r['placed_to_configured_p95_s']:.2f} s")
    print(f"configured → scheduled: p50 {r['configured_to_scheduled_p50_s']:.2f} s, "
          f"p95 {r['configured_to_scheduled_p95_s']:.2f} s")
    print(f"placed → scheduled:   p50 {r['placed_to_scheduled_p50_s']:.2f} s, "
          f"p95 {r['placed_to_scheduled_p95_s']:.2f} s, max {r['placed_to_scheduled_max_s']:.1f} s "
          f"(target p95 ≤ {TARGET_SCHEDULED_P95_S:g} s)")
    print(f"placed → decided:     p50 {r['placed_to_decided_p50_s']:.2f} s, "
          f"p95 {r['placed_to_decided_p95_s']:.2f} s")
    print(f"reconciliation: {rec['order_placed_events']} OrderPlaced for {rec['accepted']} "
          f"accepted ({rec['accepted_without_order_placed']} missing, "
          f"{rec['external_ids_with_several_order_placed']} external ids twice, "
          f"{rec['order_placed_id_differs_from_answer']} with another id); read model "
          f"{rec['read_model_rows']} rows ({rec['accepted_missing_from_read_model']} missing, "
          f"{rec['read_model_rows_duplicated']} twice) {rec['read_model_status']}; "
          f"OrderScheduled {rec['order_scheduled_events']} events: "
          f"{rec['orders_scheduled_once']} orders once, "
          f"{rec['orders_scheduled_more_than_once']} again after a re-plan "
          f"(at most {rec['order_scheduled_per_order_max']}); unplannable "
          f"{rec['orders_unplannable']}, refused {rec['orders_rejected_by_configurator']}, "
          f"never decided {rec['accepted_never_decided']} → lost or doubled: "
          f"{lost_or_doubled(rec)}")
    print()
    print(table(rows, wall))
    lim = r["limiting"]
    print(f"limiting: busiest process {lim['busiest_process']} "
          f"({lim['busiest_cpu_pct_of_core']} % of a core); largest backlog when offering "
          f"stopped: {lim['largest_backlog_when_offering_stopped']} "
          f"{lim['backlog_when_offering_stopped']}")


def print_profile(p: dict) -> None:
    if "error" in p:
        print(f"profile of {p['process']}: {p['error']}")
        return
    print(f"profile of {p['process']} (py-spy, {p['samples']} samples; {p['stacks_file']}):")
    print("  threads: " + ", ".join(f"{t} {v} %" for t, v in p["threads"]))
    print("  inclusive (on the stack):")
    for f, v in p["inclusive"][:12]:
        print(f"    {v:5.1f} %  {f}")
    print("  self (on top of the stack):")
    for f, v in p["self"][:10]:
        print(f"    {v:5.1f} %  {f}")


def plan_passes(plans: list[tuple[float, float, str, int, int, float]]) -> dict:
    """The plan publications seen: each with when it was seen, how long after its pass
    began (the pass's time, with the relay's), what triggered it, the operations it moved
    and the plan's late orders and weighted tardiness after it; and per trigger, how many
    and how long their passes took."""
    rows = [{"at": round(seen, 1), "pass_s": round(seen - began, 2), "trigger": trigger,
             "moved": moved, "late": late, "weighted_tardiness": tardiness}
            for seen, began, trigger, moved, late, tardiness in sorted(plans)]
    per: dict[str, list[float]] = {}
    for r in rows:
        per.setdefault(r["trigger"], []).append(r["pass_s"])
    return {"publications": rows, "passes_by_trigger": {
        t: {"n": len(v), "p50_s": round(percentile(v, 0.5), 2),
            "p95_s": round(percentile(v, 0.95), 2), "max_s": round(max(v), 2)}
        for t, v in sorted(per.items())}}


def pass_kinds(series: list[tuple[float, dict[str, tuple[int, float]]]]) -> dict:
    """The planning passes by kind at the end of the run (from the process's histogram),
    and when optimisation rounds ran: (seconds into the run, rounds since the last sample)
    for every sample after which there were more."""
    last = series[-1][1] if series else {}
    rounds, before = [], 0
    for t, kinds in series:
        n = kinds.get("optimise", (0, 0.0))[0]
        if n > before:
            rounds.append((round(t), n - before))
        before = max(before, n)
    return {"by_kind": {k: {"n": n, "seconds": t, "mean_s": round(t / n, 2) if n else 0.0}
                        for k, (n, t) in sorted(last.items())},
            "optimise_at_s": rounds}


def write_results(result: dict, args, stamp: str) -> None:
    RESULTS.mkdir(exist_ok=True)
    latency = result.pop("latency_series")
    backlog = result.pop("backlog_series")
    cpu = result.pop("cpu_series")
    result.pop("external_ids")
    base = RESULTS / f"pipeline_{args.network}_{stamp}"
    buckets: dict[int, list[tuple[float, float]]] = {}
    for t, conf, sched in latency:
        buckets.setdefault(int(t // 10) * 10, []).append((conf, sched))

    def pct(values: list[float], q: float) -> float:
        values = [v for v in values if v == v]
        return percentile(values, q) if values else 0.0

    curves = {
        "placed→scheduled p50 s": [(k, pct([s for _, s in v], 0.5)) for k, v in sorted(buckets.items())],
        "placed→scheduled p95 s": [(k, pct([s for _, s in v], 0.95)) for k, v in sorted(buckets.items())],
        "placed→configured p95 s": [(k, pct([c for c, _ in v], 0.95)) for k, v in sorted(buckets.items())],
    }
    # the planner's own stage, by the time the order was configured (a backlog before the
    # planner does not show in it): what a pass holding arrivals delays
    by_conf: dict[int, list[float]] = {}
    for t, conf, sched in latency:
        if conf == conf and sched == sched:
            by_conf.setdefault(int((t + conf) // 10) * 10, []).append(sched - conf)
    curves["configured→scheduled p95 s (by configuration time)"] = [
        (k, pct(v, 0.95)) for k, v in sorted(by_conf.items())]
    result["latency_over_time"] = curves
    result["plans_over_time"] = plan_passes(result.pop("plans_series"))
    result["planning_passes"] = pass_kinds(result.pop("passes_series"))
    for kind, k in result["planning_passes"]["by_kind"].items():
        print(f"planner passes, {kind}: {k['n']}, mean {k['mean_s']} s (published or not)")
    if result["planning_passes"]["optimise_at_s"]:
        print("optimisation rounds (seconds into the run, count): "
              f"{result['planning_passes']['optimise_at_s']}")
    for trigger, t in result["plans_over_time"]["passes_by_trigger"].items():
        print(f"planner passes {trigger}: {t['n']}, p50 {t['p50_s']} s, p95 {t['p95_s']} s, "
              f"max {t['max_s']} s (begun → published seen)")
    Path(f"{base}_latency.svg").write_text(line_chart(
        f"Placed → configured / scheduled, {args.rate:g} orders/s ({args.network} network)",
        curves, x_label="seconds into the run (by acceptance, 10 s buckets)", y_label="seconds"))
    keys = [k for k in dict.fromkeys(k for _, p in backlog for k in p) if k != "accepted"]
    result["backlog_over_time"] = {k: [(round(t, 1), p.get(k, 0)) for t, p in backlog]
                                   for k in keys}
    Path(f"{base}_backlog.svg").write_text(line_chart(
        f"Backlog per stage, {args.rate:g} orders/s ({args.network} network)",
        result["backlog_over_time"], x_label="seconds into the run", y_label="orders / messages"))
    top = sorted(cpu, key=lambda n: -sum(v for _, v in cpu[n]))[:5]
    smooth = {n: [(round(t), sum(v for _, v in cpu[n][max(0, i - 4):i + 1]) / len(cpu[n][max(0, i - 4):i + 1]))
                  for i, (t, _) in enumerate(cpu[n])] for n in top}
    Path(f"{base}_cpu.svg").write_text(line_chart(
        "CPU per process (% of a core, 5 s mean)", smooth, x_label="seconds into the run",
        y_label="% of a core"))
    Path(f"{base}.json").write_text(json.dumps(result, indent=1, default=str))
    print(f"wrote {base}.json and _latency.svg, _backlog.svg, _cpu.svg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=("demo", "chain"), default="demo")
    parser.add_argument("--factories", type=int, default=600)
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--telemetry-interval", type=float, default=10.0,
                        help="seconds between two batches of one machine (chain network)")
    parser.add_argument("--drain-seconds", type=float, default=180)
    parser.add_argument("--raw-connections", type=int, default=16)
    parser.add_argument("--raw-seconds", type=float, default=10)
    parser.add_argument("--profile", metavar="PROCESS", default="",
                        help="py-spy the named process (e.g. scheduling) for the middle of the run")
    args = parser.parse_args()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    prefix = f"PIPE-{stamp}-{uuid.uuid4().hex[:4]}"
    # a machine whose telemetry pauses for three batches is offline, not one late batch
    env = {"DOVETAIL_IOT_OFFLINE_AFTER_S": str(max(10.0, 3 * args.telemetry_interval))}
    from services.scheduling.settings import SchedulerSettings

    horizon_days = SchedulerSettings.from_env().horizon_days
    extra: dict = {"network": args.network}
    with server_processes() as (settings, server_pids):
        settings = settings.with_(services=SERVICES)
        asyncio.run(prepare(settings))
        hop = asyncio.run(jetstream_hop(settings.nats_url))
        raw = asyncio.run(raw_commits(settings.database_url, args.raw_connections, args.raw_seconds))
        raw["connections"] = args.raw_connections
        modules = [f"services.{s}.main" for s in SERVICES] + ["gateway.main"]
        with processes(settings, modules, env) as procs, contextlib.ExitStack() as more:
            wait_healthy(settings, timeout=120)
            sampler = ProcessSampler(interval=1.0)
            for module, p in zip(modules, procs, strict=True):
                sampler.watch(module.removesuffix(".main").removeprefix("services."), p.pid)
            sampler.watch("postgres (all backends)", server_pids["postgres"])
            sampler.watch("nats-server", server_pids["nats-server"], tree=False)
            sampler.watch("load generator (bench)", os.getpid(), tree=False)
            if args.network == "chain":
                from load.chain_fleet import machines_live, wait_learnt
                from load.order_mix import OrderMix

                network, extra["chain"] = asyncio.run(
                    chain_network(settings, args.factories, args.seed))
                telemetry = more.enter_context(processes(settings, [
                    f"load.chain_telemetry --nats-url {settings.nats_url} --factories "
                    f"{args.factories} --seed {args.seed} --interval {args.telemetry_interval}"]))
                sampler.watch("telemetry simulator", telemetry[0].pid)
                time.sleep(2 * args.telemetry_interval)  # every machine reported twice
                extra["chain"]["machine_states_taken_after_s"] = round(
                    2 * args.telemetry_interval + asyncio.run(wait_learnt(settings)), 1)
                extra["chain"]["machine_state_changes"] = asyncio.run(machines_live(settings))
                print(f"  telemetry flowing: {extra['chain']['machine_state_changes']} machine "
                      "state changes taken by scheduling", file=sys.stderr, flush=True)
                mix = OrderMix(seed=args.seed)
                extra["capacity"] = capacity_report(network, args.rate, args.minutes * 60, mix,
                                                    horizon_days)
                print_capacity(extra["capacity"])
                payloads = mix.payloads(prefix)
            else:
                from demo.factories import seed

                asyncio.run(seed(settings))
                payloads = demo_payloads(prefix)
            print(f"pipeline: {args.rate:g} orders/s for {args.minutes:g} min ({args.network} "
                  "network)", file=sys.stderr, flush=True)
            sampler.start()
            wall0 = time.monotonic()
            profile = None
            if args.profile:
                from load.py_spy_profile import Profile

                RESULTS.mkdir(exist_ok=True)
                seconds = args.minutes * 60
                profile = Profile(args.profile, sampler.pids[args.profile], seconds / 3,
                                  min(120.0, seconds / 2),
                                  RESULTS / f"pipeline_{args.network}_{stamp}_{args.profile}.stacks"
                                  ).start()
            result = asyncio.run(offer(settings, payloads, args.rate, args.minutes * 60,
                                       args.drain_seconds))
            rows = sampler.stop()
            if profile is not None:
                try:
                    extra["profile"] = profile.summary()
                except Exception as exc:  # noqa: BLE001 - the run's figures matter more
                    extra["profile"] = {"process": args.profile, "error": repr(exc)}
            wall = time.monotonic() - wall0
            result["reconciliation"] = asyncio.run(
                reconcile(settings, result["external_ids"], prefix))
    result.update(extra)
    result["processes"] = rows
    result["cpu_series"] = sampler.series
    result["limiting"] = limiting(rows, result)
    result["jetstream_hop"] = hop
    result["raw_postgres_commits"] = raw
    print_report(result, hop, raw, rows, wall)
    if "profile" in result:
        print_profile(result["profile"])
    write_results(result, args, stamp)


if __name__ == "__main__":
    main()
