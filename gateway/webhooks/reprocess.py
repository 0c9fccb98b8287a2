"""An order refused by configuration, made again after a mapping or catalogue fix, from the
shop's payload kept with it — the shop does not resend.

A shop order's payload is mapped again with its channel's mapping now (as the webhook and the
release of waiting orders do); an order without one (placed over REST or by a designer) is
made again from its own lines, for a catalogue fix. What the mapping still misses is a 422
naming each need by JSON Pointer in the payload (map it in the inbox, then re-process).
The orders service records who asked and refuses any order that is not REJECTED (409).
"""

from __future__ import annotations

from litestar.exceptions import ValidationException

from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway.channels import ChannelMapping
from gateway.deps import GatewayState
from gateway.i18n import gettext as _
from gateway.webhooks.dry_run import need_at
from gateway.webhooks.mapping import map_lines
from gateway.webhooks.shops import ShopPlatform, decode, placing_request


async def reprocess(state: GatewayState, platforms: dict[str, ShopPlatform], order_id: str,
                    actor: str) -> orders_pb.Order:
    order = (await state.services.call("orders", "GetOrder", orders_pb.GetOrderRequest(
        order_id=order_id))).order
    request = orders_pb.ReprocessOrderRequest(order_id=order.order_id, items=order.items,
                                              notes=order.notes)
    platform = platforms.get(order.channel)
    if (order.status == orders_pb.ORDER_STATUS_REJECTED and platform is not None
            and order.source_payload):
        shop_order = platform.to_order(decode(order.source_payload, platform))
        mapped = map_lines(await state.channels.fresh_mapping(order.channel) or ChannelMapping(),
                           shop_order.lines)
        if mapped.needs or not mapped.items:
            raise ValidationException(_("the channel's mapping does not make this order yet"), extra=[
                {"key": need_at(n, shop_order.lines), "message": n.detail}
                for n in mapped.needs] or [{"key": "/line_items", "message":
                                            _("the mapping now ignores every line: cancel it")}])
        placing = placing_request(platform, shop_order, mapped, b"")
        del request.items[:], request.notes[:]
        request.items.extend(placing.items)
        request.notes.extend(placing.notes)
    reply = await state.services.call("orders", "ReprocessOrder", request, actor=actor)
    return reply.order
