"""The catalogue's own names for what an order says in codes: a product ("tv_unit" is the
"TV unit", 电视柜), an option ("width_mm" is the "Width") and a choice of one ("board"
"particleboard-25" is "25 mm particleboard", 25 mm 刨花板).

The names come from the catalogue version the order was configured with, through the
configurator's ListProducts (each product's name, its parameters' labels and its choices'
labels), and are said in the reader's language at render time: the catalogue's names are texts
of the gateway's catalogue (services/configurator/catalogue/seed.py marks them), and a name
the catalogue lacks (a later version's) reads in English. A code no version names (an old
product) reads as it is.

A published version never changes, so its names are kept (up to `KEPT_VERSIONS`); the latest
(what an order not configured yet is read with) is asked again after `TTL_S`. A page asks for
each version it shows once, whatever the number of rows; one reader asks, the others wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.webhooks.mapping_check import catalogue_products

log = logging.getLogger("dovetail.gateway.catalogue_names")

LATEST = 0  # the version an order has before it is configured: read with the latest names
TTL_S = 60.0  # the latest version's names, and how long a failure to read them is remembered
KEPT_VERSIONS = 16


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class CatalogueNames:
    """One catalogue version's names, in its English (the texts of the gateway's catalogue)."""

    version: int = 0
    products: dict[str, str] = field(default_factory=dict)  # code → name
    labels: dict[str, str] = field(default_factory=dict)  # parameter → label
    units: dict[str, str] = field(default_factory=dict)  # parameter → unit ("mm")
    choices: dict[tuple[str, str], str] = field(default_factory=dict)  # (parameter, code) → name

    @classmethod
    def of(cls, version: int, products: Iterable[Any]) -> CatalogueNames:
        """From ListProducts' products (dovetail.configurator.v1.Product)."""
        names, labels, units, choices = {}, {}, {}, {}
        for p in products:
            names[p.code] = p.name
            for parameter in p.parameters:
                labels.setdefault(parameter.name, parameter.label)
                units.setdefault(parameter.name, parameter.unit)
                choices.update(((parameter.name, c.value), c.label) for c in parameter.choices
                               if c.label)
        return cls(version, names, labels, units, choices)

    def product(self, code: str) -> str:
        """The product's name in the reader's language; a code the catalogue lacks as it is."""
        name = self.products.get(code)
        return _(name) if name else code

    def label(self, parameter: str) -> str:
        label = self.labels.get(parameter)
        return _(label) if label else parameter

    def value(self, parameter: str, value: Any) -> str:
        """A value of an option as people read it: a choice by its name, a length in mm."""
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        name = self.choices.get((parameter, str(value)))
        if name:
            return _(name)
        if value == "auto":
            return _("auto")
        if self.units.get(parameter) == "mm" and isinstance(value, int | float):
            return _("%(n)s mm", n=_number(value))
        return _number(value)

    def option(self, parameter: str, value: Any) -> tuple[str, str]:
        """(the option's label, its value) in the reader's language."""
        return self.label(parameter), self.value(parameter, value)

    def material(self, code: str) -> str:
        """A board material ("particleboard-25/melamine-oak": board and finish) by names."""
        board, _slash, finish = code.partition("/")
        parts = [self.value("board", board)] + ([self.value("finish", finish)] if finish else [])
        return " · ".join(parts)


NO_NAMES = CatalogueNames()


@dataclass
class CatalogueNameBook:
    """The names of the catalogue versions pages show, read from the configurator."""

    ttl_s: float = TTL_S
    clock: Callable[[], float] = time.monotonic
    _kept: OrderedDict[int, tuple[float, CatalogueNames]] = field(default_factory=OrderedDict)
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)

    async def names(self, services, version: int) -> CatalogueNames:
        """Version `version`'s names (the latest for 0); no names while the configurator does
        not answer (codes read as they are), asked again after the TTL."""
        version = max(int(version or 0), 0)
        kept = self._fresh(version)
        if kept is not None:
            return kept
        async with self._locks.setdefault(version, asyncio.Lock()):
            kept = self._fresh(version)
            if kept is None:
                kept = await self._read(services, version)
                self._keep(version, kept)
            return kept

    async def of_versions(self, services, versions: Iterable[int]) -> dict[int, CatalogueNames]:
        """The names of each version in `versions` (read at the same time)."""
        wanted = sorted({max(int(v or 0), 0) for v in versions})
        found = await asyncio.gather(*(self.names(services, v) for v in wanted))
        return dict(zip(wanted, found, strict=True))

    def _fresh(self, version: int) -> CatalogueNames | None:
        entry = self._kept.get(version)
        if entry is None:
            return None
        read_at, names = entry
        lasting = names.version and version != LATEST
        return names if lasting or self.clock() - read_at <= self.ttl_s else None

    def _keep(self, version: int, names: CatalogueNames) -> None:
        self._kept[version] = (self.clock(), names)
        self._kept.move_to_end(version)
        if names.version and version == LATEST:  # the latest is that version too
            self._kept[names.version] = (self.clock(), names)
        while len(self._kept) > KEPT_VERSIONS:
            self._kept.popitem(last=False)

    async def _read(self, services, version: int) -> CatalogueNames:
        try:
            read_version, products = await catalogue_products(services.call, version)
        except ServiceError as exc:
            log.warning("catalogue version %s's names cannot be read: %s", version, exc.detail)
            return NO_NAMES
        return CatalogueNames.of(read_version, products)


def material_words(material: str, names: CatalogueNames = NO_NAMES) -> str:
    """A board material as a label or a page says it: by the catalogue's `names` in the
    reader's language ("18 mm 刨花板 · 白色三聚氰胺饰面"); without names its codes
    ("particleboard-18 melamine-white")."""
    return names.material(material) if names.version else material.replace("/", " ")


async def latest_names(state) -> CatalogueNames:
    """The latest catalogue's names, as the gateway keeps them (for what is of today, not of
    one order: board stock, batches, their papers)."""
    return await state.catalogue_names.names(state.services, LATEST)
