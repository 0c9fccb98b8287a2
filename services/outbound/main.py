"""Composition root of the outbound service: `python -m services.outbound.main`."""

from __future__ import annotations

from dovetail.outbound.v1 import outbound_service_pb2, outbound_service_pb2_grpc
from services.kit import runtime
from services.kit.runtime import Runtime, ServiceParts
from services.outbound.application import OutboundApplication
from services.outbound.dispatcher import Dispatcher
from services.outbound.policies import consumers
from services.outbound.projections import DeliveryListView, delivery_list_projector
from services.outbound.rpc.servicer import ROLES, OutboundServicer
from services.outbound.settings import OutboundSettings

NAME = "outbound"


def build(rt: Runtime, settings: OutboundSettings | None = None) -> ServiceParts:
    assert isinstance(rt.app, OutboundApplication)
    settings = settings or OutboundSettings.from_env()
    view = DeliveryListView(rt.pool)
    projector = delivery_list_projector(rt.app, rt.pool, rt.wakeup)
    dispatcher = Dispatcher(rt.app, view, settings)

    def add_servicers(server) -> list[str]:
        outbound_service_pb2_grpc.add_OutboundServiceServicer_to_server(
            OutboundServicer(rt.app, view), server)
        return [outbound_service_pb2.DESCRIPTOR.services_by_name["OutboundService"].full_name]

    async def projection(stop) -> None:
        await view.ensure_table()
        await projector.run(stop)

    async def dispatching(stop) -> None:
        await view.ensure_table()
        await dispatcher.run(stop)

    return ServiceParts(add_servicers=add_servicers, roles=ROLES,
                        consumers=consumers(rt.app, settings),
                        leader_jobs={"delivery_list": projection, "dispatcher": dispatching})


def serve() -> None:
    runtime.main(NAME, OutboundApplication, build)


if __name__ == "__main__":
    serve()
