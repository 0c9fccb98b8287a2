"""Every principal × every RPC of every service, with empty and malformed requests.

A role a method does not allow gets PERMISSION_DENIED; no key gets UNAUTHENTICATED; an
allowed caller sending nonsense gets a client error (INVALID_ARGUMENT, NOT_FOUND, ...) —
never INTERNAL or UNKNOWN. Built from the service descriptors and each servicer's ROLES, so
a new RPC is covered without touching this test.
"""

from __future__ import annotations

import asyncio
import importlib

import grpc
import pytest
from google.protobuf import message_factory

from services.kit import runtime
from services.kit.auth import KeyStore, Principal
from tests.conftest import TEST_ADMIN_KEY

pytestmark = pytest.mark.integration

SERVICES = {
    "orders": ("services.orders.application:OrdersApplication", "OrdersService"),
    "configurator": ("services.configurator.application:ConfiguratorApplication",
                     "ConfiguratorService"),
    "scheduling": ("services.scheduling.application:SchedulingApplication", "SchedulingService"),
    "delivery": ("services.delivery.application:DeliveryApplication", "DeliveryService"),
    "iot": ("services.iot.application:IotApplication", "IotService"),
}
PRINCIPALS = {
    "admin": TEST_ADMIN_KEY,
    "factory": "dvt_factory_matrix_f9",
    "channel": "dvt_channel_matrix_shop9",
    "designer": "dvt_designer_matrix_d9",
    "nobody": None,
    "unknown key": "dvt_admin_not_a_real_key",
}
CLIENT_ERRORS = {grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
                 grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.PERMISSION_DENIED,
                 grpc.StatusCode.ABORTED, grpc.StatusCode.OUT_OF_RANGE,
                 grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.DEADLINE_EXCEEDED}


def _load(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


@pytest.fixture(scope="module")
async def services(settings):
    running = {}
    for name, (app_path, _) in SERVICES.items():
        build = importlib.import_module(f"services.{name}.main").build
        running[name] = await runtime.start(name, settings, _load(app_path), build, port=0)
    keys: KeyStore = running["orders"].runtime.keys
    await keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await keys.add(PRINCIPALS["factory"], Principal("factory", "F9"))
    await keys.add(PRINCIPALS["channel"], Principal("channel", "shop9"))
    await keys.add(PRINCIPALS["designer"], Principal("designer", "d9"))
    yield running
    for r in running.values():
        r.stop.set()
    await asyncio.gather(*[r.done for r in running.values()])


def methods():
    for name, (_, service_name) in SERVICES.items():
        pb2 = importlib.import_module(f"dovetail.{name}.v1.{name}_service_pb2")
        roles = importlib.import_module(f"services.{name}.rpc.servicer").ROLES
        service = pb2.DESCRIPTOR.services_by_name[service_name]
        for method in service.methods:
            yield name, service, method, roles


CASES = [(n, s, m, r, who) for n, s, m, r in methods() for who in PRINCIPALS]


async def call(channel, service, method, key: str | None, request):
    path = f"/{service.full_name}/{method.name}"
    req_cls = message_factory.GetMessageClass(method.input_type)
    resp_cls = message_factory.GetMessageClass(method.output_type)
    metadata = (("authorization", f"Bearer {key}"),) if key else ()
    kwargs = dict(request_serializer=req_cls.SerializeToString,
                  response_deserializer=resp_cls.FromString)
    if method.client_streaming:
        stub = channel.stream_unary(path, **kwargs)
        return await stub(iter([request]), metadata=metadata, timeout=10)
    if method.server_streaming:
        stub = channel.unary_stream(path, **kwargs)
        stream = stub(request, metadata=metadata, timeout=3)
        try:
            async for _ in stream:
                break
        finally:
            stream.cancel()
        return None
    return await channel.unary_unary(path, **kwargs)(request, metadata=metadata, timeout=10)


def nonsense(method):
    """A request with every string field set to garbage and numbers out of range."""
    req_cls = message_factory.GetMessageClass(method.input_type)
    request = req_cls()
    for field in req_cls.DESCRIPTOR.fields:
        if field.is_repeated or field.message_type is not None:
            continue
        if field.type == field.TYPE_STRING:
            setattr(request, field.name, "../../' OR 1=1 --\x00" * 3)
        elif field.type in (field.TYPE_INT32, field.TYPE_INT64, field.TYPE_SINT64):
            setattr(request, field.name, -1)
        elif field.type == field.TYPE_DOUBLE or field.type == field.TYPE_FLOAT:
            setattr(request, field.name, float("nan"))
    return request


@pytest.mark.parametrize("name, service, method, roles, who", CASES,
                         ids=[f"{c[0]}.{c[2].name}-{c[4]}" for c in CASES])
async def test_every_principal_against_every_rpc(services, name, service, method, roles, who):
    async with grpc.aio.insecure_channel(f"127.0.0.1:{services[name].port}") as channel:
        for request in (message_factory.GetMessageClass(method.input_type)(), nonsense(method)):
            try:
                await call(channel, service, method, PRINCIPALS[who], request)
                code = grpc.StatusCode.OK
            except grpc.aio.AioRpcError as error:
                code = error.code()
            if who in ("nobody", "unknown key"):
                assert code == grpc.StatusCode.UNAUTHENTICATED
            elif who not in roles.get(method.name, ()):
                assert code == grpc.StatusCode.PERMISSION_DENIED
            else:
                assert code == grpc.StatusCode.OK or code in CLIENT_ERRORS, (
                    f"{who} calling {method.name} with a bad request got {code}")
