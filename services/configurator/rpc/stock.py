"""StockService over gRPC (issue 20): board stock per factory. A factory's key reads and writes
its own factory only, an admin (the gateway, for planners and factory people) any; the person
behind a gateway call is recorded by name (`dovetail-actor`). Wire ↔ domain here too."""

from __future__ import annotations

import asyncio

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from services.configurator import purchase_proposals
from services.configurator.board_stock import BoardStock
from services.configurator.catalogue.cut_list import cut_list_csv
from services.configurator.catalogue.cut_plan import MaterialNesting
from services.configurator.catalogue.cutting_batch import CuttingBatch
from services.configurator.catalogue.cutting_diagram import board_svg
from services.configurator.domain.batch_layout import BatchLayout, BatchUnknown, LaidBoard
from services.configurator.domain.board_stock import (
    BatchAlreadyReserved,
    BatchNotReserved,
    BatchSummary,
    BoardKind,
    FactoryStock,
    NoSheetFits,
    OffcutAlreadyUsed,
    OffcutUnknown,
    OrderNotReadyToCut,
    PurchaseUnknown,
    Shortage,
    StockBusy,
    StockOffcut,
    shortages,
)
from services.configurator.domain.errors import NotConfigured
from services.kit.auth import actor_of
from services.kit.errors import (
    Categories,
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

ROLES = {name: ("admin", "factory") for name in (
    "GetStock", "ReceiveBoards", "CountBoards", "OrderBoards", "RecordOffcut", "NestBatch",
    "ConsumeBatch", "ReleaseBatch", "GetBatch")}
ROLES["ListPurchaseProposals"] = ("admin",)  # the whole chain's: the portal, for planners
ERRORS: Categories = {
    PurchaseUnknown: NotFound, BatchUnknown: NotFound, OffcutUnknown: NotFound,
    NotConfigured: NotFound, OffcutAlreadyUsed: FailedPrecondition,
    BatchAlreadyReserved: FailedPrecondition, BatchNotReserved: FailedPrecondition,
    NoSheetFits: FailedPrecondition, OrderNotReadyToCut: FailedPrecondition, StockBusy: Conflict}


# ---- wire ----------------------------------------------------------------------------------

def kind_from_pb(kind: pb.BoardKind) -> BoardKind:
    return BoardKind(kind.material.strip(), kind.thickness_mm, kind.decor.strip(),
                     kind.length_mm, kind.width_mm)


def kind_to_pb(kind: BoardKind) -> pb.BoardKind:
    return pb.BoardKind(material=kind.material, thickness_mm=kind.thickness_mm,
                        decor=kind.decor, length_mm=kind.length_mm, width_mm=kind.width_mm)


def offcut_to_pb(o: StockOffcut) -> pb.Offcut:
    return pb.Offcut(offcut_id=o.offcut_id, material=o.material, thickness_mm=o.thickness_mm,
                     decor=o.decor, length_mm=o.length_mm, width_mm=o.width_mm, batch=o.batch,
                     source=o.source)


def offcut_from_pb(o: pb.Offcut) -> StockOffcut:
    return StockOffcut(o.offcut_id.strip(), o.material.strip(), o.thickness_mm, o.decor.strip(),
                       o.length_mm, o.width_mm, o.batch.strip(), o.source.strip())


def summary_to_pb(summary: BatchSummary, holding: bool) -> pb.BatchSummary:
    return pb.BatchSummary(batch=summary.batch, order_ids=list(summary.orders),
                           new_boards=summary.new_boards, offcuts_used=summary.offcuts_used,
                           offcuts_kept=summary.offcuts_kept, yield_percent=summary.yield_pct,
                           nested_at=summary.nested_at, holding=holding)


def batch_boards_to_pb(cut: CuttingBatch, with_svg: bool) -> list[pb.BatchBoard]:
    return [pb.BatchBoard(material=m.material, thickness_mm=m.thickness_mm,
                          length_mm=round(b.layout.sheet.length_mm),
                          width_mm=round(b.layout.sheet.width_mm),
                          from_offcut_id=b.from_offcut.source if b.from_offcut else "",
                          yield_percent=round(b.layout.yield_pct, 2),
                          parts=len(b.layout.placements),
                          svg=board_svg(b.layout) if with_svg else "")
            for m in cut.materials for b in m.boards]


def laid_board_svg(board: LaidBoard) -> str:
    """A kept board's cutting diagram, its kept offcuts hatched."""
    return board_svg(board.layout(), [(o.offcut_id, o.x_mm, o.y_mm, o.length_mm, o.width_mm)
                                      for o in board.offcuts])


def layout_to_pb(layout: BatchLayout, summary: BatchSummary | None, holding: bool,
                 with_svg: bool) -> pb.GetBatchResponse:
    """A kept batch on the wire: boards (with diagrams on request), parts, the cut list."""
    parts = layout.parts
    return pb.GetBatchResponse(
        summary=summary_to_pb(summary, holding) if summary else None,
        boards=[pb.BatchBoard(material=b.material, thickness_mm=b.thickness_mm,
                              length_mm=round(b.length_mm), width_mm=round(b.width_mm),
                              from_offcut_id=b.from_offcut,
                              yield_percent=round(b.layout().yield_pct, 2), parts=len(b.parts),
                              svg=laid_board_svg(b) if with_svg else "", number=b.number,
                              offcuts_kept=[o.offcut_id for o in b.offcuts],
                              offcut_places=[pb.OffcutPlace(offcut_id=o.offcut_id, x_mm=o.x_mm,
                                                            y_mm=o.y_mm, length_mm=o.length_mm,
                                                            width_mm=o.width_mm)
                                             for o in b.offcuts])
                for b in layout.boards],
        parts=[pb.BatchPart(board=b.number, label=p.label, order_id=p.order_id,
                            order_ref=p.order_ref, panel=p.panel, length_mm=p.length_mm,
                            width_mm=p.width_mm, thickness_mm=p.thickness_mm,
                            material=p.material, grain=p.grain, edges=p.edges, x_mm=p.x_mm,
                            y_mm=p.y_mm, rotated=p.rotated, along_mm=p.along_mm,
                            across_mm=p.across_mm) for b, p in parts],
        cut_list_csv=cut_list_csv(MaterialNesting(
            layout.batch, tuple(b.layout() for b in layout.boards))))


def shortage_to_pb(s: Shortage) -> pb.Shortage:
    return pb.Shortage(kind=kind_to_pb(s.kind), short=s.short, needed_by=s.needed_by,
                       covered_on=s.covered_on, to_order=s.to_order, waits=s.waits,
                       needed_at=s.needed_at)


def stock_to_pb(stock: FactoryStock) -> pb.FactoryStock:
    return pb.FactoryStock(
        factory_id=stock.factory_id, version=stock.version,
        batches=[summary_to_pb(b, b.batch in stock.reservations)
                 for b in sorted(stock.batches.values(), key=lambda b: b.nested_at,
                                 reverse=True)],
        lines=[pb.StockLine(kind=kind_to_pb(line.kind), on_hand=line.on_hand,
                            reserved=line.reserved, on_order=line.on_order,
                            available=line.available, short=line.short,
                            next_expected_date=line.next_expected,
                            last_counted_at=stock.last_counted.get(line.kind.key, ""))
               for line in stock.lines()],
        purchases=[pb.Purchase(ref=p.ref, kind=kind_to_pb(p.kind), quantity=p.quantity,
                               received=p.received, expected_date=p.expected_date)
                   for p in stock.open_purchases()],
        offcuts=[offcut_to_pb(o) for o in stock.offcuts_in_stock()],
        shortages=[shortage_to_pb(s) for s in shortages(stock)], time_zone=stock.zone)


# ---- servicer ------------------------------------------------------------------------------

def _factory(factory_id: str) -> str:
    """The factory asked for, when the caller may act for it."""
    if not factory_id:
        raise InvalidArgument(Violations.one("factory_id", N_("is required")))
    principal = current_principal()
    if not principal.is_admin and not principal.is_factory(factory_id):
        raise PermissionDenied(Words.of(N_("%(principal)s may not see or act for factory "
                                           "%(factory_id)s"),
            principal=principal, factory_id=factory_id))
    return factory_id


def _kind(request) -> BoardKind:
    if not request.HasField("kind"):
        raise InvalidArgument(Violations.one("kind", N_("is required")))
    return kind_from_pb(request.kind)


@raising_categories(ERRORS)
class StockServicer(pb_grpc.StockServiceServicer):
    def __init__(self, stock: BoardStock):
        self.stock = stock

    async def GetStock(self, request: pb.GetStockRequest, context) -> pb.GetStockResponse:
        found = await asyncio.to_thread(self.stock.stock, _factory(request.factory_id))
        return pb.GetStockResponse(stock=stock_to_pb(found))

    async def ReceiveBoards(self, request: pb.ReceiveBoardsRequest,
                            context) -> pb.ReceiveBoardsResponse:
        found = await asyncio.to_thread(
            self.stock.receive, _factory(request.factory_id), _kind(request), request.quantity,
            request.purchase_ref.strip(), _by(context), request.note, request.key.strip())
        return pb.ReceiveBoardsResponse(stock=stock_to_pb(found))

    async def CountBoards(self, request: pb.CountBoardsRequest, context) -> pb.CountBoardsResponse:
        found, difference = await asyncio.to_thread(
            self.stock.count, _factory(request.factory_id), _kind(request), request.counted,
            _by(context), request.note)
        return pb.CountBoardsResponse(stock=stock_to_pb(found), difference=difference)

    async def OrderBoards(self, request: pb.OrderBoardsRequest, context) -> pb.OrderBoardsResponse:
        found = await asyncio.to_thread(
            self.stock.order, _factory(request.factory_id), request.ref.strip(), _kind(request),
            request.quantity, request.expected_date.strip(), _by(context))
        return pb.OrderBoardsResponse(stock=stock_to_pb(found))

    async def RecordOffcut(self, request: pb.RecordOffcutRequest,
                           context) -> pb.RecordOffcutResponse:
        if not request.HasField("offcut"):
            raise InvalidArgument(Violations.one("offcut", N_("is required")))
        found = await asyncio.to_thread(
            self.stock.record_offcut, _factory(request.factory_id),
            offcut_from_pb(request.offcut), _by(context))
        return pb.RecordOffcutResponse(stock=stock_to_pb(found))


    async def NestBatch(self, request: pb.NestBatchRequest, context) -> pb.NestBatchResponse:
        factory_id = _factory(request.factory_id)
        stock, cut = await asyncio.to_thread(
            self.stock.nest_batch, factory_id, request.batch.strip(),
            [o.strip() for o in request.order_ids], _by(context))
        summary = stock.batches[request.batch.strip()]
        return pb.NestBatchResponse(
            stock=stock_to_pb(stock), summary=summary_to_pb(summary, True),
            boards=batch_boards_to_pb(cut, request.include_svg),
            shares=[pb.BatchShare(order_ref=s.order, panel_m2=round(s.panel_m2, 3),
                                  boards=round(s.boards, 3)) for s in cut.shares],
            offcuts_kept=[offcut_to_pb(o) for o in stock.offcuts.values()
                          if o.batch == summary.batch])

    async def ConsumeBatch(self, request: pb.ConsumeBatchRequest,
                           context) -> pb.ConsumeBatchResponse:
        found = await asyncio.to_thread(self.stock.consume, _factory(request.factory_id),
                                        request.batch.strip())
        return pb.ConsumeBatchResponse(stock=stock_to_pb(found))

    async def ReleaseBatch(self, request: pb.ReleaseBatchRequest,
                           context) -> pb.ReleaseBatchResponse:
        found = await asyncio.to_thread(self.stock.release, _factory(request.factory_id),
                                        request.batch.strip())
        return pb.ReleaseBatchResponse(stock=stock_to_pb(found))


    async def GetBatch(self, request: pb.GetBatchRequest, context) -> pb.GetBatchResponse:
        factory_id, batch = _factory(request.factory_id), request.batch.strip()
        layout = await asyncio.to_thread(self.stock.batch_layout, factory_id, batch)
        stock = await asyncio.to_thread(self.stock.stock, factory_id)
        return layout_to_pb(layout, stock.batches.get(batch), batch in stock.reservations,
                            request.include_svg)

    async def ListPurchaseProposals(self, request: pb.ListPurchaseProposalsRequest,
                                    context) -> pb.ListPurchaseProposalsResponse:
        found = await asyncio.to_thread(purchase_proposals.proposals, self.stock,
                                        [f.strip() for f in request.factory_ids])
        return pb.ListPurchaseProposalsResponse(proposals=[
            pb.PurchaseProposal(factory_id=p.factory_id, shortage=shortage_to_pb(p.shortage),
                                waiting_order_ids=list(p.orders), batches=list(p.batches))
            for p in found])


def _by(context) -> str:
    return actor_of(current_principal(), context.invocation_metadata())
