"""Hourly CO2e where a factory gives a profile (issue 21, item 4): each hour's kWh at that
local hour's factor (24 values, or one day per season), the annual factor otherwise; every
bad field named."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.kit.errors import InvalidArgument
from services.scheduling.domain.carbon import (
    CarbonProfile,
    CarbonSeason,
    carbon_profile_violations,
    checked_profile,
    kg_co2e,
    profile_from_record,
    profile_record,
)

pytestmark = pytest.mark.unit
SHANGHAI = ZoneInfo("Asia/Shanghai")
ANNUAL = 0.3869
NIGHT, DAY = 0.30, 0.50  # made-up factors: nights cleaner than days
FLAT_DAY = tuple([NIGHT] * 8 + [DAY] * 16)


def ms(day: str, hour: int, minute: int = 0) -> int:
    y, m, d = map(int, day.split("-"))
    return int(datetime(y, m, d, hour, minute, tzinfo=SHANGHAI).timestamp() * 1000)


def test_without_a_profile_the_annual_factor():
    load = [(ms("2026-10-14", 6), 10.0), (ms("2026-10-14", 9), 0.0)]
    assert kg_co2e(load, ms("2026-10-15", 0), None, ANNUAL) == pytest.approx(30 * ANNUAL)


def test_each_hour_at_its_own_factor_on_the_local_clock():
    profile = CarbonProfile((CarbonSeason(FLAT_DAY),))
    # 10 kW from 06:30 to 09:30: 1.5 h of night, 1.5 h of day
    load = [(ms("2026-10-14", 6, 30), 10.0), (ms("2026-10-14", 9, 30), 0.0)]
    assert kg_co2e(load, ms("2026-10-15", 0), profile, ANNUAL) == pytest.approx(
        15 * NIGHT + 15 * DAY)
    # the same work at night emits less: the plan's hours now matter
    night = [(ms("2026-10-14", 3), 10.0), (ms("2026-10-14", 6), 0.0)]
    assert kg_co2e(night, ms("2026-10-15", 0), profile, ANNUAL) == pytest.approx(30 * NIGHT)


def test_seasons_and_a_month_no_season_covers():
    summer = CarbonSeason(tuple([0.6] * 24), frozenset({7, 8, 9}))
    winter = CarbonSeason(tuple([0.4] * 24), frozenset({12, 1, 2}))
    profile = CarbonProfile((summer, winter))
    hour = 3_600_000
    assert kg_co2e([(ms("2026-08-03", 12), 1.0)], ms("2026-08-03", 12) + hour, profile,
                   ANNUAL) == pytest.approx(0.6)
    assert kg_co2e([(ms("2026-01-05", 12), 1.0)], ms("2026-01-05", 12) + hour, profile,
                   ANNUAL) == pytest.approx(0.4)
    assert kg_co2e([(ms("2026-10-05", 12), 1.0)], ms("2026-10-05", 12) + hour, profile,
                   ANNUAL) == pytest.approx(ANNUAL)


def test_every_bad_field_is_named():
    bad = CarbonProfile((CarbonSeason((0.5,) * 23), CarbonSeason((0.5,) * 23 + (-1.0,),
                                                                  frozenset({13}))),
                        time_zone="Nowhere/Else")
    fields = {v.field for v in carbon_profile_violations(bad)}
    assert fields == {"seasons[0].kg_per_kwh", "seasons[1].kg_per_kwh[23]", "seasons[1].months",
                      "time_zone"}
    assert {v.field for v in carbon_profile_violations(CarbonProfile(()))} == {"seasons"}
    with pytest.raises(InvalidArgument):
        checked_profile(bad)
    assert {v.field for v in carbon_profile_violations(
        CarbonProfile((CarbonSeason((float("nan"),) + (0.5,) * 23),)))} == {
        "seasons[0].kg_per_kwh[0]"}


def test_stored_as_plain_values_and_back():
    profile = CarbonProfile((CarbonSeason(FLAT_DAY, frozenset({1, 2})),), "Asia/Shanghai",
                            "test profile")
    assert profile_from_record(profile_record(profile)) == checked_profile(profile)
