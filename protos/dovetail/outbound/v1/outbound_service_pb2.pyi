import datetime

from dovetail.common.v1 import types_pb2 as _types_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ShopPlatform(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHOP_PLATFORM_UNSPECIFIED: _ClassVar[ShopPlatform]
    SHOP_PLATFORM_SHOPIFY: _ClassVar[ShopPlatform]
    SHOP_PLATFORM_WOOCOMMERCE: _ClassVar[ShopPlatform]

class DeliveryStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DELIVERY_STATUS_UNSPECIFIED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_PENDING: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DELIVERED: _ClassVar[DeliveryStatus]
    DELIVERY_STATUS_DEAD: _ClassVar[DeliveryStatus]
SHOP_PLATFORM_UNSPECIFIED: ShopPlatform
SHOP_PLATFORM_SHOPIFY: ShopPlatform
SHOP_PLATFORM_WOOCOMMERCE: ShopPlatform
DELIVERY_STATUS_UNSPECIFIED: DeliveryStatus
DELIVERY_STATUS_PENDING: DeliveryStatus
DELIVERY_STATUS_DELIVERED: DeliveryStatus
DELIVERY_STATUS_DEAD: DeliveryStatus

class Subscription(_message.Message):
    __slots__ = ("subscription_id", "url", "event_types", "description", "created_at", "active", "created_by")
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    description: str
    created_at: _timestamp_pb2.Timestamp
    active: bool
    created_by: str
    def __init__(self, subscription_id: _Optional[str] = ..., url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active: _Optional[bool] = ..., created_by: _Optional[str] = ...) -> None: ...

class CreateSubscriptionRequest(_message.Message):
    __slots__ = ("url", "event_types", "description")
    URL_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    url: str
    event_types: _containers.RepeatedScalarFieldContainer[str]
    description: str
    def __init__(self, url: _Optional[str] = ..., event_types: _Optional[_Iterable[str]] = ..., description: _Optional[str] = ...) -> None: ...

class CreateSubscriptionResponse(_message.Message):
    __slots__ = ("subscription", "secret")
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SECRET_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    secret: str
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ..., secret: _Optional[str] = ...) -> None: ...

class ListSubscriptionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListSubscriptionsResponse(_message.Message):
    __slots__ = ("subscriptions",)
    SUBSCRIPTIONS_FIELD_NUMBER: _ClassVar[int]
    subscriptions: _containers.RepeatedCompositeFieldContainer[Subscription]
    def __init__(self, subscriptions: _Optional[_Iterable[_Union[Subscription, _Mapping]]] = ...) -> None: ...

class RemoveSubscriptionRequest(_message.Message):
    __slots__ = ("subscription_id",)
    SUBSCRIPTION_ID_FIELD_NUMBER: _ClassVar[int]
    subscription_id: str
    def __init__(self, subscription_id: _Optional[str] = ...) -> None: ...

class RemoveSubscriptionResponse(_message.Message):
    __slots__ = ("subscription",)
    SUBSCRIPTION_FIELD_NUMBER: _ClassVar[int]
    subscription: Subscription
    def __init__(self, subscription: _Optional[_Union[Subscription, _Mapping]] = ...) -> None: ...

class ShopLink(_message.Message):
    __slots__ = ("channel", "platform", "base_url", "api_version", "credentials_set", "updated_at", "updated_by")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    CREDENTIALS_SET_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_BY_FIELD_NUMBER: _ClassVar[int]
    channel: str
    platform: ShopPlatform
    base_url: str
    api_version: str
    credentials_set: bool
    updated_at: _timestamp_pb2.Timestamp
    updated_by: str
    def __init__(self, channel: _Optional[str] = ..., platform: _Optional[_Union[ShopPlatform, str]] = ..., base_url: _Optional[str] = ..., api_version: _Optional[str] = ..., credentials_set: _Optional[bool] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_by: _Optional[str] = ...) -> None: ...

