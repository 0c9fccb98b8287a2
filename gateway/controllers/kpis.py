"""KPIs for the chain leader (admin).

From the gateway's read model (orders and deliveries): on-time delivery rate (the delivery
service's verdict against the promised date), lead time placed → delivered (mean and p90, in
days), the pipeline and orders placed per day. From iot, per factory over the same window:
utilisation = run time / planned production time, OEE (mean of the days with planned time),
kWh and kg CO2e, and kg CO2e per order the factory shipped. A service that cannot answer
leaves its figures empty (null) rather than failing the page.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter

from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway.auth import admin_only
from gateway.controllers.network import energy_request, pb_date
from gateway.controllers.orders import STATUSES
from gateway.deps import GatewayState, Services, StateDep
from gateway.errors import ServiceError
from gateway.schemas.network import FactoryKpi, KpiRead, StatusCount

MAX_OEE_DAYS = 92


async def factory_kpi(services: Services, f: iot.Factory, days: int, orders: int) -> FactoryKpi:
    today = datetime.now(UTC).date()
    span = min(days, MAX_OEE_DAYS)
    oee_req = iot.GetOeeRequest(factory_id=f.factory_id,
                                day=pb_date(today - timedelta(days=span - 1)), end_day=pb_date(today))
    oee_reply, energy_reply = await asyncio.gather(
        services.call("iot", "GetOee", oee_req),
        services.call("iot", "GetEnergy", energy_request({"factory_id": f.factory_id}, days * 24, 0)),
        return_exceptions=True)
    utilisation = oee = kwh = co2e = None
    if not isinstance(oee_reply, BaseException):
        worked = [d for d in oee_reply.days if d.planned_production_seconds > 0]
        planned = sum(d.planned_production_seconds for d in worked)
        utilisation = round(sum(d.run_seconds for d in worked) / planned, 4) if planned else None
        oee = round(sum(d.oee for d in worked) / len(worked), 4) if worked else None
    if not isinstance(energy_reply, BaseException):
        kwh, co2e = round(energy_reply.kwh, 3), round(energy_reply.kg_co2e, 3)
    return FactoryKpi(factory_id=f.factory_id, name=f.name, utilisation=utilisation, oee=oee,
                      kwh=kwh, kg_co2e=co2e, orders_produced=orders,
                      kg_co2e_per_order=round(co2e / orders, 3) if co2e is not None and orders else None)


async def factory_kpis(services: Services, days: int, by_factory: dict[str, int]) -> list[FactoryKpi]:
    try:
        reply = await services.call("iot", "ListFactories", iot.ListFactoriesRequest(
            page=dict(page_size=200)))
    except ServiceError:
        return []
    return list(await asyncio.gather(*[
        factory_kpi(services, f, days, by_factory.get(f.factory_id, 0)) for f in reply.factories]))


async def kpis(gateway: GatewayState, days: int) -> KpiRead:
    if gateway.facts is None:  # no NATS link: no read model
        facts = {"placed": 0, "delivered": 0, "on_time_rate": None, "lead_avg": None,
                 "lead_p90": None, "per_day": [], "by_factory": {}}
        counts = {}
    else:
        facts, counts = await gateway.facts.kpis(days), await gateway.facts.counts()
    return KpiRead(
        days=days, orders_placed=facts["placed"], orders_delivered=facts["delivered"],
        on_time_rate=facts["on_time_rate"], lead_time_days_avg=facts["lead_avg"],
        lead_time_days_p90=facts["lead_p90"],
        pipeline=[StatusCount(s, counts.get(s, 0)) for s in STATUSES],
        placed_per_day=[StatusCount(d, n) for d, n in facts["per_day"]],
        factories=await factory_kpis(gateway.services, days, facts["by_factory"]))


class KpiController(Controller):
    path = "/api/v1/kpis"
    tags = ["kpis"]
    guards = [admin_only]
    security = [{"bearer": []}]

    @get("/", summary="On-time rate, lead time, utilisation, OEE, energy and CO2e")
    async def get_kpis(self, gateway: StateDep,
                       days: Annotated[int, QueryParameter(ge=1, le=365)] = 30) -> KpiRead:
        return await kpis(gateway, days)
