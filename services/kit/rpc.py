"""The gRPC server every service runs: auth, error mapping, metrics, health, reflection.

Servicer methods stay thin: they raise the named errors of services.kit.errors and the
interceptor turns them into status codes (INVALID_ARGUMENT with a packed BadRequest listing
field violations, NOT_FOUND, FAILED_PRECONDITION (with ErrorInfo and PreconditionFailure when
it names a reason), ABORTED, PERMISSION_DENIED), each refusal's message written as words
packed beside it as `dovetail.common.v1.Words`. The caller's principal is available to a
handler through `current_principal()`.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterable, Mapping

import eventsourcing.persistence
import grpc
import psycopg
from google.protobuf import any_pb2
from google.rpc import (  # type: ignore[import-untyped]  # googleapis-common-protos: no py.typed
    code_pb2,
    error_details_pb2,
    status_pb2,
)
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from dovetail.common.v1 import types_pb2
from services.kit import metrics
from services.kit.auth import KeyStore, Principal, bearer_token
from services.kit.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from services.kit.reflection import enable_reflection
from services.kit.words import N_, Words
from services.kit.words_pb import words_pb

log = logging.getLogger("dovetail.rpc")
_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "principal", default=None)
OPEN_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.")
# A method name → why it cannot be served right now, or None.
Unavailable = Callable[[str], str | None]

# Server and client agree on keepalive so long-lived streams survive idle periods.
KEEPALIVE_OPTIONS: list[tuple[str, int | str]] = [
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.http2.max_pings_without_data", 0),
]
# A refusal's trailers carry every field violation, each with its words (BadRequest and
# FieldWords in grpc-status-details-bin, the English in grpc-message): a request with a few dozen
# bad fields passes gRPC core's default 8 KiB limit on received metadata, and the client then
# sees RESOURCE_EXHAUSTED instead of the INVALID_ARGUMENT the server sent (schemathesis found
# one at 10.6 KiB). Clients accept up to 256 KiB (soft) / 512 KiB (hard).
METADATA_OPTIONS: list[tuple[str, int | str]] = [
    ("grpc.max_metadata_size", 256 * 1024), ("grpc.absolute_max_metadata_size", 512 * 1024)]
# Clients spread calls over every replica a target resolves to, and try a server that went
# away again every second at most: gRPC core's default backoff grows by 1.6 times up to 120 s
# (15.5 s to notice a service back after a 60 s outage). `min_reconnect_backoff_ms` is the
# least time a connection attempt is given (default 20 s).
CLIENT_OPTIONS: list[tuple[str, int | str]] = [
    *KEEPALIVE_OPTIONS, ("grpc.lb_policy_name", "round_robin"),
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 1_000),
    ("grpc.min_reconnect_backoff_ms", 2_000),
    *METADATA_OPTIONS,
]


class DependencyMissing(Exception):
    """This process cannot do the call now: a dependency it needs is away (the caller retries;
    UNAVAILABLE)."""


# What a call that cannot reach PostgreSQL raises: psycopg's errors (a pool that waited in vain
# is psycopg_pool.PoolTimeout, one of them), as eventsourcing re-raises them.
DATABASE_AWAY: tuple[type[Exception], ...] = (
    psycopg.OperationalError, psycopg.InterfaceError,
    eventsourcing.persistence.OperationalError, eventsourcing.persistence.InterfaceError)


def current_principal() -> Principal:
    principal = _principal.get()
    if principal is None:
        raise Unauthenticated(Words.of(N_("no principal")))
    return principal


def _field_words(violations) -> list[any_pb2.Any]:
    """The violations a service wrote as words (kit/words.py), for the gateway to say."""
    out = []
    for v in violations:
        if v.words is not None:
            detail = any_pb2.Any()
            detail.Pack(types_pb2.FieldWords(field=v.field, words=words_pb(v.words)))
            out.append(detail)
    return out


def status_for(exc: Exception) -> status_pb2.Status:
    if isinstance(exc, InvalidArgument):
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in exc.violations]))
        return status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message=str(exc),
                                 details=[detail, *_field_words(exc.violations)])
    if isinstance(exc, FailedPrecondition) and exc.reason:
        return _precondition_status(exc)
    if isinstance(exc, DependencyMissing):
        return status_pb2.Status(code=code_pb2.UNAVAILABLE, message=str(exc))
    if isinstance(exc, DATABASE_AWAY):
        return status_pb2.Status(code=code_pb2.UNAVAILABLE, message=(
            f"PostgreSQL unreachable or too slow to answer; retry later ({type(exc).__name__})"))
    code = {
        NotFound: code_pb2.NOT_FOUND,
        FailedPrecondition: code_pb2.FAILED_PRECONDITION,
        Conflict: code_pb2.ABORTED,
        PermissionDenied: code_pb2.PERMISSION_DENIED,
        Unauthenticated: code_pb2.UNAUTHENTICATED,
    }.get(type(exc), code_pb2.INTERNAL)
    if code == code_pb2.INTERNAL:
        return status_pb2.Status(code=code, message="internal error")
    return status_pb2.Status(code=code, message=str(exc), details=_message_words(exc))


def _message_words(exc: Exception) -> list[any_pb2.Any]:
    """A domain refusal's message as words (`dovetail.common.v1.Words`), for the gateway and
    the SDK to say in the reader's language; none when the service wrote a plain string."""
    words = exc.words if isinstance(exc, DomainError) else None
    if not words:
        return []
    detail = any_pb2.Any()
    detail.Pack(words_pb(words))
    return [detail]


