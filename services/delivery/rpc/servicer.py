"""DeliveryService over gRPC: thin handlers; rules live in the domain.

Who may call what:
- GetShipment, ListShipments: admin, and a factory for its own shipments (street address
  and tracking token left out).
- TrackOrder: any key holder (the gateway serves it to the public, without login, with its
  own admin key); the token is the only thing that opens a shipment.
- RecordCarrierEvent: admin (the gateway, after checking a carrier's signed webhook), or a
  carrier's own key, principal `channel:carrier-<carrier>`, for its own shipments only.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from dovetail.delivery.v1 import delivery_service_pb2_grpc as pb_grpc
from services.delivery import wire
from services.delivery.application import UNKNOWN_LINK, DeliveryApplication
from services.delivery.domain.errors import (
    CarrierEventsFull,
    NoCarrier,
    ShipmentBusy,
    ShipmentNotFound,
    UnknownTrackingLink,
)
from services.delivery.projections import ShipmentListQuery, ShipmentListView
from services.kit.auth import Principal
from services.kit.errors import (
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Violations,
    raising_categories,
)
from services.kit.rpc import current_principal
from services.kit.words import N_, Words

ROLES = {
    "GetShipment": ("admin", "factory"),
    "TrackOrder": ("admin", "factory", "channel", "designer"),
    "ListShipments": ("admin", "factory"),
    "RecordCarrierEvent": ("admin", "channel"),
}
CARRIER_CHANNEL_PREFIX = "carrier-"


def _uuid(text: str, field: str) -> str:
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise InvalidArgument(Violations.one(field, N_("must be a UUID"))) from None


def _redacted(shipment: pb.Shipment, principal: Principal) -> pb.Shipment:
    """What a factory sees of a shipment: its own, without street address or token."""
    if principal.is_admin:
        return shipment
    if not principal.is_factory(shipment.factory_id):
        raise NotFound(Words.of(N_("no such shipment")))  # another factory's shipment: do not confirm it
    out = pb.Shipment()
    out.CopyFrom(shipment)
    out.tracking_token = ""
    for name in ("line1", "line2", "postal_code"):
        setattr(out.destination, name, "")
    return out


# Delivery's domain errors as the statuses callers get.
ERRORS = {ShipmentNotFound: NotFound, UnknownTrackingLink: NotFound, NoCarrier: FailedPrecondition,
          CarrierEventsFull: FailedPrecondition, ShipmentBusy: Conflict}


@raising_categories(ERRORS)
class DeliveryServicer(pb_grpc.DeliveryServiceServicer):
    def __init__(self, app: DeliveryApplication, view: ShipmentListView):
        self.app = app
        self.view = view

    async def GetShipment(self, request: pb.GetShipmentRequest, context) -> pb.GetShipmentResponse:
        key = request.WhichOneof("key")
        if key == "shipment_id":
            shipment = await asyncio.to_thread(
                self.app.get_shipment, uuid.UUID(_uuid(request.shipment_id, "shipment_id")))
        elif key == "order_id":
            shipment = await asyncio.to_thread(
                self.app.shipment_for_order, _uuid(request.order_id, "order_id"))
        else:
            raise InvalidArgument(Violations.one("key", N_("give shipment_id or order_id")))
        return pb.GetShipmentResponse(
            shipment=_redacted(wire.shipment_to_pb(shipment), current_principal()))

    async def TrackOrder(self, request: pb.TrackOrderRequest, context) -> pb.TrackOrderResponse:
        if len(request.token) > 100:
            raise NotFound(UNKNOWN_LINK)
        view = await asyncio.to_thread(self.app.track, request.token)
        return pb.TrackOrderResponse(tracking=wire.tracking_to_pb(view))

    async def ListShipments(self, request: pb.ListShipmentsRequest,
                            context) -> pb.ListShipmentsResponse:
        principal = current_principal()
        factory_id = request.factory_id
        if principal.role == "factory":
            if factory_id and factory_id != principal.subject:
                raise PermissionDenied(Words.of(N_("factory %(subject)s may list its own "
                                                   "shipments only"),
                    subject=principal.subject))
            factory_id = principal.subject
        query = ShipmentListQuery.from_request(
            page_size=request.page.page_size, page_token=request.page.page_token,
            late=request.late if request.HasField("late") else None,
            at_risk=request.at_risk if request.HasField("at_risk") else None,
            exception=request.exception if request.HasField("exception") else None,
            carrier=request.carrier, factory_id=factory_id,
            statuses=[wire.status_from_pb(s) for s in request.statuses if s])
        page = await self.view.list(query)
        return pb.ListShipmentsResponse(
            shipments=[_redacted(s, principal) for s in page.shipments],
            next_page_token=page.next_token)

    async def RecordCarrierEvent(self, request: pb.RecordCarrierEventRequest,
                                 context) -> pb.RecordCarrierEventResponse:
        principal = current_principal()
        if not principal.is_admin and principal.subject != CARRIER_CHANNEL_PREFIX + request.carrier:
            raise PermissionDenied(Words.of(N_("%(principal)s may record events for carrier "
                                               "%(carrier)s only"),
                principal=principal,
                carrier=repr(principal.subject.removeprefix(CARRIER_CHANNEL_PREFIX))))
        now = datetime.now(UTC)
        report = wire.report_from_pb(request, now)
        outcome = await asyncio.to_thread(self.app.record_carrier_event, request.carrier,
                                          request.tracking_number.strip(), report, now)
        s = outcome.shipment
        return pb.RecordCarrierEventResponse(
            shipment_id=str(s.id), order_id=s.order_id, duplicate=outcome.duplicate,
            applied=outcome.applied, status=wire.status_to_pb(s.status),
            eta=wire.timestamp(s.eta))
