"""Services started in this process, on free ports, against the session's real servers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest

from infra.servers import NatsProcess, PostgresProcess, free_port
from services.kit import runtime
from services.kit.auth import KeyStore, Principal
from services.kit.settings import Settings
from services.orders.application import OrdersApplication
from services.orders.main import build as build_orders
from tests.conftest import TEST_ADMIN_KEY

CHANNEL_KEY = "dvt_channel_test_dovetail"
OTHER_CHANNEL_KEY = "dvt_channel_test_other"
FACTORY_KEY = "dvt_factory_test_f1"


@contextmanager
def servers_of_its_own(home: Path) -> Iterator[Settings]:
    """A PostgreSQL and a NATS under `home` for tests that must not see what the session's
    servers hold, and the settings that point at them."""
    postgres = PostgresProcess(home / "pg" / "data", free_port()).start()
    nats = NatsProcess(home / "nats", free_port(), free_port()).start()
    try:
        yield Settings(home=home / "home", database_url=postgres.url, nats_url=nats.url,
                       admin_key=TEST_ADMIN_KEY, log_format="text")
    finally:
        nats.stop()
        postgres.stop()


@pytest.fixture(scope="session")
async def orders_service(settings):
    running = await runtime.start("orders", settings, OrdersApplication, build_orders, port=0)
    keys: KeyStore = running.runtime.keys
    await keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await keys.add(CHANNEL_KEY, Principal("channel", "dovetail"))
    await keys.add(OTHER_CHANNEL_KEY, Principal("channel", "othershop"))
    await keys.add(FACTORY_KEY, Principal("factory", "f1"))
    yield running
    running.stop.set()
    await running.done


@pytest.fixture(scope="session")
async def orders_channel(orders_service):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{orders_service.port}")
    yield channel
    await channel.close()


def auth(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


@pytest.fixture(scope="session")
async def gateway(settings, orders_service):
    """The gateway served by uvicorn in this event loop, and an HTTP client for it."""
    import asyncio

    import httpx
    import uvicorn

    from gateway.app import create_app
    from gateway.main import server_config
    from gateway.settings import EdgeSettings
    from infra.servers import free_port

    port = free_port()
    app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}"})
    server = uvicorn.Server(server_config(app, EdgeSettings(), "127.0.0.1", port))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    server.should_exit = True
    await task
