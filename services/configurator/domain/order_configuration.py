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

CONFIGURATION_NAMESPACE = uuid.UUID("9a41c6e2-7b3d-4f85-a0c9-3e5d7f1b2c84")


def configuration_id(order_id: str) -> uuid.UUID:
    return uuid.uuid5(CONFIGURATION_NAMESPACE, f"order-configuration:{order_id}")


class ConfigurationStatus(StrEnum):
    PENDING = "PENDING"
    CONFIGURED = "CONFIGURED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"


class OrderConfiguration(Aggregate):
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
        self.lines: list[dict[str, Any]] = []
        self.result: dict[str, Any] = {}
        self.reasons: list[dict[str, str]] = []
        self.cancellation_reason = ""

    def accepts(self, revision: int) -> bool:
        """Is an order revision new enough to configure?"""
        return self.status is not ConfigurationStatus.CANCELLED and revision > self.revision

    def record_configured(self, **facts: Any) -> None:
        """`lines`: each line's request and what it became; `result`: the order's nesting
        summary and method, routing, price and packages as plain data."""
        self._configured(order_id=self.order_id, **facts)

    def record_rejected(self, **facts: Any) -> None:
        self._rejected(order_id=self.order_id, **facts)

    # The order id travels in each event: integration events are built from events alone.
    @event("Configured")
    def _configured(self, order_id: str, revision: int, catalog_version: int, promised_date: str,
                    lines: list[dict[str, Any]], result: dict[str, Any], configured_at: str,
                    cause: str) -> None:
        self.status = ConfigurationStatus.CONFIGURED
        self.revision = revision
        self.catalog_version = catalog_version
        self.pinned_version = self.pinned_version or catalog_version
        self.promised_date = promised_date
        self.lines = lines
        self.result = result
        self.reasons = []
        self.configured_at = configured_at

    @event("ConfigurationRejected")
    def _rejected(self, order_id: str, revision: int, catalog_version: int, promised_date: str,
                  lines: list[dict[str, Any]], reasons: list[dict[str, str]],
                  configured_at: str, cause: str) -> None:
        self.status = ConfigurationStatus.REJECTED
        self.revision = revision
        self.catalog_version = catalog_version
        self.promised_date = promised_date
        self.lines = lines
        self.result = {}
        self.reasons = reasons
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
