"""Which carrier takes a shipment: rules as data, tried in order, the first that fits wins.

A rule names the countries (and optionally regions) it serves, the largest package and the
heaviest shipment it takes, and its default transit time per region (hours), used until
delivered shipments have taught us the lane's real transit time (see eta.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.delivery.domain.errors import NoCarrier
from services.delivery.domain.values import Destination, Package
from services.kit.words import N_, Words

ANY = "*"


@dataclass(frozen=True)
class CarrierRule:
    carrier: str
    # Prefix of the tracking numbers we book with this carrier.
    prefix: str
    countries: tuple[str, ...] = (ANY,)
    regions: tuple[str, ...] = (ANY,)
    max_package_kg: float | None = None
    max_package_length_mm: float | None = None
    max_total_kg: float | None = None
    # With no sizes known (no packages from the configurator) only bulky carriers qualify.
    takes_unknown_sizes: bool = False
    # Region (or "*") → default transit hours from pick-up to the door.
    transit_hours: Mapping[str, float] = field(default_factory=lambda: {ANY: 72.0})

    def serves(self, destination: Destination) -> bool:
        return (_matches(self.countries, destination.country)
                and _matches(self.regions, destination.region))

    def takes(self, packages: Iterable[Package]) -> bool:
        packages = list(packages)
        if not packages or all(p.weight_kg <= 0 and p.longest_side_mm <= 0 for p in packages):
            return self.takes_unknown_sizes
        if self.max_package_kg is not None and any(p.weight_kg > self.max_package_kg
                                                   for p in packages):
            return False
        if self.max_package_length_mm is not None and any(
                p.longest_side_mm > self.max_package_length_mm for p in packages):
            return False
        total = sum(p.weight_kg for p in packages)
        return self.max_total_kg is None or total <= self.max_total_kg

    def default_transit_hours(self, region: str) -> float:
        return float(self.transit_hours.get(region, self.transit_hours.get(ANY, 72.0)))

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> CarrierRule:
        """A rule from plain data (JSON / TOML), so rules can live outside the code."""
        values = dict(data)
        for key in ("countries", "regions"):
            if key in values:
                values[key] = tuple(values[key])
        return CarrierRule(**values)


def _matches(allowed: tuple[str, ...], value: str) -> bool:
    return ANY in allowed or value.strip().casefold() in {a.casefold() for a in allowed}


# The chain leader's carrier contracts. Parcels go by express; long or heavy flat-packs by
# furniture freight; anything abroad by the international forwarder.
DEFAULT_RULES: tuple[CarrierRule, ...] = (
    CarrierRule(carrier="sf-express", prefix="SF", countries=("CN",), max_package_kg=30.0,
                max_package_length_mm=1600.0, max_total_kg=90.0,
                transit_hours={"Guangdong": 24.0, "Guangxi": 36.0, "Fujian": 36.0,
                               "Hunan": 36.0, ANY: 60.0}),
    CarrierRule(carrier="deppon", prefix="DPK", countries=("CN",), takes_unknown_sizes=True,
                transit_hours={"Guangdong": 36.0, "Guangxi": 60.0, "Fujian": 60.0,
                               "Hunan": 60.0, "Shanghai": 72.0, "Jiangsu": 72.0,
                               "Zhejiang": 72.0, "Beijing": 96.0, ANY: 120.0}),
    CarrierRule(carrier="global-freight", prefix="GF", takes_unknown_sizes=True,
                transit_hours={ANY: 21 * 24.0}),
)


@dataclass(frozen=True)
class CarrierBook:
    """The rules in force, and what they say."""

    rules: tuple[CarrierRule, ...] = DEFAULT_RULES

    def choose(self, destination: Destination, packages: Iterable[Package]) -> CarrierRule:
        packages = list(packages)
        for rule in self.rules:
            if rule.serves(destination) and rule.takes(packages):
                return rule
        raise NoCarrier(Words.of(N_("no carrier takes %(count)s package(s) to %(region)s, "
                                    "%(country)s"),
            count=len(packages), region=destination.region or '?',
            country=destination.country or '?'))

    def rule_for(self, carrier: str) -> CarrierRule | None:
        return next((r for r in self.rules if r.carrier == carrier), None)

    @property
    def carriers(self) -> tuple[str, ...]:
        return tuple(r.carrier for r in self.rules)


def tracking_number(rule: CarrierRule, shipment_key: str) -> str:
    """The number we book with the carrier: prefix + 12 digits derived from the shipment."""
    digits = int.from_bytes(hashlib.sha256(shipment_key.encode()).digest()[:8], "big") % 10**12
    return f"{rule.prefix}{digits:012d}"
