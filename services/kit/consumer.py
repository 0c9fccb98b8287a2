"""Durable JetStream consumers that apply upstream events exactly once in effect.

Each upstream event is handed to a policy, which loads aggregates and collects the events
it causes; those are saved together with a tracking record (upstream service, notification
id) in one transaction. A redelivered event finds its tracking record and is acked without
effect; a concurrent writer to the same aggregate makes the save fail, and it is retried.
The message is acked only after the commit.

A batched consumer applies a fetched batch in one transaction, one tracking record per
upstream event, as long as no two of its events are about the same upstream aggregate (a
policy loads the aggregates it changes before any of the batch is saved); it falls back to
one event at a time when that transaction fails (a conflict, or a policy's error). Its
``prepare`` (optional) is told a batch's events before their policies run, around them: a
service may read at once what each policy would read alone (one query, not one per event).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError, Tracking
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from dovetail.common.v1.envelope_pb2 import EventEnvelope
from services.kit import metrics
from services.kit.envelope import UndecodableEvent, stream_name, unwrap
from services.kit.errors import DomainError
from services.kit.persistence import Collecting, ServiceApplication

log = logging.getLogger("dovetail.consumer")

# policy(envelope, processing): load aggregates from the application, act, and
# processing.collect_events(*aggregates). Runs in a worker thread; may raise DomainError
# for an event that can never apply (it is then acked and counted as rejected).
Policy = Callable[[EventEnvelope, ProcessingEvent], None]
# prepare(envelopes): a context the policies of a batched run are applied in (same thread).
Prepare = Callable[[list[EventEnvelope]], AbstractContextManager[object]]

MAX_CONFLICT_RETRIES = 20
# The consumer's lag gauge is read from JetStream (a request) at most this often: after every
# fetched batch, at a few events a batch, it was a request per few events.
LAG_EVERY_S = 1.0


class Consumer:
    def __init__(self, *, name: str, app: ServiceApplication, js: JetStreamContext,
                 upstream: str, subjects: list[str], policy: Policy, batch: int = 64,
                 ack_wait_s: float = 30.0, lanes: int = 1, batched: bool = False,
                 prepare: Prepare | None = None):
        self.name = name
        self.app = app
        self.js = js
        self.upstream = upstream
        self.subjects = subjects
        self.policy = policy
        self.batch = batch
        self.ack_wait_s = ack_wait_s
        self.lanes = max(1, lanes)
        self.batched = batched
        self.prepare = prepare
        self.durable = f"{name}-from-{upstream}"

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self._run_once(stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer interrupted; resuming", extra={
                    "consumer": self.durable, "error": repr(exc)})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)

    async def _run_once(self, stop: asyncio.Event) -> None:
        config = ConsumerConfig(
            durable_name=self.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait_s,
            max_ack_pending=1000,
            filter_subjects=self.subjects,
        )
        try:
            await self.js.add_consumer(stream_name(self.upstream), config)
        except Exception as exc:  # noqa: BLE001 - exists with this config already
            log.debug("add_consumer", extra={"error": repr(exc)})
        sub = await self.js.pull_subscribe_bind(self.durable, stream=stream_name(self.upstream))
        lag_read = 0.0
        try:
            while not stop.is_set():
                try:
                    messages = await sub.fetch(self.batch, timeout=1.0)
                except (NatsTimeoutError, TimeoutError):
                    continue
                await self._handle_batch(messages)
                if time.monotonic() - lag_read >= LAG_EVERY_S:
                    lag_read = time.monotonic()
                    with contextlib.suppress(Exception):
                        info = await sub.consumer_info()
                        metrics.CONSUMER_LAG.labels(self.durable).set(info.num_pending or 0)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def _handle_batch(self, messages: list) -> None:
        """One lane: in stream order. Several lanes: the batch split by upstream aggregate,
        each aggregate's events in order in one lane, at most ``lanes`` lanes at a time, and
        the whole batch done before the next is fetched. Events of one aggregate are never
        reordered; events of different aggregates may be applied in any order (a policy
        that needs them in stream order must keep one lane). Each message is acked after its
        own tracking record is committed, so a crash midway redelivers only what was not."""
        if self.batched and len(messages) > 1:
            await self._handle_together(messages)
            return
        if self.lanes == 1 or len(messages) == 1:
            for msg in messages:
                await self._handle(msg)
            return
        by_key: dict[str, list] = {}
        for msg in messages:
            by_key.setdefault(_aggregate_of(msg), []).append(msg)
        gate = asyncio.Semaphore(self.lanes)

        async def lane(group: list) -> None:
            async with gate:
                for msg in group:
                    await self._handle(msg)

        await asyncio.gather(*(lane(group) for group in by_key.values()))

    async def _handle_together(self, messages: list) -> None:
        """Stream order, in runs of events about distinct upstream aggregates, each run
        applied and saved at once (see apply_many); a run that fails is applied again one
        event at a time, so a conflict or a failing event costs only the speed-up."""
        run: list[tuple[Msg, EventEnvelope]] = []
        for msg in messages:
            envelope = await self._decoded(msg)
            if envelope is None:
                continue
            if any(e.aggregate_id == envelope.aggregate_id for _, e in run):
                await self._apply_run(run)
                run = []
            run.append((msg, envelope))
        await self._apply_run(run)

    async def _apply_run(self, run: list[tuple[Msg, EventEnvelope]]) -> None:
        if not run:
            return
        if len(run) > 1:
            try:
                outcomes = await asyncio.to_thread(self.apply_many, [e for _, e in run])
            except Exception as exc:  # noqa: BLE001 - applied one at a time instead
                log.info("batch applied one event at a time", extra={
                    "consumer": self.durable, "events": len(run), "error": repr(exc)})
            else:
                for (msg, envelope), outcome in zip(run, outcomes, strict=True):
                    await msg.ack()  # redelivered after a lost ack: found tracked, acked
                    self._count(envelope, outcome)
                return
        for msg, envelope in run:
            await self._apply_one(msg, envelope)

    async def _decoded(self, msg) -> EventEnvelope | None:
        """The message's envelope; None for a poison message (terminated, counted)."""
        try:
            return unwrap(msg.data)
        except UndecodableEvent as exc:
            log.error("poison message terminated", extra={
                "consumer": self.durable, "subject": msg.subject, "error": str(exc)})
            metrics.CONSUMER_PROCESSED.labels(self.durable, "poison").inc()
            await msg.term()
            return None

    async def _handle(self, msg) -> None:
        envelope = await self._decoded(msg)
        if envelope is not None:
            await self._apply_one(msg, envelope)

    async def _apply_one(self, msg, envelope: EventEnvelope) -> None:
        try:
            outcome = await asyncio.to_thread(self.apply, envelope)
        except Exception as exc:
            log.warning("processing failed; will be redelivered", extra={
                "consumer": self.durable, "event": envelope.type, "error": repr(exc)})
            metrics.CONSUMER_PROCESSED.labels(self.durable, "retry").inc()
            await msg.nak(delay=1.0)
            return
        await msg.ack_sync()
        self._count(envelope, outcome)

    def _count(self, envelope: EventEnvelope, outcome: str) -> None:
        metrics.CONSUMER_PROCESSED.labels(self.durable, outcome).inc()
        delay = time.time() - envelope.occurred_at.ToDatetime().timestamp()
        metrics.CONSUMER_LATENCY.labels(self.durable).observe(max(0.0, delay))

    def apply_many(self, envelopes: list[EventEnvelope]) -> list[str]:
        """Apply upstream events about distinct aggregates and save what they cause with all
        their tracking records in one transaction; say what happened to each. Raises on a
        conflict (IntegrityError), or BatchUnsupported off PostgreSQL: nothing is saved.

        Redelivered events are rare: the batch is first saved as if none were, and only when
        that save is refused are the tracking records looked up, the events already processed
        left out and the rest applied again (a query per batch saved, at a few events a batch
        at 50 orders/s). A tracking record already there refuses the save, so nothing is
        applied twice."""
        try:
            return self._apply_untracked(envelopes, set())
        except IntegrityError:
            tracked = self._tracked(envelopes)
            if not tracked:
                raise  # a conflicting write, not a redelivery
        return self._apply_untracked(envelopes, tracked)

    def _tracked(self, envelopes: list[EventEnvelope]) -> set[tuple[str, int]]:
        tracked: set[tuple[str, int]] = set()
        for source in {e.source for e in envelopes}:
            ids = [e.notification_id for e in envelopes if e.source == source]
            tracked |= {(source, n) for n in self.app.tracked_among(source, ids)}
        return tracked

    def _apply_untracked(self, envelopes: list[EventEnvelope],
                         tracked: set[tuple[str, int]]) -> list[str]:
        """apply_many, ``tracked`` (source, notification id) left out as duplicates."""
        events: list = []
        trackings: list[Tracking] = []
        outcomes: list[str] = []
        aggregates: dict = {}
        fresh = [e for e in envelopes if (e.source, e.notification_id) not in tracked]
        with self.prepare(fresh) if self.prepare and fresh else contextlib.nullcontext():
            for envelope in envelopes:
                if (envelope.source, envelope.notification_id) in tracked:
                    outcomes.append("duplicate")
                    continue
                tracking = Tracking(application_name=envelope.source,
                                    notification_id=envelope.notification_id)
                processing, outcome = self._processed(envelope, tracking)
                events.extend(processing.events)
                aggregates.update(processing.aggregates)
                trackings.append(tracking)
                outcomes.append(outcome)
        if trackings:
            self.app.record_many(events, trackings, aggregates.values())
        return outcomes

    def _processed(self, envelope: EventEnvelope,
                   tracking: Tracking) -> tuple[ProcessingEvent, str]:
        """What the policy makes of ``envelope``: the events it causes, and "applied"; or
        nothing and "refused" when the event can never apply."""
        processing: ProcessingEvent[uuid.UUID] = Collecting(tracking=tracking)
        try:
            self.policy(envelope, processing)
        except DomainError as exc:
            # Can never apply (e.g. refers to an order we do not have): record that we
            # saw it, so it is not retried for ever, and say why.
            log.warning("upstream event refused", extra={
                "consumer": self.durable, "event": envelope.type, "error": str(exc)})
            return Collecting(tracking=tracking), "refused"
        return processing, "applied"

    def apply(self, envelope: EventEnvelope) -> str:
        """Apply one upstream event with its tracking record; say what happened."""
        tracking = Tracking(application_name=envelope.source,
                            notification_id=envelope.notification_id)
        for _ in range(MAX_CONFLICT_RETRIES):
            if self.app.is_tracked(envelope.source, envelope.notification_id):
                return "duplicate"
            processing, outcome = self._processed(envelope, tracking)
            try:
                self.app.record(processing.events, tracking, processing.aggregates.values())
                return outcome
            except IntegrityError:
                continue  # a concurrent write, or another replica processed it: look again
        raise RuntimeError(f"gave up after {MAX_CONFLICT_RETRIES} conflicting writes")


def _aggregate_of(msg) -> str:
    """The upstream aggregate a message is about ("" when it cannot be read: such a message
    is handled, and refused, in the lane of the other unreadable ones)."""
    try:
        return unwrap(msg.data).aggregate_id
    except UndecodableEvent:
        return ""
