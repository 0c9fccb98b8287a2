"""Stored events as JSON, written and read by msgspec in the format eventsourcing's JSONTranscoder
writes and reads: every registered value as `{"_type_": name, "_data_": ...}`, the rest as
plain JSON.

eventsourcing's transcoder runs the standard library's encoder, which calls back into Python
for each registered value (each event's time, each id), and its decoder, which calls a hook
for every JSON object read. Here the values are swapped for their stored form first, in one
walk, and msgspec writes the bytes; reading, msgspec parses and one walk turns the stored
forms back into values. A placed order's two events: write 42 -> 14 us, read 46 -> 21 us in
process. The bytes are the same as the standard library's (floats may write their exponent
as `1e16` where it wrote `1e+16`: the same number); anything this path does not handle the
same way (a key that is not text, a float that is not finite, bytes msgspec cannot read) is
written or read by eventsourcing's own code, as before.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder, Transcoding

_PLAIN = frozenset({str, int, bool, type(None)})
_TREES = frozenset({dict, list})


class _Unusual(Exception):
    """Something eventsourcing's own transcoder writes differently: it writes it."""


class StoredJSON(JSONTranscoder):
    """JSONTranscoder, faster. A Transcoding whose `plain` attribute is true promises that
    what its `encode` returns is plain JSON values only (no registered values inside), so
    that it is not walked again."""

    def __init__(self) -> None:
        super().__init__()
        self._encode_json = msgspec.json.Encoder().encode
        self._decode_json = msgspec.json.Decoder().decode

    def encode(self, obj: Any) -> bytes:
        try:
            return self._encode_json(self._stored(obj))
        except (_Unusual, msgspec.EncodeError, UnicodeEncodeError):
            return super().encode(obj)

    def decode(self, data: bytes) -> Any:
        try:
            tree = self._decode_json(data)
        except msgspec.DecodeError:  # e.g. a number beyond a double, which json reads as inf
            return super().decode(data)
        return self._value(tree)

    def _stored(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is float:
            if not math.isfinite(obj):
                raise _Unusual
            return obj
        if kind is dict:
            stored = {}
            for key, value in obj.items():
                if type(key) is not str:
                    raise _Unusual
                stored[key] = value if type(value) in _PLAIN else self._stored(value)
            return stored
        if kind is list or kind is tuple:
            return [value if type(value) in _PLAIN else self._stored(value) for value in obj]
        transcoding: Transcoding | None = self.types.get(kind)
        if transcoding is None:
            raise _Unusual  # the standard path raises TranscodingNotRegisteredError for it
        data = transcoding.encode(obj)
        return {"_type_": transcoding.name,
                "_data_": data if getattr(transcoding, "plain", False) else self._stored(data)}

    def _value(self, tree: Any) -> Any:
        kind = type(tree)
        if kind is dict:
            if len(tree) == 2 and "_type_" in tree and "_data_" in tree:
                transcoding = self.names.get(tree["_type_"])
                if transcoding is None:
                    return self._decode_obj(tree)  # raises TranscodingNotRegisteredError
                data = tree["_data_"]
                return transcoding.decode(
                    data if getattr(transcoding, "plain", False) else self._value(data))
            return {key: self._value(value) if type(value) in _TREES else value
                    for key, value in tree.items()}
        if kind is list:
            return [self._value(value) if type(value) in _TREES else value for value in tree]
        return tree
