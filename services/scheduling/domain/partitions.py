"""Planning partitions: the network split into parts that are planned side by side.

A partition is named and holds the factories its selectors match: a factory id pattern
(``F-GZ-*``), ``city:Foshan`` or ``region:Guangdong`` (from the factory's address). The
first partition also takes every factory no partition matches, so no factory is ever
outside the plan. An order belongs to one partition: with one partition, that one; with
several, the one the assignment step chose for it (recorded on the order), made among the
partitions that have a factory able to make all of it, by the load its work would put on
their machines.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DEFAULT = "network"


class PartitionSpecError(ValueError):
    """A partition specification that cannot be used; ``problems`` names each problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Partition:
    name: str
    selectors: tuple[str, ...] = ("*",)

    def matches(self, factory_id: str, city: str = "", region: str = "") -> bool:
        for selector in self.selectors:
            kind, _, value = selector.rpartition(":")
            if kind == "city" and value.casefold() == city.casefold():
                return True
            if kind == "region" and value.casefold() == region.casefold():
                return True
            if not kind and fnmatch.fnmatchcase(factory_id, value):
                return True
        return False


def parse(spec: str) -> tuple[Partition, ...]:
    """``name=selector,selector;name=...`` (empty: one partition of the whole network)."""
    spec = spec.strip()
    if not spec:
        return (Partition(DEFAULT),)
    problems, out, seen = [], [], set()
    for i, part in enumerate(p.strip() for p in spec.split(";")):
        if not part:
            continue
        name, eq, selectors = (x.strip() for x in part.partition("="))
        chosen = tuple(s.strip() for s in selectors.split(",") if s.strip())
        if not eq or not _NAME.match(name):
            problems.append(f"partition {i + 1} ({part!r}): a name of lowercase letters, digits,"
                            " '-' or '_' then '=' is required (e.g. south=F-GZ-*,city:Foshan)")
            continue
        if name in seen:
            problems.append(f"partition {name!r} is named twice")
        if not chosen:
            problems.append(f"partition {name!r} selects no factory")
        for s in chosen:
            kind, colon, value = s.partition(":")
            if colon and (kind not in ("city", "region") or not value):
                problems.append(f"partition {name!r}: selector {s!r} is neither a factory id "
                                "pattern nor city:<name> nor region:<name>")
        seen.add(name)
        out.append(Partition(name, chosen))
    if not out and not problems:
        problems.append("no partition is named")
    if problems:
        raise PartitionSpecError(problems)
    return tuple(out)


def partition_of(partitions: tuple[Partition, ...], factory_id: str, city: str = "",
                 region: str = "") -> str:
    """The partition a factory is planned in: the first that matches it, else the first."""
    for p in partitions:
        if p.matches(factory_id, city, region):
            return p.name
    return partitions[0].name


@dataclass(frozen=True)
class PartitionLoad:
    """Capacity (machine-minutes a week) and assigned work (minutes) per machine type of one
    partition, and the machine types each of its factories has."""

    capacity: Mapping[str, float]
    work: Mapping[str, float]
    factory_types: tuple[frozenset[str], ...]

    def can_make(self, types: frozenset[str]) -> bool:
        return any(types <= have for have in self.factory_types)

    def load_with(self, need: Mapping[str, float]) -> float:
        """The busiest of the order's machine types, as a share of its capacity, were the
        order's work added."""
        return max(((self.work.get(t, 0.0) + minutes) / self.capacity[t]
                    for t, minutes in need.items() if self.capacity.get(t)), default=0.0)


def choose(loads: Mapping[str, PartitionLoad], need: Mapping[str, float],
           avoid: Iterable[str] = ()) -> str | None:
    """The partition for an order needing ``need`` (minutes per machine type): among those
    with a factory able to make all of it (and not in ``avoid`` when another can), the least
    loaded with it; None when no partition can make it."""
    types = frozenset(need)
    able = [name for name, load in sorted(loads.items()) if load.can_make(types)]
    preferred = [name for name in able if name not in set(avoid)] or able
    if not preferred:
        return None
    return min(preferred, key=lambda name: (loads[name].load_with(need), name))
