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


class MappingWrite(msgspec.Struct, forbid_unknown_fields=True):
    """SKU → product (with fixed options); shop option name → parameter; value translations."""

    products: dict[str, ProductMapping]
    options: dict[str, str] = {}
    values: dict[str, dict[str, str | int | float | bool]] = {}


class MappingRead(msgspec.Struct):
    channel: str
    version: int
    products: dict[str, Any]
    options: dict[str, str]
    values: dict[str, Any]


class PublishCatalogue(msgspec.Struct, forbid_unknown_fields=True):
    catalog: dict[str, Any]
    expected_latest_version: Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
    note: Label = ""


class CataloguePublished(msgspec.Struct):
    catalog_version: int
    published_at: str | None
    product_codes: list[str]
