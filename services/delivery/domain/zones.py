"""The time zone a customer lives in, from the shipment's destination: what the tracking page
shows its times in. The IANA database's own table of zones by country (zone1970.tab) says it;
China is Asia/Shanghai (Beijing time) throughout, as people there read clocks.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path

DEFAULT = "Asia/Shanghai"  # the chain's home: a destination with no country is in China
ONE_ZONE = {"CN": "Asia/Shanghai"}


@cache
def zones_by_country() -> dict[str, tuple[str, ...]]:
    """ISO 3166 alpha-2 → its zones, in the table's order (the most populous area first)."""
    table: dict[str, list[str]] = {}
    for line in zone_table().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        codes, _, zone = line.split("\t")[:3]
        for code in codes.split(","):
            table.setdefault(code, []).append(zone)
    return {code: tuple(zones) for code, zones in table.items()}


def zone_table() -> str:
    """zone1970.tab from the system's time zone database, or from the tzdata package."""
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone1970.tab"
        if path.exists():
            return path.read_text(encoding="utf-8")
    return resources.files("tzdata.zoneinfo").joinpath("zone1970.tab").read_text(encoding="utf-8")


def destination_zone(country: str, city: str = "") -> str:
    """The zone of a destination: the country's only (or official) one; in a country of several,
    the one named after the city when there is one, else the country's first."""
    code = country.strip().upper()
    if not code:
        return DEFAULT
    if code in ONE_ZONE:
        return ONE_ZONE[code]
    zones = zones_by_country().get(code, ())
    if not zones:
        return DEFAULT
    wanted = city.strip().replace(" ", "_").casefold()
    return next((z for z in zones if wanted and z.rsplit("/", 1)[-1].casefold() == wanted),
                zones[0])
