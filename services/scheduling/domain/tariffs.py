"""Time-of-use electricity tariffs (分时电价) of a factory: which band (critical peak, peak,
flat, valley) each local minute is in, by weekday and season, the price of each band in
CNY/kWh, and an optional demand limit in kW. Pure.

A tariff's periods are read in order and the first that covers a minute names its band (so a
summer critical-peak hour listed first overrides the peak hours around it); a minute no period
covers is in ``default_band``. Times are the factory's local wall clock in ``time_zone``.

The planner sees a tariff as price steps over its horizon (:func:`price_steps`): minutes from
the horizon's start at which the price changes, with the price from then on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.kit.errors import FieldViolation, InvalidArgument
from services.kit.words import N_

DAY_MINUTES = 24 * 60
ALL_WEEKDAYS = frozenset(range(1, 8))  # ISO: 1 = Monday .. 7 = Sunday
ALL_MONTHS = frozenset(range(1, 13))
PRICE_PLACES = Decimal("0.0001")  # CNY/kWh are published to four places


class Band(StrEnum):
    CRITICAL = "critical"  # 尖峰
    PEAK = "peak"  # 高峰
    FLAT = "flat"  # 平段
    VALLEY = "valley"  # 低谷


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """``band`` from ``start_minute`` to ``end_minute`` (local, from midnight, half-open) on
    the ``weekdays`` of the ``months`` named."""

    band: Band
    start_minute: int
    end_minute: int
    weekdays: frozenset[int] = ALL_WEEKDAYS
    months: frozenset[int] = ALL_MONTHS

    def covers(self, local: datetime) -> bool:
        minute = local.hour * 60 + local.minute
        return (local.isoweekday() in self.weekdays and local.month in self.months
                and self.start_minute <= minute < self.end_minute)


@dataclass(frozen=True, slots=True)
class Tariff:
    """A factory's time-of-use tariff."""

    prices: tuple[tuple[Band, Decimal], ...]  # CNY per kWh of each band used
    periods: tuple[TariffPeriod, ...]
    default_band: Band = Band.FLAT
    demand_limit_kw: Decimal | None = None
    time_zone: str = "Asia/Shanghai"
    source: str = ""  # the published schedule it follows, for people

    def price(self, band: Band) -> Decimal:
        return dict(self.prices)[band]

    def band_at(self, when: datetime) -> Band:
        """The band of the minute ``when`` (any zone; read on the tariff's local clock)."""
        local = when.astimezone(ZoneInfo(self.time_zone))
        return next((p.band for p in self.periods if p.covers(local)), self.default_band)

    def price_at(self, when: datetime) -> Decimal:
        return self.price(self.band_at(when))


@dataclass(frozen=True, slots=True)
class PriceStep:
    """From ``minute`` (from the horizon's start) on, ``band`` at ``cny_per_kwh``."""

    minute: int
    band: Band
    cny_per_kwh: Decimal


