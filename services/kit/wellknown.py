"""protobuf's well-known Struct and Timestamp made from Python values, as their own methods make
them (`Struct.update`, `Timestamp.FromDatetime`) at a part of the cost: every webhook's order
makes a Struct per line and a Timestamp in the gateway, again in the orders service's relay,
and each published event a Timestamp. In process: a line's six options 22 -> 11 us, a time
12 -> 2.5 us."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, what a datetime in UTC (and a Timestamp) holds.
_SECONDS_MIN, _SECONDS_MAX = -62135596800, 253402300799


def struct_of(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """`Struct.update(values)` into a new Struct: the same Values, the same errors."""
    struct = struct_pb2.Struct()
    fields = struct.fields
    for key, value in values.items():
        kind = type(value)
        if kind is str:
            fields[key].string_value = value
        elif kind is float or kind is int:
            fields[key].number_value = value
        elif kind is bool:
            fields[key].bool_value = value
        else:  # None, nested objects and lists, subclasses: as Struct.update does them
            struct.update({key: value})
    return struct


def timestamp_of(moment: datetime) -> timestamp_pb2.Timestamp:
    """`Timestamp.FromDatetime(moment)`: a naive time is UTC; one whose UTC time is outside
    the years 1-9999 raises the OverflowError FromDatetime raises."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    since = moment - _EPOCH
    seconds = since.days * 86400 + since.seconds
    if not _SECONDS_MIN <= seconds <= _SECONDS_MAX:
        raise OverflowError("date value out of range")
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=since.microseconds * 1000)
