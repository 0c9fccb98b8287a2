"""Shop orders waiting for mapping, released when their channel's mapping covers them.

A saved mapping nudges the release of its channel at once; every `interval_s` each shop channel
is gone over again. What is durable is the orders' own state: an order stays AWAITING_MAPPING
until the orders service records it mapped, so a gateway that dies midway loses nothing — the
next pass (at start, on the next save, or on the timer) takes up what is still waiting, and
mapping an order twice is a no-op. The timer also catches orders taken by another replica
with a mapping it had cached before the save, and orders the read model had not listed yet.

Each waiting order is mapped again from the shop's payload kept with it, exactly as the webhook
would map it now: with nothing left to map it is placed (and goes on to configuration);
otherwise it keeps waiting, naming what is still needed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from dovetail.common.v1 import types_pb2
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from gateway.channels import ChannelMapping
from gateway.deps import GatewayState
from gateway.errors import ServiceError
from gateway.webhooks.mapping import map_lines
from gateway.webhooks.shops import ShopPlatform, decode, placing_request

log = logging.getLogger("dovetail.gateway.release")
INTERVAL_S = 30.0
PAGE = 200
AWAITING = orders_pb.ORDER_STATUS_AWAITING_MAPPING


@dataclass
class Released:
    released: int = 0
    still_waiting: int = 0
    unreadable: int = 0


@dataclass
class MappingRelease:
    state: GatewayState
    platforms: dict[str, ShopPlatform]
    interval_s: float = INTERVAL_S
    _nudged: set[str] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)

    def nudge(self, channel: str) -> None:
        """The channel's mapping changed: go over its waiting orders now."""
        if channel in self.platforms:
            self._nudged.add(channel)
            self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        channels = set(self.platforms)  # everything once at start
        while not stop.is_set():
            for channel in sorted(channels):
                try:
                    counts = await self.release(channel)
                    if counts.released or counts.unreadable:
                        log.info("waiting orders mapped", extra={"channel": channel,
                                                                 **counts.__dict__})
                except Exception as exc:  # noqa: BLE001 - services away: the next pass retries
                    log.warning("waiting orders not mapped this time",
                                extra={"channel": channel, "error": repr(exc)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval_s)
            self._wake.clear()
            channels, self._nudged = (self._nudged or set(self.platforms)), set()

    async def release(self, channel: str) -> Released:
        """Map every order of `channel` waiting for mapping with the mapping saved now."""
        platform = self.platforms[channel]
        mapping = await self.state.channels.mapping(channel) or ChannelMapping()
        counts, token = Released(), ""
        while True:
            page = await self.state.services.call("orders", "ListOrders",
                                                  orders_pb.ListOrdersRequest(
                                                      statuses=[AWAITING], channel=channel,
                                                      page=types_pb2.PageRequest(
                                                          page_size=PAGE, page_token=token)))
            for listed in page.orders:
                await self._map_again(platform, mapping, listed.order_id, counts)
            token = page.next_page_token
            if not token:
                return counts

    async def _map_again(self, platform: ShopPlatform, mapping: ChannelMapping, order_id: str,
                         counts: Released) -> None:
        reply = await self.state.services.call("orders", "GetOrder",
                                               orders_pb.GetOrderRequest(order_id=order_id))
        order = reply.order
        if order.status != AWAITING or not order.source_payload:
            return
        try:
            shop_order = platform.to_order(decode(order.source_payload, platform))
        except Exception as exc:  # noqa: BLE001 - kept as received; a person has to look
            counts.unreadable += 1
            log.warning("a waiting order's payload cannot be mapped",
                        extra={"order_id": order_id, "error": repr(exc)[:300]})
            return
        mapped = map_lines(mapping, shop_order.lines)
        placing = placing_request(platform, shop_order, mapped, b"")
        try:
            answer = await self.state.services.call("orders", "ResolveOrderMapping",
                                                    orders_pb.ResolveOrderMappingRequest(
                                                        order_id=order_id, items=placing.items,
                                                        notes=placing.notes,
                                                        mapping_needs=placing.mapping_needs))
        except ServiceError as exc:
            if exc.status_code >= 500:
                raise  # the service is away: the whole pass is tried again
            counts.unreadable += 1  # e.g. every line now ignored: a person decides
            log.warning("a waiting order was not taken as mapped",
                        extra={"order_id": order_id, "error": exc.detail[:300]})
            return
        if answer.released:
            counts.released += 1
        elif answer.order.status == AWAITING:
            counts.still_waiting += 1
