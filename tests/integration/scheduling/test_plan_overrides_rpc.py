"""A planner's overrides through real servers (issue 19): scheduling's PlanOverridesService
with the gateway's admin key naming the person and their role, the planner honouring the pin
and the hold, and the orders service keeping each override in the order's history."""

from __future__ import annotations

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from dovetail.scheduling.v1 import plan_overrides_service_pb2 as pb
from dovetail.scheduling.v1 import plan_overrides_service_pb2_grpc as pb_grpc
from gateway.app import create_app
from services.kit.auth import ACTOR_METADATA, ACTOR_ROLE_METADATA, Principal
from services.scheduling.domain.problem import HELD
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.conftest import CHANNEL_KEY
from tests.integration.gateway.conftest import serve
from tests.integration.scheduling.conftest import (
    KEY_A,
    auth,
    configure,
    publish,
    type_pb,
)
from tests.integration.test_orders_service import place_request

pytestmark = pytest.mark.integration

LI_WEI = "li.wei@example.com"
AS_LI_WEI = auth(TEST_ADMIN_KEY) + ((ACTOR_METADATA, LI_WEI), (ACTOR_ROLE_METADATA, "planner"))


@pytest.fixture(scope="module")
async def overrides(scheduling):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{scheduling.port}")
    yield pb_grpc.PlanOverridesServiceStub(channel)
    await channel.close()


@pytest.fixture(scope="module")
async def saw_shop(scheduling, network, settings) -> str:
    """A factory with a panel saw only: it cannot make the test's routings."""
    fid = f"FS-{ref('S').lower()}"
    await publish(settings, "iot", "factory_registered", fid, iot.FactoryRegistered(
        factory=iot_pb.Factory(factory_id=fid, name=fid, timezone="Asia/Shanghai", active=True,
                               version=1)))
    await publish(settings, "iot", "machine_registered", f"{fid}-saw", iot.MachineRegistered(
        machine=iot_pb.Machine(machine_id=f"{fid}-saw", factory_id=fid,
                               machine_type=type_pb("panel_saw"), speed_factor=1.0,
                               active=True, version=1)))
    state = scheduling.runtime.state

    async def registered():
        return f"{fid}-saw" in state.machines

    await eventually(registered)
    return fid


def violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)
    out = {}
    for detail in status.details if status else []:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out.update({v.field: v.description for v in bad.field_violations})
    return out


async def test_a_planner_pins_holds_and_releases_an_order_and_its_history_says_who(
        scheduling, network, overrides, orders_channel, settings):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    placed = await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    order_id = placed.order_id
    await configure(settings, order_id)

    async def order_where(check):
        got = (await orders.GetOrder(orders_pb.GetOrderRequest(order_id=order_id),
                                     metadata=auth(TEST_ADMIN_KEY))).order
        return got if check(got) else None

    first = await eventually(lambda: order_where(lambda o: o.factory_id), timeout=90)
    other = network[1] if first.factory_id == network[0] else network[0]

    pinned = await overrides.PinOrder(pb.PinOrderRequest(
        order_id=order_id, factory_id=other, reason="the customer collects there"),
        metadata=AS_LI_WEI)
    assert (pinned.overrides.pinned_factory_id, pinned.overrides.weight) == (other, 1)
    await eventually(lambda: order_where(lambda o: o.factory_id == other), timeout=90)

    await overrides.HoldOrder(pb.HoldOrderRequest(order_id=order_id, held=True,
                                                  reason="waiting for the colour"),
                              metadata=AS_LI_WEI)
    await eventually(lambda: order_where(lambda o: o.planning_issue == HELD), timeout=90)
    released = await overrides.HoldOrder(pb.HoldOrderRequest(
        order_id=order_id, held=False, reason="colour confirmed"), metadata=AS_LI_WEI)
    assert not released.overrides.held
    await eventually(lambda: order_where(lambda o: not o.planning_issue and o.factory_id == other),
                     timeout=90)
    weighed = await overrides.PrioritiseOrder(pb.PrioritiseOrderRequest(
        order_id=order_id, weight=5, reason="showroom piece"), metadata=AS_LI_WEI)
    assert weighed.overrides.weight == 5

    async def history():
        entries = (await orders.GetOrderHistory(orders_pb.GetOrderHistoryRequest(
            order_id=order_id), metadata=auth(TEST_ADMIN_KEY))).entries
        found = [(e.summary, e.by, e.by_role) for e in entries if e.type == "PlanOverridden"]
        return found if len(found) == 4 else None

    assert await eventually(history, timeout=60) == [
        (f"Pinned to factory {other}: the customer collects there", LI_WEI, "planner"),
        ("Held out of planning: waiting for the colour", LI_WEI, "planner"),
        ("Released into planning: colour confirmed", LI_WEI, "planner"),
        ("Priority set to 5: showroom piece", LI_WEI, "planner")]
    got = await overrides.GetPlanOverrides(pb.GetPlanOverridesRequest(order_id=order_id),
                                           metadata=auth(TEST_ADMIN_KEY))
    assert (got.overrides.pinned_factory_id, got.overrides.held, got.overrides.weight) == (
        other, False, 5)


