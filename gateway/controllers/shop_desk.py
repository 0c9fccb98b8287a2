"""The shop desk (admins and planners): map one thing waiting orders need, try a shop payload
without storing it, re-process an order configuration refused (docs/security.md, "Roles")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import msgspec
from litestar import Controller, Request, post
from litestar.exceptions import NotFoundException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, PathParameter

from gateway.auth import current, planning
from gateway.controllers.admin import mapping_read, save_mapping
from gateway.controllers.orders import order_read
from gateway.deps import GatewayState, StateDep
from gateway.errors import ServiceError
from gateway.schemas.admin import MappingRead, MappingWrite
from gateway.schemas.orders import ErrorBody, OrderRead
from gateway.schemas.shop_desk import DryRunAnswer, MappingEntry
from gateway.webhooks.dry_run import dry_run
from gateway.webhooks.mapping_entry import with_entry
from gateway.webhooks.reprocess import reprocess
from gateway.webhooks.shopify import SHOPIFY
from gateway.webhooks.shops import ShopPlatform
from gateway.webhooks.woocommerce import WOOCOMMERCE

EDIT_TRIES = 5
MAPPING_FIELDS = set(MappingWrite.__struct_fields__)
SHOP_PLATFORMS: dict[str, ShopPlatform] = {p.channel: p for p in (SHOPIFY, WOOCOMMERCE)}
ShopChannel = Annotated[str, PathParameter(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$",
                                           description="shopify or woocommerce")]


@dataclass
class DryRunOperation(Operation):
    """The dry run reads the shop's payload raw, as the webhook does, so Litestar cannot see
    its body: documented here as the payload of either shop, any JSON (a payload that is not
    the platform's shape is answered 200 with outcome REFUSED and every problem, not a 422)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(required=True, description=(
            "The shop's order payload as its webhook sends it: Shopify's order (orders/create) "
            "for channel shopify, WooCommerce's order (order.created) for woocommerce"),
            content={"application/json": OpenAPIMediaType(schema=Schema(
                description="a Shopify or WooCommerce order payload"))})


def platform_of(channel: str) -> ShopPlatform:
    if channel not in SHOP_PLATFORMS:
        raise NotFoundException(f"{channel!r} is no shop channel: {', '.join(SHOP_PLATFORMS)}")
    return SHOP_PLATFORMS[channel]


async def save_entry(gateway: GatewayState, channel: str, entry: MappingEntry,
                     by: str) -> MappingRead:
    """The channel's mapping with `entry`, checked against the catalogue and saved (422 naming
    every problem); the channel's waiting orders it completes are then placed. Two people
    mapping at once both keep their entry: a save over a version another save replaced is
    redone on the mapping as it is now."""
    platform_of(channel)
    for _ in range(EDIT_TRIES):
        stored = await gateway.channels.fresh_mapping(channel)
        if stored is None:
            raise NotFoundException(f"channel {channel!r} has no mapping")
        current_mapping = {k: v for k, v in vars(stored).items() if k in MAPPING_FIELDS}
        changed = msgspec.convert(with_entry(current_mapping, entry), MappingWrite)
        if await save_mapping(gateway, channel, changed, by, stored.version):
            return await mapping_read(gateway, channel)
    raise ServiceError(409, f"the mapping of {channel} is being changed by others; try again")


class ChannelDeskController(Controller):
    path = "/api/v1/channels"
    tags = ["shop desk"]
    guards = [planning]
    security = [{"bearer": []}]

    @post("/{channel:str}/mapping/entries", status_code=200,
          summary="Map or ignore one thing waiting shop orders need",
          description=(
              "One entry of the channel's mapping (a SKU, id or title → a catalogue product "
              "with fixed parameters; a shop option → a parameter; a line not made here or an "
              "option that changes nothing made, ignored; a product's missing parameter given "
              "a value), saved through the same check as `PUT /api/v1/admin/channels/{channel}"
              "/mapping`: 422 names every problem against the latest catalogue. Once saved the "
              "channel's orders waiting for it are placed within seconds."),
          responses={409: ResponseSpec(ErrorBody, description="others kept changing it"),
                     422: ResponseSpec(ErrorBody, description="does not fit the catalogue")})
    async def map_entry(self, channel: ShopChannel, data: JSONBody[MappingEntry],
                        gateway: StateDep, request: Request) -> MappingRead:
        return await save_entry(gateway, channel, data, str(current(request)))

    @post("/{channel:str}/dry-run", status_code=200,
          summary="What a shop payload would become, storing nothing",
          operation_class=DryRunOperation,
          description=(
              "The body is the shop's own order payload (as its webhook sends it; no "
              "signature needed here). The answer says what the webhook would do now: the "
              "canonical order it would place, or every problem by JSON Pointer in the "
              "payload: a body that is not the platform's shape (the shop would get 422), "
              "lines, options or parameters the channel's mapping does not say yet, and "
              "what the configurator's what-if would refuse. Nothing is stored anywhere."))
    async def dry_run(self, channel: ShopChannel, gateway: StateDep,
                      request: Request) -> DryRunAnswer:
        return await dry_run(gateway, platform_of(channel), await request.body())


class ReprocessController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    guards = [planning]
    security = [{"bearer": []}]

    @post("/{order_id:str}/reprocess", status_code=200,
          summary="Re-process an order configuration rejected, from the shop's payload",
          description=(
              "After a mapping or catalogue fix: the shop's payload kept with the order is "
              "mapped again with the channel's mapping now (an order placed without one keeps "
              "its lines) and configured again as a new revision; the shop does not resend. "
              "Recorded with who asked. 409 unless the order is REJECTED; 422 naming by JSON "
              "Pointer what the mapping still does not make."),
          responses={409: ResponseSpec(ErrorBody, description="the order is not REJECTED"),
                     422: ResponseSpec(ErrorBody, description="still not mapped")})
    async def reprocess(self, order_id: FromPath[str], gateway: StateDep,
                        request: Request) -> OrderRead:
        return order_read(await reprocess(gateway, SHOP_PLATFORMS, order_id,
                                          current(request).actor))
