"""StoredJSON writes the bytes eventsourcing's library_codec.JSONTranscoder writes and reads what it reads,
for the values our events hold; what it does not handle the same way goes the library's way."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from eventsourcing import persistence as library_codec

from services.kit.persistence import ServiceApplication
from services.kit.stored_values import ValueTree, register_values
from services.kit.transcoder import StoredJSON
from services.kit.words import Words
from tests.unit.kit.test_stored_values import Edge

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Line:
    """Stored as a ValueTree: dates and decimals inside, written by msgspec."""

    product: str
    options: dict
    due: date
    total: Decimal | None


def both() -> tuple[library_codec.JSONTranscoder, StoredJSON]:
    made = []
    for t in (library_codec.JSONTranscoder(), StoredJSON()):
        for transcoding in (library_codec.UUIDAsHex(), library_codec.DecimalAsStr(), library_codec.DatetimeAsISO()):
            t.register(transcoding)
        register_values(t, {Edge: "test.edge"})
        t.register(ValueTree(Line, "test.line"))
        made.append(t)
    return made[0], made[1]


STATES = [
    {"timestamp": datetime(2026, 12, 6, 9, 30, 1, 5, tzinfo=UTC), "originator_topic": "m:Order",
     "channel": "dovetail", "order_id": uuid.uuid4(), "notes": ("a", "b"), "needs": (),
     "edges": (Edge("top", Decimal("0.4")), Edge("left", Decimal("1"))),
     "content": Line("wardrobe", {"width_mm": 2000, "finish": "白色", "doors": True,
                                  "depth": 600.5, "none": None}, date(2026, 12, 20),
                     Decimal("5999.00")),
     "words": Words("held: %(reason)s", (("reason", Words("no %(what)s", (("what", "saw"),))),)),
     "text": 'quote " backslash \\ control \x01 line\u2028 emoji 😀', "big": 2**70,
     "nested": {"a": [1, {"b": [None, False]}], "_type_": "not alone"}},
    {},
    {"list": [], "float": 0.1, "negative_zero": -0.0},
]


@pytest.mark.parametrize("state", STATES)
def test_the_same_bytes_and_the_same_values(state):
    library, ours = both()
    written = library.encode(state)
    assert ours.encode(state) == written
    assert ours.decode(written) == library.decode(written)
    assert ours.decode(ours.encode(state)) == library.decode(written)


@pytest.mark.parametrize("state", [{"inf": float("inf")}, {1: "a key that is a number"},
                                   {"f": 1e16}])
def test_what_is_written_differently_reads_back_the_same(state):
    library, ours = both()
    assert ours.decode(ours.encode(state)) == library.decode(library.encode(state))


def test_a_number_beyond_a_double_reads_as_the_library_reads_it():
    library, ours = both()
    assert ours.decode(b'{"x":1e400}') == library.decode(b'{"x":1e400}') == {"x": float("inf")}


def test_a_value_without_a_transcoding_is_refused_alike():
    library, ours = both()
    with pytest.raises(library_codec.TranscodingNotRegisteredError):
        library.encode({"x": object()})
    with pytest.raises(library_codec.TranscodingNotRegisteredError):
        ours.encode({"x": object()})
    with pytest.raises(library_codec.TranscodingNotRegisteredError):
        ours.decode(b'{"x":{"_type_":"unknown","_data_":1}}')


def test_service_applications_use_it():
    app = ServiceApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    assert isinstance(app.mapper.transcoder, StoredJSON)
