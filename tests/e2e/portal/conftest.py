"""The portal as a person meets it: orders, configurator and scheduling in this process with a
small factory network, a gateway in front, and Debian's Chromium driven by Playwright (never
`playwright install`: no download)."""

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
from services.scheduling.application import SchedulingApplication
from services.scheduling.main import build as build_scheduling
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.scheduling.conftest import TEST_SCHEDULER, publish, type_pb

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="package")
async def services(settings):
    started = []
    for name, app, build in (("orders", OrdersApplication, build_orders),
                             ("configurator", ConfiguratorApplication, build_configurator),
                             ("scheduling", SchedulingApplication,
                              lambda rt: build_scheduling(rt, TEST_SCHEDULER))):
        running = await runtime.start(name, settings, app, build, port=0)
        await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
        started.append((name, running))
    yield {name: running for name, running in started}
    for _, running in reversed(started):
        running.stop.set()
        await running.done


PORTAL_FACTORY = "F-PORTAL"
# One machine of every type, so whatever the configurator routes has somewhere to go.
MACHINE_TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
                 "assembly", "packing")


@pytest.fixture(scope="package")
async def factory_network(settings, services) -> str:
    """A factory registered the way iot announces one; scheduling plans onto it."""
    from dovetail.iot.v1 import iot_events_pb2 as iot
    from dovetail.iot.v1 import iot_service_pb2 as iot_pb

    await publish(settings, "iot", "factory_registered", PORTAL_FACTORY, iot.FactoryRegistered(
        factory=iot_pb.Factory(factory_id=PORTAL_FACTORY, name="Portal test works",
                               capacity_share_percent=100, timezone="Asia/Shanghai", active=True,
                               version=1)))
    for kind in MACHINE_TYPES:
        machine_id = f"{PORTAL_FACTORY}-{kind}"
        await publish(settings, "iot", "machine_registered", machine_id, iot.MachineRegistered(
            machine=iot_pb.Machine(machine_id=machine_id, factory_id=PORTAL_FACTORY,
                                   machine_type=type_pb(kind), speed_factor=1.0, active=True,
                                   version=1)))
    state = services["scheduling"].runtime.state

    async def registered():
        return sum(m.factory_id == PORTAL_FACTORY for m in state.machines.values()) == len(
            MACHINE_TYPES)

    await eventually(registered)
    yield PORTAL_FACTORY
    # The iot stream outlives this package: a scheduling service of a later test replays it,
    # and must not plan that test's orders onto this factory.
    await publish(settings, "iot", "factory_updated", PORTAL_FACTORY, iot.FactoryUpdated(
        factory=iot_pb.Factory(factory_id=PORTAL_FACTORY, name="Portal test works",
                               capacity_share_percent=100, timezone="Asia/Shanghai",
                               active=False, version=2)))


@pytest.fixture(scope="package")
async def portal(settings, services, factory_network) -> str:
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
