"""Shapes of the energy API (issue 21): a factory's time-of-use tariff, and the plan's
electricity at a factory against the same work planned energy-blind."""

from __future__ import annotations

from typing import Annotated

import msgspec

from gateway.schemas.orders import Money, WordsRead

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


class EnergyComparisonRead(msgspec.Struct):
    """The plan against the same work planned energy-blind from the moment the plan was
    made, and what explains a plan that is not cheaper."""

    verdict: Annotated[str, msgspec.Meta(
        description="cheaper, same or dearer than energy-blind (to the cent)")]
    cny_saved: Annotated[float, msgspec.Meta(
        description="energy-blind minus as planned: negative when the plan is dearer")]
    percent_saved: float
    less_late_minutes: Annotated[int, msgspec.Meta(
        description="the energy-blind plan's weighted lateness minus the plan's")]
    unsettled_cny: Annotated[float, msgspec.Meta(
        description="what moving work the energy step has not been over yet (orders slotted "
                    "in since the planner last optimised) would still save")]
    reasons: Annotated[list[str], msgspec.Meta(
        description="less_late: lateness comes before energy; energy_step_pending: work the "
                    "energy step has not been over yet")]


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
    hourly_carbon: bool = False  # CO2e hour by hour from the factory's profile, else annual
    carbon_profile_source: str = ""
    comparison: EnergyComparisonRead | None = None  # with energy_blind
    plan_made_at: str | None = None  # both plans start from when the factory's plan was made


class OrderEnergyCostRead(msgspec.Struct):
    """An order's electricity at its factory: planned (its operations' kWh at the prices of
    the hours they are planned in), or, not planned yet, an estimate (its routing at the
    factory's average price over the planning horizon)."""

    factory_id: str
    kwh: float
    cny: float
    cny_per_kwh: float
    kg_co2e: float
    estimate: bool
    has_tariff: bool


class PriceLineRead(msgspec.Struct):
    component: str
    description: str
    quantity: str
    unit: str
    unit_price: Money | None
    amount: Money
    description_words: WordsRead | None = None  # for a client to say in its reader's language


class PriceBreakdownRead(msgspec.Struct):
    """The order's price as configured, line by line (the lines add up to the total), and its
    electricity at the factory beside it: part of what its machine time costs the factory,
    not added to the price the customer was quoted."""

    order_id: str
    total: Money | None
    lines: list[PriceLineRead]
    energy: OrderEnergyCostRead | None
    energy_note: str = ""  # why energy is not shown, when it is not
    price_note: str = ""  # why the configured lines are not, when they are not


class CarbonSeasonBody(msgspec.Struct, forbid_unknown_fields=True):
    kg_per_kwh: Annotated[list[float], msgspec.Meta(
        description="24 hourly factors, kg CO2e per kWh, the first for 00:00-01:00 local time")]
    months: Annotated[list[int], msgspec.Meta(description="1-12; none: every month")] = []


class CarbonProfileBody(msgspec.Struct, forbid_unknown_fields=True):
    """A factory's hourly grid emission factors: one day of 24 hours, or one per season (the
    first season naming a month wins; a month none names takes the grid's annual factor)."""

    seasons: list[CarbonSeasonBody]
    time_zone: str = "Asia/Shanghai"
    source: str = ""


class FactoryCarbonProfileRead(msgspec.Struct):
    factory_id: str
    profile: CarbonProfileBody | None
    set_at: str | None
    set_by: str
