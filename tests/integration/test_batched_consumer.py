"""A batched consumer on real PostgreSQL: a batch of upstream events saved in one transaction
with one tracking record each, nothing saved when any of it conflicts, one at a time after
that; and the kit's recorder writing a transaction too large for psycopg's pipeline mode."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking

from dovetail.orders.v1 import orders_events_pb2
from services.kit.consumer import Consumer
from services.kit.envelope import wrap
from services.kit.errors import InvalidArgument, Violations
from services.kit.persistence import UNPIPELINED_BYTES, ServiceApplication, open_application

pytestmark = pytest.mark.integration


class Note(Aggregate):
    """One upstream order's downstream aggregate."""

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return note_id(order_id)

    @event("Created")
    def __init__(self, order_id: str):
        self.order_id = order_id
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class Notes(ServiceApplication):
    pass


def note_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"note:{order_id}")


def policy_of(app: Notes):
    def policy(envelope, processing) -> None:
        if envelope.aggregate_id.startswith("bad"):
            raise InvalidArgument(Violations.one("order_id", "refused by the test"))
        try:
            note = app.repository.get(note_id(envelope.aggregate_id))
        except AggregateNotFoundError:  # the first event about this order
            note = Note(envelope.aggregate_id)
        note.note(f"seen {envelope.notification_id}")
        processing.collect_events(note)

    return policy


def envelope(order: str, n: int):
    return wrap(service="orders", body=orders_events_pb2.OrderCancelled(order_id=order),
                aggregate_id=order, version=n, occurred_at=datetime.now(UTC), tenant="t",
                notification_id=n)


@dataclass
class Msg:
    data: bytes
    subject: str = "dovetail.orders.cancelled"
    acked: list[str] = field(default_factory=list)

    async def ack(self) -> None:
        self.acked.append("ack")

    async def ack_sync(self) -> None:
        self.acked.append("ack")

    async def nak(self, delay: float = 0) -> None:
        self.acked.append("nak")

    async def term(self) -> None:
        self.acked.append("term")


@pytest.fixture
def app(settings):
    schema = f"batch_{uuid.uuid4().hex[:8]}"
    application = open_application(Notes, settings, schema)
    yield application
    application.close()


def consumer(app: Notes) -> Consumer:
    return Consumer(name="notes", app=app, js=None, upstream="orders", subjects=[],
                    policy=policy_of(app), batched=True)


def tracked(app: Notes, ids) -> set[int]:
    return app.tracked_among("orders", ids)


def test_a_batch_is_saved_with_every_tracking_record_and_redelivery_applies_nothing(app):
    c = consumer(app)
    batch = [envelope(f"order-{i}", i) for i in range(1, 6)] + [envelope("bad-1", 6)]
    assert c.apply_many(batch) == ["applied"] * 5 + ["refused"]
    assert tracked(app, range(1, 8)) == {1, 2, 3, 4, 5, 6}
    assert app.repository.get(note_id("order-3")).notes == ["seen 3"]
    # the same batch again (a lost ack): found tracked, nothing applied twice
    assert c.apply_many(batch) == ["duplicate"] * 6
    assert app.repository.get(note_id("order-3")).notes == ["seen 3"]


def test_a_conflict_saves_nothing_of_the_batch(app):
    c = consumer(app)
    c.apply_many([envelope("order-1", 1)])
    # written meanwhile through another replica: the batch's note of order-1 is stale
    stale = app.repository.get(note_id("order-1"))
    other = app.repository.get(note_id("order-1"))
    other.note("elsewhere")
    app.save(other)
    original = c.policy

    def stale_policy(env, processing):
        if env.aggregate_id == "order-1":
            stale.note(f"seen {env.notification_id}")
            processing.collect_events(stale)
        else:
            original(env, processing)

    c.policy = stale_policy
    with pytest.raises(IntegrityError):
        c.apply_many([envelope("order-2", 2), envelope("order-1", 3)])
    assert tracked(app, [2, 3]) == set()
    with pytest.raises(AggregateNotFoundError):  # order-2's note was not saved either
        app.repository.get(note_id("order-2"))


async def test_batches_split_where_an_aggregate_repeats_and_fall_back_one_at_a_time(app):
    c = consumer(app)
    calls: list[int] = []
    apply_many = c.apply_many

    def counting(envelopes):
        calls.append(len(envelopes))
        return apply_many(envelopes)

    c.apply_many = counting
    messages = [Msg(envelope(o, n).SerializeToString())
                for n, o in enumerate(["a", "b", "c", "a", "d", "e"], start=1)]
    messages.insert(2, Msg(b"not an envelope"))
    await c._handle_batch(messages)
    assert calls == [3, 3]  # a b c | a d e (the poison message terminated, not applied)
    assert [m.acked for m in messages] == [["ack"]] * 2 + [["term"]] + [["ack"]] * 4
    assert app.repository.get(note_id("a")).notes == ["seen 1", "seen 4"]

    def failing(envelopes):
        raise IntegrityError("a conflict")

    c.apply_many = failing  # the run is applied again, one event at a time
    more = [Msg(envelope(o, n).SerializeToString()) for n, o in [(7, "f"), (8, "g")]]
    await c._handle_batch(more)
    assert [m.acked for m in more] == [["ack"], ["ack"]]
    assert tracked(app, [7, 8]) == {7, 8}


def test_a_transaction_too_large_for_pipeline_mode_is_written(app):
    # psycopg 3.3.9's pipelined insert never returns above ~4-8 MB: 12 MB goes unpipelined.
    size = 3 * 1024
    count = 12 * 1024 * 1024 // size
    assert count * size > UNPIPELINED_BYTES
    events = [StoredEvent(uuid.uuid4(), 1, "tests:Big", os.urandom(size)) for _ in range(count)]
    ids = app.recorder.insert_events(events, trackings=[Tracking("orders", 99)])
    assert ids is not None and len(ids) == count
    assert tracked(app, [99]) == {99}
    assert app.recorder.max_notification_id() >= ids[-1]
