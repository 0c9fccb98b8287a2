"""Start a throwaway platform for a benchmark: embedded servers and service processes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from infra.launcher import ROOT
from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit.settings import Settings


@contextlib.contextmanager
def servers() -> Iterator[Settings]:
    """Fresh PostgreSQL and NATS in a temporary folder, on free ports."""
    with tempfile.TemporaryDirectory(prefix="dovetail-bench-") as tmp:
        home = Path(tmp)
        pg = PostgresProcess(home / "pg" / "data", free_port()).start()
        nats = NatsProcess(home / "nats", free_port(), free_port()).start()
        ports = {name: free_port() for name in Settings().service_ports}
        metrics = {name: free_port() for name in Settings().metrics_ports}
        settings = Settings(home=home, database_url=pg.url, nats_url=nats.url,
                            service_ports=ports, metrics_ports=metrics, gateway_port=free_port(),
                            log_level="WARNING", pool_size=10)
        try:
            yield settings
        finally:
            nats.stop()
            pg.stop()


@contextlib.contextmanager
def processes(settings: Settings, modules: list[str]) -> Iterator[list[subprocess.Popen]]:
    env = {**os.environ, **settings.to_env(), "PYTHONUNBUFFERED": "1"}
    logs = settings.home / "logs"
    logs.mkdir(exist_ok=True)
    started = []
    try:
        for module in modules:
            started.append(subprocess.Popen(
                [sys.executable, "-m", module], env=env, cwd=ROOT, start_new_session=True,
                stdout=open(logs / f"{module}.log", "ab"), stderr=subprocess.STDOUT))  # noqa: SIM115
        yield started
    finally:
        for p in started:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGTERM)
        for p in started:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


async def prepare(settings: Settings) -> None:
    from infra.launcher import prepare as prepare_platform

    await prepare_platform(settings)


def wait_healthy(settings: Settings, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{settings.gateway_port}/healthz"
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError("platform did not become healthy")


def run(coro):
    return asyncio.run(coro)
