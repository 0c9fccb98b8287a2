"""Addresses, TLS, keepalive and errors: what a user types becomes the right channel, and
what the server answers becomes an error a person can act on."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from dovetail_factory.connection import CHANNEL_OPTIONS, TlsConfig, resolve_endpoints
from dovetail_factory.errors import (
    InvalidRequest,
    NotAllowed,
    OutOfOrder,
    ServerUnavailable,
    WrongKey,
    from_rpc_error,
)

pytestmark = pytest.mark.unit


def test_a_bare_host_means_the_default_ports_and_host_port_one_ingress():
    local = resolve_endpoints("127.0.0.1")
    assert (local.scheduling, local.iot, local.tls) == ("127.0.0.1:50053", "127.0.0.1:50055", None)
    ingress = resolve_endpoints("https://chain.example.com:443")
    assert ingress.scheduling == ingress.iot == "chain.example.com:443"
    assert ingress.tls == TlsConfig()
    split = resolve_endpoints("10.0.0.5:7000", "10.0.0.6")
    assert (split.scheduling, split.iot) == ("10.0.0.5:7000", "10.0.0.6:50055")
    assert resolve_endpoints("[::1]:9000").scheduling == "[::1]:9000"
    assert resolve_endpoints("host", tls=True).tls == TlsConfig()
    ca = TlsConfig(ca_file="ca.pem")
    assert resolve_endpoints("http://host:1", tls=ca).tls is ca


def test_client_keepalive_never_pings_faster_than_the_server_allows():
    from services.kit.rpc import KEEPALIVE_OPTIONS

    server = dict(KEEPALIVE_OPTIONS)
    client = dict(CHANNEL_OPTIONS)
    assert client["grpc.keepalive_time_ms"] >= server["grpc.http2.min_ping_interval_without_data_ms"]
    assert client["grpc.keepalive_permit_without_calls"] == 1


def rpc_error(code: grpc.StatusCode, details: str, trailing=()) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(*trailing), details)


def test_status_codes_become_named_errors_with_the_servers_words():
    assert isinstance(from_rpc_error(rpc_error(grpc.StatusCode.UNAUTHENTICATED, "no")), WrongKey)
    assert isinstance(from_rpc_error(rpc_error(grpc.StatusCode.PERMISSION_DENIED, "no")),
                      NotAllowed)
    late = from_rpc_error(rpc_error(grpc.StatusCode.FAILED_PRECONDITION,
                                    "operation o/op-2 cannot start before o/op-1 has finished"))
    assert isinstance(late, OutOfOrder) and "cannot start before" in late.message
    down = from_rpc_error(rpc_error(grpc.StatusCode.UNAVAILABLE, "refused"), "h:1")
    assert isinstance(down, ServerUnavailable) and "h:1 cannot be reached" in down.message
    assert (WrongKey.exit_code, ServerUnavailable.exit_code, OutOfOrder.exit_code) == (3, 7, 6)


def test_field_violations_are_named():
    detail = any_pb2.Any()
    detail.Pack(error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field="machine_id", description="is unknown")]))
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="bad", details=[detail])
    error = from_rpc_error(rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "bad", [
        ("grpc-status-details-bin", status.SerializeToString())]))
    assert isinstance(error, InvalidRequest)
    assert [(v.field, v.description, v.words) for v in error.violations] == [
        ("machine_id", "is unknown", None)]  # no words sent: the description as it came
    assert error.message == "machine_id: is unknown"
