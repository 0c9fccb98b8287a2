"""How to reach a sales channel's shop to tell it what became of its orders."""

from __future__ import annotations

import re
import uuid

from eventsourcing.domain import Aggregate, event

from services.kit.errors import Violations
from services.kit.words import N_
from services.outbound.domain.directory import NAMESPACE
from services.outbound.domain.values import Platform, ShopCredentials, check_url

CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
API_VERSION = re.compile(r"^\d{4}-\d{2}$")
DEFAULT_SHOPIFY_VERSION = "2026-10"
MAX_SECRET = 512


def validate_shop_link(channel: str, platform: Platform | None, base_url: str,
                       api_version: str, credentials: ShopCredentials) -> str:
    """The Shopify API version to use ("" for WooCommerce); every problem named at once."""
    v = Violations()
    v.check(bool(CHANNEL.match(channel)), "channel",
            N_("must be 1-64 lower-case letters, digits, '_', '.' or '-'"))
    check_url(v, "base_url", base_url)
    for name in ("access_token", "consumer_key", "consumer_secret"):
        v.check(len(getattr(credentials, name)) <= MAX_SECRET, name,
                N_("must be at most %(n)s characters"), n=MAX_SECRET)
    if platform is Platform.SHOPIFY:
        v.check(bool(credentials.access_token), "access_token", N_("is required for Shopify"))
        v.check(not api_version or bool(API_VERSION.match(api_version)), "api_version",
                N_("must look like 2026-10"))
        api_version = api_version or DEFAULT_SHOPIFY_VERSION
    elif platform is Platform.WOOCOMMERCE:
        v.check(bool(credentials.consumer_key), "consumer_key", N_("is required for WooCommerce"))
        v.check(bool(credentials.consumer_secret), "consumer_secret",
                N_("is required for WooCommerce"))
        v.check(not api_version, "api_version", N_("is for Shopify only"))
    else:
        v.add("platform", N_("must be SHOPIFY or WOOCOMMERCE"))
    v.raise_if_any()
    return api_version


class ShopLink(Aggregate):
    """A channel's shop: platform, address, API version and credentials (never read back)."""

    @staticmethod
    def create_id(channel: str) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"shop:{channel}")

    @event("Linked")
    def __init__(self, channel: str, platform: str, base_url: str, api_version: str,
                 credentials: ShopCredentials, at: str, by: str):
        self.channel = channel
        self._set(platform, base_url, api_version, credentials, at, by)

    @event("Relinked")
    def relink(self, platform: str, base_url: str, api_version: str,
               credentials: ShopCredentials, at: str, by: str) -> None:
        self._set(platform, base_url, api_version, credentials, at, by)

    def _set(self, platform: str, base_url: str, api_version: str,
             credentials: ShopCredentials, at: str, by: str) -> None:
        self.platform = Platform(platform)
        self.base_url = base_url.rstrip("/")
        self.api_version = api_version
        self.credentials = credentials
        self.updated_at = at
        self.updated_by = by
