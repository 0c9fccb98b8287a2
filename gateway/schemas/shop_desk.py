"""Shapes of the shop desk: one mapping entry at a time, a dry run of a shop payload."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from gateway.schemas.orders import FieldError, OrderRead, WordsRead

ShopKey = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Option = str | int | float | bool


class MappingEntry(msgspec.Struct, forbid_unknown_fields=True):
    """One thing a waiting order needs, mapped or ignored (what `GET /api/v1/mappings/needed`
    lists). `kind` product: `key` (a SKU, a product or variant id, or a title: `table` says
    which; a SKU by default) becomes `product` with the fixed parameters `options`, or with
    `action` ignore is a line not made here. `kind` option: the shop option `key` sets the
    catalogue `parameter`, or is ignored (changes nothing made; kept as a note for the
    factory). `kind` parameter: `key` is `<product>.<parameter>`, whose value `options` gives
    for every product mapping of that product."""

    kind: Literal["product", "option", "parameter"]
    key: ShopKey
    action: Literal["map", "ignore"] = "map"
    table: Literal["products", "product_ids", "titles"] = "products"
    product: Annotated[str, msgspec.Meta(max_length=64)] = ""
    options: dict[str, Option] = {}
    parameter: Annotated[str, msgspec.Meta(max_length=64)] = ""


class NeedRead(msgspec.Struct):
    kind: str
    key: str
    line_id: str
    detail: str
    field: Annotated[str, msgspec.Meta(description="JSON Pointer of what needs it in the payload")]


class DryRunLine(msgspec.Struct):
    line_id: str
    product: str
    buildable: bool | None
    summary: str  # in English: the configured line, or why it cannot be built
    summary_words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "summary as words, for a client to say in its reader's language"))] = None


class DryRunAnswer(msgspec.Struct):
    """What the webhook would do with this payload now, with nothing stored."""

    outcome: Annotated[str, msgspec.Meta(description=(
        "PLACED (taken and sent to configuration), AWAITING_MAPPING (taken; waits for "
        "`mapping_needs`), REJECTED (taken, but configuration would refuse a line: "
        "`problems`), IGNORED (nothing in it is made here), REFUSED (not the platform's "
        "shape: `problems`)"))]
    shop_would_get: Annotated[int, msgspec.Meta(description="the HTTP status the shop gets")]
    order: OrderRead | None
    problems: list[FieldError]
    mapping_needs: list[NeedRead]
    notes: list[str]
    lines: list[DryRunLine]
    configurator_note: str = ""
    stored: bool = False
