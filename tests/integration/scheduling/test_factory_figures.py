"""A factory sees only figures about its own work: its lanes of the plan, never the network-wide
objective (everyone's tardiness and makespan); the gateway's network figures, and another factory's
figures, refuse its key (its own factory's OEE and energy it may read: tests/integration/gateway/test_authorisation_matrix.py)."""

from __future__ import annotations

import uuid

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.conftest import FACTORY_KEY
from tests.integration.scheduling.conftest import (
    KEY_A,
    KEY_B,
    auth,
    configure,
    factory_now,
    scheduled,
)

pytestmark = pytest.mark.integration
NETWORK_FIGURES = ["/api/v1/schedule", "/api/v1/kpis", "/api/v1/factories", "/api/v1/machines",
                   "/api/v1/factories/f2/oee", "/api/v1/factories/f2/energy", "/api/v1/events"]


async def test_a_factory_key_gets_its_own_lanes_and_no_network_objective(
        scheduling, network, settings):
    order_id = str(uuid.uuid4())
    await configure(settings, order_id)
    await eventually(lambda: scheduled(settings, order_id), timeout=90)
    stub = scheduling.stub

    async def one_plan_read():
        """The admin's and the factory's reads of one plan: a re-plan published between them
        (it may move the order, too) is read again."""
        owner = factory_now(scheduling, order_id)
        key = KEY_A if owner == network[0] else KEY_B
        admin = await stub.GetSchedule(pb.GetScheduleRequest(), metadata=auth(TEST_ADMIN_KEY))
        own = [await stub.GetSchedule(pb.GetScheduleRequest(factory_id=asked), metadata=auth(key))
               for asked in (owner, "")]  # naming its factory, or leaving it to the key
        after = await stub.GetSchedule(pb.GetScheduleRequest(), metadata=auth(TEST_ADMIN_KEY))
        same = admin.plan_id == after.plan_id and owner == factory_now(scheduling, order_id)
        return (owner, admin, own) if same else None

    owner, admin, own = await eventually(one_plan_read)
    assert admin.HasField("objective") and admin.objective.makespan_seconds > 0
    for read in own:
        assert not read.HasField("objective")
        assert read.lanes and {lane.factory_id for lane in read.lanes} == {owner}
        assert read.plan_id == admin.plan_id


@pytest.mark.parametrize("path", NETWORK_FIGURES)
async def test_the_gateways_network_figures_refuse_a_factory_key(gateway, path):
    response = await gateway.get(path, headers={"Authorization": f"Bearer {FACTORY_KEY}"})
    assert response.status_code == 403, response.text
