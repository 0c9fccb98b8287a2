"""Hourly CO2e over gRPC (issue 21, item 4): a factory's profile set by the chain (admin only),
read by the factory itself, every bad field named; the plan's CO2e counted hour by hour when
there is one, at the grid's annual factor when it is cleared, and the energy page's answer says
which."""

from __future__ import annotations

import uuid

import grpc
import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.scheduling.conftest import (
    KEY_A,
    KEY_B,
    auth,
    configure,
    factory_now,
    scheduled,
)
from tests.integration.test_orders_service import violations

pytestmark = pytest.mark.integration
ADMIN = auth(TEST_ADMIN_KEY)
NATIONAL = 0.5366  # the test factories have no address
CLEAN = pb.CarbonProfile(seasons=[pb.CarbonSeason(kg_per_kwh=[0.1] * 24)], source="test: clean")


async def test_a_bad_profile_is_refused_naming_every_field(scheduling, network):
    bad = pb.CarbonProfile(seasons=[pb.CarbonSeason(kg_per_kwh=[0.5] * 23),
                                    pb.CarbonSeason(kg_per_kwh=[0.5] * 23 + [9.0], months=[13])],
                           time_zone="Mars/Olympus")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetCarbonProfile(
            pb.SetCarbonProfileRequest(factory_id=network[0], profile=bad), metadata=ADMIN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {
        "profile.seasons[0].kg_per_kwh", "profile.seasons[1].kg_per_kwh[23]",
        "profile.seasons[1].months", "profile.time_zone"}
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetCarbonProfile(
            pb.SetCarbonProfileRequest(factory_id=network[0], profile=pb.CarbonProfile()),
            metadata=ADMIN)
    assert set(violations(caught.value)) == {"profile.seasons"}


async def test_only_the_chain_sets_a_profile_and_a_factory_reads_its_own(scheduling, network):
    request = pb.SetCarbonProfileRequest(factory_id=network[0], profile=CLEAN)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetCarbonProfile(request, metadata=auth(KEY_A))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.GetCarbonProfile(
            pb.GetCarbonProfileRequest(factory_id=network[0]), metadata=auth(KEY_B))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetCarbonProfile(
            pb.SetCarbonProfileRequest(factory_id="F-NOWHERE", profile=CLEAN), metadata=ADMIN)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.fixture
async def profiles_cleared_after(scheduling, network):
    """The network's factories are the same in every module of this folder (one database, ids
    made once a session): a profile left on one is planned with by the modules after this one
    (test_tariffs_rpc found 0.1 kg CO2e/kWh where it expects the grid's factor). Cleared
    whatever the test's outcome."""
    yield
    for fid in network:
        await scheduling.stub.SetCarbonProfile(pb.SetCarbonProfileRequest(factory_id=fid),
                                               metadata=ADMIN)


async def test_the_plans_co2e_hour_by_hour_with_a_profile_and_at_the_annual_factor_without(
        scheduling, network, settings, profiles_cleared_after):
    for fid in network:
        reply = await scheduling.stub.SetCarbonProfile(
            pb.SetCarbonProfileRequest(factory_id=fid, profile=CLEAN), metadata=ADMIN)
        assert reply.factory_profile.profile.seasons[0].kg_per_kwh == [pytest.approx(0.1)] * 24
        assert reply.factory_profile.profile.seasons[0].months == list(range(1, 13))
        assert reply.factory_profile.set_by == "admin"
    own = await scheduling.stub.GetCarbonProfile(
        pb.GetCarbonProfileRequest(factory_id=network[0]), metadata=auth(KEY_A))
    assert own.factory_profile.profile.source == "test: clean"
    state = scheduling.runtime.state

    async def stored():
        return all(state.factories[f].carbon_profile is not None for f in network)

    await eventually(stored)
    order_id = str(uuid.uuid4())
    await configure(settings, order_id)
    await eventually(lambda: scheduled(settings, order_id), timeout=90)

    async def energy_where_held():
        """The energy plan of the factory holding the order now (a re-plan may have moved it
        since it was first scheduled), with its work in it."""
        factory_id = factory_now(scheduling, order_id)
        view = await scheduling.stub.GetEnergyPlan(
            pb.GetEnergyPlanRequest(factory_id=factory_id), metadata=ADMIN)
        return (factory_id, view) if view.plan_figures.kwh > 0 else None

    factory_id, view = await eventually(energy_where_held)
    assert view.hourly_carbon and view.carbon_profile_source == "test: clean"
    kwh = view.plan_figures.kwh
    assert view.plan_figures.kg_co2e == pytest.approx(kwh * 0.1, abs=0.02)
    order = await scheduling.stub.GetOrderEnergy(pb.GetOrderEnergyRequest(order_id=order_id),
                                                 metadata=ADMIN)
    assert order.kwh > 0 and order.kg_co2e == pytest.approx(order.kwh * 0.1, abs=0.002)

    cleared = await scheduling.stub.SetCarbonProfile(
        pb.SetCarbonProfileRequest(factory_id=factory_id), metadata=ADMIN)
    assert not cleared.factory_profile.HasField("profile")

    async def annual():
        v = await scheduling.stub.GetEnergyPlan(pb.GetEnergyPlanRequest(factory_id=factory_id),
                                                metadata=ADMIN)
        return v if not v.hourly_carbon else None

    view = await eventually(annual)
    assert view.carbon_profile_source == ""
    assert view.plan_figures.kg_co2e == pytest.approx(view.plan_figures.kwh * NATIONAL, abs=0.02)
