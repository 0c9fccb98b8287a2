"""A service and the gateway on a PostgreSQL and NATS of their own, for tests that kill them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from litestar import Litestar

from gateway.app import create_app
from gateway.main import server_config
from gateway.settings import EdgeSettings
from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit import runtime
from services.kit.settings import Settings
from tests.conftest import TEST_ADMIN_KEY


@asynccontextmanager
async def gateway_served(app: Litestar, timeout: float = 10) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app served by uvicorn in this event loop, and an HTTP client for it."""
    port = free_port()
    server = uvicorn.Server(server_config(app, EdgeSettings(), "127.0.0.1", port))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                     timeout=timeout) as http:
            yield http
    finally:
        server.should_exit = True
        await serving


@dataclass
class Stage:
    postgres: PostgresProcess
    nats: NatsProcess
    settings: Settings
    service: runtime.Running
    http: httpx.AsyncClient  # to the gateway


@asynccontextmanager
async def stage(root: Path, name: str, application, build) -> AsyncIterator[Stage]:
    """Service `name` (its application class and composition root's `build`) and a gateway
    calling it, on servers of their own under `root`."""
    postgres = await asyncio.to_thread(PostgresProcess(root / "pg" / "data", free_port()).start)
    nats = await asyncio.to_thread(NatsProcess(root / "nats", free_port(), free_port()).start)
    try:
        settings = Settings(home=root / "home", database_url=postgres.url, nats_url=nats.url,
                            admin_key=TEST_ADMIN_KEY, log_format="text")
        service = await runtime.start(name, settings, application, build, port=0)
        try:
            app = create_app(settings, {name: f"127.0.0.1:{service.port}"})
            async with gateway_served(app) as http:
                yield Stage(postgres, nats, settings, service, http)
        finally:
            service.stop.set()
            await service.done
    finally:
        await asyncio.to_thread(nats.stop)
        await asyncio.to_thread(postgres.stop)
