"""gRPC over TLS: with DOVETAIL_TLS_CERT / DOVETAIL_TLS_KEY the services serve TLS only, and the
platform's own clients (the gateway here) verify them with the certificate as their root."""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dovetail.orders.v1 import orders_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2_grpc as pb_grpc
from services.kit import runtime
from services.kit.settings import SettingsError
from services.kit.tls import channel_credentials, open_channel
from services.orders.application import OrdersApplication
from services.orders.main import build as build_orders
from tests.integration.security.conftest import started

pytestmark = pytest.mark.integration


def self_signed(folder: Path, name: str = "dovetail") -> tuple[str, str]:
    """A certificate for localhost and 127.0.0.1 and its key, as PEM files in `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


async def health(channel: grpc.aio.Channel) -> int:
    reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                            timeout=5)
    return reply.status


async def test_services_serve_tls_and_the_gateway_verifies_them(own_settings, tmp_path):
    cert, key = self_signed(tmp_path / "tls")
    tls = own_settings.with_(tls_cert=cert, tls_key=key)
    async with started(tls) as platform:
        address = f"127.0.0.1:{platform.orders.port}"
        async with open_channel(address, channel_credentials(tls)) as channel:
            assert await health(channel) == health_pb2.HealthCheckResponse.SERVING
            await pb_grpc.OrdersServiceStub(channel).ListOrders(
                pb.ListOrdersRequest(), timeout=5,
                metadata=(("authorization", f"Bearer {tls.admin_key}"),))
        # The gateway reached orders over TLS: its REST answer needs the service's.
        answer = await platform.http.get("/api/v1/orders", headers=platform.bearer(tls.admin_key))
        assert answer.status_code == 200

        async with open_channel(address, None) as plaintext:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await health(plaintext)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

        other_cert, other_key = self_signed(tmp_path / "other", "impostor")
        stranger = tls.with_(tls_cert=other_cert, tls_key=other_key)
        async with open_channel(address, channel_credentials(stranger)) as untrusting:
            with pytest.raises(grpc.aio.AioRpcError) as unverified:
                await health(untrusting)
            assert unverified.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_a_named_ca_is_what_clients_trust(own_settings, tmp_path):
    cert, key = self_signed(tmp_path / "tls")
    other_cert, _ = self_signed(tmp_path / "other", "impostor")
    tls = own_settings.with_(tls_cert=cert, tls_key=key)
    async with started(tls) as platform:
        address = f"localhost:{platform.orders.port}"
        async with open_channel(address, channel_credentials(tls.with_(tls_ca=cert))) as channel:
            assert await health(channel) == health_pb2.HealthCheckResponse.SERVING
        wrong_ca = tls.with_(tls_ca=other_cert)
        async with open_channel(address, channel_credentials(wrong_ca)) as channel:
            with pytest.raises(grpc.aio.AioRpcError):
                await health(channel)


def unusable(folder: Path, problem: str) -> tuple[str, str, str]:
    """A certificate and key with one of them unusable, and the refusal expected."""
    cert, key = self_signed(folder)
    if problem == "missing":
        return cert, str(folder / "nowhere.key"), (
            r"DOVETAIL_TLS_KEY='.*nowhere.key' cannot be read: No such file")
    Path(cert).write_text("not a certificate")
    return cert, key, r"DOVETAIL_TLS_CERT='.*dovetail.crt' is not a PEM file"


@pytest.mark.parametrize("problem", ["missing", "not pem"])
async def test_unusable_tls_files_stop_the_service_naming_the_setting(own_settings, tmp_path,
                                                                      problem):
    cert, key, expected = unusable(tmp_path / "tls", problem)
    with pytest.raises(SettingsError, match=expected):
        await runtime.start("orders", own_settings.with_(tls_cert=cert, tls_key=key),
                            OrdersApplication, build_orders, port=0)
