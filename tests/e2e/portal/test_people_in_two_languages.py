"""Issue 19's acceptance walk, in 简体中文 and in English: an admin invites a planner (the link
comes by mail, through a local SMTP server), the planner chooses a password, signs in and
pins an order to a factory and holds it out of planning, then cancels it; its history names
the planner in their role each time. On every page visited, every time is
Asia/Shanghai and says so (the browser itself is in London), and axe-core finds no serious or
critical accessibility violation. Screenshots land in tests/artifacts/."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from axe_playwright_python.async_playwright import Axe

from gateway.app import create_app
from gateway.settings import EdgeSettings
from infra.servers import free_port
from tests.conftest import TEST_ADMIN_KEY
from tests.e2e.portal.conftest import PORTAL_FACTORY
from tests.helpers import order_payload, ref
from tests.integration.gateway.test_accounts import Mailbox
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.e2e
PASSWORD = "a long enough password"
# A time as the portal writes it; each must be followed by its zone.
TIMES = {"en": re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?P<zone>[^\n<]{0,40})"),
         "zh-CN": re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d(?P<zone>[^\n<]{0,40})")}
NAMED = {"en": " CST (Asia/Shanghai)", "zh-CN": " (Asia/Shanghai)"}
WORDS = {"en": {"cancelled": "cancelled", "by": "by", "people": "People",
                "as_planner": " (planner)", "held": "held out of planning",
                "pinned": "Pinned to factory"},
         "zh-CN": {"cancelled": "已取消", "by": "操作人", "people": "人员",
                   "as_planner": "（计划员）", "held": "已暂停排产", "pinned": "已指定到工厂"}}


@pytest.fixture(scope="module")
def smtp() -> AsyncIterator[tuple[Mailbox, str]]:
    box = Mailbox()
    server = Controller(box, hostname="127.0.0.1", port=free_port())
    server.start()
    yield box, f"smtp://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture(scope="module")
async def people_portal(settings, services, factory_network, smtp) -> AsyncIterator[str]:
    """The portal of the package's services, mailing its links to the local SMTP server."""
    app = create_app(settings, {name: f"127.0.0.1:{r.port}" for name, r in services.items()},
                     EdgeSettings(smtp_url=smtp[1]))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


class Walk:
    """One person's browser: each page visited is checked for times and accessibility, and
    photographed."""

    def __init__(self, page, language: str, artifacts):
        self.page, self.language, self.artifacts = page, language, artifacts
        self.axe = Axe()
        self.times_seen = 0

    async def check(self, name: str) -> None:
        await self.page.wait_for_load_state("networkidle")
        assert await self.page.get_attribute("html", "lang") == self.language
        text = await self.page.locator("body").inner_text()
        assert "UTC" not in text, name
        for found in TIMES[self.language].finditer(text):
            assert found.group("zone").startswith(NAMED[self.language]), (name, found.group(0))
            self.times_seen += 1
        other = TIMES["zh-CN" if self.language == "en" else "en"]
        assert not [m.group(0) for m in other.finditer(text)
                    if not m.group("zone").startswith(NAMED["en"])], name
        results = await self.axe.run(self.page)
        serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"]
                   if v["impact"] in ("serious", "critical")]
        assert serious == [], (name, serious)
        await self.page.screenshot(path=str(self.artifacts / f"people-{self.language}-{name}.png"),
                                   full_page=True)


