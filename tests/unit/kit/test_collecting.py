"""ServiceApplication.save collects aggregates' events without eventsourcing's Protocol
checks, in the order given, and saves loose events and aggregates alike."""

from __future__ import annotations

import pytest
from eventsourcing.domain import Aggregate, event

from services.kit.persistence import Collecting, ServiceApplication

pytestmark = pytest.mark.unit


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str):
        self.name = name
        self.tricks: list[str] = []

    @event("TrickAdded")
    def add_trick(self, trick: str) -> None:
        self.tricks.append(trick)


class Kennel(ServiceApplication):
    name = "kennel"


def test_save_stores_every_event_of_aggregates_and_loose_events_in_the_order_given():
    app = Kennel(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    rex, fido = Dog("Rex"), Dog("Fido")
    rex.add_trick("roll")
    loose = Dog("Loose").collect_events()[0]
    recordings = app.save(rex, None, loose, fido)
    assert [(r.domain_event.originator_id, type(r.domain_event).__name__) for r in recordings] == [
        (rex.id, "Registered"), (rex.id, "TrickAdded"), (loose.originator_id, "Registered"),
        (fido.id, "Registered")]
    assert app.repository.get(rex.id).tricks == ["roll"]
    assert app.repository.get(loose.originator_id).name == "Loose"
    assert not rex.pending_events


def test_collecting_keeps_the_aggregates_and_what_save_was_given():
    rex = Dog("Rex")
    collected = Collecting()
    collected.collect_events(rex, flag=1)
    assert collected.aggregates == {rex.id: rex}
    assert collected.saved_kwargs == {"flag": 1}
    assert len(collected.events) == 1
