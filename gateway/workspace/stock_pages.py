"""The factory workspace's stock page (`/factory/stock`, issue 20, items 1 and 3): the
factory's boards on hand, reserved, on order with their expected dates, its offcuts with the
batch each came from; a form for a receipt and one for a count. Factory people only, their own
factory only (the factory id is the person's, never the request's). A receipt's form carries
its own key, so a double tap is one receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from dovetail.configurator.v1 import stock_service_pb2 as pb
from gateway import i18n
from gateway.catalogue_names import latest_names
from gateway.controllers.stock import board_words, call, explain
from gateway.deps import ServicesDep, StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.workspace import batch_sheets, reading
from gateway.workspace.controller import (
    factory_people,
    invalid,
    managers_only,
    page,
    person,
    workspace_error,
)
from gateway.workspace.shift import Shift, zone_of

MAX_SHEETS = 100_000
SHEET_SIZES = ((2800, 2070), (2440, 1220))  # the seed catalogue's sheets, offered first


class KindForm(msgspec.Struct):
    """A board kind as the form sends it: every field text, checked here and by the service."""
    material: str = ""
    thickness_mm: str = ""
    decor: str = ""
    size: str = ""  # "2800x2070"
    note: str = ""


class ReceiptForm(KindForm):
    quantity: str = ""
    purchase_ref: str = ""
    key: str = ""


class CountForm(KindForm):
    counted: str = ""


class BatchForm(msgspec.Struct):
    batch: str = ""


def saw_orders(queues: list[reading.MachineQueue]) -> list[str]:
    """The orders this shift's panel saws cut and have not started, in planned order, once."""
    seen: dict[str, None] = {}
    for queue in queues:
        if queue.machine_type != "panel_saw":
            continue
        for op in queue.operations:
            if op.status == "PLANNED":
                seen.setdefault(op.order_id, None)
    return list(seen)


def batch_name(shift: Shift) -> str:
    """A shift's batch id: its local start, e.g. 2026-12-06-0800."""
    return shift.start.strftime("%Y-%m-%d-%H%M")


def in_shift(batch: pb.BatchSummary, shift: Shift) -> bool:
    """A batch is the shift's when it was nested for it: named after its start (as the form
    names it) or nested during it."""
    if batch.batch.startswith(batch_name(shift)):
        return True
    try:
        at = datetime.fromisoformat(batch.nested_at)
    except ValueError:
        return False
    return shift.start <= at < shift.end


def _whole(text: str, low: int) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() and low <= int(text) <= MAX_SHEETS else None


def _kind(form: KindForm, problems: dict[str, str]) -> pb.BoardKind:
    """The board kind of a form; what cannot be read is named in `problems` (the service
    names what the catalogue refuses)."""
    thickness = 0.0
    try:
        thickness = float(form.thickness_mm.strip())
    except ValueError:
        problems["thickness_mm"] = _("must be a number of millimetres")
    length, _x, width = form.size.strip().lower().partition("x")
    if not (length.isdigit() and width.isdigit()):
        problems["size"] = _("must be a sheet size such as 2800x2070")
        length = width = "0"
    if not form.material.strip():
        problems["material"] = _("is required")
    return pb.BoardKind(material=form.material.strip()[:64], thickness_mm=thickness,
                        decor=form.decor.strip()[:64], length_mm=min(int(length), 1_000_000),
                        width_mm=min(int(width), 1_000_000))


def _local(iso: str, zone) -> str:
    """An RFC 3339 time on the factory's clock in the reader's language ("6 Dec 10:05",
    "12月6日 10:05"; the page names the zone once)."""
    try:
        return i18n.day_time(datetime.fromisoformat(iso).astimezone(zone))
    except ValueError:
        return iso


