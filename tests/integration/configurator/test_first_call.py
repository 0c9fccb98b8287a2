"""A configurator that says it is ready answers its first Configure without compiling.

The nesting kernel (numba) compiles on its first call after an install: 15 s on a loaded
two-core box, and the gateway gives Configure 10 s, so a designer's first quote after a
restart got a 503. The service now compiles it at start and is not ready (gRPC health "")
until it has. The process here starts with an empty numba cache, as after an install.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest
from google.protobuf import struct_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc

from dovetail.configurator.v1 import configurator_service_pb2 as pb
from dovetail.configurator.v1 import configurator_service_pb2_grpc as pb_grpc
from infra.servers import free_port
from tests.helpers import eventually
from tests.integration.configurator.conftest import DESIGNER_KEY
from tests.integration.conftest import auth

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[3]
# How long a cold compile may take before the test gives up waiting (not a measure of speed).
STARTING_S = 600


def kernel_cache(cache: Path) -> dict[str, int]:
    """The nesting kernel's files in numba's cache: name -> modification time."""
    return {p.name: p.stat().st_mtime_ns for p in cache.rglob("guillotine_jit.*")}


@pytest.fixture
def fresh_install(settings, configurator_service, tmp_path):
    """The configurator in a process of its own, its numba cache empty; its gRPC port."""
    port = free_port()
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("DOVETAIL_", "NUMBA_"))}
    env = {**keep, **settings.to_env(), "DOVETAIL_CONFIGURATOR_PORT": str(port),
           "DOVETAIL_CONFIGURATOR_METRICS_PORT": str(free_port()),
           "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    with open(tmp_path / "configurator.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.configurator.served_alone"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield port, tmp_path / "numba"
        finally:
            process.terminate()
            process.wait()


async def test_a_ready_configurator_has_compiled_its_nesting_kernel(fresh_install):
    port, cache = fresh_install
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        health = health_pb2_grpc.HealthStub(channel)

        async def ready() -> bool:
            try:
                reply = await health.Check(health_pb2.HealthCheckRequest(service=""))
            except grpc.aio.AioRpcError:
                return False  # not listening yet
            return reply.status == health_pb2.HealthCheckResponse.SERVING

        await eventually(ready, timeout=STARTING_S, interval=0.05)
        compiled = kernel_cache(cache)
        assert any(name.endswith(".nbi") for name in compiled), compiled

        design = struct_pb2.Struct()
        design.update({"width_mm": 2000, "height_mm": 2400, "depth_mm": 600})
        configured = await pb_grpc.ConfiguratorServiceStub(channel).Configure(
            pb.ConfigureRequest(product="wardrobe", options=design, quantity=4),
            metadata=auth(DESIGNER_KEY))
        assert configured.WhichOneof("outcome") == "spec"
        # The first call compiled nothing more (numba saves what it compiles).
        assert kernel_cache(cache) == compiled
