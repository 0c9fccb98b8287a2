"""Errors a factory program can act on, translated from gRPC status codes.

Every error carries the server's own message (it is written for the shop floor) and an exit
code the command line uses, so a script can tell a wrong key from a server that is down.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2

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


class InvalidRequest(FactoryClientError):
    """The request was refused as invalid (INVALID_ARGUMENT); `violations` names the fields."""

    exit_code = 2

    def __init__(self, message: str, violations: list[tuple[str, str]] | None = None, *,
                 code: grpc.StatusCode | None = None):
        self.violations = violations or []
        if self.violations:
            message = "; ".join(f"{f}: {d}" for f, d in self.violations)
        super().__init__(message, code=code)


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
    return kind(details or code.name, code=code)


def _violations(exc: grpc.RpcError) -> list[tuple[str, str]]:
    """Field violations of a packed google.rpc.BadRequest, if the server sent one."""
    trailing = exc.trailing_metadata() if hasattr(exc, "trailing_metadata") else None
    for key, value in trailing or ():
        if key != STATUS_DETAILS_KEY:
            continue
        status = status_pb2.Status.FromString(value)
        out = []
        for detail in status.details:
            bad = error_details_pb2.BadRequest()
            if detail.Unpack(bad):
                out += [(v.field, v.description) for v in bad.field_violations]
        return out
    return []
