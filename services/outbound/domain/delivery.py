"""One message owed to one target (a subscription's URL, a shop), and every try at it.

Failed tries are retried on a schedule (retries.py); when none is left the delivery is
dead-lettered, and a person may put it back in line. Its message id (the webhook-id) stays
the same across every try, so a receiver can drop a repeat.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from eventsourcing.domain import Aggregate, event

from services.kit.words import N_, Words
from services.outbound.domain.directory import NAMESPACE
from services.outbound.domain.errors import StillTrying
from services.outbound.domain.retries import next_delay
from services.outbound.domain.values import Attempt, DeliveryKind, DeliveryStatus

MAX_ATTEMPTS_KEPT = 100


class Delivery(Aggregate):
    @staticmethod
    def create_id(target: str, message_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"delivery:{target}:{message_id}")

    @event("Queued")
    def __init__(self, target: str, message_id: str, kind: str, event_type: str,
                 order_id: str, payload: dict[str, str], queued_at: str):
        self.target = target
        self.message_id = message_id
        self.kind = DeliveryKind(kind)
        self.event_type = event_type
        self.order_id = order_id
        self.payload = dict(payload)
        self.queued_at = queued_at
        self.due_at = queued_at
        self.status = DeliveryStatus.PENDING
        self.attempts: list[Attempt] = []
        # Tries since it was queued or last put back in line by hand.
        self.tries = 0

    def due(self, now: datetime) -> bool:
        return self.status is DeliveryStatus.PENDING and datetime.fromisoformat(self.due_at) <= now

    def record(self, attempt: Attempt, schedule_s: tuple[float, ...]) -> None:
        """A try's outcome: delivered, due again after the schedule's next delay, or dead."""
        if attempt.delivered:
            self._delivered(attempt)
            return
        delay = next_delay(schedule_s, self.tries + 1)
        if delay is None:
            self._dead_lettered(attempt)
        else:
            self._failed(attempt, (datetime.fromisoformat(attempt.at) + delay).isoformat())

    @event("Delivered")
    def _delivered(self, attempt: Attempt) -> None:
        self._tried(attempt)
        self.status = DeliveryStatus.DELIVERED

    @event("Failed")
    def _failed(self, attempt: Attempt, due_at: str) -> None:
        self._tried(attempt)
        self.due_at = due_at

    @event("DeadLettered")
    def _dead_lettered(self, attempt: Attempt) -> None:
        self._tried(attempt)
        self.status = DeliveryStatus.DEAD

    def _tried(self, attempt: Attempt) -> None:
        self.tries += 1
        self.attempts = [*self.attempts, attempt][-MAX_ATTEMPTS_KEPT:]

    def retry(self, at: str, by: str) -> None:
        """Put a dead-lettered delivery back in line, due now, with a fresh schedule."""
        if self.status is not DeliveryStatus.DEAD:
            raise StillTrying(Words.of(N_("delivery %(id)s is %(status)s; only a dead-lettered "
                                          "delivery can be retried"),
                id=self.id, status=self.status.said))
        self._requeued(at, by)

    @event("Requeued")
    def _requeued(self, at: str, by: str) -> None:
        self.status = DeliveryStatus.PENDING
        self.due_at = at
        self.tries = 0
