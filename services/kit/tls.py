"""TLS between the platform's processes: servers serve it, the platform's clients require it.

With DOVETAIL_TLS_CERT and DOVETAIL_TLS_KEY (PEM files) every gRPC server listens with TLS, and
every client inside the platform (the gateway, the demo seeders and simulators) verifies the
servers against DOVETAIL_TLS_CA, or the certificate itself when that is unset (a self-signed
certificate, or one for a private CA handed around as is). Without them, gRPC is plaintext:
fine on loopback, not across a network someone else can read (docs/security.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import grpc

from services.kit.rpc import CLIENT_OPTIONS
from services.kit.settings import Settings, SettingsError


def read_pem(setting: str, path: str) -> bytes:
    """The PEM file a TLS setting names; SettingsError naming the setting when it is unusable."""
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise SettingsError(f"{setting}={path!r} cannot be read: {exc.strerror}") from None
    if b"-----BEGIN " not in data:
        raise SettingsError(f"{setting}={path!r} is not a PEM file")
    return data


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials for the gRPC servers, or None to serve plaintext."""
    if not settings.tls_cert:
        return None
    key = read_pem("DOVETAIL_TLS_KEY", settings.tls_key)
    cert = read_pem("DOVETAIL_TLS_CERT", settings.tls_cert)
    return grpc.ssl_server_credentials([(key, cert)])


def channel_credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """What the platform's clients verify servers with, or None to talk plaintext."""
    if not settings.tls_cert:
        return None
    if settings.tls_ca:
        return grpc.ssl_channel_credentials(read_pem("DOVETAIL_TLS_CA", settings.tls_ca))
    return grpc.ssl_channel_credentials(read_pem("DOVETAIL_TLS_CERT", settings.tls_cert))


def open_channel(address: str, credentials: grpc.ChannelCredentials | None,
                 options: Sequence[tuple[str, int | str]] = CLIENT_OPTIONS) -> grpc.aio.Channel:
    """A client channel: TLS with `credentials`, plaintext without."""
    if credentials is None:
        return grpc.aio.insecure_channel(address, options=list(options))
    return grpc.aio.secure_channel(address, credentials, options=list(options))


def client_channel(settings: Settings, address: str,
                   options: Sequence[tuple[str, int | str]] = CLIENT_OPTIONS) -> grpc.aio.Channel:
    """A channel to one of the platform's services, TLS when the platform serves it."""
    return open_channel(address, channel_credentials(settings), options)


def bind(server: grpc.aio.Server, address: str, settings: Settings) -> int:
    """Listen on `address` (TLS when configured); the port bound."""
    credentials = server_credentials(settings)
    if credentials is None:
        return server.add_insecure_port(address)
    return server.add_secure_port(address, credentials)
