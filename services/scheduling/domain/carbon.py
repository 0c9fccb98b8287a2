"""Grid emission factors (kg CO2 per kWh) by region of China, for the plan's expected CO2e,
and a factory's hourly profile where one is given (``CarbonProfile``: 24 hourly factors, or
one day per season), which then counts each hour's kWh at that hour's factor. Pure.

Source: 生态环境部 (Ministry of Ecology and Environment) and 国家统计局 (National Bureau of
Statistics), 《关于发布2022年电力二氧化碳排放因子的公告》, dated 20 December 2024, published
26 December 2024: the national, regional and provincial *average* electricity CO2 emission
factors of 2022 (电力平均二氧化碳排放因子), for the CO2 of electricity consumed. The figures
below are those we could check in two reports quoting the notice (see docs/scheduling.md,
"Carbon"); the provinces the reports did not quote (Guangdong among them) take their regional
grid's factor, which is said where it is used (``factor_for`` names its source).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.kit.errors import FieldViolation, InvalidArgument
from services.kit.words import N_

NOTICE = "生态环境部、国家统计局《关于发布2022年电力二氧化碳排放因子的公告》(2024-12-20)"
NATIONAL_2022 = 0.5366

# Regional grids' average factors, 2022 (kg CO2 / kWh).
REGIONAL_2022 = {
    "north": 0.6776,  # 华北
    "northeast": 0.5564,  # 东北
    "east": 0.5617,  # 华东
    "central": 0.5395,  # 华中
    "northwest": 0.5857,  # 西北
    "southwest": 0.2268,  # 西南
    "south": 0.3869,  # 南方
}

# Provincial factors, 2022, as far as we could verify them (the five highest and five lowest).
PROVINCIAL_2022 = {
    "hebei": 0.7252, "shanxi": 0.7096, "tianjin": 0.7041, "inner mongolia": 0.6849,
    "anhui": 0.6782, "fujian": 0.4092, "guangxi": 0.4044, "qinghai": 0.1567,
    "sichuan": 0.1404, "yunnan": 0.1073,
}

# Which regional grid a province is in (the grids as the notice's regions name them).
REGION_OF_PROVINCE = {
    **dict.fromkeys(("beijing", "tianjin", "hebei", "shanxi", "shandong", "inner mongolia"), "north"),
    **dict.fromkeys(("liaoning", "jilin", "heilongjiang"), "northeast"),
    **dict.fromkeys(("shanghai", "jiangsu", "zhejiang", "anhui", "fujian"), "east"),
    **dict.fromkeys(("henan", "hubei", "hunan", "jiangxi"), "central"),
    **dict.fromkeys(("shaanxi", "gansu", "qinghai", "ningxia", "xinjiang"), "northwest"),
    **dict.fromkeys(("sichuan", "chongqing", "tibet"), "southwest"),
    **dict.fromkeys(("guangdong", "guangxi", "yunnan", "guizhou", "hainan"), "south"),
}
CHINESE_NAMES = {"广东": "guangdong", "广西": "guangxi", "云南": "yunnan", "贵州": "guizhou",
                 "海南": "hainan", "北京": "beijing", "天津": "tianjin", "河北": "hebei",
                 "山西": "shanxi", "山东": "shandong", "内蒙古": "inner mongolia",
                 "上海": "shanghai", "江苏": "jiangsu", "浙江": "zhejiang", "安徽": "anhui",
                 "福建": "fujian", "四川": "sichuan", "重庆": "chongqing"}


@dataclass(frozen=True, slots=True)
class GridFactor:
    kg_per_kwh: float
    source: str  # for people: which figure of which document


def factor_for(region: str) -> GridFactor:
    """The 2022 factor of a province (``region`` as a factory's address names it, English or
    Chinese, with or without 'Province'/省): the province's own where verified, else its
    regional grid's, else the national average."""
    key = region.strip().lower().removesuffix(" province").removesuffix("省").strip()
    key = CHINESE_NAMES.get(key, key)
    if key in PROVINCIAL_2022:
        return GridFactor(PROVINCIAL_2022[key], f"{NOTICE}: {key.title()}, 2022")
    grid = REGION_OF_PROVINCE.get(key)
    if grid is not None:
        return GridFactor(REGIONAL_2022[grid],
                          f"{NOTICE}: {grid} regional grid, 2022 (the province's own not verified)")
    return GridFactor(NATIONAL_2022, f"{NOTICE}: national average, 2022 (region not known)")


# -- hourly profiles ---------------------------------------------------------------------------

