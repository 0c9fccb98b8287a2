"""REST for board stock per factory (issue 20, item 1): what a factory has on hand, on order
and reserved, its offcuts; receipts, counts and purchases. A factory's people and key for
their own factory only; admins and planners every factory. Everything goes to the
configurator's StockService (its field violations come back as 422 with each field)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody

from dovetail.configurator.v1 import stock_service_pb2 as pb
from gateway import i18n
from gateway.auth import current, factory_reader
from gateway.catalogue_names import NO_NAMES, CatalogueNames, latest_names
from gateway.deps import Services, ServicesDep, StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.schemas.orders import ErrorBody, FieldError
from gateway.schemas.stock import (
    BatchBoardRead,
    BatchBody,
    BatchPartRead,
    BatchRead,
    BatchShareRead,
    BatchSheetsRead,
    BatchSummaryRead,
    BoardKindBody,
    BoardKindRead,
    CountBody,
    CountRead,
    OffcutRead,
    PurchaseBody,
    PurchaseRead,
    ReceiptBody,
    ShortageRead,
    StockLineRead,
    StockRead,
)
from gateway.workspace import batch_sheets

FactoryId = FromPath[str]  # checked by the service (1-64 characters)
NOT_NESTED = {404: ResponseSpec(ErrorBody, description="the factory nested no such batch (or board)")}


async def call(services: Services, method: str, request: object, actor: str = "",
               timeout: float = 10) -> Any:
    """One StockService call; its field names as this API's bodies spell them (the board kind's
    fields sit at the top of a body, not under `kind`)."""
    try:
        return await services.call("stock", method, request, timeout=timeout, actor=actor)
    except ServiceError as exc:
        exc.errors = [FieldError(e.field.removeprefix("kind."), e.message) for e in exc.errors]
        raise


def kind_pb(body: BoardKindBody) -> pb.BoardKind:
    return pb.BoardKind(material=body.material, thickness_mm=body.thickness_mm,
                        decor=body.decor, length_mm=body.length_mm, width_mm=body.width_mm)


def kind_read(kind: pb.BoardKind) -> BoardKindRead:
    return BoardKindRead(kind.material, kind.thickness_mm, kind.decor, kind.length_mm,
                         kind.width_mm)


def offcut_read(o: pb.Offcut) -> OffcutRead:
    return OffcutRead(o.offcut_id, o.material, o.thickness_mm, o.decor, o.length_mm,
                      o.width_mm, o.batch, o.source)


def summary_read(b: pb.BatchSummary) -> BatchSummaryRead:
    return BatchSummaryRead(b.batch, list(b.order_ids), b.new_boards, b.offcuts_used,
                            b.offcuts_kept, b.yield_percent, b.nested_at, b.holding)


def batch_read(reply: pb.NestBatchResponse) -> BatchRead:
    return BatchRead(
        summary=summary_read(reply.summary), stock=stock_read(reply.stock),
        boards=[BatchBoardRead(b.material, b.thickness_mm, b.length_mm, b.width_mm,
                               b.from_offcut_id or None, b.yield_percent, b.parts, b.svg or None)
                for b in reply.boards],
        shares=[BatchShareRead(s.order_ref, s.panel_m2, s.boards) for s in reply.shares],
        offcuts_kept=[offcut_read(o) for o in reply.offcuts_kept])


def sheets_read(reply: pb.GetBatchResponse, base: str) -> BatchSheetsRead:
    """A kept batch with the addresses of its papers (`base`: the batch's own URL)."""
    return BatchSheetsRead(
        summary=summary_read(reply.summary),
        boards=[BatchBoardRead(b.material, b.thickness_mm, b.length_mm, b.width_mm,
                               b.from_offcut_id or None, b.yield_percent, b.parts, None)
                for b in reply.boards],
        parts=[BatchPartRead(p.board, p.label, p.order_id, p.panel, p.length_mm, p.width_mm,
                             p.material, p.edges, p.rotated) for p in reply.parts],
        diagrams=[f"{base}/boards/{b.number}/diagram.svg" for b in reply.boards],
        cut_list_csv=f"{base}/cut-list.csv", cut_list_pdf=f"{base}/cut-list.pdf",
        labels_pdf=f"{base}/labels.pdf", diagrams_pdf=f"{base}/diagrams.pdf")


def board_words(kind: pb.BoardKind, names: CatalogueNames = NO_NAMES) -> str:
    """A board kind as people name it: "particleboard-18 melamine-white 2800×2070", or with
    the catalogue's `names` in the reader's language "18 mm 刨花板 白色三聚氰胺饰面 2800×2070"
    (a code the catalogue does not name as it is)."""
    decor = f" {names.value('finish', kind.decor)}" if kind.decor else ""
    return f"{names.value('board', kind.material)}{decor} {kind.length_mm}×{kind.width_mm}"


def explain(shortage: pb.Shortage, factory_id: str, zone: str | None = None) -> str:
    """What a shortage means for the batches that need the boards, in the reader's language:
    days as the reader writes them, the day needed on `zone`'s clock (the reader's unless
    named; the service's needed_by is that moment's day in the zone it knows for the factory)."""
    board = board_words(shortage.kind)
    if shortage.to_order:
        needed = i18n.zone_date(shortage.needed_at, zone) or shortage.needed_by
        return _("waits for board %(board)s at factory %(factory)s until %(n)s more sheets are "
                 "ordered and arrive (needed %(day)s)", board=board, factory=factory_id,
                 n=shortage.to_order, day=i18n.local_date(needed) if needed else _("now"))
    if shortage.waits:
        return _("waits for board %(board)s at factory %(factory)s until %(day)s",
                 board=board, factory=factory_id, day=i18n.local_date(shortage.covered_on))
    return _("%(n)s sheets of %(board)s at factory %(factory)s arrive by %(day)s, in time",
             n=shortage.short, board=board, factory=factory_id,
             day=i18n.local_date(shortage.covered_on))


def shortage_read(s: pb.Shortage, factory_id: str, zone: str = "") -> ShortageRead:
    """A shortage as REST says it; its explanation's day on the factory's clock (`zone`, as
    GetStock names it), the day `needed_by` is, whatever the reader's zone."""
    return ShortageRead(kind_read(s.kind), s.short, s.needed_by or None, s.covered_on or None,
                        s.to_order, s.waits, explain(s, factory_id, zone or None))


def stock_read(stock: pb.FactoryStock) -> StockRead:
    return StockRead(
        factory_id=stock.factory_id, version=stock.version,
        batches=[summary_read(b) for b in stock.batches],
        shortages=[shortage_read(s, stock.factory_id, stock.time_zone) for s in stock.shortages],
        lines=[StockLineRead(kind_read(line.kind), line.on_hand, line.reserved, line.available,
                             line.short, line.on_order, line.next_expected_date or None,
                             line.last_counted_at or None) for line in stock.lines],
        purchases=[PurchaseRead(p.ref, kind_read(p.kind), p.quantity, p.received,
                                p.expected_date) for p in stock.purchases],
        offcuts=[offcut_read(o) for o in stock.offcuts])


class StockController(Controller):
    path = "/api/v1/factories/{factory_id:str}/stock"
    tags = ["stock"]
    guards = [factory_reader]
    security = [{"bearer": []}]

    @get("/", summary="A factory's boards on hand, on order and reserved, and its offcuts")
    async def get_stock(self, factory_id: FactoryId, services: ServicesDep) -> StockRead:
        reply = await call(services, "GetStock", pb.GetStockRequest(factory_id=factory_id))
        return stock_read(reply.stock)

    @get("/purchase-proposal", summary="What to buy: boards the planned batches need beyond on "
                                        "hand and on order, and when")
    async def purchase_proposal(self, factory_id: FactoryId,
                                services: ServicesDep) -> list[ShortageRead]:
        reply = await call(services, "GetStock", pb.GetStockRequest(factory_id=factory_id))
        return [shortage_read(s, factory_id, reply.stock.time_zone) for s in reply.stock.shortages
                if s.to_order or s.waits]

    @post("/receipts", summary="Sheets received (against a purchase when purchase_ref names one)")
    async def receive(self, factory_id: FactoryId, data: JSONBody[ReceiptBody],
                      services: ServicesDep, request: Request) -> StockRead:
        reply = await call(services, "ReceiveBoards", pb.ReceiveBoardsRequest(
            factory_id=factory_id, kind=kind_pb(data), quantity=data.quantity,
            purchase_ref=data.purchase_ref, note=data.note, key=data.key),
            actor=current(request).actor)
        return stock_read(reply.stock)

    @post("/counts", summary="A stocktake of one board kind: the count replaces what stock thought")
    async def count(self, factory_id: FactoryId, data: JSONBody[CountBody],
                    services: ServicesDep, request: Request) -> CountRead:
        reply = await call(services, "CountBoards", pb.CountBoardsRequest(
            factory_id=factory_id, kind=kind_pb(data), counted=data.counted, note=data.note),
            actor=current(request).actor)
        return CountRead(reply.difference, stock_read(reply.stock))

    @post("/purchases", summary="Sheets on order with their expected date (the same ref changes it)")
    async def order(self, factory_id: FactoryId, data: JSONBody[PurchaseBody],
                    services: ServicesDep, request: Request) -> StockRead:
        reply = await call(services, "OrderBoards", pb.OrderBoardsRequest(
            factory_id=factory_id, ref=data.ref, kind=kind_pb(data), quantity=data.quantity,
            expected_date=data.expected_date), actor=current(request).actor)
        return stock_read(reply.stock)

    @post("/batches", summary="Nest a shift's saw work of configured orders as one cutting batch: "
                              "its sheets reserved, the offcuts it cuts used, its remnants kept",
          responses={409: ResponseSpec(ErrorBody, description=(
              "the batch id is taken, an order is not configured, or a part fits no sheet"))})
    async def nest(self, factory_id: FactoryId, data: JSONBody[BatchBody],
                   services: ServicesDep, request: Request) -> BatchRead:
        reply = await call(services, "NestBatch", pb.NestBatchRequest(
            factory_id=factory_id, batch=data.batch, order_ids=data.order_ids,
            include_svg=data.include_svg), actor=current(request).actor, timeout=60)
        return batch_read(reply)

    @post("/batches/{batch:str}/consume", summary="The batch was cut: its sheets leave stock",
          responses={409: ResponseSpec(ErrorBody, description="the batch holds no boards")})
    async def consume(self, factory_id: FactoryId, batch: FromPath[str], services: ServicesDep,
                      request: Request) -> StockRead:
        reply = await call(services, "ConsumeBatch", pb.ConsumeBatchRequest(
            factory_id=factory_id, batch=batch), actor=current(request).actor)
        return stock_read(reply.stock)

    @post("/batches/{batch:str}/release", summary="The batch will not be cut: its sheets are free",
          responses={409: ResponseSpec(ErrorBody, description="the batch holds no boards")})
    async def release(self, factory_id: FactoryId, batch: FromPath[str], services: ServicesDep,
                      request: Request) -> StockRead:
        reply = await call(services, "ReleaseBatch", pb.ReleaseBatchRequest(
            factory_id=factory_id, batch=batch), actor=current(request).actor)
        return stock_read(reply.stock)

    # ---- a nested batch's papers (issue 20, item 2): from the layout kept when it was nested

    @get("/batches/{batch:str}", summary="A nested batch as it was nested: boards, every part "
                                         "with its order, and where its papers are",
         responses=NOT_NESTED)
    async def batch(self, factory_id: FactoryId, batch: FromPath[str], services: ServicesDep,
                    request: Request) -> BatchSheetsRead:
        reply = await batch_sheets.kept_batch(services, factory_id, batch)
        return sheets_read(reply, str(request.url).split("?")[0].rstrip("/"))

    @get("/batches/{batch:str}/boards/{number:int}/diagram.svg",
         summary="The cutting diagram of one board of a batch (SVG): parts labelled with their "
                 "order, kept offcuts hatched", media_type="image/svg+xml", responses=NOT_NESTED)
    async def diagram(self, factory_id: FactoryId, batch: FromPath[str], number: FromPath[int],
                      services: ServicesDep) -> Response:
        reply = await batch_sheets.kept_batch(services, factory_id, batch, diagrams=True)
        return Response(batch_sheets.board_svg(reply, number), media_type="image/svg+xml",
                        headers=batch_sheets.SVG_HEADERS)

    @get("/batches/{batch:str}/cut-list.csv", summary="A batch's cut list: one row per part, "
                                                     "board by board", media_type="text/csv",
         responses=NOT_NESTED)
    async def cut_list_csv(self, factory_id: FactoryId, batch: FromPath[str],
                           services: ServicesDep) -> Response:
        reply = await batch_sheets.kept_batch(services, factory_id, batch)
        return Response(reply.cut_list_csv, media_type="text/csv", headers={
            "Content-Disposition": f'attachment; filename="cut-list-{reply.summary.batch}.csv"'})

    @get("/batches/{batch:str}/cut-list.pdf", summary="A batch's cut list to print",
         media_type="application/pdf", responses=NOT_NESTED)
    async def cut_list_pdf(self, factory_id: FactoryId, batch: FromPath[str],
                           services: ServicesDep, request: Request, gateway: StateDep
                           ) -> Response:
        reply = await batch_sheets.kept_batch(services, factory_id, batch)
        return batch_sheets.cut_list(reply, str(request.base_url), await latest_names(gateway))

    @get("/batches/{batch:str}/diagrams.pdf", summary="A batch's cutting diagrams to print, a "
                                                      "page per board", media_type="application/pdf",
         responses=NOT_NESTED)
    async def diagrams_pdf(self, factory_id: FactoryId, batch: FromPath[str],
                           services: ServicesDep, gateway: StateDep) -> Response:
        reply = await batch_sheets.kept_batch(services, factory_id, batch)
        return batch_sheets.diagrams(reply, await latest_names(gateway))

    @get("/batches/{batch:str}/labels.pdf", summary="A batch's part labels, a QR code each",
         media_type="application/pdf", responses=NOT_NESTED)
    async def labels_pdf(self, factory_id: FactoryId, batch: FromPath[str],
                         services: ServicesDep, request: Request, gateway: StateDep
                         ) -> Response:
        reply = await batch_sheets.kept_batch(services, factory_id, batch)
        return batch_sheets.labels(reply, str(request.base_url), await latest_names(gateway))
