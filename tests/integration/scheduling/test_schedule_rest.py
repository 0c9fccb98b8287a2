"""The schedule through the gateway, one factory at a time: REST answers one factory's lanes
or a small page of factories, and the portal's schedule page picks a factory (searched and
paged by the gateway) and draws only its lanes."""

from __future__ import annotations

import grpc
import httpx
import pytest

from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.iot.v1 import iot_service_pb2_grpc
from gateway.app import create_app
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from tests.integration.gateway.conftest import serve
from tests.integration.iot.conftest import iot_service  # noqa: F401 -- the fixture
from tests.integration.scheduling.conftest import auth

pytestmark = pytest.mark.integration
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


@pytest.fixture(scope="module")
async def site(settings, orders_service, scheduling, network, iot_service):  # noqa: F811
    """A gateway in front of orders, scheduling and iot; three factories named alike in iot."""
    prefix = ref("PICK")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot_service.port}") as channel:
        stub = iot_service_pb2_grpc.IotServiceStub(channel)
        for n in (1, 2, 3):
            await stub.RegisterFactory(iot_pb.RegisterFactoryRequest(
                factory_id=f"{prefix}-{n}", name=f"Picker works {n}", capacity_share_percent=50,
                timezone="Asia/Shanghai"), metadata=auth(TEST_ADMIN_KEY))
    addresses = {"orders": f"127.0.0.1:{orders_service.port}",
                 "scheduling": f"127.0.0.1:{scheduling.port}",
                 "iot": f"127.0.0.1:{iot_service.port}"}
    server, task, base_url = await serve(create_app(settings, addresses))
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client, prefix
    server.should_exit = True
    await task


async def test_one_factory_gets_its_own_lanes_only(site, network):
    client, _ = site
    response = await client.get("/api/v1/schedule", params={"factory_id": network[0]},
                                headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["factories"] == [network[0]] and body["next_cursor"] is None
    assert len(body["lanes"]) == 4 and {la["factory_id"] for la in body["lanes"]} == {network[0]}


async def test_without_a_factory_the_network_comes_a_small_page_at_a_time(site):
    client, _ = site
    seen, cursor = [], None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/schedule", params=params, headers=ADMIN)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["factories"]) <= 2
        assert {la["factory_id"] for la in page["lanes"]} <= set(page["factories"])
        seen += page["factories"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(seen) and len(seen) == len(set(seen))


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 11}, "limit"), ({"limit": 0}, "limit"), ({"limit": "many"}, "limit"),
    ({"factory_id": "F" * 65}, "factory_id"),
    ({"factory_id": "F1", "cursor": "abc"}, "cursor"),
    ({"cursor": "not-a-cursor!"}, "cursor"),
    ({"hours_after": 0}, "hours_after")])
async def test_bad_schedule_parameters_are_422_naming_the_field(site, params, field):
    client, _ = site
    response = await client.get("/api/v1/schedule", params=params, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


async def test_the_schedule_page_picks_a_factory_and_pages_the_search(site):
    client, prefix = site
    page = await client.get("/portal/schedule", params={"q": prefix}, headers=ADMIN)
    assert page.status_code == 200, page.text
    assert f'data-factory="{prefix}-1"' in page.text  # the first match is drawn
    assert page.text.count('<li><a href="/portal/schedule?factory_id=') == 3
    assert "1–3 of 3 factories" in page.text
    named = await client.get("/portal/schedule", params={"q": "picker works", "factory_id":
                                                           f"{prefix}-3"}, headers=ADMIN)
    assert f'data-factory="{prefix}-3"' in named.text and 'aria-current="true"' in named.text
    everyone = await client.get("/portal/schedule", headers=ADMIN)
    assert everyone.text.count('<li><a href="/portal/schedule?factory_id=') <= 25
    later = await client.get("/portal/schedule", params={"at": "abc", "q": "zz-none"},
                             headers=ADMIN)
    assert later.status_code == 200 and "No factory matches." in later.text
