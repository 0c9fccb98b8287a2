"""Tariffs over gRPC (issue 21, items 1, 4, 5): set by the chain (admin only), read by the
factory itself, every bad field named; the planner plans with the stored tariff; the plan's
energy against the energy-blind plan, and an order's share."""

from __future__ import annotations

import uuid

import grpc
import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.scheduling.domain.tariffs import guangdong_industrial
from services.scheduling.rpc.tariffs import tariff_pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.scheduling.conftest import KEY_A, KEY_B, auth, configure, scheduled
from tests.integration.test_orders_service import violations

pytestmark = pytest.mark.integration
ADMIN = auth(TEST_ADMIN_KEY)


async def test_a_bad_tariff_is_refused_naming_every_field(scheduling, network):
    bad = pb.Tariff(prices=[pb.BandPrice(band=pb.TARIFF_BAND_PEAK, cny_per_kwh=-1),
                            pb.BandPrice(band=pb.TARIFF_BAND_UNSPECIFIED, cny_per_kwh=1)],
                    periods=[pb.TariffPeriod(band=pb.TARIFF_BAND_PEAK, start_minute=600,
                                             end_minute=500, weekdays=[8])],
                    demand_limit_kw=0, time_zone="Mars/Olympus")
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetFactoryTariff(
            pb.SetFactoryTariffRequest(factory_id=network[0], tariff=bad), metadata=ADMIN)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {"tariff.prices[1].band"}  # the wire's first
    bad.prices.pop()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetFactoryTariff(
            pb.SetFactoryTariffRequest(factory_id=network[0], tariff=bad), metadata=ADMIN)
    assert set(violations(caught.value)) == {
        "tariff.prices[0].cny_per_kwh", "tariff.default_band", "tariff.periods[0].end_minute",
        "tariff.periods[0].weekdays", "tariff.demand_limit_kw", "tariff.time_zone"}


