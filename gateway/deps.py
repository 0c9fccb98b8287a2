"""What handlers need, built once per app: service clients, stores, settings; and providers."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health_pb2_grpc
from litestar import Request
from litestar.di import NamedDependency
from nats.aio.client import Client
from psycopg_pool import AsyncConnectionPool

from dovetail.configurator.v1 import configurator_service_pb2_grpc, stock_service_pb2_grpc
from dovetail.delivery.v1 import delivery_service_pb2_grpc
from dovetail.iot.v1 import iot_service_pb2_grpc
from dovetail.orders.v1 import orders_service_pb2_grpc
from dovetail.outbound.v1 import outbound_service_pb2_grpc
from dovetail.scheduling.v1 import plan_overrides_service_pb2_grpc, scheduling_service_pb2_grpc
from gateway.accounts.service import People
from gateway.catalogue_names import CatalogueNameBook
from gateway.channels import ChannelStore
from gateway.errors import ServiceError, from_grpc
from gateway.factory_directory import FactoryDirectory
from gateway.limits import KeyGuessing
from gateway.placing import DEADLINE_S as PLACING_DEADLINE_S
from gateway.placing import OrderPlacer
from gateway.read_model import OrderFacts
from gateway.sessions import SessionStore
from gateway.settings import EdgeSettings
from gateway.sse.slots import StreamSlots
from services.kit.auth import ACTOR_METADATA, ACTOR_ROLE_METADATA, KeyStore
from services.kit.settings import Settings
from services.kit.tls import client_channel

STUBS = {
    "orders": orders_service_pb2_grpc.OrdersServiceStub,
    "configurator": configurator_service_pb2_grpc.ConfiguratorServiceStub,
    "scheduling": scheduling_service_pb2_grpc.SchedulingServiceStub,
    "delivery": delivery_service_pb2_grpc.DeliveryServiceStub,
    "iot": iot_service_pb2_grpc.IotServiceStub,
    "outbound": outbound_service_pb2_grpc.OutboundServiceStub,
    "stock": stock_service_pb2_grpc.StockServiceStub,
    "plan_overrides": plan_overrides_service_pb2_grpc.PlanOverridesServiceStub,
}
# Services served by another's process: board stock is a room of the configurator (issue 20).
CHANNEL_OF = {"stock": "configurator", "plan_overrides": "scheduling"}


@dataclass
class Services:
    """gRPC channels to the services; the gateway calls them with its own admin key."""

    settings: Settings
    addresses: dict[str, str]
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)
    _stubs: dict[str, Any] = field(default_factory=dict)
    placer: OrderPlacer | None = None

    def open(self) -> None:
        for name, address in self.addresses.items():
            self.channels[name] = client_channel(self.settings, address)
        self.placer = OrderPlacer(lambda method, request: getattr(self.orders, method)(
            request, metadata=self.metadata, timeout=PLACING_DEADLINE_S))

    async def place_order(self, request: Any) -> Any:
        """PlaceOrder, coalesced with other webhooks arriving at the same time (placing.py)."""
        assert self.placer is not None, "Services.open() first"
        return await self.placer.place(request)

    async def close(self) -> None:
        if self.placer is not None:
            await self.placer.close()
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.close()

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.settings.admin_key}"),)

    def stub(self, name: str) -> Any:
        """The stub of one service; 503 when this deployment does not run it."""
        channel = CHANNEL_OF.get(name, name)
        if channel not in self.channels:
            raise ServiceError(503, f"the {channel} service is not part of this deployment")
        if name not in self._stubs:
            self._stubs[name] = STUBS[name](self.channels[channel])
        return self._stubs[name]

    async def call(self, service: str, method: str, request: Any, timeout: float = 10,
                   actor: str = "", role: str = "") -> Any:
        """One unary call as the gateway, for `actor` (the person, when a person acts: the
        service records the change with their name, and `role` when given); gRPC errors
        become HTTP answers."""
        rpc: Callable[..., Awaitable[Any]] = getattr(self.stub(service), method)
        metadata = self.metadata + ((ACTOR_METADATA, actor),) if actor else self.metadata
        if role:
            metadata += ((ACTOR_ROLE_METADATA, role),)
        try:
            return await rpc(request, metadata=metadata, timeout=timeout)
        except grpc.aio.AioRpcError as error:
            raise from_grpc(error) from None

    @property
    def orders(self) -> orders_service_pb2_grpc.OrdersServiceStub:
        return self.stub("orders")

    @property
    def delivery(self) -> delivery_service_pb2_grpc.DeliveryServiceStub:
        return self.stub("delivery")

    def health(self, name: str) -> health_pb2_grpc.HealthStub:
        return health_pb2_grpc.HealthStub(self.channels[name])


@dataclass
class GatewayState:
    settings: Settings
    services: Services
    pool: AsyncConnectionPool
    keys: KeyStore
    channels: ChannelStore | None = None
    sessions: SessionStore | None = None
    nc: Client | None = None
    facts: OrderFacts | None = None
    guessing: KeyGuessing = field(default_factory=lambda: KeyGuessing(EdgeSettings()))
    streams: StreamSlots = field(default_factory=lambda: StreamSlots(
        EdgeSettings.streams_per_holder, EdgeSettings.streams_total))
    factories: FactoryDirectory = field(default_factory=FactoryDirectory)  # the schedule's picker
    # the catalogue's names for the codes orders carry (products, options, materials)
    catalogue_names: CatalogueNameBook = field(default_factory=CatalogueNameBook)
    people: People | None = None  # people's accounts (gateway/accounts)
    # Places shop orders waiting for mapping once a saved mapping covers them (a
    # gateway.webhooks.release.MappingRelease; typed loosely: that module imports this one).
    release: Any = None


# Handler parameters filled by name from the app's `dependencies` (Litestar 3 infers none).
ServicesDep = NamedDependency[Services]
StateDep = NamedDependency[GatewayState]


# ---- providers (Litestar `dependencies`) ----

def provide_state(request: Request) -> GatewayState:
    return request.app.state.gateway


def provide_services(request: Request) -> Services:
    return request.app.state.gateway.services
