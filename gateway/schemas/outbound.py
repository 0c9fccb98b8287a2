"""Outbound shapes: webhook subscriptions, shop links (credentials in, never out), deliveries."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Url = Annotated[str, msgspec.Meta(max_length=2000, description="https:// (http only to localhost)")]
Secret = Annotated[str, msgspec.Meta(max_length=512)]


class CreateSubscription(msgspec.Struct, forbid_unknown_fields=True):
    url: Url
    event_types: Annotated[list[str], msgspec.Meta(max_length=20, description=(
        "order.placed, order.configured, order.rejected, order.scheduled, order.in_production, "
        "order.produced, order.shipped, order.delivered, order.cancelled, machine.down, "
        "machine.up"))]
    description: Annotated[str, msgspec.Meta(max_length=200)] = ""


class SubscriptionRead(msgspec.Struct):
    subscription_id: str
    url: str
    event_types: list[str]
    description: str
    active: bool
    created_at: str | None
    created_by: str


class SubscriptionCreated(msgspec.Struct):
    """The signing secret (Standard Webhooks, whsec_...) is shown this once."""

    subscription: SubscriptionRead
    secret: str


class SetShopLink(msgspec.Struct, forbid_unknown_fields=True):
    """Shopify: access_token (and api_version, default the current one); WooCommerce:
    consumer_key and consumer_secret. Credentials are stored, never read back."""

    platform: Literal["shopify", "woocommerce"]
    base_url: Url
    api_version: Annotated[str, msgspec.Meta(max_length=10)] = ""
    access_token: Secret = ""
    consumer_key: Secret = ""
    consumer_secret: Secret = ""


class ShopLinkRead(msgspec.Struct):
    channel: str
    platform: str
    base_url: str
    api_version: str
    credentials_set: bool
    updated_at: str | None
    updated_by: str


class AttemptRead(msgspec.Struct):
    at: str | None
    delivered: bool
    status_code: int
    error: str
    duration_ms: int


class DeliveryRead(msgspec.Struct):
    delivery_id: str
    target: str
    kind: str
    event_type: str
    message_id: str
    order_id: str
    status: Literal["pending", "delivered", "dead"]
    queued_at: str | None
    due_at: str | None
    attempts: list[AttemptRead]


class DeliveryPage(msgspec.Struct):
    deliveries: list[DeliveryRead]
    next_page_token: str
