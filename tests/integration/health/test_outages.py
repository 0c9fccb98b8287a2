"""Health tells the truth through outages: a service and the gateway, on a PostgreSQL and a
NATS of their own, are not ready while either is killed (SIGKILL) and ready again once it is
back; liveness stays up throughout."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.delivery.application import DeliveryApplication
from services.delivery.main import build as build_delivery
from services.kit.health import LIVENESS
from tests.helpers import eventually
from tests.integration.health.stage import stage

pytestmark = pytest.mark.integration

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
# How long a flip may take here: the checks run every 0.5 s with a 1 s timeout (about 1.5 s),
# with room for a loaded 2-core machine. Measured times are printed.
FLIP_S = 10
# Coming back also waits for the pools to reconnect and, for NATS, for JetStream to answer.
BACK_S = 30


@pytest.fixture(scope="module")
async def outage(tmp_path_factory):
    """delivery and the gateway on their own PostgreSQL and NATS, which the tests kill."""
    async with stage(tmp_path_factory.mktemp("outage"), "delivery", DeliveryApplication,
                     build_delivery) as on:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{on.service.port}")
        outage = Outage(on.postgres, on.nats, health_pb2_grpc.HealthStub(channel), on.http)
        outage.readiness = on.service.readiness
        yield outage
        await channel.close()


class Outage:
    def __init__(self, postgres, nats, health, http):
        self.postgres, self.nats, self.health, self.http = postgres, nats, health, http
        self.readiness = None  # the delivery instance's (set by the fixture)

    async def grpc_status(self, service: str = "") -> int:
        reply = await self.health.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
        return reply.status

    async def until(self, what: str, condition, timeout: float, since: float) -> object:
        """What `condition()` returned once it held; prints the seconds since `since`."""
        found = await eventually(condition, timeout=timeout, interval=0.05)
        print(f"{what}: {time.monotonic() - since:.2f} s")
        return found

    async def everything_ready(self, since: float) -> None:
        await self.until("gRPC SERVING", self.serving, BACK_S, since)
        await self.until("/readyz 200", self.gateway_ready, BACK_S, since)
        await self.until("/healthz 200 (the gateway sees delivery SERVING)",
                         self.platform_ready, BACK_S, since)

    async def serving(self) -> bool:
        return await self.grpc_status() == SERVING

    async def not_serving(self) -> bool:
        return await self.grpc_status() == NOT_SERVING

    def gateway_names(self, dependency: str):
        """A check: /readyz answers 503 naming `dependency` and the service (its body then)."""

        async def check() -> dict | None:
            answer = await self.http.get("/readyz")
            body = answer.json()
            if answer.status_code == 503 and {dependency, "delivery"} <= set(body["missing"]):
                return body
            return None

        return check

    async def gateway_ready(self) -> bool:
        return (await self.http.get("/readyz")).status_code == 200

    async def platform_ready(self) -> bool:
        return (await self.http.get("/healthz")).status_code == 200

    async def still_alive(self) -> None:
        assert (await self.http.get("/livez")).status_code == 200
        assert await self.grpc_status(LIVENESS) == SERVING


def up(outage, dependency: str) -> bool:
    """This delivery instance's view of ``dependency``. (The dovetail_dependency_up gauge is
    process-wide: other tests' delivery and gateway in this process report the same labels,
    so it is checked in tests/unit/kit/test_readiness.py, not here.)"""
    return outage.readiness.status(dependency) is None


async def test_postgres_killed_turns_the_service_and_gateway_not_ready_then_back(outage):
    await outage.everything_ready(time.monotonic())
    outage.postgres.kill()
    killed = time.monotonic()

    await outage.until("PostgreSQL killed → gRPC NOT_SERVING", outage.not_serving, FLIP_S,
                       killed)
    for service_name in ("", "dovetail.delivery.v1.DeliveryService"):
        assert await outage.grpc_status(service_name) == NOT_SERVING

    await outage.until("PostgreSQL killed → /readyz 503 naming it",
                       outage.gateway_names("postgres"), FLIP_S, killed)
    body = (await outage.http.get("/healthz")).json()  # the older name answers the same
    assert body["status"] == "degraded"
    assert body["dependencies"]["postgres"] != "up" and body["dependencies"]["nats"] == "up"
    assert body["services"]["delivery"] == "NOT_SERVING"
    assert not up(outage, "postgres") and up(outage, "nats")
    await outage.still_alive()

    await asyncio.to_thread(outage.postgres.start)
    await outage.everything_ready(since=time.monotonic())
    assert up(outage, "postgres")
    body = (await outage.http.get("/readyz")).json()
    assert body == {"status": "ok", "missing": {}, "dependencies": {"postgres": "up", "nats": "up"},
                    "services": {"delivery": "SERVING"}}


async def test_nats_killed_turns_the_service_and_gateway_not_ready_then_back(outage):
    await outage.everything_ready(time.monotonic())
    outage.nats.kill()
    killed = time.monotonic()

    await outage.until("NATS killed → gRPC NOT_SERVING", outage.not_serving, FLIP_S, killed)

    body = await outage.until("NATS killed → /readyz 503 naming it",
                              outage.gateway_names("nats"), FLIP_S, killed)
    assert "postgres" not in body["missing"]
    assert not up(outage, "nats")
    await outage.still_alive()

    await asyncio.to_thread(outage.nats.start)
    await outage.everything_ready(since=time.monotonic())
    assert up(outage, "nats")
