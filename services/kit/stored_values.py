"""Value objects (frozen dataclasses) inside stored events: eventsourcing transcodings.

As the library's cargoshipping example does for its Leg and Itinerary: a registered
Transcoding stores a value as a JSON object of its fields under a name, and turns it back into
the value when the event is read. The name is a persistent contract, like an event's topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder, Transcoding

from services.kit.words import Words


class ValueAsFields(Transcoding):
    """A frozen dataclass stored as `{field: value}`; its fields are plain JSON values or
    registered values themselves. JSON has no tuples: a field declared `tuple[...]` is read
    back from its list as a tuple."""

    def __init__(self, value_type: type, name: str):
        if not is_dataclass(value_type) or not value_type.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"{value_type.__name__} is not a frozen dataclass")
        self.type = value_type
        self.name = name
        self._tuples = frozenset(f.name for f in fields(value_type)
                                 if str(f.type).startswith("tuple"))

    def encode(self, obj: Any) -> dict[str, Any]:
        return {f.name: getattr(obj, f.name) for f in fields(obj)}

    def decode(self, data: dict[str, Any]) -> Any:
        return self.type(**{k: tuple(v) if k in self._tuples else v for k, v in data.items()})


class ValueAsDocument(Transcoding):
    """A value with a plain-data codec of its own (`to_dict()`, and `from_dict(data)` that
    refuses what does not fit), stored as that document: for values deeper than fields of
    plain values, such as a whole catalogue."""

    def __init__(self, value_type: type, name: str):
        self.type = value_type
        self.name = name
        self._from_dict: Any = value_type.from_dict  # type: ignore[attr-defined]

    def encode(self, obj: Any) -> Any:
        return obj.to_dict()

    def decode(self, data: dict[str, Any]) -> Any:
        return self._from_dict(data)


class WordsAsFields(Transcoding):
    """Words a person reads (services/kit/words.py) inside a stored event: the template and
    its arguments as a JSON object, in order (an argument that is words is stored as words)."""

    type = Words
    name = "kit.words"

    def encode(self, obj: Words) -> dict[str, Any]:
        return {"template": obj.template, "args": dict(obj.args)}

    def decode(self, data: dict[str, Any]) -> Words:
        return Words(data["template"], tuple(data["args"].items()))


class ValueTree(Transcoding):
    """A tree of values (frozen dataclasses of plain values, Decimals and dates, tuples of
    them) stored as one plain JSON object under one name, msgspec making it and reading it
    back: for a value on a hot path, where `ValueAsFields` would wrap each nested value (and
    each Decimal) in a transcoding of its own."""

    # What encode returns is plain JSON values only (services/kit/transcoder.py).
    plain = True

    def __init__(self, value_type: type, name: str):
        self.type = value_type
        self.name = name

    def encode(self, obj: Any) -> Any:
        return msgspec.to_builtins(obj)

    def decode(self, data: dict[str, Any]) -> Any:
        return msgspec.convert(data, self.type)


def register_values(transcoder: JSONTranscoder, values: Mapping[type, str]) -> None:
    """Register a `ValueAsFields` for each value type, under its stored name (and words,
    which any service's events may hold)."""
    transcoder.register(WordsAsFields())
    for value_type, name in values.items():
        transcoder.register(ValueAsFields(value_type, name))
