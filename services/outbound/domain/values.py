"""Value objects of outbound: event types, shops' platforms, credentials, one try."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from services.kit.errors import Violations
from services.kit.words import N_, Words

# What a subscription can ask for (Standard Webhooks `type`).
EVENT_TYPES = ("order.placed", "order.configured", "order.rejected", "order.scheduled",
               "order.in_production", "order.produced", "order.shipped", "order.delivered",
               "order.cancelled", "machine.down", "machine.up")
MAX_URL = 2000


class Platform(StrEnum):
    SHOPIFY = "shopify"
    WOOCOMMERCE = "woocommerce"


class DeliveryKind(StrEnum):
    WEBHOOK = "webhook"
    SHOP_SHIPPED = "shop_shipped"
    SHOP_CANCELLED = "shop_cancelled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"

    @property
    def said(self) -> Words:
        """The state as people read it (仍在尝试投递, 已送达), for a refusal that names it."""
        return Words(_SAID_STATUSES[self])


_SAID_STATUSES = {DeliveryStatus.PENDING: N_("still being tried"),
                  DeliveryStatus.DELIVERED: N_("delivered"),
                  DeliveryStatus.DEAD: N_("dead-lettered")}


@dataclass(frozen=True)
class ShopCredentials:
    """Shopify: an Admin API access token; WooCommerce: a REST consumer key and secret."""

    access_token: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.access_token or (self.consumer_key and self.consumer_secret))


@dataclass(frozen=True)
class Attempt:
    """One try: when, whether it was taken (2xx), the status, why not, how long it took."""

    at: str
    delivered: bool
    status_code: int = 0
    error: str = ""
    duration_ms: int = 0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(v: Violations, field: str, url: str) -> None:
    """https, or http to this machine only (credentials and signed bodies never cross a
    network in the clear); no user or password in it."""
    if not v.check(bool(url), field, N_("is required")):
        return
    if not v.check(len(url) <= MAX_URL, field, N_("must be at most %(n)s characters"),
                   n=MAX_URL):
        return
    parts = urlsplit(url)
    if not v.check(parts.scheme in ("https", "http") and bool(parts.hostname), field,
                   N_("must be an absolute https:// URL")):
        return
    v.check(parts.scheme == "https" or is_loopback(parts.hostname or ""), field,
            N_("must use https (http only to localhost)"))
    v.check(parts.username is None and parts.password is None, field,
            N_("must not carry a user or password"))
