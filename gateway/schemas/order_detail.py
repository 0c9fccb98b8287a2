"""Read and write shapes around one order: history, configuration, cancel and amend."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from gateway.schemas.orders import INT64_MAX, Item, Money, WordsRead

Reason = Annotated[str, msgspec.Meta(max_length=500)]


class HistoryEntryRead(msgspec.Struct):
    version: int
    type: str
    occurred_at: str | None
    status_after: str
    summary: str
    by: Annotated[str, msgspec.Meta(description=(
        "who made the change (cancel, amend): a person's e-mail, or the principal of the key "
        "that called; empty for facts from the services"))] = ""
    by_role: Annotated[str, msgspec.Meta(description=(
        "the role in which they made it, where recorded (plan overrides: planner, admin)"))] = ""
    summary_words: WordsRead | None = None


class OrderHistoryRead(msgspec.Struct):
    order_id: str
    entries: list[HistoryEntryRead]


class CancelOrder(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class AmendOrder(msgspec.Struct, forbid_unknown_fields=True):
    """Replaces the lines (and the promised date) before production starts."""

    expected_version: Annotated[int, msgspec.Meta(ge=1, le=INT64_MAX,
                                                  description="the version you read")]
    items: list[Item]
    reason: Reason = ""
    promised_date: Annotated[str | None, msgspec.Meta(description="YYYY-MM-DD")] = None


class RoutingStepRead(msgspec.Struct):
    operation_id: str
    seq: int
    machine_type: str
    duration_seconds: int
    description: str
    description_words: WordsRead | None = None  # for a client to say in its reader's language


class BoardRead(msgspec.Struct):
    board_index: int
    material: str
    thickness_mm: float
    stock_length_mm: float
    stock_width_mm: float
    yield_percent: float
    panels: int
    cut_count: int
    svg_url: str
    material_words: WordsRead | None = None  # the board and finish by the catalogue's names


class LineSpecRead(msgspec.Struct):
    line_id: str
    product: str
    quantity: int
    summary: str
    options: dict[str, Any]
    panels: int
    summary_words: WordsRead | None = None  # for a client to say in its reader's language


class RejectionRead(msgspec.Struct):
    line_id: str
    parameter: str
    message: str
    suggestion: str
    # message and suggestion as words, for a client to say in its reader's language (None for
    # a rejection recorded before words)
    message_words: WordsRead | None = None
    suggestion_words: WordsRead | None = None


class ConfigurationRead(msgspec.Struct):
    order_id: str
    status: str
    catalog_version: int
    configured_at: str | None
    lines: list[LineSpecRead]
    boards_used: int
    yield_percent: float
    boards: list[BoardRead]
    routing: list[RoutingStepRead]
    price: Money | None
    rejection_reasons: list[RejectionRead]


class EnergyRead(msgspec.Struct):
    kwh: float
    kg_co2e: float
