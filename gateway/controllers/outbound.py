"""What Dovetail tells the outside world, administered: webhook subscriptions (with each one's
delivery log), shops' links and credentials, and the dead-letter list with its retry.
Every call goes to the outbound service; nothing here sends anything itself."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.params import JSONBody, PathParameter, QueryParameter

from dovetail.common.v1.types_pb2 import PageRequest
from dovetail.outbound.v1 import outbound_service_pb2 as pb
from gateway import reads
from gateway.auth import admin_only
from gateway.deps import GatewayState, StateDep
from gateway.schemas.outbound import (
    AttemptRead,
    CreateSubscription,
    DeliveryPage,
    DeliveryRead,
    SetShopLink,
    ShopLinkRead,
    SubscriptionCreated,
    SubscriptionRead,
)

Channel = Annotated[str, PathParameter(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Id = Annotated[str, PathParameter(pattern=r"^[0-9a-f-]{36}$")]
PageSize = Annotated[int, QueryParameter(ge=1, le=200)]
PageToken = Annotated[str, QueryParameter(max_length=400)]
PLATFORMS = {"shopify": pb.SHOP_PLATFORM_SHOPIFY, "woocommerce": pb.SHOP_PLATFORM_WOOCOMMERCE}
PLATFORM_NAMES = {v: k for k, v in PLATFORMS.items()}
STATUS_NAMES = {pb.DELIVERY_STATUS_PENDING: "pending", pb.DELIVERY_STATUS_DELIVERED: "delivered",
                pb.DELIVERY_STATUS_DEAD: "dead"}


def subscription_read(s: pb.Subscription) -> SubscriptionRead:
    return SubscriptionRead(s.subscription_id, s.url, list(s.event_types), s.description,
                            s.active, reads.ts(s, "created_at"), s.created_by)


def shop_link_read(link: pb.ShopLink) -> ShopLinkRead:
    return ShopLinkRead(link.channel, PLATFORM_NAMES.get(link.platform, ""), link.base_url,
                        link.api_version, link.credentials_set, reads.ts(link, "updated_at"),
                        link.updated_by)


def delivery_read(d: pb.Delivery) -> DeliveryRead:
    return DeliveryRead(
        d.delivery_id, d.target, d.kind, d.event_type, d.message_id, d.order_id,
        STATUS_NAMES[d.status], reads.ts(d, "queued_at"), reads.ts(d, "due_at"),
        [AttemptRead(reads.ts(a, "at"), a.delivered, a.status_code, a.error, a.duration_ms)
         for a in d.attempts])


async def delivery_page(gateway: GatewayState, page_size: int, page_token: str, *,
                        target: str = "", status: int = pb.DELIVERY_STATUS_UNSPECIFIED
                        ) -> DeliveryPage:
    reply = await gateway.services.call("outbound", "ListDeliveries", pb.ListDeliveriesRequest(
        page=PageRequest(page_size=page_size, page_token=page_token), target=target,
        status=status))
    return DeliveryPage([delivery_read(d) for d in reply.deliveries], reply.next_page_token)


class OutboundController(Controller):
    path = "/api/v1/admin"
    tags = ["outbound"]
    guards = [admin_only]
    security = [{"bearer": []}]

    @post("/subscriptions", summary="Subscribe a system to signed webhooks (secret shown once)")
    async def subscribe(self, data: JSONBody[CreateSubscription],
                        gateway: StateDep) -> SubscriptionCreated:
        reply = await gateway.services.call("outbound", "CreateSubscription",
                                            pb.CreateSubscriptionRequest(
                                                url=data.url, event_types=data.event_types,
                                                description=data.description))
        return SubscriptionCreated(subscription_read(reply.subscription), reply.secret)

    @get("/subscriptions", summary="Webhook subscriptions in force")
    async def subscriptions(self, gateway: StateDep) -> list[SubscriptionRead]:
        reply = await gateway.services.call("outbound", "ListSubscriptions",
                                            pb.ListSubscriptionsRequest())
        return [subscription_read(s) for s in reply.subscriptions]

    @delete("/subscriptions/{subscription_id:str}", status_code=200,
            summary="Remove a subscription (nothing more is sent to it)")
    async def unsubscribe(self, subscription_id: Id, gateway: StateDep) -> SubscriptionRead:
        reply = await gateway.services.call("outbound", "RemoveSubscription",
                                            pb.RemoveSubscriptionRequest(
                                                subscription_id=subscription_id))
        return subscription_read(reply.subscription)

    @get("/subscriptions/{subscription_id:str}/deliveries",
         summary="A subscription's delivery log: every webhook and each try, newest first")
    async def deliveries(self, subscription_id: Id, gateway: StateDep, page_size: PageSize = 50,
                         page_token: PageToken = "") -> DeliveryPage:
        return await delivery_page(gateway, page_size, page_token,
                                   target=f"subscription:{subscription_id}")

    @put("/shops/{channel:str}", summary="Link a channel's shop: platform, address, credentials",
         description="Credentials are stored and used, never returned: reads say only whether "
                     "they are set.")
    async def link_shop(self, channel: Channel, data: JSONBody[SetShopLink],
                        gateway: StateDep) -> ShopLinkRead:
        reply = await gateway.services.call("outbound", "SetShopLink", pb.SetShopLinkRequest(
            channel=channel, platform=PLATFORMS[data.platform], base_url=data.base_url,
            api_version=data.api_version, access_token=data.access_token,
            consumer_key=data.consumer_key, consumer_secret=data.consumer_secret))
        return shop_link_read(reply.shop_link)

    @get("/shops", summary="Linked shops (without their credentials)")
    async def shops(self, gateway: StateDep) -> list[ShopLinkRead]:
        reply = await gateway.services.call("outbound", "ListShopLinks", pb.ListShopLinksRequest())
        return [shop_link_read(link) for link in reply.shop_links]

    @get("/dead-letters", summary="Deliveries out of tries, newest first")
    async def dead_letters(self, gateway: StateDep, page_size: PageSize = 50,
                           page_token: PageToken = "") -> DeliveryPage:
        return await delivery_page(gateway, page_size, page_token,
                                   status=pb.DELIVERY_STATUS_DEAD)

    @post("/dead-letters/{delivery_id:str}/retry", status_code=202,
          summary="Put a dead letter back in line (a fresh schedule of tries)")
    async def retry(self, delivery_id: Id, gateway: StateDep) -> DeliveryRead:
        reply = await gateway.services.call("outbound", "RetryDelivery",
                                            pb.RetryDeliveryRequest(delivery_id=delivery_id))
        return delivery_read(reply.delivery)
