"""Reconciliation after faults: what the shops were told, what the event stores hold, what is
on JetStream and how far every follower got must all agree.

- every accepted webhook is exactly one order (`one_order_per_webhook`, `placed_once`);
- every recorded event a relay publishes is on its stream exactly once, under
  `Nats-Msg-Id = <service>:<notification id>` (`Ledger.unrelayed`);
- every configured order is planned or left out with a reason (`Ledger.order_statuses`,
  `left_out_of_plan`);
- nothing is stuck: durable consumers have nothing pending, relays, projections and the
  gateway's read model have caught up (`Ledger.lagging`).

Each check returns what is still wrong (empty when reconciled), so a test can wait for the
platform to settle with `eventually` and then show exactly what never did.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections import Counter
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import nats
import psycopg

from dovetail.configurator.v1 import configurator_events_pb2
from dovetail.orders.v1 import orders_events_pb2
from services.kit.envelope import msg_id, stream_name
from services.kit.persistence import ServiceApplication, open_application
from services.kit.settings import Settings
from tests.helpers import eventually, stream_envelopes

# service → (its application class, its relay's mapper), as the composition roots wire them.
RELAYED = {
    "orders": ("services.orders.application:OrdersApplication",
               "services.orders.published:to_integration"),
    "configurator": ("services.configurator.application:ConfiguratorApplication",
                     "services.configurator.published:to_integration"),
    "scheduling": ("services.scheduling.application:SchedulingApplication",
                   "services.scheduling.published:to_integration"),
    "delivery": ("services.delivery.application:DeliveryApplication",
                 "services.delivery.published:to_integration"),
    "iot": ("services.iot.application:IotApplication", "services.iot.published:to_integration"),
}
# Order statuses at or past "planned".
PLANNED = {"SCHEDULED", "IN_PRODUCTION", "PRODUCED", "SHIPPED", "DELIVERED"}


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def one_order_per_webhook(accepted: dict[str, set[str]]) -> dict[str, str]:
    """external id → the one order id every answer for it named."""
    doubled = {e: ids for e, ids in accepted.items() if len(ids) != 1}
    assert not doubled, f"shop orders answered with more than one order: {doubled}"
    return {e: next(iter(ids)) for e, ids in accepted.items()}


async def placements(nats_url: str, external_ids: Iterable[str]) -> dict[str, Counter]:
    """external id → how many OrderPlaced events on the stream name each order id for it."""
    by_external: dict[str, Counter] = {e: Counter() for e in external_ids}
    for _, envelope in await stream_envelopes(nats_url, "orders", "dovetail.orders.placed"):
        body = orders_events_pb2.OrderPlaced()
        envelope.body.Unpack(body)
        if body.external_id in by_external:
            by_external[body.external_id][body.order_id] += 1
    return by_external


async def placed_once(nats_url: str, orders: dict[str, str]) -> list[str]:
    """What is wrong with the OrderPlaced events of these orders (external id → order id):
    each must be on the stream once, and no other order may claim one of the external ids."""
    by_external = await placements(nats_url, orders)
    problems = []
    for external_id, order_id in orders.items():
        seen = by_external[external_id]
        if seen != Counter({order_id: 1}):
            problems.append(f"{external_id}: accepted as {order_id}, placed on the stream as "
                            f"{dict(seen) or 'nothing'}")
    return problems


async def configured_at_most_once(nats_url: str, order_ids: Iterable[str]) -> list[str]:
    """Orders the configurator configured (or rejected) more than once for one revision."""
    wanted = set(order_ids)
    seen: Counter = Counter()
    for _, envelope in await stream_envelopes(nats_url, "configurator"):
        if envelope.type == configurator_events_pb2.OrderConfigured.DESCRIPTOR.full_name:
            body = configurator_events_pb2.OrderConfigured()
        elif envelope.type == configurator_events_pb2.ConfigurationRejected.DESCRIPTOR.full_name:
            body = configurator_events_pb2.ConfigurationRejected()
        else:
            continue
        envelope.body.Unpack(body)
        if body.order_id in wanted:
            seen[(body.order_id, body.order_version)] += 1
    return [f"{order} revision {rev} configured {n} times"
            for (order, rev), n in seen.items() if n > 1]


def left_out_of_plan(scheduling_log: Path) -> dict[str, str]:
    """order id → the reason the planner logged for leaving it out of the plan."""
    reasons: dict[str, str] = {}
    if not scheduling_log.exists():
        return reasons
    for line in scheduling_log.read_text(errors="replace").splitlines():
        if "left out of the plan" not in line:
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("order") and record.get("reason"):
            reasons[record["order"]] = record["reason"]
    return reasons


@dataclass
class _Log:
    """One service's notification log as its relay sees it, read incrementally."""

    service: str
    app: ServiceApplication
    to_integration: Callable[[object], object]
    scanned: int = 0
    # Nats-Msg-Id → aggregate id, of every notification the relay publishes.
    relayed: dict[str, str] = field(default_factory=dict)
    last_relayed: int = 0

    def scan(self) -> None:
        while True:
            batch = self.app.recorder.select_notifications(self.scanned + 1, 1000)
            if not batch:
                return
            for n in batch:
                event = self.app.mapper.to_domain_event(n)
                if self.to_integration(event) is not None:
                    self.relayed[msg_id(self.service, n.id)] = str(event.originator_id)
                    self.last_relayed = n.id
            self.scanned = batch[-1].id


