"""Shapes of the energy API (issue 21): a factory's time-of-use tariff, and the plan's
electricity at a factory against the same work planned energy-blind."""

from __future__ import annotations

from typing import Annotated

import msgspec

Band = Annotated[str, msgspec.Meta(description="critical, peak, flat or valley")]


class BandPriceBody(msgspec.Struct, forbid_unknown_fields=True):
    band: Band
    cny_per_kwh: float


class TariffPeriodBody(msgspec.Struct, forbid_unknown_fields=True):
    band: Band
    start_minute: int
    end_minute: int
    weekdays: list[int] = []
    months: list[int] = []


class TariffBody(msgspec.Struct, forbid_unknown_fields=True):
    """A time-of-use tariff: prices per band, the periods of each band on the factory's local
    clock (the first period covering a minute wins; others are in default_band), an optional
    demand limit in kW."""

    prices: list[BandPriceBody]
    periods: list[TariffPeriodBody] = []
    default_band: Band = "flat"
    demand_limit_kw: float | None = None
    time_zone: str = "Asia/Shanghai"
    source: str = ""


class FactoryTariffRead(msgspec.Struct):
    factory_id: str
    tariff: TariffBody | None
    set_at: str | None
    set_by: str


class BandSpanRead(msgspec.Struct):
    start: str
    end: str
    band: str
    cny_per_kwh: float


class LoadStepRead(msgspec.Struct):
    at: str
    kw: float


class EnergyFiguresRead(msgspec.Struct):
    kwh: float
    cny: float
    valley_kwh: float
    peak_kw: float
    kg_co2e: float
    weighted_tardiness_minutes: int


class EnergyPlanRead(msgspec.Struct):
    factory_id: str
    day: str
    time_zone: str
    has_tariff: bool
    demand_limit_kw: float | None
    bands: list[BandSpanRead]
    planned: list[LoadStepRead]
    blind: list[LoadStepRead]
    plan: EnergyFiguresRead | None
    energy_blind: EnergyFiguresRead | None
    grid_kg_co2e_per_kwh: float
    grid_factor_source: str
    orders: int
