"""The platform as a user meets it: services and gateway as real processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from infra.launcher import ROOT
from infra.servers import free_port
from services.kit.auth import KeyStore, Principal
from services.kit.settings import Settings


@dataclass
class ServiceProcess:
    """One service (or the gateway) as a child process that a test may kill and restart."""

    module: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", self.module], env=self.env,
                                        cwd=ROOT, stdout=open(self.log, "ab"),  # noqa: SIM115
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self) -> None:
        """SIGKILL: no goodbye, as a power cut or the OOM killer would do it."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Platform:
    settings: Settings
    processes: dict[str, ServiceProcess]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.gateway_port}"

    def stop(self) -> None:
        for p in self.processes.values():
            p.stop()


async def _wait_healthy(url: str, timeout: float = 60, logs: Sequence[Path] = ()) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                answer = await client.get(f"{url}/healthz")
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.text[:2000]}"
            except httpx.HTTPError as exc:
                last = repr(exc)
            await asyncio.sleep(0.2)
    # what the next person needs to tell why: the last answer and the processes' last words
    tails = "".join(f"\n--- {log.name} (last lines)\n" + "\n".join(
        log.read_text(errors="replace").splitlines()[-15:]) for log in logs if log.exists())
    raise TimeoutError(f"platform not healthy after {timeout:.0f} s; /healthz: {last}{tails}")


@pytest.fixture(scope="session")
async def platform(settings, work_dir):
    """orders + gateway as processes on free ports, against the session's servers."""
    ports = {name: free_port() for name in settings.service_ports}
    metrics = {name: free_port() for name in settings.metrics_ports}
    s = settings.with_(service_ports=ports, metrics_ports=metrics, gateway_port=free_port(),
                       services=("orders",), log_format="json")
    from psycopg_pool import AsyncConnectionPool

    async with AsyncConnectionPool(s.database_url, min_size=1, max_size=2,
                                   kwargs={"autocommit": True}) as pool:
        keys = KeyStore(pool)
        await keys.ensure_schema()
        await keys.add(s.admin_key, Principal("admin"))
    env = {**os.environ, **s.to_env(), "PYTHONUNBUFFERED": "1"}
    logs = work_dir / "e2e-logs"
    logs.mkdir(exist_ok=True)
    processes = {
        "orders": ServiceProcess("services.orders.main", env, logs / "orders.log"),
        "gateway": ServiceProcess("gateway.main", env, logs / "gateway.log"),
    }
    for p in processes.values():
        p.start()
    running = Platform(s, processes)
    await wait_until_healthy(running)
    yield running
    for p in processes.values():
        p.stop()


async def wait_until_healthy(platform: Platform) -> None:
    await _wait_healthy(platform.base_url, logs=[p.log for p in platform.processes.values()])


async def launch(settings: Settings, services: Sequence[str], logs: Path) -> Platform:
    """Each of `services` and the gateway as processes, as `make up` runs them; healthy."""
    env = {**os.environ, **settings.to_env(), "PYTHONUNBUFFERED": "1"}
    await asyncio.to_thread(logs.mkdir, parents=True, exist_ok=True)
    processes = {name: ServiceProcess(f"services.{name}.main", env, logs / f"{name}.log")
                 for name in services}
    processes["gateway"] = ServiceProcess("gateway.main", env, logs / "gateway.log")
    for p in processes.values():
        p.start()
    running = Platform(settings, processes)
    try:
        await _wait_healthy(running.base_url, timeout=120,
                            logs=[p.log for p in processes.values()])
    except BaseException:
        running.stop()
        raise
    return running


async def wait_serving(platform: Platform, name: str, timeout: float = 90) -> None:
    """Until `name` (a service, or "gateway") answers its health check again."""
    if name == "gateway":
        await _wait_healthy(platform.base_url, timeout,
                            logs=[p.log for p in platform.processes.values()])
        return
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + timeout
    async with grpc.aio.insecure_channel(platform.settings.service_address(name)) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            await asyncio.sleep(0.2)
    raise TimeoutError(f"{name} not serving")
