"""A maintenance stop on the portal's Gantt chart (issue 22): drawn apart from other planned
stops, its reason as its tooltip ("maintenance: cutting current up 18 % over 9 days")."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.portal.test_gantt_labels_and_zoom import HOUR, ORDER, plan
from tests.e2e.portal.test_portal_in_chromium import sign_in

pytestmark = pytest.mark.e2e
WHY = "maintenance: cutting current up 18 % over 9 days"


async def test_a_maintenance_stop_is_drawn_with_its_reason(browser, portal, artifacts):
    now_ms = int(time.time() * 1000)
    shown = plan(now_ms)
    saw = shown["lanes"][0]
    saw["unavailable"] = [
        {"start_ms": now_ms + 6 * HOUR, "end_ms": now_ms + 8 * HOUR, "reason": "PLANNED_STOP",
         "note": WHY},
        {"start_ms": now_ms + 9 * HOUR, "end_ms": now_ms + 10 * HOUR,
         "reason": "PLANNED_STOP", "note": "cleaning"}]
    context = await browser.new_context(viewport={"width": 1366, "height": 700})
    try:
        page = await context.new_page()
        await sign_in(page, portal)
        body = json.dumps(shown)
        await page.route("**/api/v1/schedule*", lambda route: route.fulfill(
            status=200, content_type="application/json", body=body))
        await page.goto(f"{portal}/portal/schedule?factory_id=F-01")
        await page.wait_for_selector(f"#gantt svg .bar[data-order='{ORDER}']")
        stop = page.locator("#gantt rect.off.maintenance")
        assert await stop.count() == 1
        assert await stop.locator("title").text_content() == WHY
        assert await page.locator(".legend .maintenance-key").count() == 1
        assert await page.locator("#gantt rect.off:not(.maintenance)[data-note=cleaning]"
                                  ).count() == 1
        await page.screenshot(path=str(artifacts / "portal-gantt-maintenance.png"))
    finally:
        await context.close()
