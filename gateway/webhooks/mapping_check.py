"""A channel's mapping, checked against the configurator's catalogue before it is saved.

The latest catalogue comes over gRPC (ListProducts: each product's parameters with kind, range,
step, choices, default and whether it is required). A mapping is refused (422, every problem
by JSON Pointer, in the reader's language) when it names a product the catalogue does not have, a fixed option the product
has not or a value outside its range or choices, a shop option mapped to no parameter of any
product, a value translation to a value no product takes — or a product that cannot be made
from what the mapping can give it: a required parameter without a default, neither fixed in
the product mapping nor mapped from any shop option (a desk with a width but no height).

What a product cannot be made without is kept with the mapping (`requires`): a shop line that
lacks one of them waits for mapping instead of being rejected by configuration later.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from gateway.i18n import gettext as _
from gateway.webhooks.mapping import length_mm
from gateway.webhooks.shape import pointer

KIND = cfg.ParameterKind
PRODUCT_TABLES = ("products", "product_ids", "titles")


@dataclass(frozen=True)
class Problem:
    at: str  # JSON Pointer in the mapping
    message: str


async def latest_catalogue(call: Callable[[str, str, Any], Awaitable[Any]],
                           ) -> dict[str, cfg.Product]:
    """Every product of the latest catalogue version, by code."""
    _version, products = await catalogue_products(call)
    return {p.code: p for p in products}


async def catalogue_products(call: Callable[[str, str, Any], Awaitable[Any]], version: int = 0,
                             ) -> tuple[int, list[cfg.Product]]:
    """Every product of catalogue version `version` (0: the latest), and which version that is."""
    products: list[cfg.Product] = []
    token = ""
    while True:
        page = await call("configurator", "ListProducts", cfg.ListProductsRequest(
            catalog_version=version, page=types_pb2.PageRequest(page_size=200, page_token=token)))
        products.extend(page.products)
        token = page.next_page_token
        if not token:
            return page.catalog_version, products


def value_problem(parameter: cfg.Parameter, value: Any) -> str | None:
    """Why `value` is no value of `parameter`, or None."""
    if value == "auto" and parameter.default_value.string_value == "auto":
        return None  # the least the build rules allow
    if parameter.kind == KIND.PARAMETER_KIND_CHOICE:
        choices = [c.value for c in parameter.choices]
        return None if str(value) in choices else _(
            "%(value)s is not one of %(parameter)s's choices: %(choices)s", value=repr(value),
            parameter=parameter.name, choices=", ".join(choices))
    if parameter.kind == KIND.PARAMETER_KIND_BOOLEAN:
        return None if isinstance(value, bool) else _("%(parameter)s is true or false",
                                                      parameter=parameter.name)
    number = length_mm(value) if parameter.name.endswith("_mm") else (
        value if isinstance(value, int | float) and not isinstance(value, bool) else None)
    if number is None:
        return _("%(value)s is not a number for %(parameter)s", value=repr(value),
                 parameter=parameter.name)
    low, high = parameter.min, parameter.max
    if (low or high) and not low <= number <= high:
        return _("%(number)s is outside %(parameter)s's range %(low)s-%(high)s",
                 number=f"{number:g}", parameter=parameter.name, low=f"{low:g}", high=f"{high:g}")
    if parameter.step and abs((number - low) / parameter.step
                              - round((number - low) / parameter.step)) > 1e-9:
        return _("%(number)s is not a step of %(step)s from %(low)s for %(parameter)s",
                 number=f"{number:g}", step=f"{parameter.step:g}", low=f"{low:g}",
                 parameter=parameter.name)
    return None


def required(product: cfg.Product) -> list[str]:
    """Parameters the product cannot be made without (the catalogue has no default for them)."""
    return [p.name for p in product.parameters if p.required]


def check(mapping: dict[str, Any], catalogue: dict[str, cfg.Product],
          ) -> tuple[list[Problem], dict[str, list[str]]]:
    """Every problem of `mapping` against `catalogue`; and, per mapped product, what it
    requires."""
    problems: list[Problem] = []
    params = {p.name: p for product in catalogue.values() for p in product.parameters}
    from_shop = set(mapping.get("options", {}).values())
    requires: dict[str, list[str]] = {}
    for table in PRODUCT_TABLES:
        for key, entry in mapping.get(table, {}).items():
            at = pointer([table, key])
            product = catalogue.get(entry["product"])
            if product is None:
                problems.append(Problem(f"{at}/product", _(
                    "the catalogue has no product %(product)s (it has %(products)s)",
                    product=repr(entry["product"]), products=", ".join(catalogue))))
                continue
            own = {p.name: p for p in product.parameters}
            fixed = entry.get("options", {})
            for name, value in fixed.items():
                if name not in own:
                    problems.append(Problem(pointer([table, key, "options", name]), _(
                        "%(product)s has no parameter %(name)s", product=product.code,
                        name=repr(name))))
                elif (why := value_problem(own[name], value)) is not None:
                    problems.append(Problem(pointer([table, key, "options", name]), why))
            needed = required(product)
            requires[product.code] = needed
            problems += [Problem(pointer([table, key, "options", name]), _(
                                 "%(product)s cannot be made without %(name)s: fix it here or "
                                 "map a shop option to it", product=product.code, name=name))
                         for name in needed if name not in fixed and name not in from_shop]
    for name, parameter in mapping.get("options", {}).items():
        if parameter not in params:
            problems.append(Problem(pointer(["options", name]),
                                    _("no catalogue product has a parameter %(parameter)s",
                                      parameter=repr(parameter))))
    for parameter, table in mapping.get("values", {}).items():
        if parameter not in params:
            problems.append(Problem(pointer(["values", parameter]),
                                    _("no catalogue product has a parameter %(parameter)s",
                                      parameter=repr(parameter))))
            continue
        having = [p for product in catalogue.values() for p in product.parameters
                  if p.name == parameter]
        for shop_value, value in table.items():
            whys = [value_problem(p, value) for p in having]
            if all(whys):
                problems.append(Problem(pointer(["values", parameter, shop_value]),
                                        str(whys[0])))
    return problems, requires