def _precondition_status(exc: FailedPrecondition) -> status_pb2.Status:
    """FAILED_PRECONDITION naming its reason: ErrorInfo for programs, PreconditionFailure
    for the violated condition (AIP-193)."""
    info, failure = any_pb2.Any(), any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason=exc.reason, domain=exc.domain,
                                          metadata=exc.facts))
    failure.Pack(error_details_pb2.PreconditionFailure(violations=[
        error_details_pb2.PreconditionFailure.Violation(type=exc.reason, subject=exc.subject,
                                                        description=str(exc))]))
    return status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message=str(exc),
                             details=[info, failure, *_message_words(exc)])


class Gate(grpc.aio.ServerInterceptor):
    """Authenticate, authorise by role, set the principal, map errors, count and time."""

    def __init__(self, service: str, keys: KeyStore, roles: Mapping[str, Iterable[str]],
                 itemwise: Iterable[str] = (), unavailable: Unavailable | None = None):
        self.service = service
        self.keys = keys
        # Why a method cannot be served right now (None: it can): such a call is answered
        # UNAVAILABLE at once instead of waiting out a dependency's timeouts.
        self.unavailable = unavailable
        # method name (e.g. "PlaceOrder") → roles allowed to call it
        self.roles = {m: frozenset(r) for m, r in roles.items()}
        # Batch methods that check text item by item, so one bad item refuses only itself.
        self.itemwise = frozenset(itemwise)

    async def intercept_service(self, continuation, details: grpc.HandlerCallDetails):
        handler = await continuation(details)
        if handler is None or details.method.startswith(OPEN_SERVICES):
            return handler
        method = details.method.rsplit("/", 1)[-1]
        away = self.unavailable(method) if self.unavailable is not None else None
        if away is not None:  # before the key lookup, which may need the missing dependency
            return _wrap(handler, self.service, method, None, DependencyMissing(away))
        metadata = dict(details.invocation_metadata or ())
        authorization = metadata.get("authorization")  # text: only "-bin" keys carry bytes
        principal = await self.keys.principal_for(
            bearer_token(authorization if isinstance(authorization, str) else None))
        error: DomainError | None = None
        if principal is None:
            error = Unauthenticated(Words.of(
                N_("missing or unknown API key: send 'authorization: Bearer <key>'")))
        elif principal.role not in self.roles.get(method, ()):
            error = PermissionDenied(Words.of(N_("%(role)s may not call %(method)s"),
                                              role=principal.role, method=method))
        return _wrap(handler, self.service, method, principal, error,
                     check_text=method not in self.itemwise)


# What text_violations looks at in a field, by field descriptor (worked out once per field:
# every call is checked, and asking a descriptor again each time was most of the check's cost).
_PLAIN, _TEXT, _MESSAGE = 0, 1, 2
_FIELD_KINDS: dict[object, int] = {}


def _field_kind(field) -> int:
    if field.type == field.TYPE_STRING:
        return _TEXT
    if field.message_type is not None and not field.message_type.GetOptions().map_entry:
        return _MESSAGE
    return _PLAIN


