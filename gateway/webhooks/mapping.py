"""A shop's line items → catalogue items, through the channel's mapping (pure).

An unmapped SKU or option is refused with a field error naming it: a shop that sells something
the catalogue does not know hears so at once (422), instead of the line silently vanishing.
Options whose name starts with "_" are the platforms' private, hidden properties (Shopify and
WooCommerce both use the convention) and are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gateway.channels import ChannelMapping

_INT = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?\d+\.\d+$")
# Longer runs of digits are no measurement: they stay text (and int() refuses 4,300 digits).
MAX_DIGITS = 30


@dataclass(frozen=True)
class ShopLine:
    """One line as a shop sent it; `at` is its path in the payload (for error messages)."""

    at: str
    line_id: str
    sku: str
    quantity: int
    properties: list[tuple[str, str, Any]]  # (path of the property, name, value)


@dataclass(frozen=True)
class MappedItem:
    line_id: str
    product: str
    quantity: int
    options: dict[str, Any]


class UnmappedError(Exception):
    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__("; ".join(m for _, m in errors))
        self.errors = errors


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


def map_lines(channel: str, mapping: ChannelMapping | None, lines: list[ShopLine]) -> list[MappedItem]:
    mapping = mapping or ChannelMapping()
    errors: list[tuple[str, str]] = []
    items: list[MappedItem] = []
    for line in lines:
        product = mapping.products.get(line.sku)
        if product is None:
            errors.append((f"{line.at}.sku", f"SKU {line.sku!r} is not mapped to a catalogue "
                                             f"product for channel {channel!r}"))
            continue
        options = dict(product.get("options", {}))
        for at, name, value in line.properties:
            if name.startswith("_"):
                continue
            parameter = mapping.options.get(name)
            if parameter is None:
                errors.append((at, f"option {name!r} is not mapped to a catalogue parameter "
                                   f"for channel {channel!r}"))
                continue
            translated = mapping.values.get(parameter, {}).get(str(value), value)
            options[parameter] = _typed(translated)
        items.append(MappedItem(line.line_id, product["product"], line.quantity, options))
    if errors:
        raise UnmappedError(errors)
    return items
