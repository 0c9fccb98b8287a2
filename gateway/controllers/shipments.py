"""REST for shipments (admin): the delivery board's list with filters, and one shipment."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import ValidationException
from litestar.params import FromPath, FromQuery, QueryParameter

from dovetail.delivery.v1 import delivery_service_pb2 as dlv
from gateway import reads
from gateway.auth import order_desk
from gateway.deps import ServicesDep
from gateway.schemas.network import ShipmentPage, ShipmentRead

STATUSES = [n.removeprefix("SHIPMENT_STATUS_") for n in dlv.ShipmentStatus.keys()][1:]


def list_request(late, exception, at_risk, status, factory_id, carrier, limit, cursor
                 ) -> dlv.ListShipmentsRequest:
    bad = [s for s in status or [] if s.upper() not in STATUSES]
    if bad:
        raise ValidationException("unknown status", extra=[
            {"key": "status", "message": f"{bad[0]!r} is not one of {STATUSES}"}])
    req = dlv.ListShipmentsRequest(
        page=dict(page_size=limit, page_token=cursor or ""), carrier=carrier,
        factory_id=factory_id,
        statuses=[dlv.ShipmentStatus.Value(f"SHIPMENT_STATUS_{s.upper()}") for s in status or []])
    for name, value in (("late", late), ("exception", exception), ("at_risk", at_risk)):
        if value is not None:
            setattr(req, name, value)
    return req


class ShipmentController(Controller):
    path = "/api/v1/shipments"
    tags = ["shipments"]
    guards = [order_desk]
    security = [{"bearer": []}]

    @get("/", summary="Shipments, with filters (late, exceptions, at risk, status, factory)")
    async def list_shipments(
        self, services: ServicesDep, late: FromQuery[bool | None] = None,
        exception: FromQuery[bool | None] = None, at_risk: FromQuery[bool | None] = None,
        status: Annotated[list[str] | None, QueryParameter(description=f"one of {STATUSES}")] = None,
        factory_id: Annotated[str, QueryParameter(max_length=64)] = "",
        carrier: Annotated[str, QueryParameter(max_length=64)] = "",
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=500)] = None,
    ) -> ShipmentPage:
        reply = await services.call("delivery", "ListShipments", list_request(
            late, exception, at_risk, status, factory_id, carrier, limit, cursor))
        return ShipmentPage([reads.shipment(s) for s in reply.shipments],
                            reply.next_page_token or None)

    @get("/{shipment_id:str}", summary="One shipment")
    async def get_shipment(self, shipment_id: FromPath[str], services: ServicesDep) -> ShipmentRead:
        return reads.shipment((await services.call("delivery", "GetShipment", dlv.GetShipmentRequest(
            shipment_id=shipment_id))).shipment)
