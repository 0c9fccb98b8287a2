"""Every service answers gRPC reflection v1 (what current grpcurl asks first) and v1alpha."""

from __future__ import annotations

import pytest
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2 as messages

pytestmark = pytest.mark.integration

PATHS = {"v1": "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
         "v1alpha": "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"}


async def ask(channel, version: str, request: messages.ServerReflectionRequest):
    call = channel.stream_stream(PATHS[version],
                                 request_serializer=messages.ServerReflectionRequest.SerializeToString,
                                 response_deserializer=messages.ServerReflectionResponse.FromString)
    replies = [reply async for reply in call(iter([request]))]
    assert len(replies) == 1
    return replies[0]


def files(reply) -> list[descriptor_pb2.FileDescriptorProto]:
    return [descriptor_pb2.FileDescriptorProto.FromString(raw)
            for raw in reply.file_descriptor_response.file_descriptor_proto]


@pytest.mark.parametrize("version", ["v1", "v1alpha"])
async def test_both_versions_list_the_service_and_both_reflection_services(orders_channel,
                                                                          version):
    reply = await ask(orders_channel, version, messages.ServerReflectionRequest(list_services=""))
    names = {s.name for s in reply.list_services_response.service}
    assert {"dovetail.orders.v1.OrdersService", "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection"} <= names


async def test_v1_describes_the_service_and_itself(orders_channel):
    reply = await ask(orders_channel, "v1", messages.ServerReflectionRequest(
        file_containing_symbol="dovetail.orders.v1.OrdersService"))
    assert any(f.package == "dovetail.orders.v1" and
               any(s.name == "OrdersService" for s in f.service) for f in files(reply))
    reply = await ask(orders_channel, "v1", messages.ServerReflectionRequest(
        file_containing_symbol="grpc.reflection.v1.ServerReflection"))
    (own,) = [f for f in files(reply) if f.package == "grpc.reflection.v1"]
    method = own.service[0].method[0]
    assert (method.input_type, method.output_type) == (
        ".grpc.reflection.v1.ServerReflectionRequest",
        ".grpc.reflection.v1.ServerReflectionResponse")


async def test_an_unknown_symbol_is_not_found(orders_channel):
    reply = await ask(orders_channel, "v1", messages.ServerReflectionRequest(
        file_containing_symbol="dovetail.nothing.v1.Nowhere"))
    assert reply.error_response.error_code == 5  # NOT_FOUND