class Ledger:
    """The event stores of `services` that relay (outbound publishes nothing), opened
    read-only in this process, against the streams."""

    def __init__(self, settings: Settings, services: Iterable[str]):
        self.settings = settings
        self.services = [s for s in services if s in RELAYED]
        self.logs: dict[str, _Log] = {}

    async def __aenter__(self) -> Ledger:
        for service in self.services:
            cls, mapper = (_load(p) for p in RELAYED[service])
            app = await asyncio.to_thread(open_application, cls, self.settings, service)
            self.logs[service] = _Log(service, app, mapper)
        return self

    async def __aexit__(self, *exc) -> None:
        for log in self.logs.values():
            await asyncio.to_thread(log.app.close)

    async def _scan(self) -> None:
        for log in self.logs.values():
            await asyncio.to_thread(log.scan)

    async def unrelayed(self, aggregates: Collection[str] | None = None) -> list[str]:
        """Recorded events missing from their stream, on it twice, or on it unrecorded.

        `aggregates`: only the events of these aggregates (on servers other tests share,
        whose streams also carry events tests published themselves)."""
        await self._scan()
        problems = []
        for service, log in self.logs.items():
            recorded = {m for m, a in log.relayed.items()
                        if aggregates is None or a in aggregates}
            on_stream: Counter = Counter()
            for headers, envelope in await stream_envelopes(self.settings.nats_url, service):
                if aggregates is not None and envelope.aggregate_id not in aggregates:
                    continue
                mid = headers.get("Nats-Msg-Id", "")
                on_stream[mid] += 1
                if mid != msg_id(envelope.source, envelope.notification_id):
                    problems.append(f"{service}: message {mid!r} carries notification "
                                    f"{envelope.source}:{envelope.notification_id}")
            twice = sorted(m for m, n in on_stream.items() if n > 1)
            missing = sorted(recorded - set(on_stream), key=lambda m: int(m.split(":")[1]))
            unknown = sorted(set(on_stream) - recorded)
            if twice:
                problems.append(f"{service}: on the stream more than once: {twice[:10]}")
            if missing:
                problems.append(f"{service}: {len(missing)} recorded events not on the stream, "
                                f"e.g. {missing[:10]}")
            if unknown:
                problems.append(f"{service}: on the stream but not recorded: {unknown[:10]}")
        return problems

    async def lagging(self) -> list[str]:
        """Followers behind: relay and projection positions, durable consumers, the gateway's
        read model of the orders stream."""
        await self._scan()
        problems = []
        async with await psycopg.AsyncConnection.connect(self.settings.database_url,
                                                         autocommit=True) as conn:
            for service, log in self.logs.items():
                head = log.scanned
                rows = await (await conn.execute(
                    f"SELECT name, position FROM {service}.log_positions")).fetchall()
                positions = dict(rows)
                relay = positions.pop(f"relay:{service}", 0)
                if relay < log.last_relayed:
                    problems.append(f"relay:{service} at {relay} of {log.last_relayed}")
                for name, position in positions.items():
                    if position < head:
                        problems.append(f"{service} {name} at {position} of {head}")
            facts = dict(await (await conn.execute(
                "SELECT stream, seq FROM gateway.stream_positions")).fetchall())
        nc = await nats.connect(self.settings.nats_url)
        try:
            js = nc.jetstream()
            for service in self.logs:
                stream = stream_name(service)
                for info in await js.consumers_info(stream):
                    if not info.config.durable_name:
                        continue  # ephemeral readers (tests, SSE) keep no promise
                    if info.num_pending or info.num_ack_pending or info.num_redelivered:
                        problems.append(
                            f"consumer {info.config.durable_name} on {stream}: "
                            f"{info.num_pending} pending, {info.num_ack_pending} unacked, "
                            f"{info.num_redelivered} redelivered")
            if "orders" in self.logs:
                last = (await js.stream_info(stream_name("orders"))).state.last_seq
                seen = facts.get(stream_name("orders"), 0)
                if seen < last:
                    problems.append(f"gateway read model of DOVETAIL_ORDERS at {seen} of {last}")
        finally:
            await nc.close()
        return problems

    async def order_statuses(self, order_ids: Iterable[str]) -> dict[str, str]:
        """order id → its status, from the orders event store (not a read model)."""
        from services.orders.application import OrdersApplication

        app = self.logs["orders"].app
        assert isinstance(app, OrdersApplication)

        def read() -> dict[str, str]:
            import uuid

            return {oid: app.get_order(uuid.UUID(oid)).status.value for oid in order_ids}

        return await asyncio.to_thread(read)


async def unsettled(check: Callable[[], Awaitable[list[str]]],
                    timeout: float = 120.0) -> list[str]:
    """Wait until `check()` finds nothing wrong; what it still found at `timeout` (or [])."""
    last: list[str] = []

    async def reconciled() -> bool:
        nonlocal last
        last = await check()
        return not last

    try:
        await eventually(reconciled, timeout=timeout, interval=1.0)
    except AssertionError:
        return last
    return []


async def settle(what: str, check: Callable[[], Awaitable[list[str]]],
                 timeout: float = 120.0) -> None:
    """Wait until `check()` finds nothing wrong; fail with what was still wrong."""
    last = await unsettled(check, timeout)
    if last:
        shown = "\n  ".join(last[:20])
        raise AssertionError(f"not reconciled: {what} ({len(last)} problems)\n  {shown}")