class StockPages(Controller):
    path = "/factory/stock"
    guards = [factory_people]
    include_in_schema = False
    exception_handlers = {ServiceError: workspace_error}

    @get("/")
    async def stock(self, request: Request, services: ServicesDep, gateway: StateDep
                    ) -> Template:
        who = person(request)
        names = await latest_names(gateway)
        reply = await call(services, "GetStock",
                           pb.GetStockRequest(factory_id=who.factory_id))
        note, this_shift = "", []
        try:
            factory = await reading.factory_record(services, who.factory_id)
            zone = zone_of(factory.timezone)
            shift = reading.shift_of(factory)
            this_shift = [b for b in reply.stock.batches if in_shift(b, shift)]
        except ServiceError as exc:
            note, zone = exc.said, zone_of("")
        sizes = sorted({(line.kind.length_mm, line.kind.width_mm) for line in reply.stock.lines}
                       | set(SHEET_SIZES), reverse=True)
        return page("factory_stock.html", request, stock=reply.stock, zone=str(zone),
                    this_shift=this_shift,
                    note=note, sizes=sizes, local=lambda iso: _local(iso, zone),
                    materials=sorted({line.kind.material for line in reply.stock.lines}),
                    board=lambda code: names.value("board", code),
                    finish=lambda code: names.value("finish", code),
                    board_words=lambda kind: board_words(kind, names),
                    explain=lambda shortage: explain(shortage, who.factory_id, str(zone)),
                    new_key=reading.tap_key, done=request.query_params.get("done", ""),
                    difference=request.query_params.get("difference", ""))

    @post("/receipts", status_code=303)
    async def receipt(self, request: Request, services: ServicesDep,
                      data: Annotated[ReceiptForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
                      ) -> Redirect:
        who = person(request)
        problems: dict[str, str] = {}
        kind = _kind(data, problems)
        quantity = _whole(data.quantity, 1)
        if quantity is None:
            problems["quantity"] = _("must be a whole number of sheets from 1 to 100000")
        if not 0 < len(data.key.strip()) <= 100:
            problems["key"] = _("is required (the form's own key; reload the page)")
        invalid(problems)
        await call(services, "ReceiveBoards", pb.ReceiveBoardsRequest(
            factory_id=who.factory_id, kind=kind, quantity=quantity or 0,
            purchase_ref=data.purchase_ref.strip()[:80], note=data.note.strip()[:300],
            key=data.key.strip()), actor=who.principal.actor)
        return Redirect("/factory/stock/?done=receipt", status_code=303)

    @post("/counts", status_code=303)
    async def count(self, request: Request, services: ServicesDep,
                    data: Annotated[CountForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
                    ) -> Redirect:
        who = person(request)
        problems: dict[str, str] = {}
        kind = _kind(data, problems)
        counted = _whole(data.counted, 0)
        if counted is None:
            problems["counted"] = _("must be a whole number of sheets from 0 to 100000")
        invalid(problems)
        reply = await call(services, "CountBoards", pb.CountBoardsRequest(
            factory_id=who.factory_id, kind=kind, counted=counted or 0,
            note=data.note.strip()[:300]), actor=who.principal.actor)
        return Redirect(f"/factory/stock/?done=count&difference={reply.difference}",
                        status_code=303)


    @get("/batches/new")
    async def batch_form(self, request: Request, services: ServicesDep, gateway: StateDep
                         ) -> Template:
        """This shift's saw work: the orders the panel saws cut, to nest as one batch."""
        managers_only(request)
        who = person(request)
        factory, shift, found, plan_note, _listed, _note = await reading.gather_home(
            services, who.factory_id)
        orders = saw_orders(reading.queues(found, shift))
        return page("factory_batch.html", request, orders=orders, batch=batch_name(shift),
                    shift=shift, zone=str(zone_of(factory.timezone)), note=plan_note,
                    nested=None, words=await batch_sheets.batch_words(gateway))

    @post("/batches", status_code=200)
    async def nest(self, request: Request, services: ServicesDep, gateway: StateDep,
                   data: Annotated[BatchForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
                   ) -> Template:
        """Nest this shift's saw work as one batch (its sheets reserved, offcuts first) and
        show its cutting diagrams."""
        who = managers_only(request)
        factory, shift, found, plan_note, _listed, _note = await reading.gather_home(
            services, who.factory_id)
        orders = saw_orders(reading.queues(found, shift))
        invalid({"batch": "" if data.batch.strip() else _("is required"),
                 "orders": "" if orders else _("this shift's saws have no work to nest")})
        reply = await call(services, "NestBatch", pb.NestBatchRequest(
            factory_id=who.factory_id, batch=data.batch.strip()[:80], order_ids=orders,
            include_svg=True), actor=who.principal.actor, timeout=60)
        return page("factory_batch.html", request, orders=orders, batch=reply.summary.batch,
                    shift=shift, zone=str(zone_of(factory.timezone)), note=plan_note,
                    nested=reply, words=await batch_sheets.batch_words(gateway))

    @post("/batches/{batch:str}/consume", status_code=303)
    async def consume(self, request: Request, services: ServicesDep, batch: FromPath[str]
                      ) -> Redirect:
        """The batch was cut: its sheets leave stock."""
        who = managers_only(request)
        await call(services, "ConsumeBatch", pb.ConsumeBatchRequest(
            factory_id=who.factory_id, batch=batch[:80]), actor=who.principal.actor)
        return Redirect("/factory/stock/?done=cut", status_code=303)

    @get("/batches/{batch:str}")
    async def batch_sheets(self, request: Request, services: ServicesDep, batch: FromPath[str],
                           gateway: StateDep) -> Template:
        """A batch's boards with their cutting diagrams, its parts with their orders and
        labels, as it was nested."""
        who = person(request)
        reply = await batch_sheets.kept_batch(services, who.factory_id, batch)
        factory = await reading.factory_record(services, who.factory_id)
        zone = zone_of(factory.timezone)
        return page("factory_batch_sheets.html", request, kept=reply, zone=str(zone),
                    nested_at=_local(reply.summary.nested_at, zone) if reply.summary.nested_at
                    else "", words=await batch_sheets.batch_words(gateway))

    @get("/batches/{batch:str}/boards/{number:int}/diagram.svg")
    async def diagram(self, request: Request, services: ServicesDep, batch: FromPath[str],
                      number: FromPath[int]) -> Response:
        reply = await batch_sheets.kept_batch(services, person(request).factory_id, batch,
                                              diagrams=True)
        return Response(batch_sheets.board_svg(reply, number), media_type="image/svg+xml",
                        headers=batch_sheets.SVG_HEADERS)

    @get("/batches/{batch:str}/labels.pdf")
    async def labels(self, request: Request, services: ServicesDep, batch: FromPath[str],
                     gateway: StateDep) -> Response:
        reply = await batch_sheets.kept_batch(services, person(request).factory_id, batch)
        return batch_sheets.labels(reply, str(request.base_url), await latest_names(gateway))

    @get("/batches/{batch:str}/diagrams.pdf")
    async def diagrams(self, request: Request, services: ServicesDep, batch: FromPath[str],
                       gateway: StateDep) -> Response:
        reply = await batch_sheets.kept_batch(services, person(request).factory_id, batch)
        return batch_sheets.diagrams(reply, await latest_names(gateway))

    @get("/batches/{batch:str}/cut-list.pdf")
    async def cut_list(self, request: Request, services: ServicesDep, batch: FromPath[str],
                       gateway: StateDep) -> Response:
        reply = await batch_sheets.kept_batch(services, person(request).factory_id, batch)
        return batch_sheets.cut_list(reply, str(request.base_url), await latest_names(gateway))


STOCK_HANDLERS = [StockPages]
