"""A database and a NATS server of their own: these tests change which admin key is the
bootstrap key (revoking the one before), which must never touch the session's platform."""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest

from gateway.app import create_app
from infra.servers import NatsProcess, free_port
from services.kit import runtime
from services.kit.settings import Settings
from services.orders.application import OrdersApplication
from services.orders.main import build as build_orders
from tests.integration.gateway.conftest import serve


def strong_key() -> str:
    return f"dvt_admin_{secrets.token_urlsafe(32)}"


@pytest.fixture(scope="package")
def own_nats(work_dir):
    server = NatsProcess(work_dir / "security-nats", free_port(), free_port()).start()
    yield server
    server.stop()


@pytest.fixture
async def own_settings(settings, postgres, own_nats) -> Settings:
    """The session's settings on a fresh database and this package's NATS."""
    name = f"security_{uuid.uuid4().hex[:10]}"
    async with await psycopg.AsyncConnection.connect(postgres.url, autocommit=True) as conn:
        await conn.execute(f"CREATE DATABASE {name}")
    return settings.with_(database_url=postgres.url.rsplit("/", 1)[0] + f"/{name}",
                          nats_url=own_nats.url, admin_key=strong_key())


@dataclass
class Platform:
    """The orders service and the gateway in this process, as one start of the platform."""

    orders: runtime.Running
    http: httpx.AsyncClient
    base_url: str

    def bearer(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}


@contextlib.asynccontextmanager
async def started(settings: Settings, orders_host: str = "127.0.0.1") -> AsyncIterator[Platform]:
    """Start orders and the gateway with `settings`; stop both on leaving."""
    orders = await runtime.start("orders", settings, OrdersApplication, build_orders, port=0)
    try:
        app = create_app(settings, {"orders": f"{orders_host}:{orders.port}"})
        server, task, base_url = await serve(app)
        try:
            async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
                yield Platform(orders, http, base_url)
        finally:
            server.should_exit = True
            await task
    finally:
        orders.stop.set()
        await orders.done
