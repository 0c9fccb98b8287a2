"""REST for energy-aware planning (issue 21): a factory's time-of-use tariff (read by admins,
planners and the factory itself; set or cleared by the chain's admins only), the plan's
electricity at a factory against the same work planned energy-blind, and an order's price
breakdown with its electricity beside it (the order desk). Everything goes to
scheduling (its field violations come back as 422 naming each field of the body)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from litestar import Controller, Request, delete, get, put
from litestar.params import FromPath, FromQuery, JSONBody

from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import reads
from gateway.auth import admin_only, current, factory_reader, order_desk
from gateway.controllers.orders import order_configuration
from gateway.deps import Services, ServicesDep
from gateway.errors import ServiceError, values_in_range
from gateway.schemas.energy import (
    BandPriceBody,
    BandSpanRead,
    CarbonProfileBody,
    CarbonSeasonBody,
    EnergyComparisonRead,
    EnergyFiguresRead,
    EnergyPlanRead,
    FactoryCarbonProfileRead,
    FactoryTariffRead,
    LoadStepRead,
    OrderEnergyCostRead,
    PriceBreakdownRead,
    PriceLineRead,
    TariffBody,
    TariffPeriodBody,
)
from gateway.schemas.orders import FieldError, Money

FactoryId = FromPath[str]
BAND_PB = {"critical": pb.TARIFF_BAND_CRITICAL, "peak": pb.TARIFF_BAND_PEAK,
           "flat": pb.TARIFF_BAND_FLAT, "valley": pb.TARIFF_BAND_VALLEY}
BAND_NAME = {v: k for k, v in BAND_PB.items()}


async def call(services: Services, method: str, request: object, actor: str = "") -> Any:
    """One scheduling call; its field names as this API's bodies spell them (the tariff's and
    the CO2e profile's fields sit at the top of the body, not under `tariff` or `profile`)."""
    try:
        return await services.call("scheduling", method, request, actor=actor)
    except ServiceError as exc:
        exc.errors = [FieldError(e.field.removeprefix("tariff.").removeprefix("profile."),
                                 e.message) for e in exc.errors]
        raise


def tariff_pb(body: TariffBody) -> pb.Tariff:
    """The body on the wire; a band name it does not know goes as unspecified, for the service
    to name the field."""
    out = pb.Tariff(
        prices=[pb.BandPrice(band=BAND_PB.get(p.band, 0), cny_per_kwh=p.cny_per_kwh)
                for p in body.prices],
        periods=[pb.TariffPeriod(band=BAND_PB.get(p.band, 0), start_minute=p.start_minute,
                                 end_minute=p.end_minute, weekdays=p.weekdays, months=p.months)
                 for p in body.periods],
        default_band=BAND_PB.get(body.default_band, -1), time_zone=body.time_zone,
        source=body.source)
    if body.demand_limit_kw is not None:
        out.demand_limit_kw = body.demand_limit_kw
    return out


def tariff_read(t: pb.FactoryTariff) -> FactoryTariffRead:
    tariff = None
    if t.HasField("tariff"):
        x = t.tariff
        tariff = TariffBody(
            prices=[BandPriceBody(BAND_NAME[p.band], p.cny_per_kwh) for p in x.prices],
            periods=[TariffPeriodBody(BAND_NAME[p.band], p.start_minute, p.end_minute,
                                      list(p.weekdays), list(p.months)) for p in x.periods],
            default_band=BAND_NAME.get(x.default_band, "flat"),
            demand_limit_kw=x.demand_limit_kw if x.HasField("demand_limit_kw") else None,
            time_zone=x.time_zone, source=x.source)
    set_at = t.set_at.ToDatetime(UTC).isoformat() if t.HasField("set_at") else None
    return FactoryTariffRead(t.factory_id, tariff, set_at, t.set_by)


def carbon_profile_read(t: pb.FactoryCarbonProfile) -> FactoryCarbonProfileRead:
    profile = None
    if t.HasField("profile"):
        profile = CarbonProfileBody(
            [CarbonSeasonBody(list(s.kg_per_kwh), list(s.months)) for s in t.profile.seasons],
            t.profile.time_zone, t.profile.source)
    set_at = t.set_at.ToDatetime(UTC).isoformat() if t.HasField("set_at") else None
    return FactoryCarbonProfileRead(t.factory_id, profile, set_at, t.set_by)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _figures(f: pb.EnergyFigures) -> EnergyFiguresRead:
    return EnergyFiguresRead(round(f.kwh, 3), round(f.cny, 2), round(f.valley_kwh, 3),
                             round(f.peak_kw, 2), round(f.kg_co2e, 2), f.weighted_tardiness_minutes)


