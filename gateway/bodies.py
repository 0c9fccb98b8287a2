"""JSON bodies the gateway will not decode, refused with the reason (422 naming `body`).

Checked before any decoder sees the bytes, so none of them recurses or guesses:
- not UTF-8 (JSON is UTF-8; a stray `\\xff` inside a string is not text);
- nested deeper than MAX_DEPTH: decoders recurse per level, and protobuf refuses messages
  nested more than 100 deep — a JSON object travels as Struct → entry → Value, three levels
  each, so no service could read a catalogue nested 34 objects deep (32 keeps a margin);
- a key twice in one object (decoders keep one silently: what was signed or meant is
  ambiguous);
- an escaped lone surrogate (`"\\ud800"`): valid JSON, but no UTF-8 string for a service.

Every handler with a JSON body gets this through `GatewayRequest.json()`, which decodes once
(`decode_checked`): the bytes are scanned for depth (strings stripped), handed to Litestar's
msgspec decoder, and its tree is compared with the scan (as many key/value pairs as colons
outside strings: else a key was there twice). Only a body that fails one of these is read
again by `check_json`, which says why; msgspec itself refuses bytes that are not UTF-8 and
lone surrogates. The second, pure-Python JSON pass with a hook per object it replaces was
about 4 % of the gateway's py-spy samples under webhook load (18.5 -> 13.3 us of CPU for
a 570-byte order, check and decode together). The shop adapters, which decode the raw bytes
themselves, call `check_json`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException
from litestar.serialization import decode_json
from litestar.types import Empty

log = logging.getLogger("dovetail.gateway")

MAX_DEPTH = 32
# A string, or an unterminated one to the end: every `"` starts a match, so the scan is one
# pass (a pattern that can fail would be retried from every later quote: quadratic).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*\\?(?:"|\Z)', re.S)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = frozenset(b"[{")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")


class UndecodableBody(ValidationException):
    """A body no decoder should be given; the reason is said to the sender."""

    def __init__(self, reason: str):
        super().__init__("request body cannot be decoded",
                         extra=[{"key": "body", "message": reason}])
        self.reason = reason


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


def check_json(body: bytes, where: str = "") -> None:
    """UndecodableBody (logged) when `body` is not UTF-8, too deep, has a key twice in one
    object, or escapes a lone surrogate. Bodies that are not JSON at all pass: the decoder
    that follows says where they break."""
    try:
        reason = _reason(body)
    except RecursionError:  # cannot happen below MAX_DEPTH; never a 500 if it did
        reason = "nested too deep to read"
    if reason:
        log.info("refused a body that cannot be decoded%s: %s", f" ({where})" if where else "",
                 reason)
        raise UndecodableBody(reason)


def _reason(body: bytes) -> str:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not valid UTF-8: byte 0x{body[exc.start]:02x} at offset {exc.start}"
    if deeper_than(body, MAX_DEPTH):
        return f"nested deeper than {MAX_DEPTH} levels of objects and arrays"
    try:
        tree = json.loads(text, object_pairs_hook=_unique, parse_int=_skip, parse_float=_skip,
                          parse_constant=_skip)
    except _DuplicateKey as exc:
        return f"the key {exc.key[:80]!r} appears more than once in one object"
    except ValueError:
        return ""
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(tree):
        return "a string escapes a lone UTF-16 surrogate (\\ud800-\\udfff without its pair)"
    return ""


def decode_checked(body: bytes, decode: Callable[[bytes], Any], where: str = "") -> Any:
    """`decode(body)`, refused (UndecodableBody) where `check_json` would refuse it; a body
    `decode` cannot read raises its error, as it would have without the check."""
    outside = _STRING.sub(b"", body)
    if _nests_deeper(outside, MAX_DEPTH) or _SURROGATE_ESCAPE_BYTES.search(body):
        check_json(body, where)  # refused with its reason (a surrogate pair passes)
    try:
        tree = decode(body)
    except Exception:
        check_json(body, where)  # one of ours (not UTF-8, a lone surrogate) says so
        raise
    if outside.count(b":") != _pairs(tree):
        check_json(body, where)  # a key twice
    return tree


def _pairs(node: Any) -> int:
    """Key/value pairs in every object of a decoded tree (no deeper than MAX_DEPTH)."""
    if type(node) is dict:
        return len(node) + sum(_pairs(v) for v in node.values() if type(v) in _CONTAINERS)
    if type(node) is list:
        return sum(_pairs(v) for v in node if type(v) in _CONTAINERS)
    return 0


_CONTAINERS = (dict, list)


def deeper_than(body: bytes, limit: int) -> bool:
    """Whether the brackets outside strings nest deeper than `limit`."""
    return _nests_deeper(_STRING.sub(b"", body), limit)


def _nests_deeper(outside_strings: bytes, limit: int) -> bool:
    brackets = outside_strings.translate(None, _NOT_BRACKET)
    if len(brackets) <= limit:
        return False
    depth = 0
    for byte in brackets:
        depth += 1 if byte in _OPENING else -1
        if depth > limit:
            return True
    return False


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen = dict(pairs)
    if len(seen) != len(pairs):
        keys: set[str] = set()
        for key, _ in pairs:
            if key in keys:
                raise _DuplicateKey(key)
            keys.add(key)
    return seen


def _skip(_: str) -> None:
    return None  # numbers are not looked at here: no conversion of 4,000-digit integers


def _has_lone_surrogate(node: Any) -> bool:
    if isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(node, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_lone_surrogate(v) for v in node)
    return False


class GatewayRequest(Request):
    """Litestar's request, whose JSON body is checked before it is decoded."""

    async def json(self) -> Any:
        if self._json is Empty and self._connection_state.json is Empty:
            type_decoders = self.route_handler.resolve_type_decoders()
            self._json = self._connection_state.json = decode_checked(
                await self.body() or b"null",
                lambda body: decode_json(body, type_decoders=type_decoders), self.scope["path"])
        return await super().json()
