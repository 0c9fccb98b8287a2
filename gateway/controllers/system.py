"""Operator endpoints: liveness, readiness (what the gateway needs and lacks), metrics.

Probes read what the background checks last found (services.kit.health.Readiness, started
in create_app's lifespan); they never reach a dependency themselves.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Response as RawResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from gateway.deps import GatewayState
from services.kit.health import Readiness

NOT_READY = {503: ResponseSpec(dict, description="not ready: `missing` names each dependency "
                                                  "it cannot reach, and why")}


def readiness_report(readiness: Readiness, services: list[str]) -> dict:
    """Each of the gateway's own dependencies (up or why not), each service's gRPC health."""
    own = [name for name in readiness.checks if name not in services]
    return {"status": "ok" if readiness.ready else "degraded",
            "missing": dict(readiness.missing),
            "dependencies": {name: readiness.status(name) or "up" for name in own},
            "services": {name: readiness.status(name) or "SERVING" for name in services}}


class SystemController(Controller):
    tags = ["system"]

    @get("/livez", summary="The gateway process answers (whatever its dependencies)")
    async def livez(self) -> dict:
        return {"status": "alive"}

    @get(["/readyz", "/healthz"], summary="Ready: PostgreSQL, NATS and every service reachable",
         description="`/healthz` is the older name of `/readyz`.", responses=NOT_READY)
    async def readyz(self, request: Request) -> Response[dict]:
        readiness: Readiness = request.app.state.readiness
        state: GatewayState = request.app.state.gateway
        report = readiness_report(readiness, sorted(state.services.channels))
        return Response(report, status_code=200 if readiness.ready else 503)

    @get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(self) -> RawResponse[bytes]:
        return RawResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)