def text_violations(message, prefix: str = "") -> list[FieldViolation]:
    """Strings no service can store: NUL characters (PostgreSQL text refuses them)."""
    found: list[FieldViolation] = []
    for field, value in message.ListFields():
        kind = _FIELD_KINDS.get(field)
        if kind is None:
            kind = _FIELD_KINDS[field] = _field_kind(field)
        if kind == _TEXT:
            if any("\x00" in v for v in value) if field.is_repeated else "\x00" in value:
                found.append(FieldViolation.of(f"{prefix}{field.name}",
                                            N_("must not contain NUL characters")))
        elif kind == _MESSAGE:
            if field.is_repeated:
                for i, item in enumerate(value):
                    found += text_violations(item, f"{prefix}{field.name}[{i}].")
            else:
                found += text_violations(value, f"{prefix}{field.name}.")
    return found


def _check_request(request) -> None:
    if hasattr(request, "ListFields"):
        violations = text_violations(request)
        if violations:
            raise InvalidArgument(violations)


def _wrap(handler: grpc.RpcMethodHandler, service: str, method: str,
          principal: Principal | None, error: Exception | None,
          check_text: bool = True) -> grpc.RpcMethodHandler:
    async def fail(context, exc: Exception, started: float) -> None:
        status = status_for(exc)
        if status.code == code_pb2.INTERNAL:
            log.exception("unhandled error", extra={"method": method}, exc_info=exc)
        _observe(service, method, code_pb2.Code.Name(status.code), started)
        await context.abort_with_status(rpc_status.to_status(status))

    def enter():
        if error is not None:
            raise error
        return _principal.set(principal)

    inner = handler.unary_unary or handler.stream_unary
    if inner is not None:

        async def unary(request, context):
            started = time.perf_counter()
            try:
                enter()
                if check_text:
                    _check_request(request)
                response = await inner(request, context)
            except (grpc.aio.AbortError, grpc.aio.UsageError):
                raise
            except Exception as exc:  # noqa: BLE001 - mapped to a status code
                await fail(context, exc, started)
            _observe(service, method, "OK", started)
            return response

        make = (grpc.unary_unary_rpc_method_handler if handler.unary_unary
                else grpc.stream_unary_rpc_method_handler)
        return make(unary, request_deserializer=handler.request_deserializer,
                    response_serializer=handler.response_serializer)

    inner_stream = handler.unary_stream or handler.stream_stream
    if inner_stream is None:
        raise ValueError(f"{service}/{method}: a method handler without a behaviour")

    async def streaming(request, context):
        started = time.perf_counter()
        try:
            enter()
            _check_request(request)
            # grpc's stubs describe sync handlers; under grpc.aio a streaming one is async
            async for item in inner_stream(request, context):  # type: ignore[attr-defined]
                yield item
        except (grpc.aio.AbortError, grpc.aio.UsageError):
            raise
        except Exception as exc:  # noqa: BLE001
            await fail(context, exc, started)
        _observe(service, method, "OK", started)

    make = (grpc.unary_stream_rpc_method_handler if handler.unary_stream
            else grpc.stream_stream_rpc_method_handler)
    return make(streaming, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)


def _observe(service: str, method: str, code: str, started: float) -> None:
    metrics.RPC_REQUESTS.labels(service, method, code).inc()
    metrics.RPC_LATENCY.labels(service, method).observe(time.perf_counter() - started)


def create_server(*, service: str, keys: KeyStore, roles: Mapping[str, Iterable[str]],
                  add_servicers: Callable[[grpc.aio.Server], Iterable[str]],
                  itemwise: Iterable[str] = (), unavailable: Unavailable | None = None,
                  ) -> tuple[grpc.aio.Server, health.aio.HealthServicer, list[str]]:
    """A grpc.aio server with Dovetail's gate, health and reflection (not yet bound).

    `add_servicers` adds the service's servicers and returns their full service names;
    `unavailable(method)` says why a call cannot be served now (see Gate).
    """
    server = grpc.aio.server(interceptors=[Gate(service, keys, roles, itemwise, unavailable)],
                             options=KEEPALIVE_OPTIONS + [
                                 ("grpc.max_receive_message_length", 16 * 1024 * 1024)])
    service_names = list(add_servicers(server))
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    enable_reflection([*service_names, health.SERVICE_NAME], server)
    return server, health_servicer, service_names


async def mark_serving(health_servicer, service_names: Iterable[str], serving: bool) -> None:
    status = (health_pb2.HealthCheckResponse.SERVING if serving
              else health_pb2.HealthCheckResponse.NOT_SERVING)
    for name in ["", *service_names]:
        await health_servicer.set(name, status)
