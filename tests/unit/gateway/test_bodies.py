"""Bodies the gateway refuses before any decoder sees them, and the ones it lets through."""

from __future__ import annotations

import json
from contextlib import nullcontext

import msgspec
import pytest
from google.protobuf import struct_pb2
from hypothesis import given
from hypothesis import strategies as st

from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from gateway.bodies import MAX_DEPTH, UndecodableBody, check_json, decode_checked, deeper_than

pytestmark = pytest.mark.unit


def nested(depth: int, leaf: str = "1") -> bytes:
    """An object nested `depth` levels deep: {"a":{"a":...leaf...}}."""
    return (b'{"a":' * depth) + leaf.encode() + (b"}" * depth)


def reason(body: bytes) -> str:
    with pytest.raises(UndecodableBody) as refused:
        check_json(body)
    assert refused.value.extra == [{"key": "body", "message": refused.value.reason}]
    return refused.value.reason


def test_bytes_that_are_not_utf8_inside_a_string_are_named():
    assert reason(b'{"name": "Li \xff\xfe Wei"}') == "not valid UTF-8: byte 0xff at offset 13"


def test_a_body_nested_100000_deep_is_refused_at_once():
    # refused by the bracket count before any decoder recurses; what it costs is measured by
    # load/bench_bodies.py beside json.loads on the same bytes
    assert "nested deeper than 32" in reason(b"[" * 100_000 + b"]" * 100_000)
    assert "nested deeper" in reason(b'{"items":[{"options":' + nested(5000) + b"}]}")


def test_the_depth_limit_is_exact_and_brackets_inside_strings_do_not_count():
    check_json(nested(MAX_DEPTH))
    assert "nested deeper" in reason(nested(MAX_DEPTH + 1))
    check_json(json.dumps({"note": "[" * 500 + "{" * 500, "q": '\\"[[['}).encode())
    assert not deeper_than(b'["\\"[[[[[[", 1]', 2)


@pytest.mark.parametrize("body", [b'"' + b'\\"' * 300_000, b'"\\' * 300_000,
                                  b'["\\' * 300_000, b'"' * 600_000])
def test_quotes_and_backslashes_are_read_to_the_end(body):
    # that the scan stays linear on them is measured by load/bench_bodies.py (the same bodies,
    # doubled, beside json.loads), not timed here
    with pytest.raises(UndecodableBody) if body.startswith(b"[") else nullcontext():
        check_json(body)


def test_a_key_twice_in_one_object_is_refused_at_any_depth():
    assert reason(b'{"external_id": "A", "external_id": "B"}') == \
        "the key 'external_id' appears more than once in one object"
    assert "'w'" in reason(b'{"items": [{"options": {"w": 1, "h": 2, "w": 3}}]}')
    check_json(b'[{"w": 1}, {"w": 2}]')  # the same key in two objects is fine


def test_an_escaped_lone_surrogate_is_refused_and_a_pair_is_not():
    assert "lone UTF-16 surrogate" in reason(b'{"name": "\\ud800"}')
    assert "lone UTF-16 surrogate" in reason(b'{"\\udc00": 1}')
    check_json(b'{"name": "\\ud83e\\ude91 chair"}')  # a pair: one character
    check_json(b'{"path": "C:\\\\ud800"}')  # an escaped backslash, then text


@pytest.mark.parametrize("body", [b"", b"not json", b'{"a": 1', b"1" + b"0" * 5000, b"NaN"])
def test_what_is_not_json_is_left_to_the_decoder_that_follows(body):
    check_json(body)


@given(st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=30))
def test_any_json_a_client_could_mean_passes(value):
    check_json(json.dumps(value).encode())
    check_json(json.dumps(value, ensure_ascii=False).encode())


def test_the_deepest_catalogue_a_body_may_carry_still_parses_at_the_service():
    """Why 32: each JSON object is three protobuf levels (Struct, entry, Value) and protobuf
    refuses more than 100; the publish request itself is one."""
    catalogue: dict = {"leaf": 1}
    for _ in range(MAX_DEPTH - 1):  # the body's outer object {"catalog": ...} is the last
        catalogue = {"a": catalogue}
    struct = struct_pb2.Struct()
    struct.update(catalogue)
    wire = cfg.PublishCatalogVersionRequest(catalog=struct).SerializeToString()
    assert cfg.PublishCatalogVersionRequest.FromString(wire).catalog == struct


def decoded(body: bytes):
    return decode_checked(body, msgspec.json.decode)


@pytest.mark.parametrize("body", [
    b'{"name": "Li \xff\xfe Wei"}', b"[" * 100_000 + b"]" * 100_000, nested(MAX_DEPTH + 1),
    b'{"external_id": "A", "external_id": "B"}', b'{"items": [{"options": {"w": 1, "h": 2, "w": 3}}]}',
    b'{"name": "\\ud800"}', b'{"\\udc00": 1}', b'[{"a": {"b": 1, "b": 2}}, ":"]'])
def test_the_one_pass_decode_refuses_what_check_json_refuses_with_the_same_reason(body):
    with pytest.raises(UndecodableBody) as one_pass:
        decoded(body)
    assert one_pass.value.reason == reason(body)


def test_the_one_pass_decode_returns_the_tree():
    assert decoded(nested(MAX_DEPTH)) == json.loads(nested(MAX_DEPTH))
    assert decoded(b'{"name": "\\ud83e\\ude91 chair", "t": "a:b", "k:": {":": [":"]}}') == \
        {"name": "\U0001fa91 chair", "t": "a:b", "k:": {":": [":"]}}
    assert decoded(b'[{"w": 1}, {"w": 2}]') == [{"w": 1}, {"w": 2}]


@pytest.mark.parametrize("body", [b"not json", b'{"a": 1', b'{"a" 1}'])
def test_what_the_decoder_cannot_read_raises_its_own_error(body):
    with pytest.raises(msgspec.DecodeError):
        decoded(body)


# Infinity is not JSON: msgspec (Litestar's decoder) refuses it, with or without the check.
@given(st.recursive(st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=30))
def test_any_json_a_client_could_mean_decodes_in_one_pass(value):
    assert decoded(json.dumps(value).encode()) == value
    assert decoded(json.dumps(value, ensure_ascii=False).encode()) == value
