"""Carrier events: `POST /webhooks/carriers/{carrier}`, signed like the shops' webhooks.

`Dovetail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over "<t>.<raw body>">`, with the
carrier's secret: DOVETAIL_WEBHOOK_SECRETS entry `carrier-<carrier>=<secret>` (e.g.
`carrier-sf-express=whsec_...`). Order of checks: unknown carrier → 404; bad, missing or
stale signature → 401 (before the body is parsed); body that does not fit, or an unknown
code → 422 naming the field; unknown tracking number → 404; recorded → 202, a repeat of the
same event id → 200 with duplicate=true.
"""

from __future__ import annotations

from datetime import datetime

import grpc
from litestar import Controller, Request, Response, post
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from dovetail.delivery.v1 import delivery_service_pb2 as pb
from gateway.controllers.tracking import delivery_stub
from gateway.deps import GatewayState
from gateway.errors import from_grpc, values_in_range
from gateway.schemas.delivery import CarrierEventAccepted, CarrierEventBody
from gateway.schemas.orders import ErrorBody
from webhook_signature import SignatureError, verify

SIGNATURE_HEADER = "Dovetail-Signature"
SECRET_PREFIX = "carrier-"
CODES = [name.removeprefix("CARRIER_EVENT_CODE_").lower()
         for name in pb.CarrierEventCode.keys()][1:]


def carrier_secret(state: GatewayState, carrier: str) -> str:
    secret = state.settings.webhook_secrets.get(SECRET_PREFIX + carrier)
    if secret is None:
        raise NotFoundException(f"no carrier named {carrier!r}")
    return secret


async def signed_by_carrier(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    state: GatewayState = connection.app.state.gateway
    secret = carrier_secret(state, connection.path_params["carrier"])
    assert isinstance(connection, Request)
    body = await connection.body()  # cached in the scope: the handler parses the same bytes
    try:
        verify(secret, body, connection.headers.get(SIGNATURE_HEADER),
               tolerance_s=state.settings.signature_tolerance_s)
    except SignatureError as exc:
        raise NotAuthorizedException(str(exc)) from None


def to_record_request(carrier: str, event: CarrierEventBody) -> pb.RecordCarrierEventRequest:
    code = event.code.strip().lower()
    if code not in CODES:
        raise ValidationException("unknown code", extra=[
            {"key": "code", "message": f"{event.code!r} is not one of {', '.join(CODES)}"}])
    try:
        at = datetime.fromisoformat(event.event_time)
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise ValidationException("invalid event_time", extra=[
            {"key": "event_time",
             "message": "must be an ISO 8601 time with a zone, e.g. 2026-12-01T08:00:00Z"}])
    request = pb.RecordCarrierEventRequest(
        carrier=carrier, tracking_number=event.tracking_number, carrier_event_id=event.event_id,
        code=pb.CarrierEventCode.Value(f"CARRIER_EVENT_CODE_{code.upper()}"), note=event.note,
        delay_minutes=event.delay_minutes)
    request.event_time.FromDatetime(at)
    if event.location is not None:
        loc = event.location
        request.location.CopyFrom(pb.CarrierLocation(
            city=loc.city, region=loc.region, country=loc.country, description=loc.description))
    return request


class CarrierWebhookController(Controller):
    path = "/webhooks/carriers"
    tags = ["webhooks"]

    @post("/{carrier:str}", guards=[signed_by_carrier], status_code=202,
          summary="Receive a carrier event (picked up, in transit, delivered, ...)",
          description=(
              "Signed with the carrier's secret (`carrier-<name>` in DOVETAIL_WEBHOOK_SECRETS): "
              "`Dovetail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 over "
              "\"<t>.<raw body>\">`, accepted within 300 s of t. Idempotent by event_id; "
              "ordered by event_time, so a late in_transit never overrides delivered."),
          responses={
              200: ResponseSpec(CarrierEventAccepted, description="a repeat of the same event_id"),
              401: ResponseSpec(ErrorBody, description="missing, wrong or stale signature"),
              404: ResponseSpec(ErrorBody, description="unknown carrier or tracking number"),
              422: ResponseSpec(ErrorBody, description="the body does not fit; field errors"),
          },
          security=[{"webhookSignature": []}])
    async def receive(self, carrier: FromPath[str], data: JSONBody[CarrierEventBody],
                      request: Request) -> Response[CarrierEventAccepted]:
        state: GatewayState = request.app.state.gateway
        with values_in_range():
            record = to_record_request(carrier, data)
        try:
            reply = await delivery_stub(state).RecordCarrierEvent(
                record, metadata=state.services.metadata, timeout=10)
        except grpc.aio.AioRpcError as error:
            raise from_grpc(error) from None
        body = CarrierEventAccepted(
            duplicate=reply.duplicate, applied=reply.applied,
            status=pb.ShipmentStatus.Name(reply.status).removeprefix("SHIPMENT_STATUS_"),
            eta=reply.eta.ToJsonString() if reply.HasField("eta") else None)
        return Response(body, status_code=200 if reply.duplicate else 202)