def tariff_violations(tariff: Tariff) -> list[FieldViolation]:
    """Every field of ``tariff`` that does not hold, named by its path (empty when valid)."""
    out: list[FieldViolation] = []
    priced = set()
    for band, price in tariff.prices:
        where = f"prices.{band}"
        if band in priced:
            out.append(FieldViolation.of(where, N_("priced twice")))
        priced.add(band)
        if not price.is_finite() or price < 0:
            out.append(FieldViolation.of(where, N_("must be a price of 0 CNY/kWh or more")))
        elif price > 100:
            out.append(FieldViolation.of(where,
                                         N_("above 100 CNY/kWh: is it in fen instead of yuan?")))
    if tariff.default_band not in priced:
        out.append(FieldViolation.of("default_band", N_("the %(default_band)s band has no price"),
                                     default_band=tariff.default_band))
    for i, p in enumerate(tariff.periods):
        where = f"periods[{i}]"
        if p.band not in priced:
            out.append(FieldViolation.of(f"{where}.band", N_("the %(band)s band has no price"),
                                         band=p.band))
        if not 0 <= p.start_minute < DAY_MINUTES:
            out.append(FieldViolation.of(f"{where}.start_minute",
                                         N_("must be 0-1439 (minutes from midnight)")))
        if not p.start_minute < p.end_minute <= DAY_MINUTES:
            out.append(FieldViolation.of(f"{where}.end_minute",
                                      N_("must be after start_minute and at most 1440 (midnight)")))
        if not p.weekdays or not p.weekdays <= ALL_WEEKDAYS:
            out.append(FieldViolation.of(f"{where}.weekdays",
                                         N_("must name weekdays 1 (Monday) to 7 (Sunday)")))
        if not p.months or not p.months <= ALL_MONTHS:
            out.append(FieldViolation.of(f"{where}.months", N_("must name months 1 to 12")))
    limit = tariff.demand_limit_kw
    if limit is not None and (not limit.is_finite() or limit <= 0):
        out.append(FieldViolation.of("demand_limit_kw", N_("must be more than 0 kW, or left out")))
    try:
        ZoneInfo(tariff.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        out.append(FieldViolation.of("time_zone", N_("unknown time zone '%(time_zone)s'"),
                                     time_zone=tariff.time_zone))
    return out


def checked(tariff: Tariff) -> Tariff:
    """``tariff`` when it is valid; else :class:`InvalidArgument` naming every bad field."""
    violations = tariff_violations(tariff)
    if violations:
        raise InvalidArgument(violations)
    return tariff


def price_steps(tariff: Tariff, start: datetime, minutes: int) -> tuple[PriceStep, ...]:
    """The tariff over ``[start, start + minutes)`` as steps in minutes from ``start`` (an
    aware datetime): the first at minute 0, one more wherever the band changes. Local days
    are walked on the tariff's clock, so a daylight-saving day is as long as it is."""
    tz = ZoneInfo(tariff.time_zone)
    start_utc = start.astimezone(UTC)
    end_utc = start_utc + timedelta(minutes=minutes)
    steps: list[PriceStep] = []
    day = start_utc.astimezone(tz).date()
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        if midnight.astimezone(UTC) >= end_utc:
            break
        for minute, band in _day_bands(tariff, midnight):
            at = (midnight + timedelta(minutes=minute)).astimezone(UTC)
            offset = max(0, int((at - start_utc).total_seconds() // 60))
            if offset >= minutes:
                break
            step = PriceStep(offset, band, tariff.price(band))
            if steps and steps[-1].minute == offset:
                steps[-1] = step  # a later boundary at the same minute wins (the start)
            elif not steps or steps[-1].band != band:
                steps.append(step)
        day += timedelta(days=1)
    return tuple(steps)


def average_price(tariff: Tariff, start: datetime, minutes: int) -> Decimal:
    """The time-weighted mean price of ``tariff`` over ``[start, start + minutes)``: what a
    kWh costs when nobody knows yet in which hours it will be drawn (an estimate)."""
    if minutes <= 0:
        raise ValueError("minutes must be positive")
    steps = price_steps(tariff, start, minutes)
    ends = [s.minute for s in steps[1:]] + [minutes]
    weighted = sum((s.cny_per_kwh * (end - s.minute) for s, end in zip(steps, ends, strict=True)),
                   Decimal(0))
    return (weighted / minutes).quantize(PRICE_PLACES, ROUND_HALF_UP)


def _day_bands(tariff: Tariff, midnight: datetime) -> list[tuple[int, Band]]:
    """(minute from local midnight, band from then on) for one local day."""
    weekday, month = midnight.isoweekday(), midnight.month
    active = [p for p in tariff.periods if weekday in p.weekdays and month in p.months]
    edges = sorted({0, *(p.start_minute for p in active), *(p.end_minute for p in active)} - {DAY_MINUTES})
    out: list[tuple[int, Band]] = []
    for minute in edges:
        band = next((p.band for p in active if p.start_minute <= minute < p.end_minute),
                    tariff.default_band)
        if not out or out[-1][1] != band:
            out.append((minute, band))
    return out


# -- seed data ---------------------------------------------------------------------------------

GUANGDONG_SOURCE = ("广东省发展和改革委员会《关于进一步完善我省峰谷分时电价政策有关问题的通知》"
                    "(reported 6 September 2021): its periods and its 1.7 : 1 : 0.38 ratios; the "
                    "flat price is assumed; see docs/scheduling.md")
PEAK_RATIO = Decimal("1.7")  # peak : flat : valley = 1.7 : 1 : 0.38
VALLEY_RATIO = Decimal("0.38")
CRITICAL_UPLIFT = Decimal("1.25")  # critical peak = peak + 25 %
SUMMER = frozenset({7, 8, 9})  # critical peak all of July, August, September


def guangdong_industrial(flat_cny_per_kwh: Decimal = Decimal("0.6500"),
                         demand_limit_kw: Decimal | None = None,
                         time_zone: str = "Asia/Shanghai") -> Tariff:
    """Guangdong's time-of-use bands for industry, as a news report of 6 September 2021
    quotes the provincial notice (docs/scheduling.md cites it and says what is not verified):
    peak 10-12 and 14-19, valley 0-8, flat otherwise, every day; critical peak 11-12 and 15-17
    in July to September (the notice also applies it on other days forecast at 35 °C or more
    in Guangzhou, which a weekly tariff cannot know).
    Prices keep the notice's ratios around ``flat_cny_per_kwh``; the flat price itself is an
    assumption (it follows each month's market price), not a figure of the notice."""
    flat = flat_cny_per_kwh
    peak = (flat * PEAK_RATIO).quantize(PRICE_PLACES, ROUND_HALF_UP)
    prices = (
        (Band.CRITICAL, (peak * CRITICAL_UPLIFT).quantize(PRICE_PLACES, ROUND_HALF_UP)),
        (Band.PEAK, peak),
        (Band.FLAT, flat),
        (Band.VALLEY, (flat * VALLEY_RATIO).quantize(PRICE_PLACES, ROUND_HALF_UP)),
    )
    periods = (
        TariffPeriod(Band.CRITICAL, 11 * 60, 12 * 60, months=SUMMER),
        TariffPeriod(Band.CRITICAL, 15 * 60, 17 * 60, months=SUMMER),
        TariffPeriod(Band.PEAK, 10 * 60, 12 * 60),
        TariffPeriod(Band.PEAK, 14 * 60, 19 * 60),
        TariffPeriod(Band.VALLEY, 0, 8 * 60),
    )
    return checked(Tariff(prices, periods, Band.FLAT, demand_limit_kw, time_zone, GUANGDONG_SOURCE))


# -- as stored in events -----------------------------------------------------------------------

def tariff_record(tariff: Tariff) -> dict:
    """``tariff`` as plain JSON values (what a TariffSet event keeps: decimals as text, so a
    price is stored exactly as it was set)."""
    return {
        "prices": [[str(band), str(price)] for band, price in tariff.prices],
        "periods": [[str(p.band), p.start_minute, p.end_minute, sorted(p.weekdays), sorted(p.months)]
                    for p in tariff.periods],
        "default_band": str(tariff.default_band),
        "demand_limit_kw": None if tariff.demand_limit_kw is None else str(tariff.demand_limit_kw),
        "time_zone": tariff.time_zone,
        "source": tariff.source,
    }


def tariff_from_record(record: dict) -> Tariff:
    """The tariff a :func:`tariff_record` describes."""
    limit = record.get("demand_limit_kw")
    return Tariff(
        prices=tuple((Band(b), Decimal(p)) for b, p in record["prices"]),
        periods=tuple(TariffPeriod(Band(b), int(s), int(e), frozenset(w), frozenset(m))
                      for b, s, e, w, m in record["periods"]),
        default_band=Band(record.get("default_band", Band.FLAT)),
        demand_limit_kw=None if limit is None else Decimal(limit),
        time_zone=record.get("time_zone", "Asia/Shanghai"),
        source=record.get("source", ""))
