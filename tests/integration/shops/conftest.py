"""Orders and the configurator in this process, and a gateway in front of both: a shop order
goes from the webhook through mapping to configuration on the real services."""

from __future__ import annotations

import pytest

from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build
from services.kit import runtime
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.integration.gateway.conftest import Gateway, serve


@pytest.fixture(scope="package")
async def configurator_service(settings):
    running = await runtime.start("configurator", settings, ConfiguratorApplication, build, port=0)
    await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
    yield running
    running.stop.set()
    await running.done


@pytest.fixture(scope="package")
async def shop_gateway(settings, orders_service, configurator_service) -> Gateway:
    import httpx

    from gateway.app import create_app

    app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}",
                                "configurator": f"127.0.0.1:{configurator_service.port}"})
    server, task, base_url = await serve(app)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            yield Gateway(app, client, base_url)
    finally:
        server.should_exit = True
        await task
