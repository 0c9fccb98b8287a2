"""The demo's tariffs (issue 21): every demo factory gets Guangdong's bands and a demand limit
of 80 % of its machines' running kW, as a request scheduling accepts; `make up` seeds them
after the factories."""

from __future__ import annotations

from decimal import Decimal

import pytest

from demo.network import DEMO_FACTORIES
from demo.tariffs import demand_limit, tariff_request
from infra.launcher import demo_seeders
from services.scheduling.domain.power import RUNNING_KW
from services.scheduling.domain.tariffs import guangdong_industrial
from services.scheduling.rpc.tariffs import tariff_from_pb

pytestmark = pytest.mark.unit


def test_every_demo_factory_gets_guangdongs_tariff_and_a_limit_it_can_keep():
    for f in DEMO_FACTORIES:
        request = tariff_request(f)
        tariff = tariff_from_pb(request.tariff)  # raises naming any bad field
        assert tariff == guangdong_industrial(demand_limit_kw=demand_limit(f))
        running = sum(RUNNING_KW[m.machine_type] for m in f.machines)
        assert demand_limit(f) == (Decimal(str(running)) * Decimal("0.8")).quantize(Decimal("0.1"))
        # the biggest single draw fits under the limit: a plan can keep it
        assert max(RUNNING_KW[m.machine_type] for m in f.machines) < tariff.demand_limit_kw


def test_make_up_seeds_tariffs_after_the_factories_and_before_the_orders():
    seeders = demo_seeders(["iot", "scheduling", "orders"])
    assert seeders == ["demo.factories", "demo.tariffs", "demo.shop"]
    assert demo_seeders(["iot", "orders"]) == ["demo.factories", "demo.shop"]
