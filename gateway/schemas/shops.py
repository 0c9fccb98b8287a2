"""The shops' own webhook payloads, as each platform sends them.

Lenient on purpose: platforms add fields without notice, so unknown fields are ignored here
(unlike the canonical webhook); only what the mapping needs is declared and checked.
"""

from __future__ import annotations

from typing import Any

import msgspec

from gateway.schemas.orders import Quantity

Scalar = str | int | float | bool | None


class ShopifyProperty(msgspec.Struct):
    name: str
    value: Scalar = None


class ShopifyLineItem(msgspec.Struct):
    id: int
    quantity: Quantity
    sku: str | None = None
    title: str | None = ""
    variant_title: str | None = None
    name: str | None = None
    product_id: int | None = None
    variant_id: int | None = None
    gift_card: bool = False
    price: str | None = ""
    properties: list[ShopifyProperty] | None = []


class ShopifyAddress(msgspec.Struct):
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None


class ShopifyCustomer(msgspec.Struct):
    id: int | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None


class ShopifyOrder(msgspec.Struct):
    """Shopify `orders/create` (Admin REST webhook payload)."""

    id: int
    line_items: list[ShopifyLineItem]
    name: str = ""
    email: str | None = None
    phone: str | None = None
    created_at: str | None = None
    currency: str = ""
    total_price: str | None = None
    customer: ShopifyCustomer | None = None
    shipping_address: ShopifyAddress | None = None
    billing_address: ShopifyAddress | None = None


class WooMeta(msgspec.Struct):
    key: str
    value: Any = None
    id: int | None = None


class WooLineItem(msgspec.Struct):
    id: int
    quantity: Quantity
    sku: str | None = ""
    name: str | None = ""
    parent_name: str | None = None
    product_id: int | None = None
    variation_id: int | None = None
    total: str | None = ""
    meta_data: list[WooMeta] = []


class WooAddress(msgspec.Struct):
    """Strings in WooCommerce's schema; null where a store's plugin or an order made over its
    REST API left a field unset."""

    first_name: str | None = ""
    last_name: str | None = ""
    company: str | None = ""
    address_1: str | None = ""
    address_2: str | None = ""
    city: str | None = ""
    state: str | None = ""
    postcode: str | None = ""
    country: str | None = ""
    email: str | None = None
    phone: str | None = ""


class WooOrder(msgspec.Struct):
    """WooCommerce `order.created` (REST API v3 order resource)."""

    id: int
    line_items: list[WooLineItem]
    number: str = ""
    status: str = ""
    currency: str = ""
    date_created_gmt: str | None = None
    total: str | None = None
    billing: WooAddress | None = None
    shipping: WooAddress | None = None


class ShopWebhookAnswer(msgspec.Struct):
    """What a shop hears: the order id once stored; `note` says why nothing was done."""

    order_id: str
    status: str
    duplicate: bool
    note: str = ""
