"""Sends what is due, one try per delivery at a time, and records each try.

Runs as a leader job (one replica at a time). What is due comes from the delivery list; the
aggregate, loaded fresh, has the last word (a row may lag behind it). A try is recorded
against the version it was made from. A process killed mid-try has recorded nothing: the
delivery is still due, and the next leader tries it again with the same webhook-id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime

import httpx
from prometheus_client import Counter, Histogram

from services.outbound.application import OutboundApplication
from services.outbound.domain.delivery import Delivery
from services.outbound.domain.errors import SubscriptionNotFound
from services.outbound.domain.values import Attempt, DeliveryKind, DeliveryStatus
from services.outbound.projections import DeliveryListView
from services.outbound.settings import OutboundSettings
from services.outbound.shops import tell_shop
from services.outbound.webhooks import send_webhook

log = logging.getLogger("dovetail.outbound.dispatcher")
TRIES = Counter("dovetail_outbound_tries_total", "Tries at outbound deliveries",
                ["kind", "outcome"])
TRY_SECONDS = Histogram("dovetail_outbound_try_seconds", "Time a try took, answer included",
                        ["kind"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
                                           10, 30))
QUEUE_DELAY = Histogram("dovetail_outbound_first_try_delay_seconds",
                        "Time from a delivery being queued to its first try",
                        buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


class Dispatcher:
    def __init__(self, app: OutboundApplication, view: DeliveryListView,
                 settings: OutboundSettings):
        self.app = app
        self.view = view
        self.settings = settings
        self.in_flight: set[uuid.UUID] = set()

    async def run(self, stop: asyncio.Event) -> None:
        gate = asyncio.Semaphore(self.settings.concurrency)
        tasks: set[asyncio.Task] = set()
        async with httpx.AsyncClient(timeout=self.settings.request_timeout_s,
                                     follow_redirects=False) as client:
            try:
                while not stop.is_set():
                    try:
                        due = await self.view.due(self.settings.concurrency * 4)
                    except Exception as exc:  # PostgreSQL away: look again shortly
                        log.warning("cannot read the queue", extra={"error": repr(exc)})
                        due = []
                    for delivery_id in due:
                        if delivery_id in self.in_flight:
                            continue
                        self.in_flight.add(delivery_id)
                        task = asyncio.create_task(self._try(client, gate, delivery_id))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), self.settings.poll_s)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _try(self, client: httpx.AsyncClient, gate: asyncio.Semaphore,
                   delivery_id: uuid.UUID) -> None:
        try:
            async with gate:
                delivery = await asyncio.to_thread(self.app.delivery, delivery_id)
                if not delivery.due(datetime.now(UTC)):
                    return
                attempt = await self.send(client, delivery)
                tried = len(delivery.attempts)
                recorded = await asyncio.to_thread(
                    self.app.record_attempt, delivery, attempt, self.settings.retry_schedule_s)
                observe(delivery, attempt, recorded, first=tried == 0)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # recorded nothing: still due, tried again next round
            log.warning("try not recorded", extra={"delivery": str(delivery_id),
                                                   "error": repr(exc)})
        finally:
            self.in_flight.discard(delivery_id)

    async def send(self, client: httpx.AsyncClient, delivery: Delivery) -> Attempt:
        if delivery.kind is DeliveryKind.WEBHOOK:
            kind, _, sid = delivery.target.partition(":")
            try:
                subscription = await asyncio.to_thread(self.app.subscription, uuid.UUID(sid))
            except SubscriptionNotFound:
                return Attempt(at=datetime.now(UTC).isoformat(), delivered=False,
                               error=f"{kind} {sid} does not exist")
            return await send_webhook(client, subscription, delivery)
        channel = delivery.target.partition(":")[2]
        link = await asyncio.to_thread(self.app.shop_link, channel)
        return await tell_shop(client, link, delivery)


def observe(tried: Delivery, attempt: Attempt, recorded: Delivery | None, first: bool) -> None:
    kind = tried.kind.value
    outcome = ("delivered" if attempt.delivered else
               "dead" if recorded is not None and recorded.status is DeliveryStatus.DEAD
               else "failed")
    TRIES.labels(kind, outcome).inc()
    TRY_SECONDS.labels(kind).observe(attempt.duration_ms / 1000)
    if first:
        QUEUE_DELAY.observe(max(0.0, (datetime.fromisoformat(attempt.at)
                                      - datetime.fromisoformat(tried.queued_at)).total_seconds()))
