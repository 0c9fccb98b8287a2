"""protobuf ↔ outbound's domain, used by the servicer and the delivery list."""

from __future__ import annotations

from datetime import datetime

from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.outbound.v1 import outbound_service_pb2 as pb
from services.outbound.domain.delivery import Delivery
from services.outbound.domain.shop_link import ShopLink
from services.outbound.domain.subscription import Subscription
from services.outbound.domain.values import DeliveryStatus, Platform

PLATFORMS = {Platform.SHOPIFY: pb.SHOP_PLATFORM_SHOPIFY,
             Platform.WOOCOMMERCE: pb.SHOP_PLATFORM_WOOCOMMERCE}
PLATFORM_OF = {v: k for k, v in PLATFORMS.items()}
STATUSES = {DeliveryStatus.PENDING: pb.DELIVERY_STATUS_PENDING,
            DeliveryStatus.DELIVERED: pb.DELIVERY_STATUS_DELIVERED,
            DeliveryStatus.DEAD: pb.DELIVERY_STATUS_DEAD}
STATUS_OF = {v: k for k, v in STATUSES.items()}


def timestamp(iso: str) -> Timestamp | None:
    if not iso:
        return None
    ts = Timestamp()
    ts.FromDatetime(datetime.fromisoformat(iso))
    return ts


def subscription_to_pb(s: Subscription) -> pb.Subscription:
    return pb.Subscription(subscription_id=str(s.id), url=s.url, event_types=s.event_types,
                           description=s.description, created_at=timestamp(s.created_at),
                           active=s.active, created_by=s.created_by)


def shop_link_to_pb(link: ShopLink) -> pb.ShopLink:
    """Everything but the credentials: only whether they are set."""
    return pb.ShopLink(channel=link.channel, platform=PLATFORMS[link.platform],
                       base_url=link.base_url, api_version=link.api_version,
                       credentials_set=link.credentials.complete,
                       updated_at=timestamp(link.updated_at), updated_by=link.updated_by)


def delivery_to_pb(d: Delivery) -> pb.Delivery:
    return pb.Delivery(
        delivery_id=str(d.id), target=d.target, kind=d.kind.value, event_type=d.event_type,
        message_id=d.message_id, status=STATUSES[d.status], queued_at=timestamp(d.queued_at),
        due_at=timestamp(d.due_at), order_id=d.order_id,
        attempts=[pb.Attempt(at=timestamp(a.at), delivered=a.delivered,
                             status_code=a.status_code, error=a.error,
                             duration_ms=a.duration_ms) for a in d.attempts])
