"""Composition root of the configurator service: `python -m services.configurator.main`."""

from __future__ import annotations

from dovetail.configurator.v1 import (
    configurator_service_pb2,
    configurator_service_pb2_grpc,
    stock_service_pb2,
    stock_service_pb2_grpc,
)
from services.configurator.application import ConfiguratorApplication
from services.configurator.board_stock import BoardStock
from services.configurator.catalogue.guillotine import warm as warm_nesting
from services.configurator.policies import consumers
from services.configurator.published import to_integration
from services.configurator.rpc.servicer import ROLES, ConfiguratorServicer
from services.configurator.rpc.stock import ROLES as STOCK_ROLES
from services.configurator.rpc.stock import StockServicer
from services.kit import runtime
from services.kit.runtime import Runtime, ServiceParts

NAME = "configurator"


def build(rt: Runtime) -> ServiceParts:
    assert isinstance(rt.app, ConfiguratorApplication)
    # Version 1 exists before the first order or request needs it (idempotent).
    rt.app.ensure_seed_catalogue()

    def add_servicers(server) -> list[str]:
        configurator_service_pb2_grpc.add_ConfiguratorServiceServicer_to_server(
            ConfiguratorServicer(rt.app), server)
        # Board stock per factory (issue 20): a room of the configurator, its own gRPC service.
        stock_service_pb2_grpc.add_StockServiceServicer_to_server(
            StockServicer(BoardStock(rt.app)), server)
        return [configurator_service_pb2.DESCRIPTOR.services_by_name["ConfiguratorService"].full_name,
                stock_service_pb2.DESCRIPTOR.services_by_name["StockService"].full_name]

    return ServiceParts(add_servicers=add_servicers, roles={**ROLES, **STOCK_ROLES},
                        to_integration=to_integration,
                        consumers=consumers(rt.app),
                        # The nesting kernel compiles on its first call after an install (15 s
                        # on a loaded box, past the gateway's 10 s deadline; loaded from numba's
                        # cache in about a second after): at start, before the service is ready.
                        warm_up=[warm_nesting])


def serve() -> None:
    runtime.main(NAME, ConfiguratorApplication, build)


if __name__ == "__main__":
    serve()
