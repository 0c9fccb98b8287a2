"""Words a person reads (services/kit/words.py) on the wire: `dovetail.common.v1.Words`."""

from __future__ import annotations

from dovetail.common.v1 import types_pb2
from services.kit.words import Words


def words_pb(words: Words) -> types_pb2.Words:
    """The words for the gateway to say; arguments that are words go in `said`."""
    return types_pb2.Words(
        template=words.template,
        args={k: v for k, v in words.args if not isinstance(v, Words)},
        said={k: words_pb(v) for k, v in words.args if isinstance(v, Words)})


def words_or_none(words: Words | None) -> types_pb2.Words | None:
    """For a message field that is left unset when a service wrote no words."""
    return words_pb(words) if words else None


def words_of(pb: types_pb2.Words) -> Words:
    """Words another service sent (to keep them, say in an event of this one)."""
    return Words(pb.template, (*pb.args.items(), *((k, words_of(v)) for k, v in pb.said.items())))
