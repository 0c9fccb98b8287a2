"""OrderConfiguration: what the configurator made of one order, revision by revision.

Facts from orders (placed, amended, cancelled) arrive on one stream but may be redelivered
or, across replicas, reordered: a revision is configured only when it is newer than the last
one seen, and nothing is configured once the order is cancelled.

Events keep the summary other services need (routing, price, nesting summary, packages) and
the line requests with the pinned catalogue version; panels, cutting diagrams, cut lists and
labels are recomputed from those on request (the plan is deterministic), keeping events small.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate, event

from services.configurator.domain.order_plan import LineRequest
from services.configurator.domain.plan_records import (
    ConfigurationResult,
    ConfiguredLine,
    RejectionReason,
    configured_line_from_v1,
    configured_line_from_v2,
    reason_from_v1,
    request_from_v1,
    result_from_v1,
)
from services.kit.words import N_, Words

CONFIGURATION_NAMESPACE = uuid.UUID("9a41c6e2-7b3d-4f85-a0c9-3e5d7f1b2c84")


def configuration_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(CONFIGURATION_NAMESPACE, f"order-configuration:{order_id}")


class ConfigurationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIGURED = "CONFIGURED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"

    @property
    def said(self) -> Words:
        """The state as people read it (等待配置, 已拒绝), for a refusal that names it."""
        return Words(_SAID[self])


_SAID = {ConfigurationStatus.PENDING: N_("awaiting configuration"),
         ConfigurationStatus.CONFIGURED: N_("configured"),
         ConfigurationStatus.REJECTED: N_("rejected"),
         ConfigurationStatus.CANCELLED: N_("cancelled")}


class OrderConfiguration(Aggregate):
    # v2: lines, result and reasons are values, stored through the application's
    # transcodings (v1 stored plain JSON objects, Decimals as text); v3: a line's resolved
    # options are a value too (v2 kept them as a plain object).
    class Configured(Aggregate.Event):
        class_version = 3
        order_id: str
        revision: int
        catalog_version: int
        promised_date: str
        lines: list[ConfiguredLine]
        result: ConfigurationResult
        configured_at: str
        cause: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["lines"] = [configured_line_from_v1(line) for line in state["lines"]]
            state["result"] = result_from_v1(state["result"])

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["lines"] = [configured_line_from_v2(line) for line in state["lines"]]

    class ConfigurationRejected(Aggregate.Event):
        class_version = 2
        order_id: str
        revision: int
        catalog_version: int
        promised_date: str
        lines: list[LineRequest]
        reasons: list[RejectionReason]
        configured_at: str
        cause: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["lines"] = [request_from_v1(line) for line in state["lines"]]
            state["reasons"] = [reason_from_v1(r) for r in state["reasons"]]

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return configuration_id(order_id)

    @event("Opened")
    def __init__(self, order_id: str):
        self.order_id = order_id
        self.status = ConfigurationStatus.PENDING
        self.revision = 0
        self.catalog_version = 0
        # The version of the first successful configuration: amendments keep it.
        self.pinned_version = 0
        self.promised_date = ""
        self.configured_at = ""
        self.requests: tuple[LineRequest, ...] = ()  # the lines as ordered
        self.lines: tuple[ConfiguredLine, ...] = ()  # what they became (when configured)
        self.result: ConfigurationResult | None = None
        self.reasons: tuple[RejectionReason, ...] = ()
        self.cancellation_reason = ""

    def accepts(self, revision: int) -> bool:
        """Is an order revision new enough to configure?"""
        return self.status is not ConfigurationStatus.CANCELLED and revision > self.revision

    def record_configured(self, **facts: Any) -> None:
        """`lines`: each line's request and what it became; `result`: the order's nesting
        summary and method, routing, price and packages."""
        self._configured(order_id=self.order_id, **facts)

    def record_rejected(self, **facts: Any) -> None:
        self._rejected(order_id=self.order_id, **facts)

    # The order id travels in each event: integration events are built from events alone.
    @event(Configured)
    def _configured(self, order_id: str, revision: int, catalog_version: int, promised_date: str,
                    lines: list[ConfiguredLine], result: ConfigurationResult, configured_at: str,
                    cause: str) -> None:
        self.status = ConfigurationStatus.CONFIGURED
        self.revision = revision
        self.catalog_version = catalog_version
        self.pinned_version = self.pinned_version or catalog_version
        self.promised_date = promised_date
        self.requests = tuple(line.request for line in lines)
        self.lines = tuple(lines)
        self.result = result
        self.reasons = ()
        self.configured_at = configured_at

    @event(ConfigurationRejected)
    def _rejected(self, order_id: str, revision: int, catalog_version: int, promised_date: str,
                  lines: list[LineRequest], reasons: list[RejectionReason],
                  configured_at: str, cause: str) -> None:
        self.status = ConfigurationStatus.REJECTED
        self.revision = revision
        self.catalog_version = catalog_version
        self.promised_date = promised_date
        self.requests = tuple(lines)
        self.lines = ()
        self.result = None
        self.reasons = tuple(reasons)
        self.configured_at = configured_at

    def cancel(self, reason: str, cause: str) -> bool:
        if self.status is ConfigurationStatus.CANCELLED:
            return False
        self._cancelled(reason=reason, cause=cause)
        return True

    @event("Cancelled")
    def _cancelled(self, reason: str, cause: str) -> None:
        self.status = ConfigurationStatus.CANCELLED
        self.cancellation_reason = reason
