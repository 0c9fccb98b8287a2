"""OrdersService over gRPC: thin handlers; validation and rules live in the domain."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from dovetail.orders.v1 import orders_service_pb2 as pb
from dovetail.orders.v1 import orders_service_pb2_grpc as pb_grpc
from services.kit.auth import Principal, actor_of
from services.kit.errors import (
    Conflict,
    DomainError,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Violations,
    categorised,
    raising_categories,
)
from services.kit.rpc import current_principal, status_for, text_violations
from services.kit.words import N_, Words
from services.kit.words_pb import words_or_none, words_pb
from services.orders import wire as mapping
from services.orders.application import OrdersApplication, Placement, PlacementRequest
from services.orders.domain.errors import (
    AwaitingMapping,
    IntakeBusy,
    NotRejected,
    OrderAlreadyCancelled,
    OrderBusy,
    OrderDiffers,
    OrderNotFound,
    OrderVersionMoved,
    ProductionStarted,
)
from services.orders.domain.values import (
    parse_date,
    parse_lines,
    parse_needs,
    parse_notes,
    parse_order_content,
    validate_channel,
)
from services.orders.projections import OrderListQuery, OrderListView

# Who may call what; ownership (a channel places only its own orders) is checked below.
ROLES = {
    "PlaceOrder": ("admin", "channel", "designer"),
    "PlaceOrders": ("admin", "channel", "designer"),
    "GetOrder": ("admin",),
    "ListOrders": ("admin",),
    "CancelOrder": ("admin",),
    "AmendOrder": ("admin",),
    "GetOrderHistory": ("admin",),
    "ResolveOrderMapping": ("admin",),
    "ListMappingNeeds": ("admin",),
    "ReprocessOrder": ("admin",),
}

# PlaceOrders checks text order by order, so one bad order refuses only itself.
ITEMWISE = ("PlaceOrders",)
# The most orders one PlaceOrders call may carry (orders_service.proto says so to clients).
MAX_PLACE_BATCH = 500


def order_id_from(text: str, field: str = "order_id") -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidArgument(Violations.one(field, N_("must be an order id (a UUID)"))) from None


def placed_pb(placement) -> pb.PlaceOrderResponse:
    return pb.PlaceOrderResponse(order_id=str(placement.order_id),
                                 status=mapping.status_to_pb(placement.status),
                                 duplicate=placement.duplicate)


# The orders domain's errors, by the status category each is answered with.
ERRORS = {OrderNotFound: NotFound, OrderDiffers: Conflict, AwaitingMapping: FailedPrecondition,
          NotRejected: FailedPrecondition, OrderAlreadyCancelled: FailedPrecondition,
          ProductionStarted: FailedPrecondition, OrderVersionMoved: Conflict,
          OrderBusy: Conflict, IntakeBusy: Conflict}


def refusal_pb(exc: DomainError) -> pb.PlaceOrderRefusal:
    """What PlaceOrder would have answered for this order, as one outcome of PlaceOrders."""
    status = status_for(categorised(exc, ERRORS))
    refused = pb.PlaceOrderRefusal(code=status.code, message=status.message)
    if isinstance(exc, InvalidArgument):
        refused.field_violations.extend(
            pb.FieldViolation(field=v.field, description=v.description,
                              words=words_or_none(v.words)) for v in exc.violations)
    return refused


@raising_categories(ERRORS)
class OrdersServicer(pb_grpc.OrdersServiceServicer):
    def __init__(self, app: OrdersApplication, view: OrderListView, tenant: str):
        self.app = app
        self.view = view
        self.tenant = tenant

    async def PlaceOrder(self, request: pb.PlaceOrderRequest, context) -> pb.PlaceOrderResponse:
        [outcome] = await asyncio.to_thread(self._place, current_principal(), [request],
                                            itemwise=False)
        if isinstance(outcome, DomainError):
            raise outcome
        return placed_pb(outcome)

    async def PlaceOrders(self, request: pb.PlaceOrdersRequest,
                          context) -> pb.PlaceOrdersResponse:
        if len(request.orders) > MAX_PLACE_BATCH:
            raise InvalidArgument(Violations.one(
                "orders", N_("at most %(most)s orders per call, got %(n)s"),
                most=MAX_PLACE_BATCH, n=len(request.orders)))
        outcomes = await asyncio.to_thread(self._place, current_principal(), request.orders,
                                           itemwise=True)
        return pb.PlaceOrdersResponse(outcomes=[
            pb.PlaceOrderOutcome(refused=refusal_pb(o)) if isinstance(o, DomainError)
            else pb.PlaceOrderOutcome(placed=placed_pb(o)) for o in outcomes])

    def _place(self, principal: Principal, requests, *,
               itemwise: bool) -> list[Placement | DomainError]:
        """Check each order, then place those that pass in one transaction (a worker thread:
        checking and storing a batch would hold up the event loop). `itemwise`: check each
        order's text here (the gate checks a whole single call's)."""
        checked: list[PlacementRequest | DomainError] = []
        for request in requests:
            try:
                if itemwise and (violations := text_violations(request)):
                    raise InvalidArgument(violations)
                checked.append(self._placement(principal, request))
            except DomainError as exc:
                checked.append(exc)
        placements = iter(self.app.place_orders(
            [c for c in checked if isinstance(c, PlacementRequest)]))
        return [c if isinstance(c, DomainError) else next(placements) for c in checked]

    def _placement(self, principal: Principal, request: pb.PlaceOrderRequest) -> PlacementRequest:
        """Check who may place this order and what it says; raises the domain's errors."""
        if principal.role == "channel" and principal.subject != request.channel:
            raise PermissionDenied(Words.of(N_("channel %(subject)s may not place orders for "
                                               "channel %(channel)s"),
                subject=principal.subject, channel=request.channel))
        if principal.role == "designer" and request.channel != f"designer-{principal.subject}":
            raise PermissionDenied(Words.of(N_("a designer places orders on channel "
                                               "designer-%(subject)s"),
                subject=principal.subject))
        v = Violations()
        validate_channel(v, request.channel, request.external_id)
        needs = parse_needs(v, request.mapping_needs, mapping.WIRE)
        notes = parse_notes(v, request.notes)
        v.check(len(request.source_fingerprint) <= 128, "source_fingerprint",
                N_("must be at most 128 characters"))
        v.raise_if_any()
        # A shop order taken as sent (its payload kept) may come without a full address.
        content = parse_order_content(request, mapping.WIRE, lines_required=not needs,
                                      as_sent=bool(request.source_payload))
        placed_at = (request.placed_at.ToDatetime(tzinfo=UTC) if request.HasField("placed_at")
                     else datetime.now(UTC))
        return PlacementRequest(request.channel, request.external_id.strip(), content, placed_at,
                                self.tenant, needs=needs, notes=notes,
                                source=request.source_payload.decode("utf-8", "replace"),
                                fingerprint=request.source_fingerprint)

    async def GetOrder(self, request: pb.GetOrderRequest, context) -> pb.GetOrderResponse:
        if not request.order_id and (request.channel or request.external_id):
            v = Violations()
            validate_channel(v, request.channel, request.external_id)
            v.raise_if_any()
            order = await asyncio.to_thread(self.app.find_order, request.channel,
                                            request.external_id.strip())
            return pb.GetOrderResponse(order=mapping.order_to_pb(order, source=True))
        order = await asyncio.to_thread(self.app.get_order, order_id_from(request.order_id))
        return pb.GetOrderResponse(order=mapping.order_to_pb(order, source=True))

    async def ListOrders(self, request: pb.ListOrdersRequest, context) -> pb.ListOrdersResponse:
        query = OrderListQuery.from_request(
            page_size=request.page.page_size, page_token=request.page.page_token,
            statuses=[mapping.status_from_pb(s) for s in request.statuses],
            channel=request.channel, text=request.query,
            placed_after=request.placed_after.ToDatetime(tzinfo=UTC)
            if request.HasField("placed_after") else None,
            placed_before=request.placed_before.ToDatetime(tzinfo=UTC)
            if request.HasField("placed_before") else None)
        page = await self.view.list(query)
        return pb.ListOrdersResponse(orders=[row.to_pb() for row in page.rows],
                                     next_page_token=page.next_token)

    async def CancelOrder(self, request: pb.CancelOrderRequest, context) -> pb.CancelOrderResponse:
        order = await asyncio.to_thread(self.app.cancel_order, order_id_from(request.order_id),
                                        request.reason.strip()[:500], actor(context))
        return pb.CancelOrderResponse(order=mapping.order_to_pb(order))

    async def AmendOrder(self, request: pb.AmendOrderRequest, context) -> pb.AmendOrderResponse:
        order_id = order_id_from(request.order_id)
        v = Violations()
        lines = parse_lines(v, request.items, source=mapping.WIRE)
        promised = parse_date(v, mapping.date_from_pb(
            request.promised_date, request.HasField("promised_date")), "promised_date")
        v.check(request.expected_version >= 0, "expected_version", N_("must not be negative"))
        v.raise_if_any()
        order = await asyncio.to_thread(self.app.amend_order, order_id, request.expected_version,
                                        lines, promised, request.reason.strip()[:500],
                                        actor(context))
        return pb.AmendOrderResponse(order=mapping.order_to_pb(order))

    async def GetOrderHistory(self, request: pb.GetOrderHistoryRequest,
                              context) -> pb.GetOrderHistoryResponse:
        entries = await asyncio.to_thread(self.app.history, order_id_from(request.order_id))
        return pb.GetOrderHistoryResponse(entries=[
            pb.OrderHistoryEntry(
                version=e.version, type=e.type, occurred_at=mapping.timestamp(e.occurred_at),
                status_after=mapping.status_to_pb(e.status_after) if e.status_after else 0,
                summary=e.summary, by=e.by, by_role=e.by_role,
                summary_words=words_pb(e.words) if e.words else None)
            for e in entries])

    async def ResolveOrderMapping(self, request: pb.ResolveOrderMappingRequest,
                                  context) -> pb.ResolveOrderMappingResponse:
        order_id = order_id_from(request.order_id)
        v = Violations()
        needs = parse_needs(v, request.mapping_needs, mapping.WIRE)
        lines = parse_lines(v, request.items, source=mapping.WIRE, required=not needs)
        notes = parse_notes(v, request.notes)
        v.raise_if_any()
        order, released = await asyncio.to_thread(
            self.app.resolve_mapping, order_id, lines, notes, needs,
            f"mapping:{current_principal()}")
        return pb.ResolveOrderMappingResponse(order=mapping.order_to_pb(order, source=True),
                                              released=released)

    async def ReprocessOrder(self, request: pb.ReprocessOrderRequest,
                             context) -> pb.ReprocessOrderResponse:
        order_id = order_id_from(request.order_id)
        v = Violations()
        lines = parse_lines(v, request.items, source=mapping.WIRE)
        notes = parse_notes(v, request.notes)
        v.raise_if_any()
        order = await asyncio.to_thread(self.app.reprocess_order, order_id, lines, notes,
                                        actor(context))
        return pb.ReprocessOrderResponse(order=mapping.order_to_pb(order))

    async def ListMappingNeeds(self, request: pb.ListMappingNeedsRequest,
                               context) -> pb.ListMappingNeedsResponse:
        groups, waiting = await self.view.mapping_needs(request.channel.strip())
        return pb.ListMappingNeedsResponse(groups=groups, waiting_orders=waiting)


def actor(context) -> str:
    """Who asks for a change: the person the gateway names, or the calling key's principal."""
    return actor_of(current_principal(), context.invocation_metadata())
