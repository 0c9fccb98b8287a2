"""One entry of a channel's mapping, changed as a person maps or ignores what waiting orders
need (pure: the mapping in, the mapping out; saving and the catalogue check are
`controllers.admin.save_mapping`'s)."""

from __future__ import annotations

import copy
from typing import Any

from litestar.exceptions import ValidationException

from gateway.i18n import gettext as _
from gateway.schemas.shop_desk import MappingEntry
from gateway.webhooks.mapping import normal
from gateway.webhooks.mapping_check import PRODUCT_TABLES

# What a mapping read carries that a mapping written does not.
READ_ONLY = ("channel", "version", "requires")


def refuse(field: str, message: str) -> ValidationException:
    return ValidationException(message, extra=[{"key": field, "message": message}])


def _without(keys: list[str], key: str) -> list[str]:
    return [k for k in keys if normal(k) != normal(key)]


def with_entry(mapping: dict[str, Any], entry: MappingEntry) -> dict[str, Any]:
    """`mapping` (as written: products, options, titles, ...) with `entry` applied; an entry
    that says too little raises ValidationException naming the field."""
    found = {k: copy.deepcopy(v) for k, v in mapping.items() if k not in READ_ONLY}
    key = entry.key.strip()
    if not key:
        raise refuse("key", _("says what to map: a SKU, id, title or option name"))
    if entry.kind == "product":
        for table in PRODUCT_TABLES:  # the key is mapped one way only
            found.setdefault(table, {}).pop(key, None)
        found["ignore_lines"] = _without(found.get("ignore_lines", []), key)
        if entry.action == "ignore":
            found["ignore_lines"].append(key)
            return found
        if not entry.product.strip():
            raise refuse("product", _("choose the catalogue product this line is made as"))
        found[entry.table][key] = {"product": entry.product.strip(),
                                   "options": dict(entry.options)}
        return found
    if entry.kind == "option":
        found.setdefault("options", {}).pop(key, None)
        found["ignore_options"] = _without(found.get("ignore_options", []), key)
        if entry.action == "ignore":
            found["ignore_options"].append(key)
            return found
        if not entry.parameter.strip():
            raise refuse("parameter", _("choose the catalogue parameter this option sets"))
        found["options"][key] = entry.parameter.strip()
        return found
    return _with_parameter(found, key, entry)


def _with_parameter(found: dict[str, Any], key: str, entry: MappingEntry) -> dict[str, Any]:
    """`<product>.<parameter>`: the value fixed in every product mapping of that product that
    does not fix one already (a value someone chose for a SKU stays)."""
    product, _dot, parameter = key.partition(".")
    if entry.action == "ignore":
        raise refuse("action", _("%(product)s cannot be made without %(parameter)s: give it "
                                 "a value, or map a shop option to it", product=product,
                                 parameter=parameter))
    if not parameter or parameter not in entry.options:
        raise refuse(f"options/{parameter or 'parameter'}",
                     _("give %(parameter)s a value for %(product)s",
                       parameter=parameter or "the parameter", product=product))
    touched = 0
    for table in PRODUCT_TABLES:
        for mapped in found.get(table, {}).values():
            if mapped.get("product") == product:
                mapped.setdefault("options", {}).setdefault(parameter, entry.options[parameter])
                touched += 1
    if not touched:
        raise refuse("key", _("no product mapping of this channel makes %(product)s",
                              product=repr(product)))
    return found
