"""HTTP shapes for orders: the canonical webhook body and the REST read schemas."""

from __future__ import annotations

from typing import Annotated

import msgspec

Text = Annotated[str, msgspec.Meta(max_length=500)]
INT64_MAX = 2**63 - 1  # protobuf int64 fields hold no more: a larger number is bad input (422)
# No `int`: JSON Schema's number already takes whole numbers, and `int | float` is documented
# as a oneOf that every whole number (e.g. width_mm 600) matches twice, so fails. Options
# travel as a protobuf Struct, whose numbers are doubles either way.
OptionValue = str | float | bool
# How many of one line an order may ask for (what the orders service accepts).
Quantity = Annotated[int, msgspec.Meta(ge=1, le=1000)]


class Address(msgspec.Struct, forbid_unknown_fields=True):
    line1: Text
    city: Text
    country: Annotated[str, msgspec.Meta(description="ISO 3166-1 alpha-2, e.g. CN")]
    line2: Text = ""
    region: Text = ""
    postal_code: Text = ""


class Customer(msgspec.Struct, forbid_unknown_fields=True):
    name: Text
    address: Address
    email: Text = ""
    phone: Text = ""


class WordsRead(msgspec.Struct, omit_defaults=True):
    """Text a service wrote for people: an English template (`%(name)s` placeholders) and its
    arguments, for a client to render in its reader's language; `summary` is the English.
    Arguments that are words themselves (a reason inside a sentence, the parts of a list) are
    in `said`, to be rendered the same way."""

    template: str
    args: dict[str, str]
    said: dict[str, WordsRead] = {}


class Item(msgspec.Struct, forbid_unknown_fields=True):
    line_id: Text
    product: Annotated[str, msgspec.Meta(description="catalogue product code, e.g. wardrobe")]
    quantity: Quantity
    options: dict[str, OptionValue] = {}


class Money(msgspec.Struct, forbid_unknown_fields=True):
    amount: Annotated[str, msgspec.Meta(description="decimal as text, e.g. \"5999.00\"")]
    currency: Annotated[str, msgspec.Meta(description="ISO 4217, e.g. CNY")]


class CanonicalOrder(msgspec.Struct, forbid_unknown_fields=True):
    """The canonical order webhook (DESIGN.md): signed with the channel's secret."""

    external_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128,
                                             description="the shop's own order id")]
    customer: Customer
    items: list[Item]
    placed_at: str | None = None
    promised_date: Annotated[str | None, msgspec.Meta(description="YYYY-MM-DD")] = None
    total: Money | None = None


class WebhookAccepted(msgspec.Struct):
    order_id: str
    status: str
    duplicate: bool


class FieldError(msgspec.Struct):
    field: str
    message: str


class ErrorBody(msgspec.Struct):
    status_code: int
    detail: str  # English, for programs
    errors: list[FieldError] = []
    # `detail` in the reader's language (Accept-Language), for the people a program shows it
    # to (the portal's forms); on the refusals a service explains
    said: str | msgspec.UnsetType = msgspec.UNSET


# Read schemas. One order, and lists with `view=full`, carry every field. Lists by default carry
# the BASIC view (AIP-157): the fields marked "full view" below are left out, so a page of 50
# neither spreads customers' contact details and tracking tokens nor pays for every option.
Full = msgspec.UnsetType
FULL_ONLY = msgspec.UNSET


class AddressRead(msgspec.Struct):
    city: str
    country: str
    line1: str | Full = FULL_ONLY
    line2: str | Full = FULL_ONLY
    region: str | Full = FULL_ONLY
    postal_code: str | Full = FULL_ONLY


class CustomerRead(msgspec.Struct):
    name: str
    address: AddressRead
    email: str | Full = FULL_ONLY
    phone: str | Full = FULL_ONLY


class OrderLineRead(msgspec.Struct):
    line_id: str
    product: str
    quantity: int
    options: dict[str, OptionValue] | Full = FULL_ONLY
    product_said: Annotated[str | Full, msgspec.Meta(description=(
        "The product's name in the catalogue version the order was configured with (the "
        "latest before), in the reader's language (Accept-Language); the code when no version "
        "names it. Only when one order is read."))] = FULL_ONLY


class OrderRead(msgspec.Struct):
    order_id: str
    channel: str
    external_id: str
    status: str
    version: int
    placed_at: str | None
    updated_at: str | None
    promised_date: str | None
    customer: CustomerRead
    items: list[OrderLineRead]
    total: Money | None
    factory_id: str
    planned_start: str | None
    planned_end: str | None
    catalog_version: int
    rejection_reasons: list[str]
    cancellation_reason: str
    # Why scheduling cannot plan the order ("" when nothing holds it); in both views.
    planning_issue: str
    tracking_token: str | Full = FULL_ONLY
    planning_issue_words: Annotated[WordsRead | None, msgspec.Meta(description=(
        "planning_issue as words, for a client to say in its reader's language"))] = None
    rejection_reason_words: Annotated[list[WordsRead], msgspec.Meta(description=(
        "rejection_reasons as words, one per reason, for a client to say in its reader's "
        "language (empty for reasons recorded before words)"))] = []


class OrderPage(msgspec.Struct):
    items: list[OrderRead]
    next_cursor: str | None
