"""The kit's recorder stores events from four plain arrays (issue 16, item 1): the same rows in
the same order with their notification ids, a stale write refused whole, tracking records
kept, on a real PostgreSQL."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError, Tracking

from services.kit.persistence import Recorder, ServiceApplication, ensure_schema, postgres_env

pytestmark = pytest.mark.integration


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str):
        self.name = name

    @event("TrickAdded")
    def add_trick(self, trick: str) -> None:
        self.name += f" ({trick})"


class Kennel(ServiceApplication):
    name = "kennel"


@pytest.fixture
def kennel(settings, monkeypatch):
    schema = f"kennel_{uuid.uuid4().hex[:8]}"
    ensure_schema(settings.database_url, schema)
    inserts: list[str] = []
    original = Recorder._insert_stored_events

    def counted(self, curs, stored_events, **kwargs):
        inserts.append(len(stored_events))
        return original(self, curs, stored_events, **kwargs)

    monkeypatch.setattr(Recorder, "_insert_stored_events", counted)

    def composite(*args, **kwargs):
        raise AssertionError("a stored event adapted as eventsourcing's composite type")

    monkeypatch.setattr(Recorder, "construct_pg_stored_event", composite)
    app = Kennel(env=postgres_env(settings.database_url, schema, 1))
    yield app, schema, inserts
    app.close()
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_events_are_stored_in_order_with_their_notification_ids(kennel, settings):
    app, schema, inserts = kennel
    dogs = [Dog(f"dog {i}") for i in range(5)]
    dogs[0].add_trick("roll")
    recordings = app.save(*dogs)
    assert inserts == [6]
    ids = [r.notification.id for r in recordings]
    assert ids == list(range(ids[0], ids[0] + 6))
    stored = app.recorder.select_notifications(ids[0], 10)
    assert [(n.originator_id, n.originator_version) for n in stored] == [
        (r.domain_event.originator_id, r.domain_event.originator_version) for r in recordings
    ]
    assert app.repository.get(dogs[0].id).name == "dog 0 (roll)"
    assert [app.repository.get(d.id).name for d in dogs[1:]] == [f"dog {i}" for i in range(1, 5)]
    with psycopg.connect(settings.database_url) as conn:
        [(count,)] = conn.execute(f"SELECT count(*) FROM {schema}.kennel_events").fetchall()
    assert count == 6


def test_a_stale_write_is_refused_whole(kennel):
    app, _, _ = kennel
    rex = Dog("Rex")
    app.save(rex)
    stale = app.repository.get(rex.id)
    rex.add_trick("sit")
    app.save(rex)
    stale.add_trick("beg")
    newcomer = Dog("Newcomer")
    with pytest.raises(IntegrityError):
        app.save(stale, newcomer)
    assert app.repository.get(rex.id).name == "Rex (sit)"
    assert not app.recorder.select_events(newcomer.id)


def test_tracking_records_are_saved_with_the_events(kennel):
    app, _, _ = kennel
    dog = Dog("Tracked")
    app.save(dog, trackings=[Tracking("upstream", 7), Tracking("upstream", 8)])
    assert app.recorder.has_tracking_id("upstream", 8)
    assert app.repository.get(dog.id).name == "Tracked"


def test_a_transaction_above_the_pipelined_size_is_stored_the_same_way(kennel):
    app, _, inserts = kennel
    big = [Dog("x" * 700_000), Dog("y" * 700_000)]
    recordings = app.save(*big)
    assert inserts == [2]
    assert [r.notification.id for r in recordings] == [
        recordings[0].notification.id,
        recordings[0].notification.id + 1,
    ]
    assert app.repository.get(big[1].id).name == "y" * 700_000
