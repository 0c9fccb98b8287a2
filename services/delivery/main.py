"""Composition root of the delivery service: `python -m services.delivery.main`."""

from __future__ import annotations

from dovetail.delivery.v1 import delivery_service_pb2, delivery_service_pb2_grpc
from services.delivery.application import DeliveryApplication
from services.delivery.policies import consumers
from services.delivery.projections import ShipmentListView, shipment_list_projector
from services.delivery.published import to_integration
from services.delivery.rpc.servicer import ROLES, DeliveryServicer
from services.kit import runtime
from services.kit.runtime import Runtime, ServiceParts

NAME = "delivery"


def build(rt: Runtime) -> ServiceParts:
    assert isinstance(rt.app, DeliveryApplication)
    view = ShipmentListView(rt.pool)
    projector = shipment_list_projector(rt.app, rt.pool, rt.wakeup)

    def add_servicers(server) -> list[str]:
        delivery_service_pb2_grpc.add_DeliveryServiceServicer_to_server(
            DeliveryServicer(rt.app, view), server)
        return [delivery_service_pb2.DESCRIPTOR.services_by_name["DeliveryService"].full_name]

    async def projection(stop) -> None:
        await view.ensure_table()
        await projector.run(stop)

    return ServiceParts(add_servicers=add_servicers, roles=ROLES, to_integration=to_integration,
                        consumers=consumers(rt.app), leader_jobs={"shipment_list": projection})


def serve() -> None:
    runtime.main(NAME, DeliveryApplication, build)


if __name__ == "__main__":
    serve()