async def until_shown(page, selector: str, has_text: str | None = None, count: int = 1,
                     timeout_s: float = 60) -> None:
    """Reload until ``count`` elements match (what other services record arrives later)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while await page.locator(selector, has_text=has_text).count() < count:
        assert asyncio.get_running_loop().time() < deadline, (selector, has_text)
        await page.wait_for_timeout(500)
        await page.reload()


async def place_order(portal: str, settings) -> str:
    async with httpx.AsyncClient(base_url=portal) as client:
        placed = await client.post("/webhooks/dovetail/orders", **signed(settings, order_payload()))
        assert placed.status_code == 202, placed.text
        return placed.json()["order_id"]


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_an_admin_invites_a_planner_who_cancels_an_order(
        browser, people_portal, smtp, settings, artifacts, language):
    box, _ = smtp
    portal, words = people_portal, WORDS[language]
    order_id = await place_order(portal, settings)
    address = f"planner-{ref()}@example.com".lower()
    context = await browser.new_context(locale=language, timezone_id="Europe/London",
                                        viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        page = await context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        walk = Walk(page, language, artifacts)

        # The admin signs in (with the admin key: nobody has an account yet) and invites.
        await page.goto(f"{portal}/portal/people")
        await page.wait_for_url("**/portal/sign-in**")
        await walk.check("sign-in")
        await page.fill("input[name=key]", TEST_ADMIN_KEY)
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_url("**/portal/people")
        await walk.check("people")
        await page.fill("#invite-form input[name=email]", address)
        await page.fill("#invite-form input[name=role]", "planner")
        await page.click("#invite-form button[type=submit]")
        await page.locator("#people tr", has_text=address).wait_for(timeout=15_000)
        await walk.check("people-invited")
        await page.click("form[action='/portal/sign-out'] button")
        await page.wait_for_url("**/portal/sign-in")

        # The planner follows the mailed link, chooses a password and signs in.
        mail = next(m for m in reversed(box.messages) if m["To"] == address)
        assert mail["Subject"] == ("您受邀加入 Dovetail" if language == "zh-CN"
                                   else "You are invited to Dovetail")
        path, query = box.link_to(address)
        await page.goto(f"{portal}{path}?" + httpx.QueryParams(query).__str__())
        await walk.check("set-password")
        await page.fill("input[name=password]", PASSWORD)
        await page.fill("input[name=confirm]", PASSWORD)
        await page.click("main button[type=submit]")
        await page.wait_for_url("**/portal/sign-in**")
        await page.fill("input[name=email]", address)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_url("**/portal/orders")
        await walk.check("orders")

        # ... pins the order to a factory and holds it out of planning (issue 19) ...
        await page.goto(f"{portal}/portal/orders/{order_id}")
        await page.wait_for_selector("#timeline li")
        await walk.check("order")
        await until_shown(page, "#pin-form")  # once the order is configured
        await page.fill("#pin-factory", PORTAL_FACTORY)
        await page.fill("#pin-reason", "the customer collects there")
        await page.click("#pin-button")
        await page.locator("#pinned-factory", has_text=PORTAL_FACTORY).wait_for(timeout=15_000)
        await page.fill("#hold-reason", "waiting for the customer's colour")
        await page.click("#hold-button")
        await page.locator("#held-state", has_text=words["held"]).wait_for(timeout=15_000)
        by_planner = f"{words['by']} {address}{words['as_planner']}"
        await until_shown(page, "#timeline li", has_text=by_planner, count=2)
        pinned = page.locator("#timeline li", has_text=words["pinned"])
        assert by_planner in await pinned.inner_text()
        await walk.check("order-planning")

        # ... and cancels the order; its history names them.
        await page.fill("#cancel-form input[name=reason]", "customer changed their mind")
        await page.click("#cancel-form button[type=submit]")
        status = page.locator("#order-status", has_text=words["cancelled"])
        await status.wait_for(timeout=15_000)
        last = page.locator("#timeline li").last
        assert f"{words['by']} {address}" in await last.inner_text()
        await walk.check("order-cancelled")
        assert walk.times_seen >= 3  # placed, in the timeline, the cancel's time
        assert not errors, errors
    finally:
        await context.close()


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_every_admin_page_reads_in_the_language_and_passes_axe(
        browser, people_portal, settings, artifacts, language):
    """The rest of the portal as an admin meets it: the same checks on each page."""
    order_id = await place_order(people_portal, settings)
    context = await browser.new_context(locale=language, timezone_id="America/New_York",
                                        viewport={"width": 1280, "height": 900})
    try:
        page = await context.new_page()
        walk = Walk(page, language, artifacts)
        await page.goto(f"{people_portal}/portal/sign-in")
        await page.fill("input[name=key]", TEST_ADMIN_KEY)
        await page.click("#sign-in button[type=submit]")
        await page.wait_for_url("**/portal/orders")
        for name in ("factories", "schedule", "deliveries", "kpis", "keys", "forgot"):
            await page.goto(f"{people_portal}/portal/{name}")
            await walk.check(name)
        await page.goto(f"{people_portal}/portal/orders/{order_id}")
        await page.wait_for_selector("#timeline li")
        if await page.locator("#gantt-link").count():  # planned by now: its factory's chart
            await page.click("#gantt-link")
        await walk.check("order-or-schedule")
    finally:
        await context.close()