HOURS = 24
MAX_KG_PER_KWH = 2.0  # above any grid's hour: a figure in g/kWh or t/MWh x 1000 by mistake
ALL_MONTHS = frozenset(range(1, 13))


@dataclass(frozen=True, slots=True)
class CarbonSeason:
    """kg CO2e per kWh for each local hour (0 = 00:00-01:00) of the ``months`` named."""

    kg_per_kwh: tuple[float, ...]
    months: frozenset[int] = ALL_MONTHS


@dataclass(frozen=True, slots=True)
class CarbonProfile:
    """A factory's hourly grid emission factors: one day of 24 hours, or one per season (the
    first season naming a month wins; a month none names takes the annual factor)."""

    seasons: tuple[CarbonSeason, ...]
    time_zone: str = "Asia/Shanghai"
    source: str = ""  # where the figures come from, for people

    def factor_at(self, local_hour: int, month: int) -> float | None:
        season = next((s for s in self.seasons if month in s.months), None)
        return None if season is None else season.kg_per_kwh[local_hour]


def carbon_profile_violations(profile: CarbonProfile) -> list[FieldViolation]:
    """Every field of ``profile`` that does not hold, named by its path (empty when valid)."""
    out: list[FieldViolation] = []
    if not profile.seasons:
        out.append(FieldViolation.of("seasons",
                                     N_("must give at least one day of 24 hourly factors")))
    for i, season in enumerate(profile.seasons):
        where = f"seasons[{i}]"
        if len(season.kg_per_kwh) != HOURS:
            out.append(FieldViolation.of(f"{where}.kg_per_kwh",
                                      N_("must be 24 hourly factors (00:00 to 23:00), not %(n)s"),
                                      n=len(season.kg_per_kwh)))
        for h, kg in enumerate(season.kg_per_kwh):
            if not math.isfinite(kg) or not 0 <= kg <= MAX_KG_PER_KWH:
                out.append(FieldViolation.of(f"{where}.kg_per_kwh[{h}]",
                                          N_("must be 0 to %(n)s kg CO2e per kWh"),
                                          n=MAX_KG_PER_KWH))
        if not season.months or not season.months <= ALL_MONTHS:
            out.append(FieldViolation.of(f"{where}.months", N_("must name months 1 to 12")))
    try:
        ZoneInfo(profile.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        out.append(FieldViolation.of("time_zone", N_("unknown time zone '%(time_zone)s'"),
                                     time_zone=profile.time_zone))
    return out


def checked_profile(profile: CarbonProfile) -> CarbonProfile:
    """``profile`` when it is valid; else :class:`InvalidArgument` naming every bad field."""
    violations = carbon_profile_violations(profile)
    if violations:
        raise InvalidArgument(violations)
    return profile


def kg_co2e(load: Sequence[tuple[int, float]], end_ms: int, profile: CarbonProfile | None,
            annual_kg_per_kwh: float) -> float:
    """CO2e of a load curve: ``load`` is steps (unix ms, kW from then on) up to ``end_ms``;
    each hour's kWh at that local hour's factor of ``profile`` (the annual factor without a
    profile, or in a month the profile does not cover)."""
    total = 0.0
    ends = [at for at, _ in load[1:]] + [end_ms]
    tz = ZoneInfo(profile.time_zone) if profile is not None else None
    for (start, kw), stop in zip(load, ends, strict=True):
        if kw <= 0 or stop <= start:
            continue
        if tz is None or profile is None:
            total += kw * (stop - start) / 3_600_000 * annual_kg_per_kwh
            continue
        at = start
        while at < stop:
            local = datetime.fromtimestamp(at / 1000, tz)
            hour_start = local.replace(minute=0, second=0, microsecond=0)
            next_ms = int((hour_start + timedelta(hours=1)).timestamp() * 1000)
            upto = min(stop, next_ms if next_ms > at else at + 3_600_000)
            factor = profile.factor_at(local.hour, local.month)
            total += kw * (upto - at) / 3_600_000 * (annual_kg_per_kwh if factor is None else factor)
            at = upto
    return total


def profile_record(profile: CarbonProfile) -> dict:
    """``profile`` as plain JSON values (what a CarbonProfileSet event keeps)."""
    return {"seasons": [[list(s.kg_per_kwh), sorted(s.months)] for s in profile.seasons],
            "time_zone": profile.time_zone, "source": profile.source}


def profile_from_record(record: dict) -> CarbonProfile:
    return CarbonProfile(
        seasons=tuple(CarbonSeason(tuple(float(x) for x in kg), frozenset(months))
                      for kg, months in record["seasons"]),
        time_zone=record.get("time_zone", "Asia/Shanghai"), source=record.get("source", ""))