async def test_only_the_chain_sets_a_tariff_and_a_factory_reads_its_own(scheduling, network):
    request = pb.SetFactoryTariffRequest(factory_id=network[0],
                                         tariff=tariff_pb(guangdong_industrial()))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetFactoryTariff(request, metadata=auth(KEY_A))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.GetFactoryTariff(
            pb.GetFactoryTariffRequest(factory_id=network[0]), metadata=auth(KEY_B))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.SetFactoryTariff(
            pb.SetFactoryTariffRequest(factory_id="F-NOWHERE", tariff=request.tariff),
            metadata=ADMIN)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_tariff_set_is_read_back_planned_with_and_priced(scheduling, network, settings):
    tariff = guangdong_industrial()
    for fid in network:
        # The factories' ids are the session's (tests/integration/scheduling/conftest.py) and
        # stored in its database: test_carbon_profile_rpc, run before, gave them an hourly
        # profile. This test is about the annual factor: no profile.
        await scheduling.stub.SetCarbonProfile(pb.SetCarbonProfileRequest(factory_id=fid),
                                               metadata=ADMIN)
        reply = await scheduling.stub.SetFactoryTariff(
            pb.SetFactoryTariffRequest(factory_id=fid, tariff=tariff_pb(tariff)), metadata=ADMIN)
        assert reply.factory_tariff.tariff == tariff_pb(tariff)
        assert reply.factory_tariff.set_by == "admin"
    state = scheduling.runtime.state

    async def stored():
        return all(state.factories[f].tariff == tariff and state.factories[f].carbon_profile is None
                   for f in network)

    await eventually(stored)
    own = await scheduling.stub.GetFactoryTariff(
        pb.GetFactoryTariffRequest(factory_id=network[0]), metadata=auth(KEY_A))
    assert own.factory_tariff.tariff.prices[1].cny_per_kwh == pytest.approx(1.105)

    order_id = str(uuid.uuid4())
    await configure(settings, order_id)
    await eventually(lambda: scheduled(settings, order_id), timeout=90)

    async def weighed_for_energy():
        """The order's factory's energy plan once the energy step has been over its work.
        The order is slotted in as soon as it fits and weighed for energy by the optimisation
        that follows once arrivals pause (optimise_after_s, 20 s): until then its plan may
        cost a little more than the energy-blind one, and says why (ENERGY_STEP_PENDING).
        That round may also move the order: its factory is read again each time."""
        factory_id = state.orders[order_id].factory_id
        view = await scheduling.stub.GetEnergyPlan(
            pb.GetEnergyPlanRequest(factory_id=factory_id), metadata=ADMIN)
        pending = pb.ENERGY_REASON_ENERGY_STEP_PENDING in view.comparison.reasons
        return None if pending else (factory_id, view)

    factory_id, view = await eventually(weighed_for_energy, timeout=90)
    assert view.has_tariff and view.time_zone == "Asia/Shanghai"
    assert [b.band for b in view.bands][:2] == [pb.TARIFF_BAND_VALLEY, pb.TARIFF_BAND_FLAT]
    assert view.bands[0].cny_per_kwh == pytest.approx(0.247)
    assert view.plan_figures.kwh > 0 and view.blind_figures.kwh == pytest.approx(
        view.plan_figures.kwh, rel=1e-6)  # the same work, placed differently
    # the test factories have no address and no CO2e profile: the national average of 2022
    assert not view.hourly_carbon, f"a CO2e profile was left on {factory_id}"
    assert view.grid_kg_co2e_per_kwh == 0.5366 and "national" in view.grid_factor_source
    assert view.plan_figures.kg_co2e == pytest.approx(view.plan_figures.kwh * 0.5366, abs=0.01)
    assert view.plan_figures.cny <= view.blind_figures.cny + 0.01
    # both plans start from when the factory's plan was made, and the verdict says which
    # is cheaper to the cent
    assert view.plan_made_unix_ms == state.factory_plans[factory_id].published_at_ms
    assert view.comparison.cny_saved == pytest.approx(
        round(view.blind_figures.cny - view.plan_figures.cny, 2))
    assert view.comparison.verdict in (pb.ENERGY_VERDICT_CHEAPER, pb.ENERGY_VERDICT_SAME)
    assert view.orders >= 1 and view.planned

    order = await scheduling.stub.GetOrderEnergy(pb.GetOrderEnergyRequest(order_id=order_id),
                                                 metadata=ADMIN)
    assert order.factory_id == factory_id and order.kwh > 0 and order.cny > 0 and order.has_tariff

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.GetEnergyPlan(
            pb.GetEnergyPlanRequest(factory_id=network[0], day="2026-13-01"), metadata=auth(KEY_A))
    assert violations(caught.value) == {"day": "must be a date, YYYY-MM-DD"}
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await scheduling.stub.GetEnergyPlan(
            pb.GetEnergyPlanRequest(factory_id=network[0]), metadata=auth(KEY_B))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_running_draw_iot_learnt_replaces_the_types_default(scheduling, network,
                                                                    settings):
    from dovetail.iot.v1 import iot_events_pb2 as iot
    from services.scheduling.domain.power import RUNNING_KW
    from services.scheduling.domain.problem import build_problem
    from tests.integration.scheduling.conftest import machine_ids, publish, type_pb

    saw = machine_ids(network[1])[0]
    await publish(settings, "iot", "machine_power_learnt", saw, iot.MachinePowerLearnt(
        machine_id=saw, factory_id=network[1], machine_type=type_pb("panel_saw"),
        running_kw=11.78, running_hours=1.5))
    state = scheduling.runtime.state

    async def learnt():
        return state.machines[saw].learnt_kw == 11.78

    await eventually(learnt)
    assert state.machines[saw].learnt_hours == 1.5
    problem, _ = build_problem(state, 1_796_000_000_000, 1, {})
    power = {m.id: m.power_kw for f in problem.factories for m in f.machines}
    assert power[saw] == 11.78
    assert power[machine_ids(network[1])[1]] == RUNNING_KW["panel_saw"]  # not learnt: default
