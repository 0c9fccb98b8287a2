"""A factory operator on a tablet, in 简体中文 and in English, accepts the maintenance a wearing
machine needs (issue 22): the page names why ("切削电流在 9 天内上升 18%" / "cutting current up
18 % over 9 days") and when, on the factory's clock with its zone; one tap accepts it, the
operator is named on it; axe-core finds nothing serious; the page fits a phone. Screenshots in
tests/artifacts/."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.iot.v1 import iot_events_pb2 as iot
from services.kit.words import Words
from services.kit.words_pb import words_pb
from tests.e2e.workspace.test_factory_workspace import (
    PHONE,
    accessible,
    fits,
    sign_in,
    signed_in,
)
from tests.helpers import eventually
from tests.integration.scheduling.conftest import publish
from tests.integration.workspace.platform import workspace_platform

pytestmark = pytest.mark.e2e
H = 3_600_000
MACHINE = {"zh-CN": "cnc_drill", "en": "sander"}
WORDS = {"en": {"why": "cutting current up 18 % over 9 days", "Accept": "Accept",
                "done": "Accepted: the machine's stop is in the plan.", "by": "Accepted by"},
         "zh-CN": {"why": "切削电流在 9 天内上升 18%", "Accept": "接受",
                   "done": "已接受：该设备的停机已列入计划。", "by": "接受"}}


def stamp(ms: int) -> Timestamp:
    return Timestamp(seconds=ms // 1000, nanos=ms % 1000 * 1_000_000)


@pytest.fixture(scope="module")
async def platform(settings):
    async with workspace_platform(settings) as running:
        yield running


# iot's words for the wear (services/iot/signals/wear.py)
SAID = Words.of("%(what)s up %(change)s %% over %(days)s days", what="cutting current",
                change=18, days=9)


async def wearing(platform, settings, kind: str) -> str:
    """iot alarms on MINE's machine of `kind`; the id of the task scheduling proposes."""
    machine = f"{platform.mine.factory_id}-{kind}"
    now = int(time.time() * 1000)
    await publish(settings, "iot", "machine_health_assessed", machine, iot.MachineHealthAssessed(
        machine_id=machine, factory_id=platform.mine.factory_id, assessed_at=stamp(now),
        score=35, horizon_hours=40, confidence=0.75, alarm=True,
        failure_expected_by=stamp(now + 40 * H),
        explanation=[SAID.english()], explanation_words=[words_pb(SAID)]))

    async def proposed():
        answer = await platform.client.get(
            f"/api/v1/factories/{platform.mine.factory_id}/maintenance/",
            headers=platform.mine.bearer)
        return next((t["task_id"] for t in answer.json()["tasks"]
                     if t["machine_id"] == machine), None)

    return await eventually(proposed, timeout=60)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
async def test_an_operator_accepts_maintenance_on_a_tablet(browser, platform, settings,
                                                          artifacts: Path, language: str):
    words = WORDS[language]
    task_id = await wearing(platform, settings, MACHINE[language])
    async with signed_in(browser, platform, locale=language) as (page, email, errors):
        await page.goto(f"{platform.base_url}/factory/maintenance/")
        assert await page.get_attribute("html", "lang") == language
        card = page.locator(f'section[data-task="{task_id}"]')
        assert words["why"] in await card.inner_text()
        await accessible(page, "maintenance")
        await fits(page)
        await page.screenshot(path=str(artifacts / f"factory_maintenance_tablet_{language}.png"),
                              full_page=True)
        await card.get_by_role("button", name=words["Accept"], exact=True).click()
        await page.wait_for_url(re.compile(r"/factory/maintenance/\?done=accepted"))
        assert words["done"] in await page.locator("#done").inner_text()
        assert await card.get_attribute("data-status") == "accepted"
        assert email in await card.inner_text() and words["by"] in await card.inner_text()
        await accessible(page, "maintenance accepted")
        await page.screenshot(
            path=str(artifacts / f"factory_maintenance_accepted_{language}.png"), full_page=True)
        assert errors == []


async def test_the_maintenance_page_fits_a_phone(browser, platform, settings, artifacts: Path):
    await wearing(platform, settings, "paint_line")
    email, password = await platform.person("factory_operator")
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = await context.new_page()
        await sign_in(page, platform, email, password)
        await page.goto(f"{platform.base_url}/factory/maintenance/")
        await page.locator("section.maintenance").first.wait_for()
        await fits(page)
        accept = page.get_by_role("button", name="Accept", exact=True).first
        assert (await accept.bounding_box())["height"] >= 44  # a thumb can hit it
        await page.screenshot(path=str(artifacts / "factory_maintenance_phone.png"),
                              full_page=True)
    finally:
        await context.close()
