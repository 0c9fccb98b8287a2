"""KPIs for the chain leader (admin).

From the gateway's read model (orders and deliveries): on-time delivery rate (the delivery
service's verdict against the promised date), lead time placed → delivered (mean and p90, in
days), the pipeline and orders placed per day. From iot, per factory over the same window:
utilisation = run time / planned production time, OEE (mean of the days with planned time),
kWh and kg CO2e, and kg CO2e per order the factory shipped: every factory of the network,
read from iot's GetFactoryKpis a page of factories at a time and kept a minute (up to ten
while a new reading runs; gateway/factory_figures.py). A service that cannot answer leaves
its figures empty (null) rather than failing the page.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import QueryParameter

from dovetail.iot.v1 import iot_service_pb2 as iot
from gateway import i18n
from gateway.auth import planning
from gateway.controllers.network import last_hours, pb_date
from gateway.controllers.orders import STATUSES
from gateway.deps import GatewayState, Services, StateDep
from gateway.errors import ServiceError
from gateway.factory_figures import FactoryFigures
from gateway.schemas.network import FactoryKpi, KpiRead, StatusCount

MAX_OEE_DAYS = 92
KPI_PAGE = 500  # factories per GetFactoryKpis call (iot's largest page)
EARTHS_LATEST = timezone(timedelta(hours=14))  # Kiribati's Line Islands


def kpi_request(days: int, page_token: str, now: datetime | None = None
                ) -> iot.GetFactoryKpisRequest:
    """The days run to the latest local date on Earth (UTC+14): iot's days are each factory's
    own, and from 16:00 UTC Shanghai's today is UTC's tomorrow. A day not yet begun where a
    factory is has no planned time there, so it adds nothing to that factory's figures."""
    now = now or datetime.now(UTC)
    today, latest = now.astimezone(UTC).date(), now.astimezone(EARTHS_LATEST).date()
    span = min(days, MAX_OEE_DAYS - (latest - today).days)  # iot answers at most 92 days
    return iot.GetFactoryKpisRequest(
        day=pb_date(today - timedelta(days=span - 1)), end_day=pb_date(latest),
        energy_window=last_hours(days * 24), page=dict(page_size=KPI_PAGE, page_token=page_token))


def every_day(per_day: list[tuple[str, int]], today: date, days: int) -> list[StatusCount]:
    """Orders placed on each day of the window (the tenant's days), the days without orders
    as 0: a chart of
    the days that had orders alone draws 4 December beside 25 November. The window is the last
    ``days`` × 24 h, so it reaches into the day ``days`` days ago."""
    counts = dict(per_day)
    first = today - timedelta(days=days)
    return [StatusCount(d.isoformat(), counts.get(d.isoformat(), 0))
            for d in (first + timedelta(days=i) for i in range(days + 1))]


def factory_kpi(f: iot.FactoryKpis, orders: int) -> FactoryKpi:
    co2e = round(f.kg_co2e, 3)
    return FactoryKpi(
        factory_id=f.factory_id, name=f.name,
        utilisation=round(f.utilisation, 4) if f.HasField("utilisation") else None,
        oee=round(f.oee, 4) if f.HasField("oee") else None,
        kwh=round(f.kwh, 3), kg_co2e=co2e, orders_produced=orders,
        kg_co2e_per_order=round(co2e / orders, 3) if orders else None)


def kept_figures(state: State) -> FactoryFigures:
    """The app's kept factory figures (made on first use)."""
    return state.setdefault("factory_figures", FactoryFigures())


async def network_figures(services: Services, days: int) -> list[iot.FactoryKpis]:
    """Every factory's figures from iot, a page of factories a call."""
    found: list[iot.FactoryKpis] = []
    token = ""
    while True:
        reply = await services.call("iot", "GetFactoryKpis", kpi_request(days, token), timeout=60)
        found += reply.factories
        token = reply.next_page_token
        if not token:
            return found


async def factory_kpis(gateway: GatewayState, kept: FactoryFigures, days: int,
                       by_factory: dict[str, int]) -> list[FactoryKpi]:
    """Every factory's figures (as kept, see gateway/factory_figures.py). When iot cannot give
    them, the factories (the picker's list) with empty figures; when not even those, none."""
    try:
        figures = await kept.get(days, lambda: network_figures(gateway.services, days))
        return [factory_kpi(f, by_factory.get(f.factory_id, 0)) for f in figures]
    except ServiceError:
        pass
    try:
        entries = await gateway.factories.entries(gateway.services)
    except ServiceError:
        return []
    return [FactoryKpi(factory_id=e.factory_id, name=e.name, utilisation=None, oee=None,
                       kwh=None, kg_co2e=None, orders_produced=by_factory.get(e.factory_id, 0),
                       kg_co2e_per_order=None) for e in entries]


async def kpis(gateway: GatewayState, kept: FactoryFigures, days: int) -> KpiRead:
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
        placed_per_day=every_day(facts["per_day"],
                                 datetime.now(ZoneInfo(i18n.zone())).date(), days),
        factories=await factory_kpis(gateway, kept, days, facts["by_factory"]))


class KpiController(Controller):
    path = "/api/v1/kpis"
    tags = ["kpis"]
    guards = [planning]
    security = [{"bearer": []}]

    @get("/", summary="On-time rate, lead time, utilisation, OEE, energy and CO2e")
    async def get_kpis(self, gateway: StateDep, state: State,
                       days: Annotated[int, QueryParameter(ge=1, le=365)] = 30) -> KpiRead:
        return await kpis(gateway, kept_figures(state), days)
