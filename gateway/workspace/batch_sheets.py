"""A cutting batch's sheets for the saw (issue 20, item 2): its cutting diagrams, cut list and
part labels, rendered from the layout the configurator kept when the batch was nested
(`StockService.GetBatch`), so the same URL gives the same paper tomorrow. Shared by the
REST API and the factory workspace; the caller has checked who may see the factory."""

from __future__ import annotations

from litestar import Response

from dovetail.configurator.v1 import stock_service_pb2 as pb
from gateway.deps import Services
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.workspace.printing import Part, cut_list_pdf, labels_pdf
from gateway.workspace.reading import part_url

SVG_HEADERS = {"Cache-Control": "private, max-age=300",
               # a picture, never a page: no script runs even when it is opened on its own
               "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


async def kept_batch(services: Services, factory_id: str, batch: str,
                     diagrams: bool = False) -> pb.GetBatchResponse:
    """The batch as nested (404 when the factory nested no such batch)."""
    return await services.call("stock", "GetBatch", pb.GetBatchRequest(
        factory_id=factory_id, batch=batch[:80], include_svg=diagrams), timeout=10)


def board_svg(reply: pb.GetBatchResponse, number: int) -> str:
    """The cutting diagram of the batch's board `number` (404 for a board it has not)."""
    for board in reply.boards:
        if board.number == number:
            return board.svg
    raise ServiceError(404, _("batch %(batch)s has no board %(n)s",
                              batch=reply.summary.batch, n=number))


def material_words(material: str) -> str:
    """`particleboard-18/melamine-white` as a label says it."""
    return material.replace("/", " ")


def print_parts(reply: pb.GetBatchResponse, base_url: str) -> list[Part]:
    """Every part of the batch as its label and the cut list print it, in saw order: the
    order it belongs to, the board it comes off, a QR code opening the part's page."""
    batch = reply.summary.batch
    return [Part(p.label, p.order_id, p.panel, f"{p.length_mm:g} × {p.width_mm:g} mm",
                 material_words(p.material), p.edges,
                 _("Batch %(batch)s, board %(n)s", batch=batch, n=p.board),
                 part_url(base_url, p.order_id, p.label)) for p in reply.parts]


def _pdf(content: bytes, filename: str) -> Response:
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"})


def cut_list(reply: pb.GetBatchResponse, base_url: str) -> Response:
    """The batch's cut list as PDF: every part by material, in saw order."""
    s = reply.summary
    subtitle = _("%(boards)s boards (%(new)s new sheets, %(used)s offcuts), %(orders)s orders, "
                 "yield %(pct)s %%", boards=len(reply.boards), new=s.new_boards,
                 used=s.offcuts_used, orders=len(s.order_ids), pct=f"{s.yield_percent:.1f}")
    return _pdf(cut_list_pdf(print_parts(reply, base_url),
                             _("Cut list, batch %(batch)s", batch=s.batch), subtitle),
                f"cut-list-{s.batch}.pdf")


def labels(reply: pb.GetBatchResponse, base_url: str) -> Response:
    """The batch's part labels as PDF, each naming its order and board, with its QR code."""
    return _pdf(labels_pdf(print_parts(reply, base_url),
                           _("Part labels, batch %(batch)s", batch=reply.summary.batch)),
                f"labels-{reply.summary.batch}.pdf")
