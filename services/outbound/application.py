"""The outbound application: load → act → save. No wire types here."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from services.kit.persistence import ServiceApplication
from services.kit.stored_values import register_values
from services.kit.words import N_, Words
from services.outbound.domain.delivery import Delivery
from services.outbound.domain.directory import Directory, OrderOrigin
from services.outbound.domain.errors import ChangedByOthers, DeliveryNotFound, SubscriptionNotFound
from services.outbound.domain.shop_link import ShopLink, validate_shop_link
from services.outbound.domain.subscription import (
    Subscription,
    target_of,
    validate_subscription,
)
from services.outbound.domain.values import Attempt, DeliveryKind, Platform, ShopCredentials

MAX_RETRIES = 10
SUBSCRIPTIONS, SHOPS = "subscriptions", "shops"
# The value objects stored inside outbound's events, by name (names are a stored contract).
STORED_VALUES = {Attempt: "outbound.attempt", ShopCredentials: "outbound.shop_credentials"}


def new_secret() -> str:
    """A Standard Webhooks signing secret: whsec_ and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


class OutboundApplication(ServiceApplication):
    name = "outbound"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._created: dict[str, datetime] = {}  # subscription id → when it was created

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_values(transcoder, STORED_VALUES)

    # --- reads ---------------------------------------------------------------------

    def _get(self, aggregate_id: uuid.UUID, kind: type[Aggregate]) -> Aggregate | None:
        try:
            found = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, kind) else None

    def directory(self, kind: str) -> Directory:
        found = self._get(Directory.create_id(kind), Directory)
        return found if isinstance(found, Directory) else Directory(kind)

    def subscription(self, subscription_id: uuid.UUID) -> Subscription:
        found = self._get(subscription_id, Subscription)
        if not isinstance(found, Subscription):
            raise SubscriptionNotFound(Words.of(N_("subscription %(subscription_id)s does not "
                                                   "exist"),
                subscription_id=subscription_id))
        return found

    def subscriptions(self) -> list[Subscription]:
        return [self.subscription(uuid.UUID(i)) for i in self.directory(SUBSCRIPTIONS).entries]

    def shop_link(self, channel: str) -> ShopLink | None:
        found = self._get(ShopLink.create_id(channel), ShopLink)
        return found if isinstance(found, ShopLink) else None

    def shop_links(self) -> list[ShopLink]:
        links = [self.shop_link(c) for c in self.directory(SHOPS).entries]
        return [link for link in links if link is not None]

    def delivery(self, delivery_id: uuid.UUID) -> Delivery:
        found = self._get(delivery_id, Delivery)
        if not isinstance(found, Delivery):
            raise DeliveryNotFound(Words.of(N_("delivery %(delivery_id)s does not exist"),
                delivery_id=delivery_id))
        return found

    def order_origin(self, order_id: str) -> OrderOrigin | None:
        found = self._get(OrderOrigin.create_id(order_id), OrderOrigin)
        return found if isinstance(found, OrderOrigin) else None

    # --- admin commands ------------------------------------------------------------

    def _saved(self, act: Callable[[], list[Aggregate]]) -> None:
        """Act on freshly loaded aggregates and save; again when someone else saved first."""
        for _ in range(MAX_RETRIES):
            try:
                self.save(*act())
                return
            except IntegrityError:
                continue
        raise ChangedByOthers(Words.of(N_("subscriptions or shop links kept changing; try again")))

    def create_subscription(self, url: str, event_types: list[str], description: str,
                            by: str) -> tuple[Subscription, str]:
        wanted = validate_subscription(url.strip(), event_types, description.strip())
        secret = new_secret()
        subscription = Subscription(url=url.strip(), event_types=wanted, secret=secret,
                                    description=description.strip(), created_at=now_iso(),
                                    created_by=by)

        def act() -> list[Aggregate]:
            book = self.directory(SUBSCRIPTIONS)
            book.list_entry(str(subscription.id), wanted)
            return [book, subscription]

        self._saved(act)
        return subscription, secret

    def remove_subscription(self, subscription_id: uuid.UUID, by: str) -> Subscription:
        removed: list[Subscription] = []

        def act() -> list[Aggregate]:
            subscription = self.subscription(subscription_id)
            book = self.directory(SUBSCRIPTIONS)
            if not subscription.active:
                removed[:] = [subscription]
                return []
            subscription.remove(removed_by=by)
            book.unlist(str(subscription_id))
            removed[:] = [subscription]
            return [book, subscription]

        self._saved(act)
        return removed[0]

    def set_shop_link(self, channel: str, platform: Platform | None, base_url: str,
                      api_version: str, credentials: ShopCredentials, by: str) -> ShopLink:
        channel, base_url = channel.strip(), base_url.strip()
        version = validate_shop_link(channel, platform, base_url, api_version.strip(),
                                     credentials)
        assert platform is not None
        saved: list[ShopLink] = []

        def act() -> list[Aggregate]:
            link = self.shop_link(channel)
            fields = dict(platform=platform.value, base_url=base_url, api_version=version,
                          credentials=credentials, at=now_iso(), by=by)
            if link is None:
                link = ShopLink(channel=channel, **fields)
            else:
                link.relink(**fields)
            book = self.directory(SHOPS)
            book.list_entry(channel, [platform.value])
            saved[:] = [link]
            return [book, link]

        self._saved(act)
        return saved[0]

    def retry_delivery(self, delivery_id: uuid.UUID, by: str) -> Delivery:
        delivery = self.delivery(delivery_id)
        delivery.retry(now_iso(), by)
        try:
            self.save(delivery)
        except IntegrityError:
            raise ChangedByOthers(Words.of(N_("delivery %(delivery_id)s changed meanwhile; try "
                                              "again"),
                delivery_id=delivery_id)) from None
        return delivery

    # --- the dispatcher --------------------------------------------------------------

    def record_attempt(self, delivery: Delivery, attempt: Attempt,
                       schedule_s: tuple[float, ...]) -> Delivery | None:
        """Record a try at `delivery` as it was loaded before the try; None when it has moved
        on meanwhile (the save conflicts), so the try is not counted twice."""
        delivery.record(attempt, schedule_s)
        try:
            self.save(delivery)
        except IntegrityError:
            return None
        return delivery

    # --- upstream facts (policies collect what these return) -------------------------

    def webhooks_for(self, event_type: str, message_id: str, order_id: str, body: str,
                     queued_at: str, occurred_at: datetime) -> list[Delivery]:
        """A delivery of `body` to each active subscription of `event_type` that existed when
        the event occurred: a new subscription gets what happens from its creation on, not
        the history a stream replays to a new consumer."""
        return [Delivery(target=target_of(uuid.UUID(sid)), message_id=message_id,
                         kind=DeliveryKind.WEBHOOK.value, event_type=event_type,
                         order_id=order_id, payload={"body": body}, queued_at=queued_at)
                for sid in self.directory(SUBSCRIPTIONS).tagged(event_type)
                if self._subscribed_since(sid) <= occurred_at]

    def _subscribed_since(self, subscription_id: str) -> datetime:
        """When a subscription was created (never changes, so kept once read)."""
        since = self._created.get(subscription_id)
        if since is None:
            found = self._get(uuid.UUID(subscription_id), Subscription)
            if not isinstance(found, Subscription):
                return datetime.max.replace(tzinfo=UTC)
            since = self._created[subscription_id] = datetime.fromisoformat(found.created_at)
        return since

    def shop_notice(self, kind: DeliveryKind, order_id: str, message_id: str,
                    facts: dict[str, str], queued_at: str) -> list[Delivery]:
        """What to tell the shop an order came from, when its channel has a shop link."""
        origin = self.order_origin(order_id)
        if origin is None or self.shop_link(origin.channel) is None:
            return []
        return [Delivery(target=f"shop:{origin.channel}", message_id=message_id,
                         kind=kind.value, event_type=kind.value, order_id=order_id,
                         payload={**facts, "external_id": origin.external_id},
                         queued_at=queued_at)]
