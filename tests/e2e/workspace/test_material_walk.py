"""Issue 20's acceptance walk, as a new user checks it, in 简体中文 and in English: the demo
factories have board stock (seeded as `make up` seeds it, demo/stock.py); a factory manager
finds the boards on the stock page, counts the white particleboard gone, nests this shift's
saw work and finds the batch under this shift's batches with a cutting diagram per board and a
label per part (the labels PDF prints); a planner opens the order on the portal and reads why
it waits ("waits for board … at factory … until …", the purchase due in three days). Every
page names Asia/Shanghai and axe-core finds nothing serious. Screenshots in tests/artifacts/."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import grpc
import pytest

from demo.network import DEMO_FACTORIES
from demo.stock import ZONE, counts, purchase, seed_stock
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from tests.conftest import TEST_ADMIN_KEY
from tests.e2e.workspace.test_factory_workspace import accessible
from tests.helpers import ref
from tests.integration.workspace.platform import planned_here, workspace_platform

pytestmark = pytest.mark.e2e
TABLET = {"width": 1024, "height": 1300}
ADMIN = (("authorization", f"Bearer {TEST_ADMIN_KEY}"), ("dovetail-actor", "demo stocktake"))
WORDS = {"en": {"waits": "waits for board particleboard-18 melamine-white 2800×2070 at factory",
                "shift": "This shift's cutting batches"},
         "zh-CN": {"waits": "的板材 particleboard-18 melamine-white 2800×2070，直到",
                   "shift": "本班次的开料批次"}}


@pytest.fixture(scope="module")
async def platform(settings):
    async with workspace_platform(settings) as running:
        yield running


@pytest.fixture(scope="module")
async def demo_stock(platform) -> list[str]:
    """Every demo factory's stock as `make up` seeds it, and MINE stocked the same way as the
    first demo factory (the workspace's factory stands in for it: same counts, same purchase)."""
    port = platform.services["configurator"].port
    today = datetime.now(ZONE).date()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.StockServiceStub(channel)
        seeded = await seed_stock(stub, ADMIN, today)
        mine = dataclasses.replace(DEMO_FACTORIES[0], factory_id=platform.mine.factory_id)
        for request in counts(mine):
            await stub.CountBoards(request, metadata=ADMIN)
        await stub.OrderBoards(purchase(mine, today), metadata=ADMIN)
    return seeded


async def sign_in(page, platform, role: str, next_path: str) -> None:
    people = platform.app.state.gateway.people
    email = f"{ref(role).lower()}@factory.example"
    scope = f"{role}:{platform.mine.factory_id}" if role.startswith("factory") else role
    _account, token = await asyncio.to_thread(people.app.invite, email, scope, "admin")
    await people.set_password(email, token, "a long shop-floor passphrase 42")
    await page.goto(f"{platform.base_url}{next_path}")
    await page.wait_for_url(re.compile(r"/portal/sign-in\?next="))
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", "a long shop-floor passphrase 42")
    async with page.expect_navigation():
        await page.click("#sign-in button[type=submit]")
    assert urlsplit(page.url).path.rstrip("/") == next_path.rstrip("/"), page.url


async def test_the_demo_factories_have_board_stock(platform, demo_stock):
    assert sorted(demo_stock) == sorted(f.factory_id for f in DEMO_FACTORIES)
    for f in DEMO_FACTORIES:
        assert all(request.counted > 0 for request in counts(f)), f.factory_id
        found = await platform.client.get(f"/api/v1/factories/{f.factory_id}/stock/",
                                          headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
        assert found.status_code == 200 and len(found.json()["lines"]) == len(counts(f))
        assert found.json()["purchases"][0]["quantity"] > 0


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_a_manager_cuts_this_shifts_batch_and_a_planner_sees_why_an_order_waits(
        browser, platform, demo_stock, artifacts: Path, language: str):
    words = WORDS[language]
    context = await browser.new_context(viewport=TABLET, locale=language,
                                        timezone_id="Europe/London")
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, platform, "factory_manager", "/factory/stock/")
        boards = await page.locator("#boards").inner_text()
        assert "particleboard-18" in boards and "2800 × 2070" in boards
        await accessible(page, "stock")
        await page.screenshot(path=str(artifacts / f"material_stock_{language}.png"),
                              full_page=True)

        # the white particleboard is all gone: the stocktake says 0
        count = page.locator("#count-form")
        await count.locator("input[name=material]").fill("particleboard-18")
        await count.locator("input[name=decor]").fill("melamine-white")
        await count.locator("select[name=size]").select_option("2800x2070")
        await count.locator("input[name=counted]").fill("0")
        await count.locator("button[type=submit]").click()
        await page.wait_for_url(re.compile(r"done=count"))

        order_id = await platform.place_order()  # a wardrobe in white particleboard
        await planned_here(platform, order_id)
        await page.goto(f"{platform.base_url}/factory/stock/batches/new")
        batch = ref(f"walk-{language}").lower()
        await page.locator("#batch-form input[name=batch]").fill(batch)
        await page.locator("#batch-form button[type=submit]").click()
        await page.locator("#done").wait_for()
        assert await page.locator("section.diagram svg").count() >= 1

        await page.goto(f"{platform.base_url}/factory/stock/")
        shift = page.locator("#shift-batches")
        assert words["shift"] in await shift.inner_text()
        await shift.get_by_role("link", name=batch).click()
        await page.wait_for_url(f"**/factory/stock/batches/{batch}")
        diagrams = page.locator("img.board")
        assert await diagrams.count() >= 1
        assert all(await diagrams.evaluate_all("els => els.map(e => e.complete && "
                                               "e.naturalWidth > 0)"))
        labels = await page.locator("section.diagram td a").all_inner_texts()
        assert any(text.startswith(order_id.replace("-", "")[:12]) for text in labels)
        printed = await page.request.get(
            platform.base_url + await page.locator("#batch-labels").get_attribute("href"))
        assert printed.ok and (await printed.body()).startswith(b"%PDF")
        await accessible(page, "batch")
        await page.screenshot(path=str(artifacts / f"material_batch_{language}.png"),
                              full_page=True)
        assert errors == []
    finally:
        await context.close()

    planner = await browser.new_context(viewport=TABLET, locale=language,
                                        timezone_id="Europe/London")
    try:
        page = await planner.new_page()
        await sign_in(page, platform, "planner", f"/portal/orders/{order_id}")
        waits = page.locator("#board-waits")
        for _ in range(60):  # scheduling hears of the batch a moment after it is nested
            if await waits.count():
                break
            await page.wait_for_timeout(1000)
            await page.reload()
        said = await waits.inner_text()
        assert words["waits"] in said and platform.mine.factory_id in said
        assert "Asia/Shanghai" in said
        await accessible(page, "order")
        await page.screenshot(path=str(artifacts / f"material_order_waits_{language}.png"),
                              full_page=True)
    finally:
        await planner.close()
