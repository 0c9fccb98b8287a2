"""Tariffs and the plan's energy on the wire (issue 21): protobuf ↔ domain, every bad field of
a tariff named by its path in the request."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.kit.errors import Violations
from services.kit.words import N_
from services.scheduling.domain.carbon import (
    CarbonProfile,
    CarbonSeason,
    carbon_profile_violations,
)
from services.scheduling.domain.tariffs import (
    ALL_MONTHS,
    ALL_WEEKDAYS,
    PRICE_PLACES,
    Band,
    Tariff,
    TariffPeriod,
    tariff_violations,
)

if TYPE_CHECKING:  # the demo seed uses tariff_pb without the planner's imports
    from services.scheduling.domain.capacity import FactoryCapacity
    from services.scheduling.energy import Comparison, EnergyView, Figures, OrderEnergy

BAND_PB = {Band.CRITICAL: pb.TARIFF_BAND_CRITICAL, Band.PEAK: pb.TARIFF_BAND_PEAK,
           Band.FLAT: pb.TARIFF_BAND_FLAT, Band.VALLEY: pb.TARIFF_BAND_VALLEY}
BAND_OF: dict[int, Band] = {v: k for k, v in BAND_PB.items()}
BANDS_TEXT = "CRITICAL, PEAK, FLAT or VALLEY"


def _decimal(value: float, where: str, v: Violations) -> Decimal:
    if not math.isfinite(value):
        v.add(where, N_("must be a number"))
        return Decimal(0)
    return Decimal(repr(value)).quantize(PRICE_PLACES)


def _band(value: int, where: str, v: Violations) -> Band | None:
    band = BAND_OF.get(value)
    if band is None:
        v.add(where, N_("must be %(bands)s"), bands=BANDS_TEXT)
    return band


def tariff_from_pb(message: pb.Tariff, where: str = "tariff") -> Tariff:
    """The domain tariff of a request; InvalidArgument naming every bad field
    (``tariff.prices[1].band``, ``tariff.periods[0].end_minute``, ...)."""
    v = Violations()
    prices = [(band, _decimal(p.cny_per_kwh, f"{where}.prices[{i}].cny_per_kwh", v))
              for i, p in enumerate(message.prices)
              if (band := _band(p.band, f"{where}.prices[{i}].band", v)) is not None]
    v.check(bool(message.prices), f"{where}.prices", N_("must price at least the default band"))
    periods = [TariffPeriod(band, p.start_minute, p.end_minute,
                            frozenset(p.weekdays) or ALL_WEEKDAYS, frozenset(p.months) or ALL_MONTHS)
               for i, p in enumerate(message.periods)
               if (band := _band(p.band, f"{where}.periods[{i}].band", v)) is not None]
    default = Band.FLAT
    if message.default_band != pb.TARIFF_BAND_UNSPECIFIED:
        default = BAND_OF.get(message.default_band, Band.FLAT)
        v.check(message.default_band in BAND_OF, f"{where}.default_band",
                N_("must be %(bands)s"),
                bands=BANDS_TEXT)
    limit = None
    if message.HasField("demand_limit_kw"):
        limit = _decimal(message.demand_limit_kw, f"{where}.demand_limit_kw", v)
    v.check(len(message.source) <= 500, f"{where}.source", N_("at most 500 characters"))
    v.raise_if_any()
    tariff = Tariff(tuple(prices), tuple(periods), default, limit,
                    message.time_zone.strip() or "Asia/Shanghai", message.source.strip())
    for violation in tariff_violations(tariff):
        path = violation.field
        if path.startswith("prices."):  # the domain names a price by its band
            named = path.removeprefix("prices.")
            index = next((i for i, (b, _) in enumerate(tariff.prices) if b == named), None)
            path = f"prices[{index}].cny_per_kwh" if index is not None else path
        v.under(f"{where}.{path}", violation)
    v.raise_if_any()
    return tariff


def tariff_pb(tariff: Tariff) -> pb.Tariff:
    out = pb.Tariff(
        prices=[pb.BandPrice(band=BAND_PB[b], cny_per_kwh=float(p)) for b, p in tariff.prices],
        periods=[pb.TariffPeriod(band=BAND_PB[p.band], start_minute=p.start_minute,
                                 end_minute=p.end_minute, weekdays=sorted(p.weekdays),
                                 months=sorted(p.months)) for p in tariff.periods],
        default_band=BAND_PB[tariff.default_band], time_zone=tariff.time_zone,
        source=tariff.source)
    if tariff.demand_limit_kw is not None:
        out.demand_limit_kw = float(tariff.demand_limit_kw)
    return out


def factory_tariff_pb(factory: FactoryCapacity) -> pb.FactoryTariff:
    out = pb.FactoryTariff(factory_id=factory.factory_id, set_by=factory.tariff_set_by)
    if factory.tariff is not None:
        out.tariff.CopyFrom(tariff_pb(factory.tariff))
    if factory.tariff_set_at_ms:
        out.set_at.CopyFrom(Timestamp(seconds=factory.tariff_set_at_ms // 1000,
                                      nanos=factory.tariff_set_at_ms % 1000 * 1_000_000))
    return out


def carbon_profile_from_pb(message: pb.CarbonProfile, where: str = "profile") -> CarbonProfile:
    """The domain profile of a request; InvalidArgument naming every bad field
    (``profile.seasons[0].kg_per_kwh[23]``, ``profile.time_zone``, ...)."""
    v = Violations()
    v.check(len(message.source) <= 500, f"{where}.source", N_("at most 500 characters"))
    profile = CarbonProfile(
        tuple(CarbonSeason(tuple(s.kg_per_kwh), frozenset(s.months) or ALL_MONTHS)
              for s in message.seasons),
        message.time_zone.strip() or "Asia/Shanghai", message.source.strip())
    for violation in carbon_profile_violations(profile):
        v.under(f"{where}.{violation.field}", violation)
    v.raise_if_any()
    return profile


def carbon_profile_pb(profile: CarbonProfile) -> pb.CarbonProfile:
    return pb.CarbonProfile(
        seasons=[pb.CarbonSeason(kg_per_kwh=list(s.kg_per_kwh), months=sorted(s.months))
                 for s in profile.seasons],
        time_zone=profile.time_zone, source=profile.source)


def factory_carbon_profile_pb(factory: FactoryCapacity) -> pb.FactoryCarbonProfile:
    out = pb.FactoryCarbonProfile(factory_id=factory.factory_id,
                                  set_by=factory.carbon_profile_set_by)
    if factory.carbon_profile is not None:
        out.profile.CopyFrom(carbon_profile_pb(factory.carbon_profile))
    if factory.carbon_profile_set_at_ms:
        at = factory.carbon_profile_set_at_ms
        out.set_at.CopyFrom(Timestamp(seconds=at // 1000, nanos=at % 1000 * 1_000_000))
    return out


def _figures_pb(f: Figures) -> pb.EnergyFigures:
    return pb.EnergyFigures(kwh=f.kwh, cny=f.cny, valley_kwh=f.valley_kwh, peak_kw=f.peak_kw,
                            kg_co2e=f.kg_co2e, weighted_tardiness_minutes=f.weighted_tardiness)


def _comparison_pb(c: Comparison) -> pb.EnergyComparison:
    # by name: the enums' values are the wire's names in lower case
    return pb.EnergyComparison(
        verdict=pb.EnergyVerdict.Value(f"ENERGY_VERDICT_{c.verdict.upper()}"),
        cny_saved=c.cny_saved, percent_saved=c.percent_saved,
        less_late_minutes=c.less_late_minutes, unsettled_cny=c.unsettled_cny,
        reasons=[pb.EnergyReason.Value(f"ENERGY_REASON_{r.upper()}") for r in c.reasons])


def energy_plan_pb(view: EnergyView, plan_id: str) -> pb.GetEnergyPlanResponse:
    out = pb.GetEnergyPlanResponse(
        factory_id=view.factory_id, day=view.day, time_zone=view.time_zone,
        has_tariff=view.has_tariff,
        bands=[pb.BandSpan(start_unix_ms=b.start_ms, end_unix_ms=b.end_ms,
                           band=BAND_PB[Band(b.band)], cny_per_kwh=b.cny_per_kwh)
               for b in view.bands],
        planned=[pb.LoadStep(start_unix_ms=at, kw=kw) for at, kw in view.planned],
        blind=[pb.LoadStep(start_unix_ms=at, kw=kw) for at, kw in view.blind],
        grid_kg_co2e_per_kwh=view.grid.kg_per_kwh, grid_factor_source=view.grid.source,
        plan_id=plan_id, orders=view.orders, hourly_carbon=view.carbon_profile is not None,
        carbon_profile_source=view.carbon_profile.source if view.carbon_profile else "",
        plan_made_unix_ms=view.made_ms)
    if view.comparison is not None:
        out.comparison.CopyFrom(_comparison_pb(view.comparison))
    if view.demand_limit_kw is not None:
        out.demand_limit_kw = view.demand_limit_kw
    if view.plan is not None:
        out.plan_figures.CopyFrom(_figures_pb(view.plan))
    if view.blind_plan is not None:
        out.blind_figures.CopyFrom(_figures_pb(view.blind_plan))
    return out


def order_energy_pb(e: OrderEnergy) -> pb.GetOrderEnergyResponse:
    return pb.GetOrderEnergyResponse(order_id=e.order_id, factory_id=e.factory_id, kwh=e.kwh,
                                     cny=e.cny, kg_co2e=e.kg_co2e, has_tariff=e.has_tariff,
                                     estimate=e.estimate, cny_per_kwh=e.cny_per_kwh)
