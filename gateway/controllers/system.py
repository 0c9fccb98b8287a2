"""Operator endpoints: health of every service, Prometheus metrics."""

from __future__ import annotations

import asyncio

import grpc
from grpc_health.v1 import health_pb2
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Response as RawResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.deps import GatewayState


async def _service_health(state: GatewayState, name: str) -> str:
    try:
        reply = await state.services.health(name).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=2)
    except grpc.aio.AioRpcError as error:
        return f"UNREACHABLE ({error.code().name})"
    return health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)


class SystemController(Controller):
    tags = ["system"]

    @get("/healthz", summary="Gateway and every service's gRPC health",
         responses={503: ResponseSpec(dict, description="degraded: a service is not serving")})
    async def healthz(self, request: Request) -> Response[dict]:
        state: GatewayState = request.app.state.gateway
        names = sorted(state.services.channels)
        statuses = await asyncio.gather(*[_service_health(state, n) for n in names])
        services = dict(zip(names, statuses, strict=True))
        healthy = all(s == "SERVING" for s in statuses)
        return Response({"status": "ok" if healthy else "degraded", "services": services},
                        status_code=200 if healthy else 503)

    @get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(self) -> RawResponse[bytes]:
        return RawResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)
