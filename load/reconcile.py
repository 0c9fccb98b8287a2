"""After a pipeline run: is every accepted order found exactly once, none lost, none doubled?

Three witnesses, each read in full after the run:
  * the orders service's read model (``orders.order_list``): one row per external id, its status;
  * ``dovetail.orders.placed`` on JetStream: one OrderPlaced per external id, with the same
    order id the webhook answered;
  * scheduling's decisions on JetStream: OrderScheduled / OrderUnplannable per order id
    (a later plan may publish an order's schedule again when it moves it: counted apart from
    orders that are missing).
"""

from __future__ import annotations

from collections import Counter

import nats
import psycopg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from dovetail.configurator.v1 import configurator_events_pb2
from dovetail.orders.v1 import orders_events_pb2
from dovetail.scheduling.v1 import scheduling_events_pb2
from services.kit.envelope import stream_name, unwrap


async def _bodies(js, service: str, subject: str, kind) -> list:
    """Every body of ``kind`` on ``subject``, oldest first (an ephemeral pull consumer)."""
    info = await js.stream_info(stream_name(service), subjects_filter=subject)
    expected = (info.state.subjects or {}).get(subject, 0)
    if not expected:
        return []
    sub = await js.pull_subscribe(subject, stream=stream_name(service), config=ConsumerConfig(
        ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30))
    out = []
    misses = 0
    while len(out) < expected and misses < 5:
        try:
            msgs = await sub.fetch(1000, timeout=2)
        except (nats.errors.TimeoutError, TimeoutError):
            misses += 1
            continue
        for m in msgs:
            body = kind()
            unwrap(m.data).body.Unpack(body)
            out.append(body)
    await sub.unsubscribe()
    return out


async def reconcile(settings, accepted: dict[str, str], prefix: str) -> dict:
    """``accepted`` maps each external id the webhook answered 202 to the order id it gave."""
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        placed = await _bodies(js, "orders", "dovetail.orders.placed",
                               orders_events_pb2.OrderPlaced)
        scheduled = await _bodies(js, "scheduling", "dovetail.scheduling.order_scheduled",
                                  scheduling_events_pb2.OrderScheduled)
        unplannable = await _bodies(js, "scheduling", "dovetail.scheduling.order_unplannable",
                                    scheduling_events_pb2.OrderUnplannable)
        rejected = await _bodies(js, "configurator", "dovetail.configurator.configuration_rejected",
                                 configurator_events_pb2.ConfigurationRejected)
    finally:
        await nc.close()
    async with await psycopg.AsyncConnection.connect(settings.database_url) as conn:
        rows = await (await conn.execute(
            "SELECT external_id, order_id::text, status FROM orders.order_list "
            "WHERE channel = 'dovetail' AND external_id LIKE %s", (prefix + "%",))).fetchall()
    ours = set(accepted.values())
    placed_by_ext = Counter(b.external_id for b in placed if b.external_id.startswith(prefix))
    placed_ids = {b.external_id: b.order_id for b in placed if b.external_id.startswith(prefix)}
    rows_by_ext = Counter(r[0] for r in rows)
    row_ids = {r[0]: r[1] for r in rows}
    sched_per_order = Counter(b.order_id for b in scheduled if b.order_id in ours)
    unplannable_ids = {b.order_id for b in unplannable if b.order_id in ours}
    rejected_ids = {b.order_id for b in rejected if b.order_id in ours}
    decided = set(sched_per_order) | unplannable_ids | rejected_ids
    return {
        "accepted": len(accepted),
        "order_placed_events": sum(placed_by_ext.values()),
        "accepted_without_order_placed": sum(1 for e in accepted if placed_by_ext[e] == 0),
        "external_ids_with_several_order_placed": sum(1 for n in placed_by_ext.values() if n > 1),
        "order_placed_id_differs_from_answer": sum(
            1 for e, o in accepted.items() if e in placed_ids and placed_ids[e] != o),
        "order_placed_not_accepted": sum(1 for e in placed_by_ext if e not in accepted),
        "read_model_rows": len(rows),
        "accepted_missing_from_read_model": sum(1 for e in accepted if rows_by_ext[e] == 0),
        "read_model_rows_duplicated": sum(1 for n in rows_by_ext.values() if n > 1),
        "read_model_id_differs_from_answer": sum(
            1 for e, o in accepted.items() if e in row_ids and row_ids[e] != o),
        "read_model_status": dict(Counter(r[2] for r in rows)),
        "order_scheduled_events": sum(sched_per_order.values()),
        "orders_scheduled_once": sum(1 for n in sched_per_order.values() if n == 1),
        "orders_scheduled_more_than_once": sum(1 for n in sched_per_order.values() if n > 1),
        "order_scheduled_per_order_max": max(sched_per_order.values(), default=0),
        "orders_unplannable": len(unplannable_ids),
        "orders_rejected_by_configurator": len(rejected_ids),
        "accepted_never_decided": len(ours - decided),
        "never_decided_sample": sorted(ours - decided)[:10],
    }


def lost_or_doubled(r: dict) -> int:
    """Orders lost or duplicated between the webhook's answer and the orders service."""
    return (r["accepted_without_order_placed"] + r["external_ids_with_several_order_placed"]
            + r["order_placed_id_differs_from_answer"] + r["accepted_missing_from_read_model"]
            + r["read_model_rows_duplicated"] + r["read_model_id_differs_from_answer"])
