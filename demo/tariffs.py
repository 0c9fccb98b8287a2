"""Demo data for `make up` (issue 21): every demo factory gets Guangdong's time-of-use tariff
for industry (services/scheduling/domain/tariffs.py: the periods and the peak : flat : valley
ratios of 1.7 : 1 : 0.38 the provincial notice fixes, cited in docs/scheduling.md with what
could not be verified; the flat price of 0.65 CNY/kWh our assumption, not published) and a
demand limit of 80 % of its machines' running kW, set through scheduling's SetFactoryTariff as
the chain's admin would.

Scheduling learns of the factories from iot's events, a moment after iot has registered them:
a factory it does not know yet (NOT_FOUND) is tried again for up to ``WAIT_S``. Idempotent: a
tariff already set is no change.
"""

from __future__ import annotations

import asyncio
import logging
import time
from decimal import Decimal

import grpc

from demo.network import DEMO_FACTORIES, DemoFactory
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from services.kit.settings import Settings
from services.kit.tls import client_channel
from services.scheduling.domain.power import running_kw
from services.scheduling.domain.tariffs import guangdong_industrial
from services.scheduling.rpc.tariffs import tariff_pb

log = logging.getLogger("dovetail.scheduling.demo")
WAIT_S = 60.0
LIMIT_SHARE = Decimal("0.8")  # of the factory's running kW, as load/bench_energy.py


def demand_limit(f: DemoFactory) -> Decimal:
    running = sum(running_kw(m.machine_type) for m in f.machines)
    return (Decimal(str(running)) * LIMIT_SHARE).quantize(Decimal("0.1"))


def tariff_request(f: DemoFactory) -> pb.SetFactoryTariffRequest:
    return pb.SetFactoryTariffRequest(
        factory_id=f.factory_id,
        tariff=tariff_pb(guangdong_industrial(demand_limit_kw=demand_limit(f))))


async def _set(stub, request, admin, deadline: float) -> None:
    while True:
        try:
            await stub.SetFactoryTariff(request, metadata=admin, timeout=10)
            return
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def seed(settings: Settings) -> list[str]:
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    deadline = time.monotonic() + WAIT_S
    async with client_channel(settings, settings.service_address("scheduling")) as channel:
        stub = pb_grpc.SchedulingServiceStub(channel)
        for f in DEMO_FACTORIES:
            await _set(stub, tariff_request(f), admin, deadline)
    limits = ", ".join(f"{f.factory_id} {demand_limit(f)} kW" for f in DEMO_FACTORIES)
    return ["Demo tariffs: Guangdong's time-of-use bands for industry (flat 0.65 CNY/kWh assumed) "
            f"in every demo factory; demand limits {limits}. The plan over them: /portal/energy"]
