"""`make up`'s tariff seed against a running scheduling service (issue 21, acceptance: the
demo factories have tariffs): the demo factories are announced by iot (as demo.factories
makes iot do), demo.tariffs.seed sets Guangdong's tariff and each factory's demand limit
through SetFactoryTariff, waiting for scheduling to know them; a second run changes nothing."""

from __future__ import annotations

import asyncio

import pytest

from demo.network import DEMO_FACTORIES
from demo.tariffs import demand_limit, seed
from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from services.scheduling.domain.carbon import factor_for
from services.scheduling.domain.tariffs import guangdong_industrial
from tests.helpers import eventually
from tests.integration.scheduling.conftest import publish, retire

pytestmark = pytest.mark.integration


def announced(f, active: bool, version: int):
    return iot_pb.Factory(factory_id=f.factory_id, name=f.name, capacity_share_percent=50,
                          timezone="Asia/Shanghai", active=active, version=version,
                          location=iot_pb.Location(address=types_pb2.Address(
                              city=f.city, region="Guangdong", country="CN")))


async def test_the_seed_gives_every_demo_factory_its_tariff(scheduling, settings):
    settings = settings.with_(service_ports={**settings.service_ports,
                                             "scheduling": scheduling.port})
    state = scheduling.runtime.state

    async def announce():  # a moment after the seed starts, as iot's events arrive
        await asyncio.sleep(1.0)
        for f in DEMO_FACTORIES:
            await publish(settings, "iot", "factory_registered", f.factory_id,
                          iot.FactoryRegistered(factory=announced(f, True, 1)))

    try:
        lines, _ = await asyncio.gather(seed(settings), announce())
        assert "Guangdong" in lines[0] and "/portal/energy" in lines[0]

        async def all_set():
            return all(f.factory_id in state.factories
                       and state.factories[f.factory_id].tariff is not None for f in DEMO_FACTORIES)

        await eventually(all_set)
        for f in DEMO_FACTORIES:
            factory = state.factories[f.factory_id]
            assert factory.tariff == guangdong_industrial(demand_limit_kw=demand_limit(f))
            assert factor_for(factory.region).kg_per_kwh == 0.3869  # the South grid's
        versions = {f.factory_id: state.factories[f.factory_id].version for f in DEMO_FACTORIES}
        await seed(settings)  # make up again: nothing changes
        assert {f.factory_id: state.factories[f.factory_id].version
                for f in DEMO_FACTORIES} == versions
    finally:  # later tests replay the iot stream: the demo factories take no work there
        for f in DEMO_FACTORIES:
            await retire(scheduling, settings, announced(f, False, 2))
