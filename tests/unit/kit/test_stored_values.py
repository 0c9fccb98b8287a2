"""Value objects through eventsourcing's JSON transcoder: named, nested, tuples kept."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from eventsourcing.persistence import DecimalAsStr, JSONTranscoder

from services.kit.stored_values import ValueAsFields, register_values

pytestmark = pytest.mark.unit


@dataclass(frozen=True)
class Edge:
    side: str
    mm: Decimal


@dataclass(frozen=True)
class Board:
    code: str
    edges: tuple[Edge, ...]
    tags: list[str]


@dataclass
class Loose:
    code: str


def transcoder() -> JSONTranscoder:
    t = JSONTranscoder()
    t.register(DecimalAsStr())
    register_values(t, {Edge: "test.edge", Board: "test.board"})
    return t


def test_a_value_and_the_values_it_holds_come_back_equal():
    board = Board("pb-18", (Edge("l1", Decimal("0.4")), Edge("w1", Decimal("2"))), ["white"])
    t = transcoder()

    stored = t.encode({"board": board})

    assert b'"_type_":"test.board"' in stored and b'"_type_":"test.edge"' in stored
    back = t.decode(stored)["board"]
    assert back == board and isinstance(back.edges, tuple) and isinstance(back.tags, list)


def test_only_frozen_dataclasses_are_stored_as_values():
    with pytest.raises(TypeError, match="Loose is not a frozen dataclass"):
        ValueAsFields(Loose, "test.loose")
