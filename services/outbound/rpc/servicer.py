"""The OutboundService servicer: admin only; wire ↔ application, errors by category."""

from __future__ import annotations

import asyncio
import uuid

from dovetail.outbound.v1 import outbound_service_pb2 as pb
from dovetail.outbound.v1 import outbound_service_pb2_grpc as pb_grpc
from services.kit.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    Violations,
    raising_categories,
)
from services.kit.rpc import current_principal
from services.kit.words import N_
from services.outbound.application import OutboundApplication
from services.outbound.domain.errors import (
    ChangedByOthers,
    DeliveryNotFound,
    StillTrying,
    SubscriptionNotFound,
)
from services.outbound.domain.values import ShopCredentials
from services.outbound.projections import DeliveryListView, DeliveryQuery
from services.outbound.wire import (
    PLATFORM_OF,
    STATUS_OF,
    delivery_to_pb,
    shop_link_to_pb,
    subscription_to_pb,
)

ROLES = {name: ("admin",) for name in (
    "CreateSubscription", "ListSubscriptions", "RemoveSubscription", "SetShopLink",
    "ListShopLinks", "ListDeliveries", "RetryDelivery")}
ERRORS = {SubscriptionNotFound: NotFound, DeliveryNotFound: NotFound,
          StillTrying: FailedPrecondition, ChangedByOthers: Conflict}


def _uuid(text: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidArgument(Violations.one(field, N_("'%(text)s' is not an id"),
                                             text=text)) from None


def _by() -> str:
    return str(current_principal())


@raising_categories(ERRORS)
class OutboundServicer(pb_grpc.OutboundServiceServicer):
    def __init__(self, app: OutboundApplication, view: DeliveryListView):
        self.app = app
        self.view = view

    async def CreateSubscription(self, request: pb.CreateSubscriptionRequest,
                                 context) -> pb.CreateSubscriptionResponse:
        subscription, secret = await asyncio.to_thread(
            self.app.create_subscription, request.url, list(request.event_types),
            request.description, _by())
        return pb.CreateSubscriptionResponse(subscription=subscription_to_pb(subscription),
                                             secret=secret)

    async def ListSubscriptions(self, request, context) -> pb.ListSubscriptionsResponse:
        found = await asyncio.to_thread(self.app.subscriptions)
        return pb.ListSubscriptionsResponse(subscriptions=[subscription_to_pb(s) for s in found])

    async def RemoveSubscription(self, request: pb.RemoveSubscriptionRequest,
                                 context) -> pb.RemoveSubscriptionResponse:
        removed = await asyncio.to_thread(
            self.app.remove_subscription, _uuid(request.subscription_id, "subscription_id"),
            _by())
        return pb.RemoveSubscriptionResponse(subscription=subscription_to_pb(removed))

    async def SetShopLink(self, request: pb.SetShopLinkRequest, context) -> pb.SetShopLinkResponse:
        credentials = ShopCredentials(access_token=request.access_token,
                                      consumer_key=request.consumer_key,
                                      consumer_secret=request.consumer_secret)
        link = await asyncio.to_thread(
            self.app.set_shop_link, request.channel, PLATFORM_OF.get(request.platform),
            request.base_url, request.api_version, credentials, _by())
        return pb.SetShopLinkResponse(shop_link=shop_link_to_pb(link))

    async def ListShopLinks(self, request, context) -> pb.ListShopLinksResponse:
        links = await asyncio.to_thread(self.app.shop_links)
        return pb.ListShopLinksResponse(shop_links=[shop_link_to_pb(link) for link in links])

    async def ListDeliveries(self, request: pb.ListDeliveriesRequest,
                             context) -> pb.ListDeliveriesResponse:
        query = DeliveryQuery.from_request(
            page_size=request.page.page_size, page_token=request.page.page_token,
            target=request.target, status=STATUS_OF.get(request.status))
        deliveries, token = await self.view.list(query)
        return pb.ListDeliveriesResponse(deliveries=deliveries, next_page_token=token)

    async def RetryDelivery(self, request: pb.RetryDeliveryRequest,
                            context) -> pb.RetryDeliveryResponse:
        delivery = await asyncio.to_thread(
            self.app.retry_delivery, _uuid(request.delivery_id, "delivery_id"), _by())
        return pb.RetryDeliveryResponse(delivery=delivery_to_pb(delivery))