async def test_bad_overrides_are_refused_field_by_field(
        scheduling, network, overrides, saw_shop, orders_channel, settings):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    order_id = (await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))).order_id
    await configure(settings, order_id)
    state = scheduling.runtime.state

    async def in_pool():
        return order_id in state.orders and state.orders[order_id].routing

    await eventually(in_pool)

    cases = [
        (pb.PinOrderRequest(order_id=order_id, factory_id="F-NOWHERE", reason="x"),
         {"factory_id": "no factory 'F-NOWHERE' is registered"}),
        (pb.PinOrderRequest(order_id=order_id, factory_id=saw_shop, reason="x"),
         {"factory_id": f"factory {saw_shop} has no assembly, edge bander, which the order's "
                        "routing needs"}),
        (pb.PinOrderRequest(order_id=order_id, factory_id=network[0], reason=" "),
         {"reason": "say why: the order's history shows it"}),
    ]
    for request, expected in cases:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await overrides.PinOrder(request, metadata=AS_LI_WEI)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert violations(refused.value) == expected
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await overrides.PrioritiseOrder(pb.PrioritiseOrderRequest(
            order_id=order_id, weight=0, reason="x"), metadata=AS_LI_WEI)
    assert set(violations(refused.value)) == {"weight"}
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await overrides.HoldOrder(pb.HoldOrderRequest(order_id=ref("NONE"), held=True,
                                                      reason="x"), metadata=AS_LI_WEI)
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # a factory's key never
        await overrides.HoldOrder(pb.HoldOrderRequest(order_id=order_id, held=True, reason="x"),
                                  metadata=auth(KEY_A))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED


# --- through the gateway's REST API ---------------------------------------------------------

PLANNER_KEY, DESK_KEY = f"dvt_planner_{ref('P').lower()}", f"dvt_desk_{ref('D').lower()}"


@pytest.fixture(scope="module")
async def site(settings, orders_service, scheduling, network):
    await orders_service.runtime.keys.add(PLANNER_KEY, Principal("planner"))
    await orders_service.runtime.keys.add(DESK_KEY, Principal("customer_service"))
    addresses = {"orders": f"127.0.0.1:{orders_service.port}",
                 "scheduling": f"127.0.0.1:{scheduling.port}"}
    server, task, base_url = await serve(create_app(settings, addresses))
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        yield client
    server.should_exit = True
    await task


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_over_rest_planners_override_and_others_are_refused(
        site, scheduling, network, orders_channel, settings):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    order_id = (await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))).order_id
    await configure(settings, order_id)
    state = scheduling.runtime.state

    async def in_pool():
        return order_id in state.orders and state.orders[order_id].routing

    await eventually(in_pool)
    url = f"/api/v1/orders/{order_id}/plan"
    pin = {"factory_id": network[1], "reason": "the customer collects there"}
    for key in (DESK_KEY, KEY_A):  # customer service and factory people: never
        refused = await site.post(f"{url}/pin", json=pin, headers=bearer(key))
        assert refused.status_code == 403, refused.text
    assert (await site.get(url, headers=bearer(DESK_KEY))).status_code == 403

    bad = await site.post(f"{url}/pin", json={"factory_id": "F-NOWHERE", "reason": "x"},
                          headers=bearer(PLANNER_KEY))
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"] == [{"field": "factory_id",
                                     "message": "no factory 'F-NOWHERE' is registered"}]
    heavy = await site.post(f"{url}/priority", json={"weight": 0, "reason": "x"},
                            headers=bearer(PLANNER_KEY))
    assert heavy.status_code in (400, 422) and "weight" in heavy.text
    # a person reading Chinese reads scheduling's field messages in Chinese
    bad = await site.post(f"{url}/pin", json={"factory_id": "F-NOWHERE", "reason": "x"},
                          headers=bearer(PLANNER_KEY) | {"Accept-Language": "zh-CN"})
    assert bad.status_code == 422, bad.text
    assert bad.json()["errors"] == [{"field": "factory_id",
                                     "message": "没有注册编号为 'F-NOWHERE' 的工厂"}]

    done = await site.post(f"{url}/pin", json=pin, headers=bearer(PLANNER_KEY))
    assert done.status_code == 200, done.text
    assert done.json() == {"order_id": order_id, "pinned_factory_id": network[1], "held": False,
                           "weight": 1}
    assert (await site.get(url, headers=bearer(PLANNER_KEY))).json()["pinned_factory_id"] == \
        network[1]

    async def recorded():
        entries = (await site.get(f"/api/v1/orders/{order_id}/history",
                                  headers=bearer(PLANNER_KEY))).json()["entries"]
        return [e for e in entries if e["type"] == "PlanOverridden"]

    entry = (await eventually(recorded, timeout=60))[0]
    assert (entry["summary"], entry["by"], entry["by_role"]) == (
        f"Pinned to factory {network[1]}: the customer collects there", "planner", "planner")


