"""A delivery's tries: the Standard Webhooks schedule, dead letters, a retry by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.outbound.domain.delivery import Delivery
from services.outbound.domain.errors import StillTrying
from services.outbound.domain.retries import STANDARD_SCHEDULE_S, next_delay, parse_schedule
from services.outbound.domain.values import Attempt, DeliveryStatus

pytestmark = pytest.mark.unit
T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def delivery() -> Delivery:
    return Delivery(target="subscription:x", message_id="m1", kind="webhook",
                    event_type="order.placed", order_id="o1", payload={"body": "{}"},
                    queued_at=T0.isoformat())


def failed(at: datetime, code: int = 503) -> Attempt:
    return Attempt(at=at.isoformat(), delivered=False, status_code=code, error="no")


def test_the_standard_schedule_spans_more_than_a_day_in_eight_tries():
    waits = [next_delay(STANDARD_SCHEDULE_S, n) for n in range(1, 9)]
    assert waits[:3] == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)]
    assert waits[-1] is None
    assert sum((w for w in waits if w), timedelta()) > timedelta(hours=24)


def test_each_failure_waits_its_turn_and_the_last_is_dead_lettered():
    d, at = delivery(), T0
    assert d.due(T0)
    for expected in STANDARD_SCHEDULE_S[1:]:
        d.record(failed(at), STANDARD_SCHEDULE_S)
        assert d.status is DeliveryStatus.PENDING
        due = datetime.fromisoformat(d.due_at)
        assert due == at + timedelta(seconds=expected)
        assert not d.due(due - timedelta(seconds=0.5)) or expected == 0
        at = due
    d.record(failed(at), STANDARD_SCHEDULE_S)
    assert d.status is DeliveryStatus.DEAD and d.tries == len(STANDARD_SCHEDULE_S)
    assert not d.due(at + timedelta(days=30))


def test_a_dead_letter_retried_by_hand_gets_a_fresh_schedule_and_keeps_its_history():
    d = delivery()
    for _ in range(2):
        d.record(failed(T0), (0, 1))
    assert d.status is DeliveryStatus.DEAD
    d.retry((T0 + timedelta(hours=1)).isoformat(), "admin")
    assert d.status is DeliveryStatus.PENDING and d.tries == 0 and len(d.attempts) == 2
    d.record(Attempt(at=T0.isoformat(), delivered=True, status_code=200), (0, 1))
    assert d.status is DeliveryStatus.DELIVERED and len(d.attempts) == 3
    with pytest.raises(StillTrying):
        d.retry(T0.isoformat(), "admin")


def test_a_pending_delivery_cannot_be_retried_by_hand():
    with pytest.raises(StillTrying):
        delivery().retry(T0.isoformat(), "admin")


@pytest.mark.parametrize("text", ["", "a,b", "5,-1", " , "])
def test_a_schedule_that_is_not_delays_is_refused(text):
    with pytest.raises(ValueError):
        parse_schedule(text)
