"""gRPC statuses → HTTP answers with field-level messages; never a 5xx for bad input."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException

from dovetail.common.v1 import types_pb2
from gateway import i18n
from gateway.schemas.orders import ErrorBody, FieldError

log = logging.getLogger("dovetail.gateway")

# What a 503 asks the sender to wait before retrying (seconds).
RETRY_AFTER_S = "1"
HTTP_FOR = {
    grpc.StatusCode.INVALID_ARGUMENT: 422,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.FAILED_PRECONDITION: 409,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
}


class ServiceError(HTTPException):
    """A service refused or could not answer; carries field errors when it gave them, and
    `cause`: the service's status and message for the log (the detail a 503 shows people is a
    sentence of the catalogue, saying none of it).

    `detail` is the English machines read (REST `detail`); `said` the same message in the
    reader's language, for pages people read (the service's words said, or `detail` when it
    wrote none)."""

    def __init__(self, status_code: int, detail: str, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None, cause: str = "",
                 said: str | None = None):
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.errors = errors or []
        self.cause = cause or detail
        self.said = said or self.detail


def service_error(code: grpc.StatusCode, message: str,
                  errors: list[FieldError] | None = None, said: str | None = None
                  ) -> ServiceError:
    """The HTTP answer to a service's status (a whole call's, or one item's of a batch)."""
    status = HTTP_FOR.get(code)
    cause = f"{code.name}: {message}" if message else code.name
    if status is None:
        # The service is down, failed or timed out: the sender should retry. A timed-out write may
        # still land; intake is idempotent, so the retry finds it and nothing is doubled.
        log.warning("service call failed: %s %s", code.name, message)
        # said in the reader's language: pages show it as why part of them could not be read
        return ServiceError(503, i18n.gettext("service unavailable; retry later (a retry never "
                                              "places an order twice)"),
                            headers={"Retry-After": RETRY_AFTER_S}, cause=cause)
    return ServiceError(status, message or code.name, errors, cause=cause, said=said)


def _rich_status(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    """The google.rpc.Status the service sent, or None: none sent, or one that does not match
    the call's code (the call failed on the way, e.g. trailers over the channel's limit: the
    answer is the call's code, not a 500)."""
    if not HTTP_FOR.get(error.code()):
        return None
    try:
        return rpc_status.from_call(error)
    except ValueError:
        return None


def from_grpc(error: grpc.aio.AioRpcError) -> ServiceError:
    """The HTTP answer to a service's status; field violations and the refusal's message the
    service wrote as words (services/kit/words.py) are said in the reader's language (the
    message as `ServiceError.said`; `detail` stays the English), the rest as the service
    wrote."""
    errors = []
    said: dict[tuple[str, str], str] = {}  # (field, the English) -> in the reader's language
    message = None
    rich = _rich_status(error)
    for detail in rich.details if rich else []:
        bad, field_words = error_details_pb2.BadRequest(), types_pb2.FieldWords()
        words = types_pb2.Words()
        if detail.Unpack(bad):
            errors += [FieldError(v.field, v.description) for v in bad.field_violations]
        elif detail.Unpack(field_words):
            said[field_words.field, i18n.english_words(field_words.words)] = i18n.said_words(
                field_words.words)
        elif detail.Unpack(words):
            message = i18n.said_words(words)
    errors = [FieldError(e.field, said.get((e.field, e.message), e.message)) for e in errors]
    return service_error(error.code(), error.details() or "", errors, said=message)


@contextmanager
def values_in_range(key: str = "body") -> Iterator[None]:
    """A value the wire types cannot hold (a number beyond a double or an int32, a time before
    year 1 in UTC) is bad input: 422 naming `key`, not a 500."""
    try:
        yield
    except ValidationException:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationException("a value is out of range", extra=[
            {"key": key, "message": str(exc)[:200]}]) from None


def service_error_handler(_: Request, exc: ServiceError) -> Response:
    return Response(ErrorBody(exc.status_code, exc.detail, exc.errors, said=exc.said),
                    status_code=exc.status_code, headers=exc.headers)


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_NAMED = re.compile(r"(?:missing required field|unknown field) `(?P<name>[^`]+)`")


def field_of(message: str, key: str) -> tuple[str, str]:
    """msgspec says `Expected `int`, got `str` - at `$.items[0].quantity``: name the field."""
    match = _AT.match(message)
    text = match.group("message") if match else message
    path = (match.group("path") or "").lstrip(".") if match else ""
    named = _NAMED.search(text)
    if named:
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    if not path:
        path = "body" if key in ("data", "body", "") else key
    return path, text


def validation_error_handler(_: Request, exc: ValidationException) -> Response:
    """Body shape errors (msgspec) and parameter errors as 422 naming the field."""
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            field, text = field_of(str(item.get("message", exc.detail)), str(item.get("key") or ""))
            errors.append(FieldError(field, text))
    if not errors:
        errors.append(FieldError("body", exc.detail))
    return Response(ErrorBody(422, "request body does not fit", errors), status_code=422)


def bad_request_handler(_: Request, exc: ClientException) -> Response:
    """A body that is not even JSON is a body that does not fit: 422, like the rest."""
    if exc.status_code != 400:
        return Response(ErrorBody(exc.status_code, exc.detail), status_code=exc.status_code,
                        headers=exc.headers)
    return Response(ErrorBody(422, "request body does not fit", [FieldError("body", exc.detail)]),
                    status_code=422)


def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """What no other handler answers: an HTTP answer Litestar meant is passed on as it is; any
    other error is a bug, logged with its traceback (a bare 500 says nothing to anyone)."""
    if isinstance(exc, HTTPException):
        return Response(ErrorBody(exc.status_code, exc.detail), status_code=exc.status_code,
                        headers=exc.headers)
    log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path,
              exc_info=exc)
    return Response(ErrorBody(500, "internal error; it has been logged"), status_code=500)


def database_unavailable_handler(_: Request, exc: Exception) -> Response:
    """PostgreSQL unreachable for a moment (restart, failover): ask the caller to retry."""
    log.warning("database unavailable: %s", type(exc).__name__)
    return Response(ErrorBody(503, "temporarily unavailable; retry later (a retry never places an order twice)"),
                    status_code=503, headers={"Retry-After": RETRY_AFTER_S})
