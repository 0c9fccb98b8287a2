"""A client channel to a service that went away tries it again every second or so, however
long it has been away: gRPC core's default backoff grows 1.6 times per attempt up to 120 s,
and the gateway noticed a service back 15.5 s after a 60 s outage."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from infra.servers import free_port
from services.kit.settings import Settings
from services.kit.tls import client_channel

pytestmark = pytest.mark.integration

# Nobody listens this long. gRPC's default attempts come about 1, 2.6, 5.2, 9.3 and 15.8 s
# after the first (each with 20 % jitter): a server back at 11 s is found 2.5 to 7 s late.
AWAY_S = 11.0
# Found within max_reconnect_backoff_ms (1 s) with its jitter, and room for a loaded machine.
FOUND_WITHIN_S = 2.0


async def test_a_channel_finds_a_server_back_within_a_second_or_two(tmp_path):
    port = free_port()
    channel = client_channel(Settings(home=tmp_path), f"127.0.0.1:{port}")

    async def ask() -> health_pb2.HealthCheckResponse:
        # A call that waits for the channel to be ready keeps it trying meanwhile.
        return await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=AWAY_S + 15, wait_for_ready=True)

    waiting = asyncio.create_task(ask())
    server = grpc.aio.server()
    try:
        await asyncio.sleep(AWAY_S)
        health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
        back = time.monotonic()
        reply = await waiting
        found = time.monotonic() - back
    finally:
        waiting.cancel()
        await channel.close()
        await server.stop(None)
    print(f"the channel found the server {found:.2f} s after it listened again "
          f"(away {AWAY_S:g} s)")
    assert reply.status == health_pb2.HealthCheckResponse.SERVING
    assert found <= FOUND_WITHIN_S
