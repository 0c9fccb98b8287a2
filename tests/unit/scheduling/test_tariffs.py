"""A factory's time-of-use tariff (issue 21, item 1): the band of each local minute by
weekday and season, the price steps the planner sees, every bad field named, and the
Guangdong seed's bands and ratios."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from services.kit.errors import InvalidArgument
from services.scheduling.domain.power import RUNNING_KW, running_kw
from services.scheduling.domain.tariffs import (
    Band,
    Tariff,
    TariffPeriod,
    checked,
    guangdong_industrial,
    price_steps,
    tariff_violations,
)

pytestmark = pytest.mark.unit
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int, minute: int = 0, tz=SHANGHAI) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, minute, tzinfo=tz)


def test_guangdong_bands_through_an_october_day():
    t = guangdong_industrial()
    hours = [t.band_at(at("2026-10-14", h)) for h in range(24)]
    assert hours[:8] == [Band.VALLEY] * 8
    assert hours[8:10] == [Band.FLAT] * 2
    assert hours[10:12] == [Band.PEAK] * 2
    assert hours[12:14] == [Band.FLAT] * 2
    assert hours[14:19] == [Band.PEAK] * 5
    assert hours[19:24] == [Band.FLAT] * 5


def test_guangdong_critical_peak_only_in_summer():
    t = guangdong_industrial()
    assert t.band_at(at("2026-08-03", 11, 30)) == Band.CRITICAL
    assert t.band_at(at("2026-08-03", 16, 59)) == Band.CRITICAL
    assert t.band_at(at("2026-08-03", 17)) == Band.PEAK
    assert t.band_at(at("2026-08-03", 10, 59)) == Band.PEAK
    assert t.band_at(at("2026-10-05", 11, 30)) == Band.PEAK


def test_guangdong_prices_keep_the_notices_ratios():
    t = guangdong_industrial(Decimal("0.6000"))
    assert t.price(Band.FLAT) == Decimal("0.6000")
    assert t.price(Band.PEAK) == Decimal("1.0200")  # x 1.7
    assert t.price(Band.VALLEY) == Decimal("0.2280")  # x 0.38
    assert t.price(Band.CRITICAL) == Decimal("1.2750")  # peak + 25 %


def test_the_band_is_read_on_the_factorys_clock():
    t = guangdong_industrial()
    # 02:30 UTC is 10:30 in Foshan: peak
    assert t.band_at(datetime(2026, 10, 14, 2, 30, tzinfo=UTC)) == Band.PEAK


def test_weekday_periods_and_first_match_wins():
    weekend_valley = TariffPeriod(Band.VALLEY, 0, 1440, weekdays=frozenset({6, 7}))
    peak = TariffPeriod(Band.PEAK, 9 * 60, 17 * 60)
    t = Tariff(((Band.PEAK, Decimal("1")), (Band.FLAT, Decimal("0.5")), (Band.VALLEY, Decimal("0.2"))),
               (weekend_valley, peak))
    assert t.band_at(at("2026-12-05", 10)) == Band.VALLEY  # a Saturday
    assert t.band_at(at("2026-12-07", 10)) == Band.PEAK  # a Monday
    assert t.band_at(at("2026-12-07", 18)) == Band.FLAT


def test_price_steps_over_two_days_from_a_local_morning():
    t = guangdong_industrial()
    start = at("2026-10-14", 6)
    steps = price_steps(t, start, 2 * 24 * 60)
    assert [(s.minute, s.band) for s in steps[:7]] == [
        (0, Band.VALLEY), (120, Band.FLAT), (240, Band.PEAK), (360, Band.FLAT),
        (480, Band.PEAK), (780, Band.FLAT), (1080, Band.VALLEY)]
    assert steps[7].minute == 1080 + 8 * 60 and steps[7].band == Band.FLAT
    assert all(a.band != b.band for a, b in zip(steps, steps[1:], strict=False))
    # each step agrees with band_at at its minute
    for s in steps:
        assert t.band_at(start + timedelta(minutes=s.minute)) == s.band
        assert s.cny_per_kwh == t.price(s.band)


def test_price_steps_across_a_daylight_saving_change():
    prices = ((Band.PEAK, Decimal("1")), (Band.FLAT, Decimal("0.5")))
    t = Tariff(prices, (TariffPeriod(Band.PEAK, 9 * 60, 17 * 60),), time_zone="Europe/Berlin")
    start = datetime(2026, 10, 23, 22, 0, tzinfo=UTC)  # Saturday 00:00; Sunday 25 October has 25 hours
    steps = price_steps(t, start, 3 * 24 * 60)
    for s in steps:
        assert t.band_at(start + timedelta(minutes=s.minute)) == s.band
    peaks = [s.minute for s in steps if s.band == Band.PEAK]
    assert peaks[0] == 9 * 60
    assert peaks[1] - peaks[0] == 25 * 60  # 09:00 CEST to 09:00 CET


def test_every_bad_field_is_named():
    bad = Tariff(
        ((Band.PEAK, Decimal("-1")), (Band.VALLEY, Decimal("250")), (Band.VALLEY, Decimal("0.2"))),
        (TariffPeriod(Band.CRITICAL, 1500, 1400, weekdays=frozenset({0}), months=frozenset()),),
        default_band=Band.FLAT, demand_limit_kw=Decimal("0"), time_zone="Mars/Olympus")
    fields = [v.field for v in tariff_violations(bad)]
    assert fields == [
        "prices.peak", "prices.valley", "prices.valley", "default_band", "periods[0].band",
        "periods[0].start_minute", "periods[0].end_minute", "periods[0].weekdays",
        "periods[0].months", "demand_limit_kw", "time_zone"]
    with pytest.raises(InvalidArgument) as caught:
        checked(bad)
    assert len(caught.value.violations) == len(fields)


def test_the_seed_is_valid_and_carries_its_demand_limit():
    t = guangdong_industrial(demand_limit_kw=Decimal("80"))
    assert tariff_violations(t) == []
    assert t.demand_limit_kw == Decimal("80")
    assert "峰谷分时电价" in t.source


def test_running_power_defaults_per_machine_type():
    assert running_kw("panel_saw") == RUNNING_KW["panel_saw"] == 13.5
    assert running_kw("paint_line") > running_kw("assembly") > 0
    assert running_kw("panel_saw", learnt_kw=11.2) == 11.2
    assert running_kw("laser_cutter") == 0.0
