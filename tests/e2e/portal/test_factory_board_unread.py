"""The factory board with reads that failed, as a planner's browser meets it (issue 19): iot
refuses today's OEE and the machines' health (a real gRPC server in front of it answers those
two UNAVAILABLE). In 简体中文 and English the page says so above the board, on the factory's
figures and on each machine, the machines themselves still show, and axe-core finds nothing
serious or critical. Screenshots in tests/artifacts/."""

from __future__ import annotations

import grpc
import pytest

from dovetail.iot.v1 import iot_service_pb2_grpc
from gateway.app import create_app
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.e2e.workspace.test_factory_workspace import accessible
from tests.integration.conftest import orders_service  # noqa: F401 -- the fixture
from tests.integration.gateway.conftest import serve
from tests.integration.gateway.refusing_proxy import RefusingProxy
from tests.integration.iot import scenario
from tests.integration.iot.conftest import (
    Tenant,
    iot_service,  # noqa: F401 -- the fixture
)

pytestmark = pytest.mark.e2e
SAID = {"en": ("The machines' health could not be read", "Part of the board could not be read",
               "Today's utilisation and OEE could not be read", "Health not read"),
        "zh-CN": ("无法读取设备健康状况", "看板有部分内容未能读取", "无法读取今日的利用率和 OEE",
                  "健康状况未能读取")}


@pytest.fixture(scope="module")
async def board(settings, orders_service, iot_service):  # noqa: F811
    """The portal of a gateway that reaches iot through the refusing proxy; a factory (first
    on the board) with a saw."""
    tenant = Tenant("0AXE")
    await iot_service.runtime.keys.add(tenant.key, Principal("factory", tenant.factory_id))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot_service.port}") as channel:
        stub = iot_service_pb2_grpc.IotServiceStub(channel)
        await scenario.register_factory(stub, tenant)
        machine = await scenario.register_machine(stub, tenant)
    async with RefusingProxy(f"127.0.0.1:{iot_service.port}") as proxy:
        proxy.refused = {"GetOee", "ListMachineHealth"}
        app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}",
                                    "iot": proxy.address})
        server, task, base_url = await serve(app)
        try:
            yield base_url, tenant.factory_id, machine.machine_id
        finally:
            server.should_exit = True
            await task


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_a_board_with_reads_that_failed_says_so_and_passes_axe(browser, board, artifacts,
                                                                     language):
    base_url, factory_id, machine_id = board
    health, part, figures, tile = SAID[language]
    context = await browser.new_context(locale=language, timezone_id="Europe/London",
                                        viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        await page.goto(f"{base_url}/portal/sign-in")
        await page.fill("input[name=key]", TEST_ADMIN_KEY)
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_url("**/portal/orders")
        await page.goto(f"{base_url}/portal/factories")
        await page.wait_for_load_state("networkidle")
        card = page.locator(f'section[data-factory="{factory_id}"]')
        assert health in await page.locator("#health-unread").inner_text()
        assert part in await page.locator("#board-unread").inner_text()
        assert figures in await card.locator('[data-unread="oee"]').inner_text()
        assert tile in await card.locator(f'[data-machine="{machine_id}"]').inner_text()
        await accessible(page, f"board-unread-{language}")
        await page.screenshot(path=str(artifacts / f"board-unread-{language}.png"),
                              full_page=True)
    finally:
        await context.close()
