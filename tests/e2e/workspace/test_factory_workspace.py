"""A factory operator on a tablet, in 简体中文 and in English: signs in, starts and finishes the
next operation with one tap each, prints the order's labels (the PDF downloads; its QR codes
decode to the parts); every page says Asia/Shanghai and axe-core finds no serious violation on
it; then the same workspace on a phone. Screenshots in tests/artifacts/."""

from __future__ import annotations

import asyncio
import re
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe

from tests.integration.workspace.platform import planned_here, workspace_platform
from tests.integration.workspace.test_labels_and_cut_lists import qr_texts

pytestmark = pytest.mark.e2e
TABLET = {"width": 820, "height": 1180}
PHONE = {"width": 390, "height": 844}
DONE = re.compile(r"/factory/\?done=")
WORDS = {"en": {"Start": "Start", "Finish": "Finish", "Started": "Started.",
                "Finished": "Finished."},
         "zh-CN": {"Start": "开工", "Finish": "完工", "Started": "已开工。", "Finished": "已完工。"}}


async def accessible(page, name: str) -> None:
    """The page names the factory's zone, and axe-core finds nothing serious or critical."""
    assert "Asia/Shanghai" in await page.locator("body").inner_text(), name
    results = await Axe().run(page)
    serious = [(v["id"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], (name, serious)


@pytest.fixture(scope="module")
async def platform(settings):
    async with workspace_platform(settings) as running:
        yield running


@asynccontextmanager
async def signed_in(browser, platform, **options):
    """A tablet page (unless `options` say otherwise) signed in as a new operator of MINE:
    (page, their e-mail, the page errors seen), the browser context closed on leaving."""
    email, password = await platform.person("factory_operator")
    context = await browser.new_context(**{"viewport": TABLET, "timezone_id": "Europe/London",
                                           **options})
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, platform, email, password)
        yield page, email, errors
    finally:
        await context.close()


async def sign_in(page, platform, email: str, password: str) -> None:
    await page.goto(f"{platform.base_url}/factory/")
    await page.wait_for_url("**/portal/sign-in?next=/factory*")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", password)
    await page.click("#sign-in button[type=submit]")
    await page.wait_for_url("**/factory")


async def fits(page) -> None:
    """Nothing runs off the side of the screen."""
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{width} px wide on a " \
        f"{page.viewport_size['width']} px screen"


async def tap_until(page, op_id: str, button: str, timeout_s: float = 60) -> None:
    """Tap the operation's button once it is there (the plan shows a start a moment after
    scheduling records it: reload until then)."""
    row = page.locator(f'li[data-op="{op_id}"]')
    for _ in range(int(timeout_s * 2)):
        target = row.get_by_role("button", name=button, exact=True)
        if await target.count():
            await target.click()
            await page.wait_for_url(DONE)
            return
        await page.wait_for_timeout(500)
        await page.reload()
    raise AssertionError(f"no {button} button on {op_id}")


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_an_operator_works_through_the_next_operation_on_a_tablet(
        browser, platform, artifacts: Path, language: str):
    words = WORDS[language]
    order_id = await platform.place_order()
    ops = await planned_here(platform, order_id)
    first = min(ops, key=lambda o: ops[o][1].seq)
    email, password = await platform.person("factory_operator")
    context = await browser.new_context(viewport=TABLET, accept_downloads=True, locale=language,
                                        timezone_id="Europe/London")
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await sign_in(page, platform, email, password)
        assert await page.get_attribute("html", "lang") == language
        assert "Asia/Shanghai" in await page.locator("#shift").inner_text()
        assert await page.locator(f'li[data-op="{first}"]').count() == 1
        await accessible(page, "home")
        await tap_until(page, first, words["Start"])
        assert words["Started"] in await page.locator("#done").inner_text()
        await tap_until(page, first, words["Finish"])
        assert words["Finished"] in await page.locator("#done").inner_text()
        await fits(page)
        await page.screenshot(path=str(artifacts / f"factory_workspace_tablet_{language}.png"),
                              full_page=True)

        # Labels: the PDF downloads, and its QR codes open this order's parts.
        link = page.locator(f'li[data-op="{first}"] a.labels')
        async with page.expect_download() as download:
            await link.click()
        pdf = await asyncio.to_thread(Path(await (await download.value).path()).read_bytes)
        urls = qr_texts(pdf)
        assert urls and all(u.startswith(f"{platform.base_url}/factory/parts/{order_id}/")
                            for u in urls)
        await page.goto(urls[0])
        assert order_id in await page.locator("#part-order").inner_text()
        await page.goto(f"{platform.base_url}/factory/machines")
        await accessible(page, "machines")
        assert errors == []
    finally:
        await context.close()


async def test_the_workspace_fits_a_phone(browser, platform, artifacts: Path):
    email, password = await platform.person("factory_operator")
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await sign_in(page, platform, email, password)
        await page.locator("section.machine").first.wait_for()
        await fits(page)
        start = page.get_by_role("button", name="Start", exact=True).first
        if await start.count():
            box = await start.bounding_box()
            assert box["height"] >= 44  # a thumb can hit it
        await page.screenshot(path=str(artifacts / "factory_workspace_phone.png"),
                              full_page=True)
        await page.goto(f"{platform.base_url}/factory/machines")
        await fits(page)
    finally:
        await context.close()
