"""Byte-level mutations of a webhook body, as a broken proxy, a buggy shop or an attacker holding
a channel's secret might send it: the caller signs the mutated bytes, so the signature passes and
only the gateway's decoding stands between them and a service."""

from __future__ import annotations

from hypothesis import strategies as st

# Fragments that have broken decoders: bytes no UTF-8 has, escapes no service can store,
# numbers no field holds, and the punctuation of structure.
TOKENS = [b"\xff\xfe", b"\xc0\x80", b"\xed\xa0\x80", b"\x00", b"\\ud800", b"\\udc00x",
          b"\\u0000", b"\\", b'"', b"{", b"}", b"[", b"]", b",", b":", b"null", b"true", b"-0",
          b"1e999", b"-1e400", b"99999999999999999999999999", b"0." + b"9" * 400,
          b'"":""', b'"id":1,', b'"quantity":-1,', b"NaN", b"Infinity"]

# What may stand inside a string, or for a number, and keep the body JSON (or nearly).
IN_STRING = [b"\xff\xfe", b"\\ud800", b"\\u0000", b"\\n", b"\\\"", b"\xf0\x9f\xaa\x91",
             b"\xe6\x9c\xa8", b"x" * 600, b"<script>", b"%00", b"\\u202e"]
NUMBERS = [b"0", b"-1", b"1e999", b"1.5", b"18446744073709551616", b"9" * 40, b"-0.0", b"1e-400",
           b'"12"', b"true", b"null", b"[]", b"{}"]


@st.composite
def mutated(draw, body: bytes) -> bytes:
    """`body` with one to three mutations applied one after another."""
    for _ in range(draw(st.integers(1, 3))):
        body = draw(st.sampled_from(MUTATIONS))(draw, body)
    return body


def _position(draw, body: bytes) -> int:
    return draw(st.integers(0, len(body)))


def _replace_byte(draw, body: bytes) -> bytes:
    at = draw(st.integers(0, max(0, len(body) - 1)))
    return body[:at] + bytes([draw(st.integers(0, 255))]) + body[at + 1:]


def _insert(draw, body: bytes) -> bytes:
    at = _position(draw, body)
    piece = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=6))
    return body[:at] + piece + body[at:]


def _delete(draw, body: bytes) -> bytes:
    at = _position(draw, body)
    return body[:at] + body[at + draw(st.integers(1, 24)):]


def _repeat(draw, body: bytes) -> bytes:
    """A span written again: a member twice (duplicate keys), a list longer, brackets deeper."""
    at, size = _position(draw, body), draw(st.integers(1, 60))
    return body[:at] + body[at:at + size] * draw(st.integers(2, 40)) + body[at:]


def _nest(draw, body: bytes) -> bytes:
    """Open (and maybe close) brackets at a spot: up to 100,000 deep."""
    at, depth = _position(draw, body), draw(st.sampled_from([33, 64, 1000, 5000, 100_000]))
    opening, closing = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    inner = opening * depth + b"1" + closing * depth * draw(st.sampled_from([0, 1]))
    return body[:at] + inner + body[at:]


def _member_again(draw, body: bytes) -> bytes:
    """After an opening brace, a copy of the first member that follows it: a duplicate key."""
    braces = [i for i, b in enumerate(body) if b == ord("{")]
    if not braces:
        return body
    at = draw(st.sampled_from(braces)) + 1
    end = body.find(b",", at)
    return body if end < 0 else body[:at] + body[at:end + 1] + body[at:]


def _inside_a_string(draw, body: bytes) -> bytes:
    """A fragment written inside a string value (after `: "`)."""
    starts = [i + 3 for i in range(len(body) - 3) if body[i:i + 3] == b': "']
    if not starts:
        return body
    at = draw(st.sampled_from(starts))
    return body[:at] + draw(st.sampled_from(IN_STRING)) + body[at:]


def _number_swapped(draw, body: bytes) -> bytes:
    """A number value replaced by another number, or by something that is not one."""
    starts = [i + 2 for i in range(len(body) - 2)
              if body[i:i + 2] == b": " and body[i + 2:i + 3].isdigit()]
    if not starts:
        return body
    at = draw(st.sampled_from(starts))
    end = at
    while end < len(body) and body[end:end + 1] in b"0123456789.eE+-":
        end += 1
    return body[:at] + draw(st.sampled_from(NUMBERS)) + body[end:]


MUTATIONS = [_replace_byte, _insert, _delete, _repeat, _nest, _member_again, _inside_a_string,
             _number_swapped, _inside_a_string, _number_swapped]
