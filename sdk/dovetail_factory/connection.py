"""Where the services are, how to reach them (TLS or not, keepalive), and retrying safely.

A factory talks to three services: scheduling (assignments, reports), iot (machines, shifts,
telemetry, energy, OEE) and the configurator (board stock, cutting batches). Behind an ingress
that routes gRPC by service name one address serves all; on a plain `make up` they listen on
their own ports of one host.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import grpc

from dovetail_factory.errors import FactoryClientError, from_rpc_error

SCHEDULING_PORT = 50053
IOT_PORT = 50055
CONFIGURATOR_PORT = 50052
TLS_SCHEMES = ("https://", "grpcs://")
PLAIN_SCHEMES = ("http://", "grpc://")

# Must match the server's KEEPALIVE_OPTIONS (services/kit/rpc.py): a client that pings more
# often than the server's min_ping_interval_without_data_ms gets GOAWAY and its long-lived
# assignment stream dies. tests/unit/factory_client checks the two stay compatible.
CHANNEL_OPTIONS: list[tuple[str, int | str]] = [
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.http2.max_pings_without_data", 0),
    ("grpc.lb_policy_name", "round_robin"),
    # Reconnect quickly once a link is back; the SDK does its own backoff on top.
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5_000),
    # A refusal names every bad field, with its words, in the trailers: more than gRPC core's
    # default 8 KiB of received metadata for a few dozen fields (else RESOURCE_EXHAUSTED
    # instead of INVALID_ARGUMENT).
    ("grpc.max_metadata_size", 256 * 1024),
    ("grpc.absolute_max_metadata_size", 512 * 1024),
]
RETRYABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                       grpc.StatusCode.ABORTED, grpc.StatusCode.RESOURCE_EXHAUSTED})
T = TypeVar("T")


@dataclass(frozen=True)
class TlsConfig:
    """TLS material: a CA bundle to trust (None: the system roots), and for mutual TLS a
    client certificate chain and its private key (PEM files)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        def read(path: str | None) -> bytes | None:
            return Path(path).expanduser().read_bytes() if path else None

        return grpc.ssl_channel_credentials(root_certificates=read(self.ca_file),
                                            private_key=read(self.key_file),
                                            certificate_chain=read(self.cert_file))


@dataclass(frozen=True)
class Endpoints:
    """The address of each service, and the TLS settings used for all (None: plaintext)."""

    scheduling: str
    iot: str
    tls: TlsConfig | None = None
    configurator: str = ""


def _split_scheme(target: str) -> tuple[str, bool | None]:
    text = target.strip().rstrip("/")
    for scheme in TLS_SCHEMES:
        if text.startswith(scheme):
            return text[len(scheme):], True
    for scheme in PLAIN_SCHEMES:
        if text.startswith(scheme):
            return text[len(scheme):], False
    return text, None


def _has_port(address: str) -> bool:
    if address.startswith("["):  # [::1]:50053
        return "]:" in address
    return address.count(":") == 1 and address.rsplit(":", 1)[1].isdigit()


def resolve_endpoints(target: str, iot_target: str | None = None,
                      tls: TlsConfig | bool | None = None,
                      configurator_target: str | None = None) -> Endpoints:
    """Addresses of scheduling, iot and the configurator from what a user types.

    ``host:port`` serves every service (an ingress); a bare ``host`` means the default ports
    of a local deployment (scheduling 50053, iot 50055, configurator 50052); ``iot_target``
    and ``configurator_target`` name those services' addresses when they differ. ``https://`` or ``grpcs://`` turns TLS on with the system roots, as does
    ``tls=True``; a ``TlsConfig`` gives a CA bundle or client certificate.
    """
    if not target or not target.strip():
        raise FactoryClientError("no server address: pass a target such as 127.0.0.1:50053")
    address, scheme_tls = _split_scheme(target)
    scheduling = address if _has_port(address) else f"{address}:{SCHEDULING_PORT}"
    if iot_target:
        iot_address, iot_tls = _split_scheme(iot_target)
        scheme_tls = scheme_tls or iot_tls
        iot = iot_address if _has_port(iot_address) else f"{iot_address}:{IOT_PORT}"
    else:
        iot = address if _has_port(address) else f"{address}:{IOT_PORT}"
    if configurator_target:
        configurator_address, _tls = _split_scheme(configurator_target)
        configurator = configurator_address if _has_port(configurator_address) \
            else f"{configurator_address}:{CONFIGURATOR_PORT}"
    else:
        configurator = address if _has_port(address) else f"{address}:{CONFIGURATOR_PORT}"
    if isinstance(tls, TlsConfig):
        config: TlsConfig | None = tls
    elif tls is True or (tls is None and scheme_tls):
        config = TlsConfig()
    else:
        config = None
    return Endpoints(scheduling, iot, config, configurator)


DISCOVERY_PATH = "/.well-known/dovetail-factory"


@dataclass(frozen=True)
class Discovered:
    """The services' addresses a gateway published (its discovery document)."""

    scheduling: str
    iot: str
    tls: bool
    configurator: str = ""  # "" from a gateway that does not name it


def discover(portal: str, timeout: float = 5.0) -> Discovered | None:
    """The services' addresses from the portal's address (``http://HOST:8000``), read from
    the gateway's discovery document; None when ``portal`` is not an http(s) URL or nothing
    there publishes one (it is then taken as a gRPC address, e.g. an ingress)."""
    text = portal.strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        return None
    try:
        with urllib.request.urlopen(text + DISCOVERY_PATH, timeout=timeout) as reply:  # noqa: S310
            document = json.loads(reply.read(65536))
    except (OSError, ValueError, http.client.HTTPException):  # URLError is an OSError
        return None
    if not isinstance(document, dict):
        return None
    scheduling, iot = document.get("scheduling"), document.get("iot")
    if not (isinstance(scheduling, str) and _has_port(scheduling)
            and isinstance(iot, str) and _has_port(iot)):
        return None
    configurator = document.get("configurator")
    if not (isinstance(configurator, str) and _has_port(configurator)):
        configurator = ""
    return Discovered(scheduling, iot, document.get("tls") is True, configurator)


def open_channel(address: str, tls: TlsConfig | None) -> grpc.aio.Channel:
    """A channel with keepalive that agrees with the server's; TLS when configured."""
    if tls is not None:
        return grpc.aio.secure_channel(address, tls.credentials(), options=CHANNEL_OPTIONS)
    return grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a safe (idempotent) call is retried."""

    attempts: int = 5
    first_backoff_s: float = 0.25
    max_backoff_s: float = 5.0
    timeout_s: float = 10.0  # per attempt

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt` (1-based): exponential with full jitter."""
        ceiling = min(self.max_backoff_s, self.first_backoff_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


class Backoff:
    """Reconnect delays for long-lived streams: grow while failing, reset once data flows."""

    def __init__(self, first_s: float = 0.5, max_s: float = 15.0):
        self.first_s, self.max_s = first_s, max_s
        self.failures = 0

    def next(self) -> float:
        self.failures += 1
        ceiling = min(self.max_s, self.first_s * 2 ** (self.failures - 1))
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0


async def with_retry(call: Callable[[float], Awaitable[T]], policy: RetryPolicy,
                     where: str) -> T:
    """Run ``call(timeout)``; retry transient failures (UNAVAILABLE, DEADLINE_EXCEEDED,
    ABORTED) with backoff. Only for idempotent calls. Failures become friendly errors."""
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call(policy.timeout_s)
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in RETRYABLE or attempt >= policy.attempts:
                raise from_rpc_error(exc, where) from None
        await asyncio.sleep(policy.backoff(attempt))
