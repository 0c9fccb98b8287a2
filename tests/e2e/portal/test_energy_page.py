"""The energy page as a chain leader meets it (issue 21, acceptance): a factory with the demo's
tariff (Guangdong's time-of-use bands, a demand limit of 80 % of its running kW, as
demo/tariffs.py seeds every demo factory in `make up`), orders planned onto it, and the portal
showing the day's planned load over the tariff bands and the plan against the same work planned
energy-blind, as it is: cheaper, the same (work already in the valley when it is night in
Guangdong) or dearer, never "costs -0.2 CNY less". New orders are slotted in as soon as they fit
and weighed for energy when the planner next optimises; the page says so while it waits, and the
test reloads until that has happened. Then the plan must not cost more than the energy-blind one
unless it is less late. A screenshot goes to tests/artifacts/."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import grpc
import pytest

from demo.network import DEMO_FACTORIES
from demo.tariffs import tariff_request
from dovetail.orders.v1 import orders_events_pb2 as orders_events
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from services.scheduling.domain.power import RUNNING_KW
from services.scheduling.domain.tariffs import guangdong_industrial
from services.scheduling.rpc.tariffs import tariff_pb
from tests.conftest import TEST_ADMIN_KEY
from tests.e2e.portal.conftest import MACHINE_TYPES
from tests.e2e.portal.test_portal_in_chromium import sign_in
from tests.helpers import eventually
from tests.integration.scheduling.conftest import auth, configure, publish, scheduled

pytestmark = pytest.mark.e2e
ORDERS = 6
SETTLES_S = 120  # the optimisation after arrivals pause (optimise_after_s, 20 s), and load


async def test_the_energy_page_shows_the_planned_day_over_the_bands_and_the_savings(
        browser, portal, services, factory_network, settings, artifacts):
    # the demo factories' tariff, as make up seeds it (checked against the seed itself)
    demo = tariff_request(DEMO_FACTORIES[0]).tariff
    assert demo == tariff_pb(guangdong_industrial(
        demand_limit_kw=Decimal(str(demo.demand_limit_kw))))
    limit = Decimal(str(round(0.8 * sum(RUNNING_KW[t] for t in MACHINE_TYPES), 1)))
    tariff = tariff_pb(guangdong_industrial(demand_limit_kw=limit))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{services['scheduling'].port}") as channel:
        stub = pb_grpc.SchedulingServiceStub(channel)
        await stub.SetFactoryTariff(pb.SetFactoryTariffRequest(
            factory_id=factory_network, tariff=tariff), metadata=auth(TEST_ADMIN_KEY))
        orders = [str(uuid.uuid4()) for _ in range(ORDERS)]
        try:
            # promised for tomorrow: the energy step may move the work as far as its due date
            # lets it, so the page is looked at over the next days (due end of tomorrow UTC)
            tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
            for order_id in orders:
                await configure(settings, order_id,
                                promised=(tomorrow.year, tomorrow.month, tomorrow.day))
            for order_id in orders:
                await eventually(lambda o=order_id: scheduled(settings, o), timeout=120)
            await look_at_the_page(browser, portal, factory_network, artifacts)
        finally:  # the other portal tests plan onto this factory without a tariff, and the
            # platforms they start replay the streams: these orders must not take their work
            await stub.SetFactoryTariff(pb.SetFactoryTariffRequest(factory_id=factory_network),
                                        metadata=auth(TEST_ADMIN_KEY))
            for order_id in orders:
                await publish(settings, "orders", "cancelled", order_id,
                              orders_events.OrderCancelled(order_id=order_id, reason="test over"))


async def look_at_the_page(browser, portal: str, factory_id: str, artifacts) -> None:
    context = await browser.new_context(viewport={"width": 1366, "height": 1100})
    try:
        page = await context.new_page()
        await sign_in(page, portal)
        await page.click("nav a[href='/portal/energy']")
        await page.wait_for_url("**/portal/energy**")
        await page.goto(f"{portal}/portal/energy?factory_id={factory_id}")
        await page.wait_for_selector("svg#load-curve")
        bands = [await r.get_attribute("data-band")
                 for r in await page.locator("svg#load-curve rect.band").all()]
        assert bands[0] == "valley" and {"valley", "flat", "peak"} <= set(bands), bands
        assert await page.locator("svg#load-curve #planned-curve").count() == 1
        assert await page.locator("svg#load-curve #blind-curve").count() == 1
        assert await page.locator("svg#load-curve #demand-limit").count() == 1
        rows = page.locator("#tariff-bands tbody tr")
        assert await rows.count() >= 5
        assert "0.2470" in await rows.first.text_content()  # the valley's price
        await eventually(lambda: settled(page), timeout=SETTLES_S, interval=2.0)
        verdict = await page.locator("#energy-verdict").get_attribute("data-verdict")
        savings = await page.locator("#energy-savings").text_content() or ""
        table = page.locator("#energy-comparison tbody tr")
        cost = await table.first.locator("td").all_text_contents()
        late = await table.last.locator("td").all_text_contents()
        planned, blind = float(cost[0]), float(cost[1])
        planned_late, blind_late = float(late[0]), float(late[1])
        assert planned > 0, cost
        # the sentence says what the figures say, with no sign to read backwards
        assert verdict == ("cheaper" if planned < blind - 0.005 else
                           "dearer" if planned > blind + 0.005 else "same"), (verdict, cost)
        assert {"cheaper": "CNY less", "same": "costs the same", "dearer": "CNY more"}[verdict] \
            in savings and not re.search(r"-\d", savings), savings
        # planned with the tariff and settled, it costs no more than energy-blind at no
        # better lateness
        assert verdict != "dearer" or planned_late < blind_late, (cost, late)
        if verdict == "dearer":
            assert await page.locator("#energy-less-late").count() == 1
        assert "(Asia/Shanghai)" in await page.locator("#energy-made-at").text_content()
        assert "kg per kWh" in await page.locator("#grid-factor").text_content()
        # no hourly profile set: the annual factor, and the page says so
        assert await page.locator("#grid-factor").get_attribute("data-carbon") == "annual"
        # the day the work is planned on (with due dates far off, the valley of a later day)
        for _ in range(3):
            if await has_load(page, "#planned-curve"):
                break
            await page.click("#next-day")
            await page.wait_for_selector("svg#load-curve")
        assert await has_load(page, "#planned-curve")
        await page.screenshot(path=str(artifacts / "portal-energy.png"), full_page=True)
    finally:
        await context.close()


async def settled(page) -> bool:
    """Reloaded, the page shows no work the energy step has yet to weigh (orders slotted in
    since the planner last optimised)."""
    await page.reload()
    await page.wait_for_selector("#energy-verdict")
    return await page.locator("#energy-pending").count() == 0


async def has_load(page, curve: str) -> bool:
    """Whether the step line rises above 0 kW somewhere in the day (y above the axis)."""
    points = await page.get_attribute(f"svg#load-curve {curve}", "points")
    ys = [float(p.split(",")[1]) for p in (points or "").split()]
    return bool(ys) and min(ys) < max(ys)
