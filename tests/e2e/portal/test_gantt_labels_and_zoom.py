"""The Gantt chart as a planner reads it (issue 19: bars were tiny and unlabelled): each bar
names its order where it is wide enough and always in its tooltip, zoom by shift, day or week,
one factory at a time, an order without a promised date drawn as such (not UNSPECIFIED)."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.e2e.portal.test_portal_in_chromium import sign_in

pytestmark = pytest.mark.e2e
HOUR = 3_600_000
ORDER, OTHER, SHORT = "c" * 36, "d" * 36, "e" * 36


def plan(now_ms: int) -> dict:
    """A plan in the shape GET /api/v1/schedule answers: a 3 h bar, a 20 min one, a bar of an
    order without a promised date."""
    def bar(op, start_h, end_h, order, risk="ON_TIME"):
        return {"operation_id": op, "order_id": order, "seq": 1,
                "start_ms": int(now_ms + start_h * HOUR), "end_ms": int(now_ms + end_h * HOUR),
                "status": "PLANNED", "risk": risk, "frozen": False, "label": f"{op} cut"}

    return {"plan_id": "plan-z", "published_at": None, "now_ms": now_ms, "lanes": [
        {"machine_id": "F-01-SAW-1", "factory_id": "F-01", "machine_type": "panel_saw",
         "available": True, "unavailable": [],
         "bars": [bar("op-1", 1, 4, ORDER), bar("op-2", 5, 5 + 1 / 3, SHORT)]},
        {"machine_id": "F-01-EB-1", "factory_id": "F-01", "machine_type": "edge_bander",
         "available": True, "unavailable": [], "bars": [bar("op-3", 2, 6, OTHER, risk="")]}]}


async def schedule_page(context, portal: str):
    """A signed-in page on F-01's schedule, the plan above answered for GET /api/v1/schedule."""
    page = await context.new_page()
    await sign_in(page, portal)
    body = json.dumps(plan(int(time.time() * 1000)))
    await page.route("**/api/v1/schedule*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=body))
    await page.goto(f"{portal}/portal/schedule?factory_id=F-01")
    await page.wait_for_selector("#gantt svg .bar")
    return page


async def labels(page) -> dict[str, str]:
    found = {}
    for label in await page.locator("#gantt text.bar-label").all():
        found[await label.get_attribute("data-order")] = await label.text_content()
    return found


async def test_bars_are_labelled_with_their_order_and_zoom_by_shift_day_week(browser, portal,
                                                                           artifacts):
    context = await browser.new_context(viewport={"width": 1366, "height": 700})
    try:
        page = await schedule_page(context, portal)
        assert await page.get_attribute("#gantt", "data-zoom") == "day"
        for rect in await page.locator("#gantt rect.bar").all():  # every bar: a tooltip
            order = await rect.get_attribute("data-order")
            assert f"order {order}" in await rect.locator("title").text_content()
        day = await labels(page)
        assert day[ORDER].startswith(ORDER[:8])  # 3 h of a day's view: the order fits
        assert await page.locator("#gantt rect.bar.no_due").count() == 1
        assert await page.locator("#gantt rect.bar.unspecified").count() == 0

        await page.click("#gantt-zoom a[data-zoom=shift]")
        await page.wait_for_url("**zoom=shift**")
        await page.wait_for_selector("#gantt[data-zoom=shift] svg .bar")
        shift = await labels(page)
        assert shift[ORDER] == f"{ORDER[:8]} · op-1 cut"  # wide: order and operation
        assert shift[OTHER].startswith(OTHER[:8])
        assert SHORT not in shift  # 20 min, ~26 px: too narrow even here; its tooltip names it
        tip = page.locator(f"#gantt rect.bar[data-order='{SHORT}'] title")
        assert f"order {SHORT}" in await tip.text_content()
        assert "factory_id=F-01" in page.url  # still the one factory
        await page.screenshot(path=str(artifacts / "portal-gantt-shift.png"), full_page=True)

        await page.click("#gantt-zoom a[data-zoom=week]")
        await page.wait_for_url("**zoom=week**")
        await page.wait_for_selector("#gantt[data-zoom=week] svg .bar")
        week = await labels(page)
        assert ORDER not in week  # 3 h of a week: too narrow for a label, the tooltip says it
        assert await page.locator("#gantt rect.bar").count() == 3
        assert await page.get_attribute("#gantt-zoom a[data-zoom=week]",
                                         "aria-current") == "page"
    finally:
        await context.close()


@pytest.mark.parametrize("language, first_tick, day_pattern", [
    ("zh-CN", r"^\d{1,2}月\d{1,2}日 \d\d:00$", r"\d{1,2}月\d{1,2}日"),
    ("en", r"^[A-Z][a-z]{2} \d{1,2} \d\d:00$", r"^[A-Z][a-z]{2} \d{1,2}$")])
async def test_the_time_axis_names_its_days_the_readers_way(browser, portal, language,
                                                            first_tick, day_pattern):
    """"7/12" is the 7th of December to a European and July to a Chinese reader: the axis says
    "12月7日" / "Dec 7" on its first tick and at midnights, the hour on the others."""
    context = await browser.new_context(locale=language, viewport={"width": 1366, "height": 700})
    try:
        page = await schedule_page(context, portal)
        ticks = [await t.text_content() for t in await page.locator("#gantt text.hour").all()]
        assert len(ticks) > 2 and re.match(first_tick, ticks[0]), ticks
        for tick in ticks[1:]:
            assert re.match(r"^\d\d:00$", tick) or re.match(first_tick, tick), ticks
        assert not any(re.search(r"\b\d{1,2}/\d{1,2}\b", tick) for tick in ticks), ticks
        await page.click("#gantt-zoom a[data-zoom=week]")
        await page.wait_for_selector("#gantt[data-zoom=week] svg .bar")
        days = [await t.text_content() for t in await page.locator("#gantt text.hour").all()]
        assert days and all(re.search(day_pattern, d) for d in days), days
    finally:
        await context.close()