VERDICT_NAME = {pb.ENERGY_VERDICT_CHEAPER: "cheaper", pb.ENERGY_VERDICT_SAME: "same",
                pb.ENERGY_VERDICT_DEARER: "dearer"}
REASON_NAME = {pb.ENERGY_REASON_LESS_LATE: "less_late",
               pb.ENERGY_REASON_ENERGY_STEP_PENDING: "energy_step_pending"}


def comparison_read(c: pb.EnergyComparison) -> EnergyComparisonRead:
    return EnergyComparisonRead(VERDICT_NAME[c.verdict], round(c.cny_saved, 2),
                                round(c.percent_saved, 1), c.less_late_minutes,
                                round(c.unsettled_cny, 2),
                                [REASON_NAME[r] for r in c.reasons if r in REASON_NAME])


def energy_plan_read(r: pb.GetEnergyPlanResponse) -> EnergyPlanRead:
    return EnergyPlanRead(
        factory_id=r.factory_id, day=r.day, time_zone=r.time_zone, has_tariff=r.has_tariff,
        demand_limit_kw=r.demand_limit_kw if r.HasField("demand_limit_kw") else None,
        bands=[BandSpanRead(_iso(b.start_unix_ms), _iso(b.end_unix_ms), BAND_NAME[b.band],
                            b.cny_per_kwh) for b in r.bands],
        planned=[LoadStepRead(_iso(s.start_unix_ms), s.kw) for s in r.planned],
        blind=[LoadStepRead(_iso(s.start_unix_ms), s.kw) for s in r.blind],
        plan=_figures(r.plan_figures) if r.HasField("plan_figures") else None,
        energy_blind=_figures(r.blind_figures) if r.HasField("blind_figures") else None,
        grid_kg_co2e_per_kwh=r.grid_kg_co2e_per_kwh, grid_factor_source=r.grid_factor_source,
        orders=r.orders, hourly_carbon=r.hourly_carbon,
        carbon_profile_source=r.carbon_profile_source,
        comparison=comparison_read(r.comparison) if r.HasField("comparison") else None,
        plan_made_at=_iso(r.plan_made_unix_ms) if r.plan_made_unix_ms else None)


async def energy_plan(services: Services, factory_id: str, day: date | None
                      ) -> pb.GetEnergyPlanResponse:
    return await call(services, "GetEnergyPlan", pb.GetEnergyPlanRequest(
        factory_id=factory_id, day=day.isoformat() if day else ""))


