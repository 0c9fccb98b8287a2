"""A cutting batch's sheets for the saw (issue 20, item 2): its cutting diagrams, cut list and
part labels, rendered from the layout the configurator kept when the batch was nested
(`StockService.GetBatch`), so the same URL gives the same paper tomorrow. Shared by the
REST API and the factory workspace; the caller has checked who may see the factory."""

from __future__ import annotations

import io
from collections.abc import Callable

from litestar import Response
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from dovetail.configurator.v1 import stock_service_pb2 as pb
from gateway.catalogue_names import NO_NAMES, CatalogueNames, latest_names, material_words
from gateway.deps import Services
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.workspace.printing import Part, cut_list_pdf, fonts, labels_pdf
from gateway.workspace.reading import part_url

SVG_HEADERS = {"Cache-Control": "private, max-age=300",
               # a picture, never a page: no script runs even when it is opened on its own
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


async def kept_batch(services: Services, factory_id: str, batch: str,
                     diagrams: bool = False) -> pb.GetBatchResponse:
    """The batch as nested (404 when the factory nested no such batch)."""
    return await services.call("stock", "GetBatch", pb.GetBatchRequest(
        factory_id=factory_id, batch=batch[:80], include_svg=diagrams), timeout=10)


async def batch_words(gateway) -> Callable[[str], str]:
    """A batch's `board/finish` material as the reader names it (the latest catalogue's)."""
    names = await latest_names(gateway)
    return lambda material: material_words(material, names)


def board_svg(reply: pb.GetBatchResponse, number: int) -> str:
    """The cutting diagram of the batch's board `number` (404 for a board it has not)."""
    for board in reply.boards:
        if board.number == number:
            return board.svg
    raise ServiceError(404, _("batch %(batch)s has no board %(n)s",
                              batch=reply.summary.batch, n=number))


def print_parts(reply: pb.GetBatchResponse, base_url: str,
                names: CatalogueNames = NO_NAMES) -> list[Part]:
    """Every part of the batch as its label and the cut list print it, in saw order: the
    order it belongs to, the board it comes off, a QR code opening the part's page."""
    batch = reply.summary.batch
    return [Part(p.label, p.order_id, p.panel, f"{p.length_mm:g} × {p.width_mm:g} mm",
                 material_words(p.material, names), p.edges,
                 _("Batch %(batch)s, board %(n)s", batch=batch, n=p.board),
                 part_url(base_url, p.order_id, p.label)) for p in reply.parts]


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def cut_list(reply: pb.GetBatchResponse, base_url: str,
             names: CatalogueNames = NO_NAMES) -> Response:
    """The batch's cut list as PDF: every part by material, in saw order."""
    s = reply.summary
    subtitle = _("%(boards)s boards (%(new)s new sheets, %(used)s offcuts), %(orders)s orders, "
                 "yield %(pct)s %%", boards=len(reply.boards), new=s.new_boards,
                 used=s.offcuts_used, orders=len(s.order_ids), pct=f"{s.yield_percent:.1f}")
    return _pdf(cut_list_pdf(print_parts(reply, base_url, names),
                             _("Cut list, batch %(batch)s", batch=s.batch), subtitle),
                f"cut-list-{s.batch}.pdf")


def labels(reply: pb.GetBatchResponse, base_url: str,
           names: CatalogueNames = NO_NAMES) -> Response:
    """The batch's part labels as PDF, each naming its order and board, with its QR code."""
    return _pdf(labels_pdf(print_parts(reply, base_url, names),
                           _("Part labels, batch %(batch)s", batch=reply.summary.batch)),
                f"labels-{reply.summary.batch}.pdf")


MARGIN = 12 * mm


def diagrams_pdf(reply: pb.GetBatchResponse, names: CatalogueNames = NO_NAMES) -> bytes:
    """The batch's cutting diagrams to print, a landscape A4 page per board: the sheet, each
    part with its label (its order's reference first), the offcuts kept hatched and named."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=landscape(A4), pageCompression=1)
    canvas.setTitle(_("Cutting diagrams, batch %(batch)s", batch=reply.summary.batch))
    for board in reply.boards:
        _board_page(canvas, reply, board, names)
        canvas.showPage()
    if not reply.boards:
        canvas.setFont(fonts()[0], 12)
        canvas.drawString(MARGIN, landscape(A4)[1] - MARGIN, _("No boards in this batch."))
    canvas.save()
    return out.getvalue()


def _board_page(canvas: Canvas, reply: pb.GetBatchResponse, board: pb.BatchBoard,
                names: CatalogueNames) -> None:
    regular, bold = fonts()
    width, height = landscape(A4)
    canvas.setFont(bold, 12)
    canvas.drawString(MARGIN, height - MARGIN, _(
        "Batch %(batch)s · board %(n)s · %(material)s · %(length)s × %(width)s mm · yield "
        "%(pct)s %%", batch=reply.summary.batch, n=board.number,
        material=material_words(board.material, names), length=board.length_mm, width=board.width_mm,
        pct=f"{board.yield_percent:.1f}"))
    scale = min((width - 2 * MARGIN) / board.length_mm,
                (height - 2 * MARGIN - 10 * mm) / board.width_mm)
    top = height - MARGIN - 8 * mm

    def box(x: float, y: float, along: float, across: float) -> tuple[float, float, float, float]:
        """A rectangle of the board (mm from its corner, y across) on the page (points)."""
        return MARGIN + x * scale, top - (y + across) * scale, along * scale, across * scale

    canvas.setStrokeColor(colors.black)
    canvas.rect(*box(0, 0, board.length_mm, board.width_mm), stroke=1, fill=0)
    for part in (p for p in reply.parts if p.board == board.number):
        x, y, w, h = box(part.x_mm, part.y_mm, part.along_mm, part.across_mm)
        canvas.setFillColor(colors.HexColor("#e8d5b7"))
        canvas.rect(x, y, w, h, stroke=1, fill=1)
        canvas.setFillColor(colors.black)
        size = max(4.0, min(9.0, h / 3, w / 12))
        canvas.setFont(bold, size)
        canvas.drawCentredString(x + w / 2, y + h / 2 + size * 0.2, part.label)
        canvas.setFont(regular, size * 0.85)
        canvas.drawCentredString(x + w / 2, y + h / 2 - size,
                                 f"{part.panel} {part.length_mm:g}×{part.width_mm:g}")
    for offcut in board.offcut_places:
        x, y, w, h = box(offcut.x_mm, offcut.y_mm, offcut.length_mm, offcut.width_mm)
        canvas.setFillColor(colors.HexColor("#cfe3bf"))
        canvas.rect(x, y, w, h, stroke=1, fill=1)
        canvas.setFillColor(colors.black)
        canvas.setFont(regular, max(4.0, min(9.0, h / 3)))
        canvas.drawCentredString(x + w / 2, y + h / 2, _(
            "offcut kept %(id)s, %(length)s × %(width)s mm", id=offcut.offcut_id,
            length=f"{offcut.length_mm:g}", width=f"{offcut.width_mm:g}"))


def diagrams(reply: pb.GetBatchResponse, names: CatalogueNames = NO_NAMES) -> Response:
    return _pdf(diagrams_pdf(reply, names), f"diagrams-{reply.summary.batch}.pdf")
