"""The relay and a projection of one application decode each notification once between them
(issue 16, item 1): the second follower takes the event the first decoded."""

from __future__ import annotations

import asyncio

import pytest
from eventsourcing.domain import Aggregate, event

from services.kit.decoded import DecodedEvents
from services.kit.persistence import ServiceApplication
from services.kit.projection import Projector
from services.kit.relay import Relay

pytestmark = pytest.mark.unit


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str):
        self.name = name


class Kennel(ServiceApplication):
    name = "kennel"


class CountingMapper:
    def __init__(self, mapper):
        self.mapper, self.decoded = mapper, []

    def to_domain_event(self, notification):
        self.decoded.append(notification.id)
        return self.mapper.to_domain_event(notification)


def kennel_with_dogs(n: int) -> tuple[Kennel, list]:
    app = Kennel(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    app.save(*[Dog(f"dog {i}") for i in range(n)])
    return app, app.recorder.select_notifications(1, n)


def test_a_notification_is_decoded_once_for_every_caller_while_it_is_kept():
    app, notifications = kennel_with_dogs(5)
    mapper = CountingMapper(app.mapper)
    decode = DecodedEvents(mapper, keep=3)
    first = decode(notifications[:4])
    again = decode(notifications[2:5])
    assert again[:2] == first[2:4] and again[0] is first[2]
    assert mapper.decoded == [1, 2, 3, 4, 5]
    assert [e.name for e in decode(notifications[2:])] == ["dog 2", "dog 3", "dog 4"]
    assert mapper.decoded == [1, 2, 3, 4, 5]
    assert decode(notifications[:1])[0].name == "dog 0"
    assert mapper.decoded == [1, 2, 3, 4, 5, 1]  # the oldest were forgotten (keep=3)


def test_large_events_are_kept_within_a_byte_budget():
    app, notifications = kennel_with_dogs(4)
    mapper = CountingMapper(app.mapper)
    size = len(notifications[0].state)
    decode = DecodedEvents(mapper, keep=100, keep_bytes=2 * size)
    decode(notifications)
    assert decode._bytes <= 2 * size and len(decode._events) == 2
    decode(notifications[2:])
    assert mapper.decoded == [1, 2, 3, 4]  # the last two are kept
    decode(notifications[:1])
    assert mapper.decoded == [1, 2, 3, 4, 1]


class Connection:
    """Enough of a pooled connection for the projector's position and transaction."""

    async def execute(self, *args):
        return self

    async def fetchone(self):
        return None

    def transaction(self):
        return self

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


class Pool:
    def connection(self):
        return Connection()


def test_the_relay_and_a_projection_share_what_either_decoded(monkeypatch):
    app, notifications = kennel_with_dogs(3)
    mapper = CountingMapper(app.mapper)
    app.mapper = mapper
    relay = Relay(
        service="kennel",
        app=app,
        js=None,
        pool=Pool(),
        wakeup=None,
        to_integration=lambda e: None,
        schema="kennel",
        tenant="t",
    )
    relay._encode(notifications)
    assert mapper.decoded == [1, 2, 3]
    stop = asyncio.Event()

    async def one_batch(*args, **kwargs):
        yield notifications
        stop.set()

    applied: list = []

    async def apply(conn, events):
        applied.extend(events)

    monkeypatch.setattr("services.kit.projection.follow", one_batch)
    projector = Projector(
        app=app, pool=Pool(), wakeup=None, schema="kennel", name="dogs", apply=apply
    )
    asyncio.run(projector.run(stop))
    assert [e.name for e in applied] == ["dog 0", "dog 1", "dog 2"]
    assert mapper.decoded == [1, 2, 3]  # the projection decoded none of them again
