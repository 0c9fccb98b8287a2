"""What handlers need, built once per app: service clients, the key store, settings."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import grpc
from grpc_health.v1 import health_pb2_grpc
from psycopg_pool import AsyncConnectionPool

from dovetail.orders.v1 import orders_service_pb2_grpc
from services.kit.auth import KeyStore
from services.kit.rpc import KEEPALIVE_OPTIONS
from services.kit.settings import Settings


@dataclass
class Services:
    """gRPC channels to the services; the gateway calls them with its own admin key."""

    settings: Settings
    addresses: dict[str, str]
    channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    def open(self) -> None:
        for name, address in self.addresses.items():
            self.channels[name] = grpc.aio.insecure_channel(address, options=KEEPALIVE_OPTIONS)

    async def close(self) -> None:
        for channel in self.channels.values():
            with contextlib.suppress(Exception):
                await channel.close()

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.settings.admin_key}"),)

    @property
    def orders(self) -> orders_service_pb2_grpc.OrdersServiceStub:
        return orders_service_pb2_grpc.OrdersServiceStub(self.channels["orders"])

    def health(self, name: str) -> health_pb2_grpc.HealthStub:
        return health_pb2_grpc.HealthStub(self.channels[name])


@dataclass
class GatewayState:
    settings: Settings
    services: Services
    pool: AsyncConnectionPool
    keys: KeyStore
