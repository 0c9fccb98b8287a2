"""Admin actions: API keys, channel secrets and mappings, catalogue versions."""

from __future__ import annotations

import secrets as random
from typing import Annotated, Any

import msgspec
from google.protobuf import struct_pb2
from litestar import Controller, Request, delete, get, post, put
from litestar.exceptions import NotFoundException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter

from dovetail.configurator.v1 import configurator_service_pb2 as cfg
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway import keys as key_admin
from gateway import reads
from gateway.auth import admin_only, current, planning
from gateway.deps import GatewayState, StateDep
from gateway.schemas.admin import (
    CataloguePublished,
    ChannelRead,
    IssuedKey,
    IssueKey,
    KeyRead,
    MappingNeedGroup,
    MappingRead,
    MappingsNeeded,
    MappingWrite,
    PublishCatalogue,
    SecretSet,
    SetSecret,
)
from gateway.schemas.orders import ErrorBody
from gateway.webhooks import mapping_check
from services.kit.auth import InvalidPrincipal, Principal

Channel = Annotated[str, PathParameter(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
KeyId = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{16}$")]


def nul_at(value: Any, path: str) -> str | None:
    """Where U+0000 is in `value` (keys too), which PostgreSQL text and jsonb cannot hold."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            shown = key.encode("unicode_escape").decode()
            name = f"{path}.{shown}" if path else shown
            if "\x00" in key:
                return name
            if found := nul_at(item, name):
                return found
    return None


def refuse_nul(value: Any, path: str) -> None:
    """Text stored here goes to PostgreSQL: U+0000 is bad input (422), not a 500."""
    if (where := nul_at(value, path)) is not None:
        raise ValidationException("text holds U+0000", extra=[
            {"key": where, "message": "must not contain the character U+0000"}])


async def issue_key(gateway: GatewayState, data: IssueKey) -> IssuedKey:
    try:
        principal = Principal.parse(data.principal.strip())
    except InvalidPrincipal as exc:
        raise ValidationException("bad principal", extra=[
            {"key": "principal", "message": str(exc)}]) from None
    refuse_nul(data.label, "label")
    key = await gateway.keys.issue(principal, data.label)
    return IssuedKey(key_id=key_admin.key_id(key), key=key, principal=str(principal),
                     label=data.label)


async def mapping_read(gateway: GatewayState, channel: str) -> MappingRead:
    mapping = await gateway.channels.mapping(channel)
    if mapping is None:
        raise NotFoundException(f"channel {channel!r} has no mapping")
    return MappingRead(channel, mapping.version, mapping.products, mapping.options, mapping.values,
                       mapping.product_ids, mapping.titles, mapping.ignore_lines,
                       mapping.ignore_options, mapping.ignore_gift_cards, mapping.requires)


async def save_mapping(gateway: GatewayState, channel: str, data: MappingWrite,
                       by: str, expected_version: int | None = None) -> bool:
    """Checked against the latest catalogue (422 naming every problem), saved with what each
    product requires, then the channel's waiting orders are gone over (release.py). False
    when `expected_version` is given and another save came first (nothing saved)."""
    mapping = msgspec.to_builtins(data)
    refuse_nul(mapping, "")
    mentions = any(mapping.get(k) for k in (*mapping_check.PRODUCT_TABLES, "options", "values"))
    catalogue = await mapping_check.latest_catalogue(gateway.services.call) if mentions else {}
    problems, requires = mapping_check.check(mapping, catalogue)
    if problems:
        raise ValidationException("the mapping does not fit the catalogue", extra=[
            {"key": p.at, "message": p.message} for p in problems])
    saved = await gateway.channels.save_mapping(channel, {**mapping, "requires": requires}, by,
                                                expected_version)
    if saved is None:
        return False
    if gateway.release is not None:
        gateway.release.nudge(channel)
    return True


async def mappings_needed(gateway: GatewayState, channel: str) -> MappingsNeeded:
    reply = await gateway.services.call("orders", "ListMappingNeeds",
                                        orders_pb.ListMappingNeedsRequest(channel=channel))
    return MappingsNeeded(reply.waiting_orders, [
        MappingNeedGroup(g.channel, g.kind, g.key, g.order_count, list(g.order_ids), g.example)
        for g in reply.groups])


def catalogue_struct(catalogue: dict[str, Any]) -> struct_pb2.Struct:
    """The catalogue as a protobuf Struct, whose numbers are doubles: a number no double
    holds is bad input (422 naming the field), not a 500."""
    struct = struct_pb2.Struct()
    try:
        struct.update(catalogue)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationException("a value is out of range", extra=[
            {"key": "catalog", "message": f"a value is out of range: {str(exc)[:200]}"}]) from None
    return struct


async def publish(gateway: GatewayState, data: PublishCatalogue) -> CataloguePublished:
    reply = await gateway.services.call("configurator", "PublishCatalogVersion",
                                        cfg.PublishCatalogVersionRequest(
                                            catalog=catalogue_struct(data.catalog),
                                            note=data.note,
                                            expected_latest_version=data.expected_latest_version))
    return CataloguePublished(catalog_version=reply.catalog_version,
                              published_at=reads.ts(reply, "published_at"),
                              product_codes=list(reply.product_codes))


class AdminController(Controller):
    path = "/api/v1/admin"
    tags = ["admin"]
    guards = [admin_only]
    security = [{"bearer": []}]

    @post("/keys", summary="Issue an API key (shown once)")
    async def issue(self, data: JSONBody[IssueKey], gateway: StateDep) -> IssuedKey:
        return await issue_key(gateway, data)

    @get("/keys", summary="API keys: id, principal, label, origin, when issued and revoked")
    async def list_keys(self, gateway: StateDep) -> list[KeyRead]:
        return await key_admin.key_reads(gateway.keys)

    @delete("/keys/{key_id:str}", summary="Revoke an API key (and the portal sessions it opened)")
    async def revoke(self, key_id: KeyId, gateway: StateDep) -> None:
        if not await key_admin.revoke(gateway.keys, key_id):
            raise NotFoundException(f"no API key with id {key_id}")

    @get("/channels", summary="Sales channels: where each secret comes from, mapping version")
    async def channels(self, gateway: StateDep) -> list[ChannelRead]:
        return [msgspec.convert(c, ChannelRead) for c in await gateway.channels.channels()]

    @put("/channels/{channel:str}/secret", summary="Set or rotate a channel's webhook secret")
    async def set_secret(self, channel: Channel, data: JSONBody[SetSecret],
                         gateway: StateDep) -> SecretSet:
        refuse_nul(data.secret, "secret")
        secret = data.secret or f"whsec_{random.token_urlsafe(24)}"
        await gateway.channels.set_secret(channel, secret)
        return SecretSet(channel, secret if data.secret is None else None)

    @get("/channels/{channel:str}/mapping", summary="A shop channel's SKU and option mapping")
    async def get_mapping(self, channel: Channel, gateway: StateDep) -> MappingRead:
        return await mapping_read(gateway, channel)

    @put("/channels/{channel:str}/mapping", summary="Replace a shop channel's mapping",
         description=(
             "Checked against the latest catalogue: 422 names every product, parameter or "
             "value it does not have, and every product that could not be made from what the "
             "mapping gives it. Once saved, the channel's orders waiting for mapping that it "
             "now completes are placed (in the background, within seconds)."))
    async def put_mapping(self, channel: Channel, data: JSONBody[MappingWrite], gateway: StateDep,
                          request: Request) -> MappingRead:
        await save_mapping(gateway, channel, data, str(current(request)))
        return await mapping_read(gateway, channel)

    @post("/catalog/versions", summary="Publish a catalogue version (configurator)",
          responses={409: ResponseSpec(ErrorBody, description="expected_latest_version is stale")})
    async def publish_catalogue(self, data: JSONBody[PublishCatalogue],
                                gateway: StateDep) -> CataloguePublished:
        return await publish(gateway, data)



class MappingController(Controller):
    path = "/api/v1/mappings"
    tags = ["admin"]
    guards = [planning]  # admins and planners map (docs/security.md, "Roles")
    security = [{"bearer": []}]

    @get("/needed", summary="What shop orders waiting for mapping need, grouped",
         description=(
             "Over every order AWAITING_MAPPING (of one channel with ?channel=): each SKU or "
             "title, option or parameter still to map, with how many orders wait for it and "
             "their ids (up to 20), most needed first."))
    async def needed(self, gateway: StateDep,
                     channel: Annotated[str, QueryParameter(max_length=64)] = "",
                     ) -> MappingsNeeded:
        return await mappings_needed(gateway, channel.strip())