class TariffController(Controller):
    path = "/api/v1/factories/{factory_id:str}"
    tags = ["energy"]
    security = [{"bearer": []}]

    @get("/tariff", guards=[factory_reader], summary="A factory's time-of-use tariff")
    async def get_tariff(self, factory_id: FactoryId, services: ServicesDep) -> FactoryTariffRead:
        reply = await call(services, "GetFactoryTariff",
                           pb.GetFactoryTariffRequest(factory_id=factory_id))
        return tariff_read(reply.factory_tariff)

    @put("/tariff", guards=[admin_only], summary="Set a factory's time-of-use tariff (admins)")
    async def set_tariff(self, factory_id: FactoryId, data: JSONBody[TariffBody],
                         services: ServicesDep, request: Request) -> FactoryTariffRead:
        with values_in_range():  # a minute or weekday beyond an int32: 422, not a 500
            tariff = tariff_pb(data)
        reply = await call(services, "SetFactoryTariff", pb.SetFactoryTariffRequest(
            factory_id=factory_id, tariff=tariff), actor=current(request).actor)
        return tariff_read(reply.factory_tariff)

    @delete("/tariff", guards=[admin_only], status_code=200,
            summary="Clear a factory's tariff: energy is not priced there (admins)")
    async def clear_tariff(self, factory_id: FactoryId, services: ServicesDep,
                           request: Request) -> FactoryTariffRead:
        reply = await call(services, "SetFactoryTariff", pb.SetFactoryTariffRequest(
            factory_id=factory_id), actor=current(request).actor)
        return tariff_read(reply.factory_tariff)

    @get("/carbon-profile", guards=[factory_reader],
         summary="A factory's hourly CO2e profile (none: its grid's annual factor counts)")
    async def get_carbon_profile(self, factory_id: FactoryId,
                                 services: ServicesDep) -> FactoryCarbonProfileRead:
        reply = await call(services, "GetCarbonProfile",
                           pb.GetCarbonProfileRequest(factory_id=factory_id))
        return carbon_profile_read(reply.factory_profile)

    @put("/carbon-profile", guards=[admin_only],
         summary="Set a factory's hourly CO2e profile: 24 factors, or a day per season (admins)")
    async def set_carbon_profile(self, factory_id: FactoryId, data: JSONBody[CarbonProfileBody],
                                 services: ServicesDep, request: Request
                                 ) -> FactoryCarbonProfileRead:
        with values_in_range():  # a month beyond an int32: 422, not a 500
            profile = pb.CarbonProfile(
                seasons=[pb.CarbonSeason(kg_per_kwh=s.kg_per_kwh, months=s.months)
                         for s in data.seasons],
                time_zone=data.time_zone, source=data.source)
        reply = await call(services, "SetCarbonProfile", pb.SetCarbonProfileRequest(
            factory_id=factory_id, profile=profile), actor=current(request).actor)
        return carbon_profile_read(reply.factory_profile)

    @delete("/carbon-profile", guards=[admin_only], status_code=200,
            summary="Clear a factory's hourly CO2e profile: its grid's annual factor counts (admins)")
    async def clear_carbon_profile(self, factory_id: FactoryId, services: ServicesDep,
                                   request: Request) -> FactoryCarbonProfileRead:
        reply = await call(services, "SetCarbonProfile", pb.SetCarbonProfileRequest(
            factory_id=factory_id), actor=current(request).actor)
        return carbon_profile_read(reply.factory_profile)

    @get("/energy-plan", guards=[factory_reader],
         summary="The plan's electricity at a factory against the same work planned energy-blind")
    async def get_energy_plan(self, factory_id: FactoryId, services: ServicesDep,
                              day: FromQuery[date | None] = None) -> EnergyPlanRead:
        return energy_plan_read(await energy_plan(services, factory_id, day))


async def planned_energy(services: Services, order_id: str) -> pb.GetOrderEnergyResponse:
    """The order's electricity at its factory (the order page's price breakdown): planned,
    or an estimate before it is planned."""
    return await call(services, "GetOrderEnergy", pb.GetOrderEnergyRequest(order_id=order_id))


def energy_cost_read(e: pb.GetOrderEnergyResponse) -> OrderEnergyCostRead:
    return OrderEnergyCostRead(e.factory_id, round(e.kwh, 3), round(e.cny, 2),
                               round(e.cny_per_kwh, 4), round(e.kg_co2e, 3), e.estimate,
                               e.has_tariff)


def price_breakdown_read(order_id: str, price: cfg.Price | None,
                         energy: pb.GetOrderEnergyResponse | None,
                         energy_note: str = "", price_note: str = "") -> PriceBreakdownRead:
    lines = [] if price is None else [
        PriceLineRead(reads.enum(cfg.PriceComponent, li.component, "PRICE_COMPONENT_").lower(),
                      li.description, li.quantity, li.unit,
                      reads.money(li.unit_price) if li.HasField("unit_price") else None,
                      reads.money(li.amount) or Money(amount="0.00", currency=""),
                      reads.words(li, "description_words"))
        for li in price.lines]
    return PriceBreakdownRead(order_id, reads.money(price.total) if price is not None else None,
                              lines, energy_cost_read(energy) if energy is not None else None,
                              energy_note, price_note)


class OrderPriceController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    guards = [order_desk]
    security = [{"bearer": []}]

    @get("/{order_id:str}/price", summary=(
        "The order's price line by line, with its electricity at the factory's tariff beside it "
        "(planned, or an estimate before planning)"))
    async def price(self, order_id: FromPath[str], services: ServicesDep) -> PriceBreakdownRead:
        price, price_note = None, ""
        try:
            configuration = await order_configuration(services, order_id)
            price = configuration.price if configuration.HasField("price") else None
        except ServiceError as exc:  # not configured yet, configurator away
            price_note = exc.detail
        try:
            energy, note = await planned_energy(services, order_id), ""
        except ServiceError as exc:  # not in the planning pool yet, scheduling away
            energy, note = None, exc.detail
        if price is None and energy is None:
            raise ServiceError(404, f"order {order_id} has no price yet: {price_note or note}")
        return price_breakdown_read(order_id, price, energy, note, price_note)
