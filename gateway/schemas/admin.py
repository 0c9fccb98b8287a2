"""Admin shapes: API keys, channel secrets and mappings, catalogue versions."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

from gateway.schemas.orders import INT64_MAX

Label = Annotated[str, msgspec.Meta(max_length=200)]


class IssueKey(msgspec.Struct, forbid_unknown_fields=True):
    principal: Annotated[str, msgspec.Meta(
        description="admin, factory:<id>, channel:<name> or designer:<id>", max_length=80)]
    label: Label = ""


class IssuedKey(msgspec.Struct):
    """The key is shown this once; only its hash is stored."""

    key_id: str
    key: str
    principal: str
    label: str


class KeyRead(msgspec.Struct):
    key_id: str
    principal: str
    label: str
    origin: Annotated[str, msgspec.Meta(description=(
        "bootstrap: the admin key from DOVETAIL_ADMIN_KEY (a new one revokes it on start); "
        "minted: issued through this API; seeded: registered by a program (demo data)"))]
    created_at: str
    revoked_at: str | None


class ChannelRead(msgspec.Struct):
    channel: str
    secret_source: str
    mapping_version: int


class SetSecret(msgspec.Struct, forbid_unknown_fields=True):
    """Omit `secret` to have one generated (shown once)."""

    secret: Annotated[str, msgspec.Meta(min_length=16, max_length=200)] | None = None


class SecretSet(msgspec.Struct):
    channel: str
    secret: str | None


class ProductMapping(msgspec.Struct, forbid_unknown_fields=True):
    product: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    options: dict[str, str | int | float | bool] = {}


ShopKey = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


class MappingWrite(msgspec.Struct, forbid_unknown_fields=True):
    """How a shop's lines become catalogue items. Lines are matched by SKU (`products`), then
    variant or product id (`product_ids`), then title (`titles`: "Title / Variant title", the
    title, or the handle; case and spaces do not matter), so lines without a SKU can be mapped.
    `options`: shop option name → parameter; `values`: parameter → {shop value: catalogue
    value}; lengths with units ("200 cm") become millimetres for *_mm parameters by themselves.
    `ignore_lines` (SKUs, ids or titles) and gift cards are not made here; `ignore_options`
    change nothing made and are kept as notes for the factory. Checked against the latest
    catalogue when saved."""

    products: dict[str, ProductMapping] = {}
    options: dict[str, str] = {}
    values: dict[str, dict[str, str | int | float | bool]] = {}
    product_ids: dict[str, ProductMapping] = {}
    titles: dict[str, ProductMapping] = {}
    ignore_lines: list[ShopKey] = []
    ignore_options: list[ShopKey] = []
    ignore_gift_cards: bool = True


class MappingRead(msgspec.Struct):
    channel: str
    version: int
    products: dict[str, Any]
    options: dict[str, str]
    values: dict[str, Any]
    product_ids: dict[str, Any] = {}
    titles: dict[str, Any] = {}
    ignore_lines: list[str] = []
    ignore_options: list[str] = []
    ignore_gift_cards: bool = True
    requires: Annotated[dict[str, list[str]], msgspec.Meta(description=(
        "per product, the parameters the catalogue cannot build without (no default): a line "
        "lacking one waits for mapping"))] = {}


class MappingNeedGroup(msgspec.Struct):
    channel: str
    kind: Annotated[str, msgspec.Meta(description="product, option or parameter")]
    key: Annotated[str, msgspec.Meta(description=(
        "what to map: a SKU (or a title, for lines without one), an option name, or "
        "<product>.<parameter>"))]
    order_count: int
    order_ids: list[str]
    example: str


class MappingsNeeded(msgspec.Struct):
    waiting_orders: int
    needs: list[MappingNeedGroup]


class PublishCatalogue(msgspec.Struct, forbid_unknown_fields=True):
    catalog: dict[str, Any]
    expected_latest_version: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    note: Label = ""


class CataloguePublished(msgspec.Struct):
    catalog_version: int
    published_at: str | None
    product_codes: list[str]
