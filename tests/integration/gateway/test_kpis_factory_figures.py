"""The KPI page's factory figures come from iot's network-wide query, paged through every
factory, and agree with iot's own answer."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import grpc
import httpx
import pytest

from demo.factories import factory_request
from demo.network import DEMO_FACTORIES, ROUND_THE_CLOCK
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.iot.v1 import iot_service_pb2_grpc
from gateway.app import create_app
from gateway.controllers import kpis as kpis_controller
from gateway.factory_figures import FactoryFigures
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.gateway.conftest import serve
from tests.integration.iot.conftest import (  # noqa: F401 -- the fixtures
    ADMIN,
    iot_service,
    make_tenant,
)
from tests.integration.iot.scenario import current_batch, now_ms, register_machine, stream
from tests.integration.iot.test_iot_factory_kpis import local_day

pytestmark = pytest.mark.integration
BEARER = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


@pytest.fixture(scope="module")
async def site(settings, orders_service, iot_service):  # noqa: F811
    """A gateway in front of orders and iot."""
    addresses = {"orders": f"127.0.0.1:{orders_service.port}",
                 "iot": f"127.0.0.1:{iot_service.port}"}
    app = create_app(settings, addresses)
    # figures read again behind every reader, so a test sees new energy without waiting a minute
    app.state["factory_figures"] = FactoryFigures(fresh_s=0)
    server, task, base_url = await serve(app)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client
    server.should_exit = True
    await task


async def listed_factories(stub) -> list[str]:
    ids, token = [], ""
    while True:
        reply = await stub.ListFactories(iot_pb.ListFactoriesRequest(
            page=dict(page_size=500, page_token=token)), metadata=ADMIN)
        ids += [f.factory_id for f in reply.factories]
        token = reply.next_page_token
        if not token:
            return ids


async def test_every_factory_has_its_figures_from_iot(site, iot_service, make_tenant,  # noqa: F811
                                                      monkeypatch):
    monkeypatch.setattr(kpis_controller, "KPI_PAGE", 2)  # several pages even in a small network
    tenant = await make_tenant(ref("KPIGW"))
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot_service.port}") as channel:
        stub = iot_service_pb2_grpc.IotServiceStub(channel)
        await stub.RegisterFactory(iot_pb.RegisterFactoryRequest(
            factory_id=tenant.factory_id, name="Figures works", capacity_share_percent=50,
            grid_emission_factor_kg_per_kwh=0.5, timezone="Asia/Shanghai"), metadata=ADMIN)
        machine = await register_machine(stub, tenant)
        start = now_ms() - 150_000
        await stream(stub, tenant, current_batch(
            machine, [start + 1000 * i for i in range(121)], [20.0] * 121))

        async def with_energy():
            body = (await site.get("/api/v1/kpis", params={"days": 1}, headers=BEARER)).json()
            mine = [f for f in body["factories"] if f["factory_id"] == tenant.factory_id]
            return body if mine and mine[0]["kwh"] else None

        body = await eventually(with_energy)
        network = await listed_factories(stub)
    figures = {f["factory_id"]: f for f in body["factories"]}
    assert sorted(figures) == sorted(network) and len(body["factories"]) == len(network)
    mine = figures[tenant.factory_id]
    assert mine["name"] == "Figures works"
    assert mine["kg_co2e"] == pytest.approx(mine["kwh"] * 0.5, abs=2e-3)
    # no shifts: no planned time, so utilisation and OEE stay empty rather than zero
    assert mine["utilisation"] is None and mine["oee"] is None
    assert mine["orders_produced"] == 0 and mine["kg_co2e_per_order"] is None


def board_card(html: str, factory_id: str) -> dict[str, str]:
    card = html[html.index(f'data-factory="{factory_id}"'):]
    card = card[:card.index("</section>")]
    return dict(re.findall(r'data-fig="(\w+)">([^<]*)<', card)) | {
        "day": re.search(r'data-day="([\d-]+)"', card).group(1)}


async def test_the_board_shows_the_run_time_iot_recorded_today(
        site, iot_service, make_tenant):  # noqa: F811
    """Issue 19: the board read 0.0 % while machines ran (today's whole shifts counted as
    planned, and the UTC day asked for). A factory of the demo network's round-the-clock kind
    (Asia/Shanghai), a saw running two minutes: the board's utilisation and OEE are iot's run
    time over the planned time of today so far, in the factory's own day."""
    tenant = await make_tenant(ref("BOARD"))
    demo = next(f for f in DEMO_FACTORIES if f.shifts == ROUND_THE_CLOCK)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot_service.port}") as channel:
        stub = iot_service_pb2_grpc.IotServiceStub(channel)
        await stub.RegisterFactory(factory_request(replace(demo, factory_id=tenant.factory_id)),
                                   metadata=ADMIN)
        machine = await register_machine(stub, tenant)
        start = now_ms() - 150_000
        await stream(stub, tenant, current_batch(
            machine, [start + 1000 * i for i in range(121)], [20.0] * 121))
        today = local_day(start)

        async def recorded():
            reply = await stub.GetOee(iot_pb.GetOeeRequest(factory_id=tenant.factory_id,
                                                           day=today), metadata=ADMIN)
            return reply.days[0] if reply.days and reply.days[0].run_seconds >= 100 else None

        before = await eventually(recorded)
        page = await site.get("/portal/factories", headers=BEARER)
        after = await recorded()
    assert page.status_code == 200, page.text[:300]
    card = board_card(page.text, tenant.factory_id)
    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai"))
    assert card["day"] == local.date().isoformat()
    # planned time is today's shift so far (since local midnight), not the whole day's 24 h
    since_midnight_h = local.hour + local.minute / 60 + local.second / 3600
    run_h, planned_h = map(float, re.findall(r"([\d.]+)", card["hours"])[:2])
    assert planned_h == pytest.approx(since_midnight_h, abs=0.06)
    assert run_h == pytest.approx(after.run_seconds / 3600, abs=0.06)
    shown = float(card["utilisation"].split()[0])
    assert before.run_seconds <= after.run_seconds
    lo = before.run_seconds / after.planned_production_seconds * 100
    hi = after.run_seconds / before.planned_production_seconds * 100
    assert lo - 0.05 <= shown <= hi + 0.05  # within the display's rounding
    assert float(card["oee"].split()[0]) == pytest.approx(after.oee * 100, abs=0.05)
