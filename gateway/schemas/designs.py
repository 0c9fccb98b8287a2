"""Designer platform shapes: a configured design to quote, then to place."""

from __future__ import annotations

from typing import Annotated

import msgspec

from gateway.schemas.orders import Customer, Money, OptionValue


class DesignQuote(msgspec.Struct, forbid_unknown_fields=True):
    product: Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["wardrobe"])]
    options: dict[str, OptionValue]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    region: Annotated[str, msgspec.Meta(max_length=100, description="customer's region")] = ""
    promised_date: Annotated[str | None, msgspec.Meta(description="YYYY-MM-DD wanted")] = None


class ReasonRead(msgspec.Struct):
    parameter: str
    message: str
    suggestion: str


class QuoteRead(msgspec.Struct):
    buildable: bool
    catalog_version: int
    summary: str
    price: Money | None
    earliest_completion_date: str | None
    factory_id: str
    confidence: float | None
    meets_promise: bool | None
    explanation: str
    reasons: list[ReasonRead]


class DesignOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Place a design as an order (channel `designer-<id>`); idempotent by `reference`."""

    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=128,
                                           description="the designer platform's own id")]
    product: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    options: dict[str, OptionValue]
    customer: Customer
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    promised_date: Annotated[str | None, msgspec.Meta(description="YYYY-MM-DD")] = None
    total: Money | None = None
