"""Grid emission factors (kg CO2 per kWh) by region of China, for the plan's expected CO2e.
Pure.

Source: 生态环境部 (Ministry of Ecology and Environment) and 国家统计局 (National Bureau of
Statistics), 《关于发布2022年电力二氧化碳排放因子的公告》, dated 20 December 2024, published
26 December 2024: the national, regional and provincial *average* electricity CO2 emission
factors of 2022 (电力平均二氧化碳排放因子), for the CO2 of electricity consumed. The figures
below are those we could check in two reports quoting the notice (see docs/scheduling.md,
"Carbon"); the provinces the reports did not quote (Guangdong among them) take their regional
grid's factor, which is said where it is used (``factor_for`` names its source).
"""

from __future__ import annotations

from dataclasses import dataclass

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
