"""gRPC server reflection, v1 beside v1alpha.

grpcio-reflection 1.81 ships only `grpc.reflection.v1alpha`; current grpcurl, Postman and
grpcui ask `grpc.reflection.v1.ServerReflection` first. The two protocols are the same
messages under another package name, so v1 is served by the library's own servicer with the
v1alpha message classes, and a copy of the v1alpha file descriptor under the v1 package goes
into the pool so that a client can describe the v1 service too.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection
from grpc_reflection.v1alpha import reflection_pb2 as alpha

V1_PACKAGE = "grpc.reflection.v1"
V1_FILE = "grpc/reflection/v1/reflection.proto"
V1_SERVICE_NAME = f"{V1_PACKAGE}.ServerReflection"
ALPHA_SERVICE_NAME = reflection.SERVICE_NAME


def v1_file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """v1alpha's reflection.proto renamed to the v1 package (what v1's .proto declares)."""
    proto = descriptor_pb2.FileDescriptorProto()
    alpha.DESCRIPTOR.CopyToProto(proto)
    old = f".{proto.package}."
    proto.name, proto.package = V1_FILE, V1_PACKAGE
    for message in proto.message_type:
        for field in message.field:
            if field.type_name.startswith(old):
                field.type_name = f".{V1_PACKAGE}." + field.type_name[len(old):]
    for service in proto.service:
        for method in service.method:
            method.input_type = f".{V1_PACKAGE}." + method.input_type[len(old):]
            method.output_type = f".{V1_PACKAGE}." + method.output_type[len(old):]
    return proto


def _register_v1(pool: descriptor_pool.DescriptorPool) -> None:
    try:
        pool.FindFileByName(V1_FILE)
    except KeyError:
        pool.Add(v1_file_descriptor())


def enable_reflection(service_names: Iterable[str], server: grpc.aio.Server,
                      pool: descriptor_pool.DescriptorPool | None = None) -> None:
    """Serve reflection v1alpha and v1 for `service_names` (both reflection services listed)."""
    pool = pool or descriptor_pool.Default()
    _register_v1(pool)
    names = [*service_names, ALPHA_SERVICE_NAME, V1_SERVICE_NAME]
    servicer = reflection.aio.ReflectionServicer(names, pool=pool)
    server.add_generic_rpc_handlers([
        grpc.method_handlers_generic_handler(name, {
            "ServerReflectionInfo": grpc.stream_stream_rpc_method_handler(
                servicer.ServerReflectionInfo,
                request_deserializer=alpha.ServerReflectionRequest.FromString,
                response_serializer=alpha.ServerReflectionResponse.SerializeToString)})
        for name in (ALPHA_SERVICE_NAME, V1_SERVICE_NAME)])
