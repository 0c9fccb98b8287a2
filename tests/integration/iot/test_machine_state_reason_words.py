"""Why a machine is in its state reads in the reader's language wherever people read it (issue
19, item 3): a machine gone silent is "静默超过 2 秒" to a reader of Chinese and "silent for more
than 2 s" without Accept-Language, on the factory board, the workspace's machines page and the
machines REST, from iot's words (the seconds an argument) carried through its published event
and its live status."""

from __future__ import annotations

import functools
import uuid

import grpc
import httpx
import pytest

from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from gateway.app import create_app
from services.iot.application import IotApplication
from services.iot.domain.tracker import SILENT
from services.iot.main import build
from services.kit import runtime
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.conftest import servers_of_its_own
from tests.integration.gateway.conftest import serve
from tests.integration.iot import scenario
from tests.integration.iot.conftest import IOT, Tenant

pytestmark = pytest.mark.integration
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
ENGLISH, CHINESE = "silent for more than 2 s", "静默超过 2 秒"  # IOT.offline_after_s


@pytest.fixture(scope="module")
def own_settings(work_dir):
    """Servers of the module's own: the factory board shows the first 100 factories, and on
    the session's servers this one could be any of many."""
    with servers_of_its_own(work_dir / f"reason-words-{uuid.uuid4().hex[:8]}") as own:
        yield own


@pytest.fixture(scope="module")
async def site(own_settings):
    """iot (machines silent after 2 s) and a gateway in front of it; a factory with a saw."""
    iot = await runtime.start("iot", own_settings, IotApplication,
                              functools.partial(build, iot=IOT), port=0)
    tenant = Tenant("WORDS")
    await iot.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await iot.runtime.keys.add(tenant.key, Principal("factory", tenant.factory_id))
    server, task, base_url = await serve(create_app(own_settings,
                                                    {"iot": f"127.0.0.1:{iot.port}"}))
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{iot.port}") as channel, \
                httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            stub = pb_grpc.IotServiceStub(channel)
            await scenario.register_factory(stub, tenant)
            machine = await scenario.register_machine(stub, tenant)
            yield client, stub, tenant, machine
    finally:
        server.should_exit = True
        await task
        iot.stop.set()
        await iot.done


@pytest.fixture(scope="module")
async def silent(site, own_settings):
    """The saw ran for ten seconds, then fell silent: its change to OFFLINE, as published."""
    _client, stub, tenant, machine = site
    batch = scenario.current_batch(machine, scenario.seconds_back(10), [20.0] * 10)
    await scenario.stream(stub, tenant, batch)

    async def offline():
        found = await scenario.state_changes(own_settings.nats_url, machine.machine_id)
        return found[-1] if "OFFLINE" in scenario.state_names(found) else None

    return await eventually(offline, timeout=60, interval=0.2)


async def test_the_published_change_carries_the_words_beside_the_english(silent):
    assert silent.reason == ENGLISH
    assert silent.reason_words.template == SILENT
    assert dict(silent.reason_words.args) == {"seconds": "2"}


async def test_the_machines_rest_says_it_in_the_readers_language(site, silent):
    client, _stub, tenant, machine = site
    url = f"/api/v1/machines/{machine.machine_id}/status"

    async def offline():
        body = (await client.get(url, headers=ADMIN)).json()
        return body if body["state"] == "OFFLINE" else None

    english = await eventually(offline, timeout=60, interval=0.2)
    chinese = (await client.get(url, headers=ADMIN | ZH)).json()
    listed = (await client.get("/api/v1/machines", params={"factory_id": tenant.factory_id},
                               headers=ADMIN | ZH)).json()["items"]

    assert english["reason"] == english["reason_said"] == ENGLISH
    assert english["reason_words"] == {"template": SILENT, "args": {"seconds": "2"}}
    assert chinese["reason_said"] == CHINESE and chinese["reason"] == ENGLISH
    assert [(m["reason_said"], m["reason"]) for m in listed] == [(CHINESE, ENGLISH)]


async def test_the_factory_board_and_the_machines_page_say_why_in_each_language(site, silent):
    client, _stub, tenant, machine = site
    tile = f'data-machine="{machine.machine_id}" title="'

    async def board(headers: dict) -> str:
        page = await client.get("/portal/factories", headers=ADMIN | headers)
        assert page.status_code == 200, page.text[:300]
        return page.text.split(tile)[1].split('"')[0]

    async def floor(headers: dict) -> str:
        page = await client.get("/factory/machines", headers={"Authorization": f"Bearer {tenant.key}"} | headers)
        assert page.status_code == 200, page.text[:300]
        return page.text.split(f'id="m-{machine.machine_id}"')[1].split("</section>")[0]

    async def said_offline():
        return await board({}) == ENGLISH or None

    await eventually(said_offline, timeout=60, interval=0.2)
    assert await board(ZH) == CHINESE
    assert CHINESE in await floor(ZH) and ENGLISH not in await floor(ZH)
    assert ENGLISH in await floor({})