class SetShopLinkRequest(_message.Message):
    __slots__ = ("channel", "platform", "base_url", "api_version", "access_token", "consumer_key", "consumer_secret")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_FIELD_NUMBER: _ClassVar[int]
    API_VERSION_FIELD_NUMBER: _ClassVar[int]
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_KEY_FIELD_NUMBER: _ClassVar[int]
    CONSUMER_SECRET_FIELD_NUMBER: _ClassVar[int]
    channel: str
    platform: ShopPlatform
    base_url: str
    api_version: str
    access_token: str
    consumer_key: str
    consumer_secret: str
    def __init__(self, channel: _Optional[str] = ..., platform: _Optional[_Union[ShopPlatform, str]] = ..., base_url: _Optional[str] = ..., api_version: _Optional[str] = ..., access_token: _Optional[str] = ..., consumer_key: _Optional[str] = ..., consumer_secret: _Optional[str] = ...) -> None: ...

class SetShopLinkResponse(_message.Message):
    __slots__ = ("shop_link",)
    SHOP_LINK_FIELD_NUMBER: _ClassVar[int]
    shop_link: ShopLink
    def __init__(self, shop_link: _Optional[_Union[ShopLink, _Mapping]] = ...) -> None: ...

class ListShopLinksRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListShopLinksResponse(_message.Message):
    __slots__ = ("shop_links",)
    SHOP_LINKS_FIELD_NUMBER: _ClassVar[int]
    shop_links: _containers.RepeatedCompositeFieldContainer[ShopLink]
    def __init__(self, shop_links: _Optional[_Iterable[_Union[ShopLink, _Mapping]]] = ...) -> None: ...

class Attempt(_message.Message):
    __slots__ = ("at", "delivered", "status_code", "error", "duration_ms")
    AT_FIELD_NUMBER: _ClassVar[int]
    DELIVERED_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    DURATION_MS_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    delivered: bool
    status_code: int
    error: str
    duration_ms: int
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., delivered: _Optional[bool] = ..., status_code: _Optional[int] = ..., error: _Optional[str] = ..., duration_ms: _Optional[int] = ...) -> None: ...

class Delivery(_message.Message):
    __slots__ = ("delivery_id", "target", "kind", "event_type", "message_id", "status", "queued_at", "due_at", "attempts", "order_id")
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    QUEUED_AT_FIELD_NUMBER: _ClassVar[int]
    DUE_AT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    target: str
    kind: str
    event_type: str
    message_id: str
    status: DeliveryStatus
    queued_at: _timestamp_pb2.Timestamp
    due_at: _timestamp_pb2.Timestamp
    attempts: _containers.RepeatedCompositeFieldContainer[Attempt]
    order_id: str
    def __init__(self, delivery_id: _Optional[str] = ..., target: _Optional[str] = ..., kind: _Optional[str] = ..., event_type: _Optional[str] = ..., message_id: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ..., queued_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., due_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., attempts: _Optional[_Iterable[_Union[Attempt, _Mapping]]] = ..., order_id: _Optional[str] = ...) -> None: ...

class ListDeliveriesRequest(_message.Message):
    __slots__ = ("page", "target", "status")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page: _types_pb2.PageRequest
    target: str
    status: DeliveryStatus
    def __init__(self, page: _Optional[_Union[_types_pb2.PageRequest, _Mapping]] = ..., target: _Optional[str] = ..., status: _Optional[_Union[DeliveryStatus, str]] = ...) -> None: ...

class ListDeliveriesResponse(_message.Message):
    __slots__ = ("deliveries", "next_page_token")
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    deliveries: _containers.RepeatedCompositeFieldContainer[Delivery]
    next_page_token: str
    def __init__(self, deliveries: _Optional[_Iterable[_Union[Delivery, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RetryDeliveryRequest(_message.Message):
    __slots__ = ("delivery_id",)
    DELIVERY_ID_FIELD_NUMBER: _ClassVar[int]
    delivery_id: str
    def __init__(self, delivery_id: _Optional[str] = ...) -> None: ...

class RetryDeliveryResponse(_message.Message):
    __slots__ = ("delivery",)
    DELIVERY_FIELD_NUMBER: _ClassVar[int]
    delivery: Delivery
    def __init__(self, delivery: _Optional[_Union[Delivery, _Mapping]] = ...) -> None: ...
