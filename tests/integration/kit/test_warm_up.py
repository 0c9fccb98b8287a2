"""A service that warms up at start (compiles its kernels) answers liveness at once, is not
ready until the warm-up is done, and stays not ready, saying why, when the warm-up fails."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from infra.servers import free_port
from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build as build_configurator
from services.kit import runtime
from services.kit.health import LIVENESS
from tests.helpers import eventually

pytestmark = pytest.mark.integration
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def warming_with(step):
    """The configurator (no consumers) whose warm-up is `step`."""
    return lambda rt: replace(build_configurator(rt), consumers=[], warm_up=[step])


async def status(port: int, name: str) -> int | None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            reply = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=name))
        except grpc.aio.AioRpcError:
            return None  # not listening yet
        return reply.status


async def test_a_warming_service_is_alive_but_not_ready_until_warm(settings):
    warming, release = threading.Event(), threading.Event()

    def compile_kernels() -> None:
        warming.set()
        release.wait()

    port = free_port()
    starting = asyncio.create_task(runtime.start(
        "configurator", settings, ConfiguratorApplication, warming_with(compile_kernels),
        port=port))
    try:
        async def warming_and_alive() -> bool:
            if starting.done():
                starting.result()  # a start that failed says why here
                raise AssertionError("start returned before its warm-up was done")
            return warming.is_set() and await status(port, LIVENESS) == SERVING

        await eventually(warming_and_alive)
        assert await status(port, "") == NOT_SERVING
        assert not starting.done()
    finally:
        release.set()
    running = await starting
    try:
        # ready as start returns: no check round to wait for
        assert await status(port, "") == SERVING
        assert running.readiness.ready
    finally:
        running.stop.set()
        await running.done


async def test_a_failed_warm_up_leaves_the_service_not_ready_saying_why(settings):
    def compile_kernels() -> None:
        raise RuntimeError("cannot cache function '_score': no locator available")

    running = await runtime.start("configurator", settings, ConfiguratorApplication,
                                  warming_with(compile_kernels), port=0)
    try:
        assert await status(running.port, LIVENESS) == SERVING
        assert await status(running.port, "") == NOT_SERVING
        why = running.readiness.status("warm-up")
        assert why is not None and "compile_kernels" in why and "no locator available" in why
    finally:
        running.stop.set()
        await running.done
