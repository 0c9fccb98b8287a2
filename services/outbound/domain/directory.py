"""Index aggregates: the subscriptions by event type, the channels that have a shop link,
and which channel and shop order an order of ours came from. Their ids derive from their
natural keys, and each is saved with the thing it points to."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

NAMESPACE = uuid.UUID("6f1d3c2a-8b4e-4f5a-9c7d-2e1f0a9b8c7d")


class Directory(Aggregate):
    """Names → the event types (or nothing) each stands for; one per kind of thing listed."""

    @staticmethod
    def create_id(kind: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"directory:{kind}")

    @event("Opened")
    def __init__(self, kind: str):
        self.kind = kind
        self.entries: dict[str, list[str]] = {}

    @event("Listed")
    def list_entry(self, name: str, tags: list[str]) -> None:
        self.entries[name] = list(tags)

    @event("Unlisted")
    def unlist(self, name: str) -> None:
        self.entries.pop(name, None)

    def tagged(self, tag: str) -> list[str]:
        return [name for name, tags in self.entries.items() if tag in tags]


class OrderOrigin(Aggregate):
    """Which channel an order came from, and the shop's own id for it."""

    @staticmethod
    def create_id(order_id: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"order:{order_id}")

    @event("Noted")
    def __init__(self, order_id: str, channel: str, external_id: str):
        self.order_id = order_id
        self.channel = channel
        self.external_id = external_id
