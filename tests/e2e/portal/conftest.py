"""The portal as a person meets it: orders and configurator in this process, a gateway in front,
and Debian's Chromium driven by Playwright (never `playwright install`: no download)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
import uvicorn

from gateway.app import create_app
from infra.servers import free_port
from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build as build_configurator
from services.kit import runtime
from services.kit.auth import Principal
from services.orders.application import OrdersApplication
from services.orders.main import build as build_orders
from tests.conftest import TEST_ADMIN_KEY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="package")
async def services(settings):
    started = []
    for name, app, build in (("orders", OrdersApplication, build_orders),
                             ("configurator", ConfiguratorApplication, build_configurator)):
        running = await runtime.start(name, settings, app, build, port=0)
        await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
        started.append((name, running))
    yield {name: running for name, running in started}
    for _, running in reversed(started):
        running.stop.set()
        await running.done


@pytest.fixture(scope="package")
async def portal(settings, services) -> str:
    app = create_app(settings, {name: f"127.0.0.1:{r.port}" for name, r in services.items()})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture(scope="package")
async def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.skip("Debian's chromium is not installed (make test installs it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
