"""Operator endpoints: liveness, readiness (what the gateway needs and lacks), metrics.

Probes read what the background checks last found (services.kit.health.Readiness, started
in create_app's lifespan); they never reach a dependency themselves.

`/readyz` is this gateway's own readiness: its PostgreSQL and NATS. The services it calls are
reported in the body but do not fail it: one service down would otherwise take every gateway
out of a load balancer's rotation, and with it the portal, tracking, and the fast 503 (with
Retry-After) a shop gets for what that service cannot do now. `/healthz` is the platform's:
503 while anything, a service included, is missing (what `make up` and tests wait for).
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


def readiness_report(readiness: Readiness, services: list[str]) -> tuple[dict, bool]:
    """Each of the gateway's own dependencies (up or why not), each service's gRPC health;
    and whether the gateway's own dependencies are all up."""
    own = [name for name in readiness.checks if name not in services]
    report = {"status": "ok" if readiness.ready else "degraded",
              "missing": dict(readiness.missing),
              "dependencies": {name: readiness.status(name) or "up" for name in own},
              "services": {name: readiness.status(name) or "SERVING" for name in services}}
    return report, all(readiness.status(name) is None for name in own)


class SystemController(Controller):
    tags = ["system"]

    @get("/livez", summary="The gateway process answers (whatever its dependencies)")
    async def livez(self) -> dict:
        return {"status": "alive"}

    @get("/readyz", summary="This gateway is ready: its PostgreSQL and NATS reachable",
         description="The services are reported (`services`) but do not fail it.",
         responses=NOT_READY)
    async def readyz(self, request: Request) -> Response[dict]:
        report, own_ready = _report(request)
        return Response(report, status_code=200 if own_ready else 503)

    @get("/healthz", summary="The platform is ready: PostgreSQL, NATS and every service",
         responses=NOT_READY)
    async def healthz(self, request: Request) -> Response[dict]:
        report, _ = _report(request)
        return Response(report, status_code=200 if not report["missing"] else 503)

    @get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(self) -> RawResponse[bytes]:
        return RawResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _report(request: Request) -> tuple[dict, bool]:
    readiness: Readiness = request.app.state.readiness
    state: GatewayState = request.app.state.gateway
    return readiness_report(readiness, sorted(state.services.channels))
