"""Struct and Timestamp made quickly are the ones protobuf's own methods make, errors too."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf import struct_pb2, timestamp_pb2

from services.kit.wellknown import struct_of, timestamp_of

VALUES = [
    {},
    {"width_mm": 2000, "depth_mm": 600.5, "board": "particleboard-18", "doors": True,
     "handles": False, "big": 10**20, "none": None, "nested": {"a": [1, "b", None]},
     "list": [1, 2.5, "x"], "中文": "白色"},
]


def struct_by_update(values) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


@pytest.mark.parametrize("values", VALUES)
def test_a_struct_holds_what_update_puts_in(values):
    made = struct_of(values)
    assert made == struct_by_update(values)
    assert made.SerializeToString(deterministic=True) == struct_by_update(
        values).SerializeToString(deterministic=True)


def test_a_value_struct_cannot_hold_is_refused_alike():
    with pytest.raises(ValueError) as theirs:
        struct_by_update({"when": datetime.now(UTC)})
    with pytest.raises(ValueError) as ours:
        struct_of({"when": datetime.now(UTC)})
    assert str(ours.value) == str(theirs.value)


MOMENTS = [
    datetime(2026, 11, 25, 8, 0, tzinfo=UTC),
    datetime(2026, 11, 25, 8, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8))),
    datetime(2026, 11, 25, 8, 0),  # naive: UTC
    datetime(1969, 7, 20, 20, 17, 40, 5, tzinfo=UTC),  # before the epoch
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_a_timestamp_is_from_datetime(moment):
    expected = timestamp_pb2.Timestamp()
    expected.FromDatetime(moment)
    assert timestamp_of(moment) == expected


def test_a_time_a_timestamp_cannot_hold_is_refused_with_its_error():
    moment = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(OverflowError) as theirs:
        timestamp_pb2.Timestamp().FromDatetime(moment)
    with pytest.raises(OverflowError) as ours:
        timestamp_of(moment)
    assert str(ours.value) == str(theirs.value)