async def test_the_order_page_lets_a_planner_pin_and_hold_and_its_history_names_them(
        site, scheduling, network, orders_channel, settings):
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    order_id = (await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))).order_id
    await configure(settings, order_id)
    state = scheduling.runtime.state

    async def in_pool():
        return order_id in state.orders and state.orders[order_id].routing

    await eventually(in_pool)
    url = f"/portal/orders/{order_id}"
    page = await site.get(url, headers=bearer(PLANNER_KEY))
    assert page.status_code == 200 and 'id="planning"' in page.text
    assert 'id="pin-factory"' in page.text  # without iot here: the factory's id, typed
    desk = await site.get(url, headers=bearer(DESK_KEY))
    assert desk.status_code == 200 and 'id="planning"' not in desk.text
    refused = await site.post(f"{url}/plan/hold", data={"held": "true", "reason": "x"},
                              headers=bearer(DESK_KEY))
    assert refused.status_code == 403

    no_reason = await site.post(f"{url}/plan/pin", data={"factory_id": network[1], "reason": ""},
                                headers=bearer(PLANNER_KEY))
    assert no_reason.status_code == 422 and 'id="plan-errors"' in no_reason.text
    nowhere = await site.post(f"{url}/plan/pin", data={"factory_id": "F-NOWHERE", "reason": "x"},
                              headers=bearer(PLANNER_KEY) | {"Accept-Language": "zh-CN"})
    assert nowhere.status_code == 422 and "没有注册编号为 &#39;F-NOWHERE&#39; 的工厂" in nowhere.text
    pinned = await site.post(f"{url}/plan/pin", headers=bearer(PLANNER_KEY),
                             data={"factory_id": network[1], "reason": "near the customer"})
    assert pinned.status_code == 303, pinned.text
    held = await site.post(f"{url}/plan/hold", headers=bearer(PLANNER_KEY),
                           data={"held": "true", "reason": "colour not confirmed"})
    assert held.status_code == 303, held.text

    async def shown():
        # both entries of the history: the pin and the hold are separate events, each
        # followed into the history on its own (the hold was seen before the pin once)
        text = (await site.get(url, headers=bearer(PLANNER_KEY))).text
        return text if ("Held out of planning: colour not confirmed" in text and
                        f"Pinned to factory {network[1]}: near the customer" in text) else None

    text = await eventually(shown, timeout=60)
    assert "by planner (planner)" in text
    assert 'id="hold-button"' in text and "Release into planning" in text

    # in 简体中文 the services' sentences are said in Chinese; what people typed stays
    async def shown_in_chinese():
        text = (await site.get(url, headers=bearer(PLANNER_KEY) | {
            "Accept-Language": "zh-CN"})).text
        # the timeline and the page's planning note: the order list's note and the history's
        # entry are written by different followers of the same event, moments apart
        return text if text.count("计划员已暂停其排产") >= 2 else None

    text = await eventually(shown_in_chinese, timeout=60)  # scheduling left it out: held
    assert "暂时无法排产：计划员已暂停其排产" in text
    assert f"已指定到工厂 {network[1]}：near the customer" in text
    assert "已暂停排产：colour not confirmed" in text
    assert "操作人 planner（计划员）" in text
    history = (await site.get(f"/api/v1/orders/{order_id}/history",
                              headers=bearer(PLANNER_KEY))).json()["entries"]
    pinned = next(e for e in history if e["summary"].startswith("Pinned"))
    assert pinned["summary_words"] == {
        "template": "Pinned to factory %(factory)s: %(reason)s",
        "args": {"factory": network[1], "weight": "0", "reason": "near the customer"}}
