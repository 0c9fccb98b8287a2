"""A shop's line items → catalogue items, through the channel's mapping (pure).

A line is matched by its SKU, then its variant or product id, then its title (the title with the
variant title, the title alone, the handle or name), so lines without a SKU can be mapped one by
one. Lines the mapping says are not made here (and gift cards) are left out; options it says
change nothing made ("Custom Engraving") are kept as notes for the factory. Option values with a
unit become millimetres for `*_mm` parameters ("200 cm", "1.2 m", "80cm", "31.5 in").

What the mapping does not say yet is not an error: each line, option or parameter missing is
a `MappingNeed`, and the order waits for it (AWAITING_MAPPING) instead of being refused.
Options whose name starts with "_" are the platforms' private, hidden properties (Shopify and
WooCommerce both use the convention) and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.channels import ChannelMapping

_INT = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
# A length as shops write it: a number (decimal point or comma), then maybe a unit.
_LENGTH = re.compile(r'^\s*(\d+(?:[.,]\d+)?)\s*(mm|cm|m|in|inch|inches|"|″)?\s*$', re.I)
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "in": 25.4, "inch": 25.4, "inches": 25.4,
               '"': 25.4, "″": 25.4}
# Longer runs of digits are no measurement: they stay text (and int() refuses 4,300 digits).
MAX_DIGITS = 30


@dataclass(frozen=True)
class ShopProperty:
    at: str  # JSON Pointer of the property in the payload
    name: str
    value: Any


@dataclass(frozen=True)
class ShopLine:
    """One line as a shop sent it; `at` is its JSON Pointer in the payload."""

    at: str
    line_id: str
    sku: str
    quantity: int
    properties: list[ShopProperty]
    title: str = ""
    variant_title: str = ""
    names: tuple[str, ...] = ()  # other names a shop gives the line (name, handle, parent name)
    product_id: str = ""
    variant_id: str = ""
    gift_card: bool = False

    def keys(self) -> Iterator[tuple[str, str]]:
        """(table, key) to look the line up by, most specific first."""
        if self.sku:
            yield "products", self.sku
        for found in (self.variant_id, self.product_id):
            if found:
                yield "product_ids", found
        if self.variant_title:
            yield "title_index", normal(f"{self.title} / {self.variant_title}")
        for title in (self.title, *self.names):
            if title:
                yield "title_index", normal(title)

    def shown(self) -> str:
        parts = [f"{self.title!r}" if self.title else "untitled",
                 f"SKU {self.sku!r}" if self.sku else "no SKU"]
        parts += [f"{k} {v}" for k, v in (("product", self.product_id),
                                          ("variant", self.variant_id)) if v]
        if self.variant_title:
            parts.insert(1, f"variant {self.variant_title!r}")
        return f"line {self.line_id} (" + ", ".join(parts) + ")"


@dataclass(frozen=True)
class MappedItem:
    line_id: str
    product: str
    quantity: int
    options: dict[str, Any]


@dataclass(frozen=True)
class Need:
    """What the mapping must say first (kind product / option / parameter), as the orders
    service keeps it (MappingNeed)."""

    kind: str
    key: str
    line_id: str
    detail: str


@dataclass
class Mapped:
    items: list[MappedItem] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def normal(text: str) -> str:
    """Titles and option names as compared: case and runs of spaces do not matter."""
    return " ".join(str(text).split()).casefold()


def length_mm(value: Any) -> float | int | None:
    """A length in millimetres from "200 cm", "1.2 m", "80cm", "31.5 in", "600"; None if not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    match = _LENGTH.match(str(value)) if len(str(value)) <= MAX_DIGITS else None
    if match is None:
        return None
    number = float(match.group(1).replace(",", "."))
    mm = number * MM_PER_UNIT[(match.group(2) or "mm").lower()]
    return int(round(mm)) if abs(mm - round(mm)) < 1e-6 else round(mm, 1)


def _typed(value: Any) -> Any:
    """Shops send every option as text; numbers become numbers for the catalogue."""
    if isinstance(value, str):
        text = value.strip()
        if _INT.match(text) and len(text) <= MAX_DIGITS:
            return int(text)
        if _DECIMAL.match(text) and len(text) <= MAX_DIGITS:
            return float(text)
        return text
    return value


def _lookup(table: dict[str, Any], key: str, by_normal: bool) -> Any:
    if key in table:
        return table[key]
    if by_normal:
        for name, found in table.items():
            if normal(name) == key:
                return found
    return None


def find_product(mapping: ChannelMapping, line: ShopLine) -> dict[str, Any] | None:
    for table, key in line.keys():
        found = getattr(mapping, table).get(key)
        if found is not None:
            return found
    return None


def ignored(mapping: ChannelMapping, line: ShopLine) -> bool:
    if line.gift_card and mapping.ignore_gift_cards:
        return True
    return bool(mapping.ignore_line_index) and any(
        normal(key) in mapping.ignore_line_index for _, key in line.keys())


def _option(mapping: ChannelMapping, line: ShopLine, prop: ShopProperty, options: dict[str, Any],
            result: Mapped) -> None:
    name = prop.name.strip()
    if not name or name.startswith("_"):
        return
    parameter = mapping.options.get(name)
    if parameter is None or mapping.ignore_option_index:
        compared = normal(name)
        if compared in mapping.ignore_option_index:
            result.notes.append(f"line {line.line_id} {line.title!r}: {name}: {prop.value}")
            return
        parameter = parameter or mapping.option_index.get(compared)
    if parameter is None:
        result.needs.append(Need("option", name, line.line_id,
                                 f"{line.shown()}: option {name!r} = {str(prop.value)[:100]!r}"))
        return
    value = prop.value
    translations = mapping.values.get(parameter) or {}
    if translations and not isinstance(value, dict | list):
        translated = translations.get(str(value))
        if translated is None and isinstance(value, str):
            translated = _lookup(translations, normal(value), True)
        value = value if translated is None else translated
    if parameter.endswith("_mm"):
        mm = length_mm(value)
        if mm is None:
            result.needs.append(Need("option", name, line.line_id,
                                     f"{line.shown()}: {value!r} is not a length for "
                                     f"{parameter}; map it under values.{parameter}"))
            return
        options[parameter] = mm
        return
    options[parameter] = _typed(value)


def map_lines(mapping: ChannelMapping, lines: list[ShopLine]) -> Mapped:
    """The lines as catalogue items, what is still to map, and the notes for the factory."""
    result = Mapped()
    for line in lines:
        if ignored(mapping, line):
            result.notes.append(f"not made here: {line.shown()} x{line.quantity}")
            continue
        product = find_product(mapping, line)
        options = dict(product.get("options", {})) if product else {}
        for prop in line.properties:
            _option(mapping, line, prop, options, result)
        if product is None:
            key = line.sku or line.title or line.variant_id or line.product_id or line.line_id
            result.needs.append(Need("product", key, line.line_id,
                                     f"{line.shown()} matches no product mapping"))
            continue
        code = product["product"]
        missing = [p for p in mapping.requires.get(code, []) if p not in options]
        result.needs += [Need("parameter", f"{code}.{p}", line.line_id,
                              f"{line.shown()}: {code} cannot be made without {p}; map a shop "
                              f"option to it or fix it in the product mapping")
                         for p in missing]
        if not missing:
            result.items.append(MappedItem(line.line_id, code, line.quantity, options))
    return result
