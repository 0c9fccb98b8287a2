"""Designer platform shapes: a configured design to quote, then to place."""

from __future__ import annotations

from typing import Annotated

import msgspec

from gateway.schemas.orders import Customer, Money, OptionValue, WordsRead


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


class QuotePartRead(msgspec.Struct):
    units: int
    factory_id: str
    completion: Annotated[str, msgspec.Meta(description="RFC 3339 in the quote's time_zone")]
    completion_date: Annotated[str, msgspec.Meta(description="YYYY-MM-DD in the quote's time_zone")]


class QuoteRead(msgspec.Struct):
    buildable: bool
    catalog_version: int
    summary: str
    price: Money | None
    earliest_completion_date: Annotated[str | None, msgspec.Meta(
        description="YYYY-MM-DD in time_zone")]
    factory_id: str
    confidence: float | None
    meets_promise: bool | None
    explanation: str
    reasons: list[ReasonRead]
    earliest_completion: Annotated[str | None, msgspec.Meta(
        description="RFC 3339 with the offset of time_zone", examples=["2026-12-03T16:32:00+08:00"])] = None
    time_zone: Annotated[str, msgspec.Meta(
        description="IANA zone of the dates and of the times in the explanation",
        examples=["Asia/Shanghai"])] = ""
    beyond_horizon: Annotated[bool, msgspec.Meta(
        description="past the planning horizon: assumes the factories keep their weekly shifts")] = False
    parts: Annotated[list[QuotePartRead], msgspec.Meta(
        description="what is made where: one part, or several when the units cannot be made "
                    "whole; the date is the last part's")] = []
    explanation_said: Annotated[str, msgspec.Meta(description=(
        "`explanation` in the request's language (Accept-Language; English without it), its "
        "times on the clock of time_zone with the zone named"))] = ""
    explanation_words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "`explanation` as words, for a client to say in its reader's language; the times in "
        "them are ISO with the offset of time_zone"))] = None


class QuoteRefused(msgspec.Struct):
    """A buildable design no date can be promised for: why, as a code and in words."""

    status_code: int
    detail: str
    reason: Annotated[str, msgspec.Meta(
        description="MISSING_MACHINE_TYPE | MACHINE_UNAVAILABLE | OPERATION_TOO_LONG | "
                    "NO_CAPACITY | NO_FACTORY", examples=["OPERATION_TOO_LONG"])]
    facts: Annotated[dict[str, str], msgspec.Meta(
        description="the figures behind the reason (machine_type, factory_id, minutes, ...)")]
    catalog_version: int
    summary: str
    price: Money | None
    said: Annotated[str, msgspec.Meta(description=(
        "`detail` in the request's language (Accept-Language; English without it), machine "
        "types as people call them"))] = ""
    words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "`detail` as words, for a client to say in its reader's language"))] = None


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
