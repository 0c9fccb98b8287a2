"""Printable cut lists and part labels as PDF (reportlab), a QR code per part (segno) that
opens the part's page in the workspace. Pure: the parts come in, the PDF's bytes go out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from gateway import i18n
from gateway.i18n import gettext as _

# A4 sheets of 2 × 7 labels, 99.1 × 38.1 mm: the common self-adhesive sheet.
LABEL_W, LABEL_H = 99.1 * mm, 38.1 * mm
COLUMNS_, ROWS_ = 2, 7
MARGIN_X = (A4[0] - COLUMNS_ * LABEL_W) / 2
MARGIN_Y = (A4[1] - ROWS_ * LABEL_H) / 2
QR_SIDE = 30 * mm


# Chinese text needs a font with its glyphs: Adobe's STSong-Light, one of the CID fonts every
# PDF reader knows (reportlab names it; nothing is embedded or downloaded).
CJK_FONT = "STSong-Light"


def fonts() -> tuple[str, str]:
    """(regular, bold) for the reader's language: Helvetica's have no Chinese glyphs."""
    if i18n.current() == "zh-CN":
        if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
        return CJK_FONT, CJK_FONT
    return "Helvetica", "Helvetica-Bold"


@dataclass(frozen=True)
class Part:
    """One piece cut from a board: what its label says and where its QR code leads."""
    barcode: str
    order_id: str
    panel: str
    size: str
    material: str
    edges: str
    operation: str  # what is done to it next at this factory ("" when nothing is planned)
    url: str


def draw_qr(canvas: Canvas, text: str, x: float, y: float, side: float) -> None:
    """The QR code of `text` as filled squares (vector: sharp at any printer's resolution),
    with its quiet zone inside `side`."""
    qr = segno.make(text, error="m", micro=False)
    rows = [list(row) for row in qr.matrix_iter(scale=1, border=4)]
    module = side / len(rows)
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, side, side, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                canvas.rect(x + c * module, y + side - (r + 1) * module, module, module,
                            stroke=0, fill=1)


def _fit(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def labels_pdf(parts: list[Part], title: str) -> bytes:
    """Part labels, 14 to a sheet, each with its QR code."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    regular, bold = fonts()
    canvas.setTitle(title)
    per_page = COLUMNS_ * ROWS_
    for i, part in enumerate(parts):
        if i and i % per_page == 0:
            canvas.showPage()
        slot = i % per_page
        col, row = slot % COLUMNS_, slot // COLUMNS_
        x = MARGIN_X + col * LABEL_W
        y = A4[1] - MARGIN_Y - (row + 1) * LABEL_H
        canvas.setStrokeColor(colors.lightgrey)
        canvas.rect(x, y, LABEL_W, LABEL_H, stroke=1, fill=0)
        draw_qr(canvas, part.url, x + 2 * mm, y + (LABEL_H - QR_SIDE) / 2, QR_SIDE)
        tx = x + QR_SIDE + 5 * mm
        canvas.setFillColor(colors.black)
        canvas.setFont(bold, 10)
        canvas.drawString(tx, y + LABEL_H - 7 * mm, _fit(part.panel, 30))
        canvas.setFont(regular, 8)
        lines = [part.size, part.material,
                 f"{_('Edges')}: {part.edges or '-'}",
                 f"{_('Order')}: {_fit(part.order_id, 26)}",
                 _fit(part.operation, 36) if part.operation else ""]
        for n, text in enumerate(lines):
            canvas.drawString(tx, y + LABEL_H - (12 + 4.2 * n) * mm, _fit(text, 40))
        canvas.setFont("Courier", 7)
        canvas.drawString(tx, y + 2.5 * mm, _fit(part.barcode, 40))
    if not parts:
        canvas.setFont(regular, 12)
        canvas.drawString(20 * mm, A4[1] - 30 * mm, _("No parts to label."))
    canvas.save()
    return out.getvalue()


def cut_list_pdf(parts: list[Part], title: str, subtitle: str) -> bytes:
    """The cut list: every part by material, in saw order, with its size and edges."""
    out = io.BytesIO()
    styles = getSampleStyleSheet()
    regular, bold = fonts()
    for name, font in (("Title", bold), ("Heading2", bold), ("Normal", regular)):
        styles[name].fontName = font
    doc = SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=15 * mm,
                            rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm)
    story: list = [Paragraph(title, styles["Title"]), Paragraph(subtitle, styles["Normal"]),
                   Spacer(1, 6 * mm)]
    by_material: dict[str, list[Part]] = {}
    for part in parts:
        by_material.setdefault(part.material or _("unknown material"), []).append(part)
    for material, group in by_material.items():
        story.append(Paragraph(f"{material} ({len(group)})", styles["Heading2"]))
        rows = [[_("#"), _("Part"), _("Panel"), _("Size"), _("Edges")]]
        rows += [[str(n), _fit(p.barcode, 28), _fit(p.panel, 26), p.size, p.edges or "-"]
                 for n, p in enumerate(group, 1)]
        table = Table(rows, repeatRows=1, colWidths=[10 * mm, 50 * mm, 45 * mm, 45 * mm,
                                                     25 * mm])
        table.setStyle(TableStyle([
            ("FONT", (0, 0), (-1, 0), bold, 9),
            ("FONT", (0, 1), (-1, -1), regular, 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]))
        story += [table, Spacer(1, 5 * mm)]
    if not parts:
        story.append(Paragraph(_("No parts to cut."), styles["Normal"]))
    doc.build(story)
    return out.getvalue()
