"""Errors a factory program can act on, translated from gRPC status codes.

Every error carries the server's own message (it is written for the shop floor) and an exit
code the command line uses, so a script can tell a wrong key from a server that is down. A
refusal's message and each field a refused request names are the service's words, said in the
chosen language (dovetail_factory.words).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2

from dovetail.common.v1 import types_pb2
from dovetail_factory.i18n import _
from dovetail_factory.words import english, say

STATUS_DETAILS_KEY = "grpc-status-details-bin"


class FactoryClientError(Exception):
    """Base of everything the SDK raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, code: grpc.StatusCode | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class WrongKey(FactoryClientError):
    """The server does not know the key (UNAUTHENTICATED)."""

    exit_code = 3


class NotAllowed(FactoryClientError):
    """The key is valid but may not do this, e.g. another factory's machine (PERMISSION_DENIED)."""

    exit_code = 4


class NotFound(FactoryClientError):
    """No such operation, machine or factory (NOT_FOUND)."""

    exit_code = 5


class OutOfOrder(FactoryClientError):
    """The report does not follow from what happened before (FAILED_PRECONDITION).

    E.g. finishing an operation that never started, or starting one before its predecessor
    finished; `message` is the server's explanation.
    """

    exit_code = 6


class ServerUnavailable(FactoryClientError):
    """The server could not be reached, or did not answer in time, after retries."""

    exit_code = 7


@dataclass(frozen=True)
class Violation:
    """A field a request was refused for: the description in English, and the same as words
    (`dovetail.common.v1.Words`) when the service wrote them."""

    field: str
    description: str
    words: types_pb2.Words | None = None

    @classmethod
    def of(cls, field: str, template: str, **args: object) -> Violation:
        """A violation found before asking the server, written as words (a template marked
        N_() and its arguments)."""
        words = types_pb2.Words(template=template, args={k: str(v) for k, v in args.items()})
        return cls(field, english(words), words)

    def said(self) -> str:
        """The description in the chosen language (`i18n.use`); without words, as sent."""
        return say(self.words) if self.words is not None else self.description


class InvalidRequest(FactoryClientError):
    """The request was refused as invalid (INVALID_ARGUMENT); `violations` names the fields
    (`Violation`: the English description and its words), `message` says them all in the
    language chosen when it was raised."""

    exit_code = 2

    def __init__(self, message: str, violations: Sequence[Violation] = (), *,
                 code: grpc.StatusCode | None = None):
        self.violations = list(violations)
        if self.violations:
            message = _said_together(self.violations)
        super().__init__(message, code=code)


def _said_together(violations: Sequence[Violation]) -> str:
    """"field: description; field: description", joined as the language joins them."""
    said = [_("%(field)s: %(description)s", field=v.field, description=v.said())
            for v in violations]
    text = said[-1]
    for first in reversed(said[:-1]):
        text = _("%(first)s; %(rest)s", first=first, rest=text)
    return text


class Conflict(FactoryClientError):
    """Someone else changed the same thing first (ABORTED); read again and retry."""


_BY_CODE: dict[grpc.StatusCode, type[FactoryClientError]] = {
    grpc.StatusCode.UNAUTHENTICATED: WrongKey,
    grpc.StatusCode.PERMISSION_DENIED: NotAllowed,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.FAILED_PRECONDITION: OutOfOrder,
    grpc.StatusCode.UNAVAILABLE: ServerUnavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: ServerUnavailable,
    grpc.StatusCode.ABORTED: Conflict,
}


def from_rpc_error(exc: grpc.RpcError, where: str = "") -> FactoryClientError:
    """The friendly error for a failed call (`where`: the address, for 'cannot reach')."""
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    details = (exc.details() if hasattr(exc, "details") else "") or ""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequest(details or "invalid request", _violations(exc), code=code)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return WrongKey(f"the server does not accept this key ({details})" if details
                        else "the server does not accept this key", code=code)
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        place = f" at {where}" if where else ""
        reason = "did not answer in time" if code == grpc.StatusCode.DEADLINE_EXCEEDED \
            else "cannot be reached"
        return ServerUnavailable(f"the Dovetail server{place} {reason} ({details or code.name})",
                                 code=code)
    kind = _BY_CODE.get(code, FactoryClientError)
    words = _message_words(exc)
    return kind(say(words) if words is not None else details or code.name, code=code)


def _details(exc: grpc.RpcError) -> list:
    """The details of the google.rpc.Status the server sent (packed `Any`s), or none."""
    trailing = exc.trailing_metadata() if hasattr(exc, "trailing_metadata") else None
    for key, value in trailing or ():
        if key == STATUS_DETAILS_KEY:
            return list(status_pb2.Status.FromString(value).details)
    return []


def _message_words(exc: grpc.RpcError) -> types_pb2.Words | None:
    """The refusal's message as the service wrote it in words (`dovetail.common.v1.Words`
    packed beside the status), to say in the chosen language; None when it wrote none."""
    for detail in _details(exc):
        words = types_pb2.Words()
        if detail.Unpack(words):
            return words
    return None


def _violations(exc: grpc.RpcError) -> list[Violation]:
    """Field violations of a packed google.rpc.BadRequest, if the server sent one, each with
    the words packed beside it (`dovetail.common.v1.FieldWords`) for the same field and
    English."""
    found: list[tuple[str, str]] = []
    words: dict[tuple[str, str], types_pb2.Words] = {}
    for detail in _details(exc):
        bad, field_words = error_details_pb2.BadRequest(), types_pb2.FieldWords()
        if detail.Unpack(bad):
            found += [(v.field, v.description) for v in bad.field_violations]
        elif detail.Unpack(field_words):
            words[field_words.field, english(field_words.words)] = field_words.words
    return [Violation(field, description, words.get((field, description)))
            for field, description in found]
