"""The relay: a service's recorded events → its JetStream stream, each exactly once.

It reads the notification log after its recorded position, maps each domain event to a
versioned protobuf integration event (or skips it), publishes with
`Nats-Msg-Id = <service>:<notification id>`, awaits every PubAck, then records the
position. The position is recorded at most every `RECORD_EVERY_S` (or after half a batch
of messages), not after every batch: under load that write cost as much as the publish. A
crash re-publishes what was acked but not yet recorded (at most one and a half batches);
the stream drops those as duplicates, and on start the relay also reads the stream's tail
so that re-publishing stays exact after the de-duplication window has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Notification
from google.protobuf.message import Message
from nats.js import JetStreamContext
from psycopg_pool import AsyncConnectionPool

from services.kit import metrics
from services.kit.decoded import decoded
from services.kit.envelope import msg_id, stream_name, subject, wrap
from services.kit.jetstream import publish_acked
from services.kit.log_follower import LogWakeup, follow
from services.kit.persistence import ServiceApplication
from services.kit.positions import read_position, relaxed_commit, write_position

log = logging.getLogger("dovetail.relay")

# (event name for the subject, protobuf body) or None for events that stay inside.
IntegrationMapper = Callable[[object], tuple[str, Message] | None]
RECORD_EVERY_S = 0.2


class RelayReport:
    """What the relay did, into the service's metrics (a relay in a process of its own reports
    through its parent: services/kit/relay_process.py)."""

    def __init__(self, service: str):
        self.service = service

    def batch(self, position: int, published: int, lags: Sequence[float]) -> None:
        """A batch acknowledged up to `position`: `published` messages, the lag of each new
        one (record → PubAck, seconds; duplicates have none)."""
        if published:
            metrics.RELAY_PUBLISHED.labels(self.service).inc(published)
        histogram = metrics.RELAY_LAG.labels(self.service)
        for lag in lags:
            histogram.observe(lag)
        metrics.RELAY_POSITION.labels(self.service).set(position)


@dataclass
class Outgoing:
    notification_id: int
    subject: str
    payload: bytes
    recorded_at: float


class Relay:
    def __init__(self, *, service: str, app: ServiceApplication, js: JetStreamContext,
                 pool: AsyncConnectionPool, wakeup: LogWakeup, to_integration: IntegrationMapper,
                 schema: str, tenant: str, topics: Sequence[str] = (), batch_size: int = 1000,
                 ack_timeout_s: float = 10.0, report: RelayReport | None = None):
        self.service = service
        self.app = app
        self.js = js
        self.pool = pool
        self.wakeup = wakeup
        self.to_integration = to_integration
        # Topics of the domain events that may be published (empty: all are looked at).
        self.topics = list(topics)
        self.schema = schema
        self.tenant = tenant
        self.batch_size = batch_size
        self.ack_timeout_s = ack_timeout_s
        self.report = report or RelayReport(service)
        self.name = f"relay:{service}"
        self.position = 0  # the last notification published and acked
        self.recorded = 0  # the last position written to PostgreSQL
        self.unrecorded = 0  # messages published since
        self._recording = asyncio.Lock()

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set; ride out NATS and PostgreSQL outages."""
        while not stop.is_set():
            try:
                await self._run_once(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("relay interrupted; resuming", extra={"service": self.service,
                                                                  "error": repr(exc)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _run_once(self, stop: asyncio.Event) -> None:
        async with self.pool.connection() as conn:
            self.position = self.recorded = await read_position(conn, self.schema, self.name)
        already_on_stream = await self._ids_on_stream_tail()
        recorder = asyncio.create_task(self._record_periodically())
        try:
            async for batch in follow(self.app, self.wakeup, self.position, self.batch_size,
                                      stop, topics=self.topics):
                outgoing = [o for o in self._encode(batch)
                            if msg_id(self.service, o.notification_id) not in already_on_stream]
                lags = await self._publish(outgoing, stop)
                already_on_stream = set()
                self.position = batch[-1].id
                self.unrecorded += len(outgoing)
                if self.unrecorded >= self.batch_size // 2:
                    await self._record()
                self.report.batch(self.position, len(outgoing), lags)
        finally:
            recorder.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await recorder
            with contextlib.suppress(Exception):  # best effort; a restart re-reads the tail
                await self._record()

    async def _record_periodically(self) -> None:
        while True:
            await asyncio.sleep(RECORD_EVERY_S)
            try:
                await self._record()
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: the next tick retries
                log.warning("recording the relay position failed", extra={
                    "service": self.service, "error": repr(exc)})

    async def _record(self) -> None:
        async with self._recording:
            position = self.position
            if position <= self.recorded:
                return
            async with self.pool.connection() as conn, conn.transaction():
                await relaxed_commit(conn)
                await write_position(conn, self.schema, self.name, position)
            self.recorded, self.unrecorded = position, 0

    def _encode(self, batch: Sequence[Notification]) -> list[Outgoing]:
        out = []
        for notification, domain_event in zip(batch, decoded(self.app)(batch), strict=True):
            if not isinstance(domain_event, DomainEvent):  # aggregate events are: they carry when
                raise TypeError(f"{notification.topic} is not a DomainEvent: no time to publish")
            mapped = self.to_integration(domain_event)
            if mapped is None:
                continue
            name, body = mapped
            envelope = wrap(service=self.service, body=body,
                            aggregate_id=str(domain_event.originator_id),
                            version=domain_event.originator_version,
                            occurred_at=domain_event.timestamp, tenant=self.tenant,
                            notification_id=notification.id)
            out.append(Outgoing(notification.id, subject(self.service, name),
                                envelope.SerializeToString(), domain_event.timestamp.timestamp()))
        return out

    async def _publish(self, outgoing: list[Outgoing], stop: asyncio.Event) -> list[float]:
        """Publish in log order and wait for every ack; retry the whole batch until done.
        Returns the lag (recorded → acknowledged) of each message new to the stream."""
        pending = outgoing
        lags: list[float] = []
        while pending:
            try:
                done = await publish_acked(self.js, (
                    (o.subject, o.payload, {"Nats-Msg-Id": msg_id(self.service, o.notification_id)})
                    for o in pending), self.ack_timeout_s)
            except Exception as exc:  # noqa: BLE001 - NATS down, stalls, the deadline
                log.warning("publish failed; retrying batch", extra={
                    "service": self.service, "pending": len(pending), "error": repr(exc)})
                if stop.is_set():
                    raise asyncio.CancelledError from exc
                await asyncio.sleep(0.5)
                continue
            failed = [o for o, r in zip(pending, done, strict=True) if isinstance(r, BaseException)]
            now = time.time()
            lags += [max(0.0, now - o.recorded_at) for o, r in zip(pending, done, strict=True)
                     if not isinstance(r, BaseException) and not getattr(r, "duplicate", False)]
            if failed:
                log.warning("some publishes failed; retrying them", extra={
                    "service": self.service, "failed": len(failed), "error": repr(
                        next(r for r in done if isinstance(r, BaseException)))})
                await asyncio.sleep(0.5)
                # Re-send the whole batch in order; acknowledged ones are dropped as duplicates.
            pending = pending if failed else []
        return lags

    async def _ids_on_stream_tail(self) -> set[str]:
        """Msg ids of the last messages on our stream (only this relay writes to it)."""
        try:
            info = await self.js.stream_info(stream_name(self.service))
        except Exception:  # noqa: BLE001 - stream missing or NATS down: nothing to skip
            return set()
        last = info.state.last_seq
        # Acked but maybe unrecorded: under half a batch, plus the batch being published.
        first = max(info.state.first_seq, last - self.batch_size - self.batch_size // 2 + 1)
        ids: set[str] = set()
        for seq in range(first, last + 1) if last else ():
            with contextlib.suppress(Exception):
                raw = await self.js.get_msg(stream_name(self.service), seq)
                if raw.headers and "Nats-Msg-Id" in raw.headers:
                    ids.add(raw.headers["Nats-Msg-Id"])
        return ids
