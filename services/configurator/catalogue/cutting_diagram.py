"""Cutting diagrams of one board: SVG for the portal, DXF (R12 ASCII) for the workshop."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from .cut_plan import BoardLayout

_PALETTE = ("#e8d5b7", "#c9dcb3", "#b7d3e8", "#e8c1b7", "#d8c7e8", "#e8e3b7")


def board_svg(board: BoardLayout,
              kept: Sequence[tuple[str, float, float, float, float]] = ()) -> str:
    """An SVG of the board: trim margin, panels with name, size and label, and the cuts;
    `kept` marks the offcuts cut free and kept, hatched, as (stock id, x, y, length, width)."""
    length, width = board.sheet.length_mm, board.sheet.width_mm
    trim = board.trim_mm
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-20 -60 {length + 40} {width + 80}" '
        f'width="{(length + 40) / 4:.0f}" height="{(width + 80) / 4:.0f}">',
        f"<title>{escape(board.material)} board {board.number}</title>",
        f'<text x="0" y="-20" font-size="40" font-family="sans-serif">{escape(board.material)} · '
        f"board {board.number} · {length}×{width} mm · yield {board.yield_pct:.1f}%</text>",
        f'<rect x="0" y="0" width="{length}" height="{width}" fill="#f3f3f3" stroke="#333" stroke-width="3"/>',
        f'<rect x="{trim}" y="{trim}" width="{length - 2 * trim}" height="{width - 2 * trim}" '
        f'fill="#fff" stroke="#999" stroke-dasharray="12 8"/>',
    ]
    colours: dict[str, str] = {}
    for p in board.placements:
        fill = colours.setdefault(p.part.panel, _PALETTE[len(colours) % len(_PALETTE)])
        size = min(36.0, p.across_mm / 3, p.along_mm / 8)
        cx, cy = p.x_mm + p.along_mm / 2, p.y_mm + p.across_mm / 2
        text = f"{p.part.panel} {p.part.length_mm:g}×{p.part.width_mm:g}"
        out.append(
            f'<g><rect x="{p.x_mm:g}" y="{p.y_mm:g}" width="{p.along_mm:g}" height="{p.across_mm:g}" '
            f'fill="{fill}" stroke="#333" stroke-width="2"/>'
            f'<text x="{cx:g}" y="{cy:g}" font-size="{size:.0f}" font-family="sans-serif" '
            f'text-anchor="middle">{escape(text)}</text>'
            f'<text x="{cx:g}" y="{cy + size * 1.2:g}" font-size="{size * 0.8:.0f}" '
            f'font-family="monospace" text-anchor="middle">{escape(p.part.label)}'
            f"{' ↻' if p.rotated else ''}</text></g>"
        )
    if kept:
        out.append('<defs><pattern id="kept" width="24" height="24" patternUnits="userSpaceOnUse" '
                   'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="24" '
                   'stroke="#7a9a5a" stroke-width="6"/></pattern></defs>')
    for name, x, y, along, across in kept:
        size = min(36.0, across / 3, along / 8)
        out.append(
            f'<g class="offcut"><rect x="{x:g}" y="{y:g}" width="{along:g}" height="{across:g}" '
            f'fill="url(#kept)" fill-opacity="0.5" stroke="#4a6a2a" stroke-width="3"/>'
            f'<text x="{x + along / 2:g}" y="{y + across / 2:g}" font-size="{size:.0f}" '
            f'font-family="sans-serif" text-anchor="middle">offcut kept {escape(name)} '
            f"{along:g}×{across:g}</text></g>"
        )
    for cut in board.cuts:
        colour = (
            "#c00" if cut.direction == "rip" else "#06c" if cut.direction == "cross" else "#999"
        )
        out.append(
            f'<line x1="{cut.x1:g}" y1="{cut.y1:g}" x2="{cut.x2:g}" y2="{cut.y2:g}" '
            f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
    out.append("</svg>")
    return "\n".join(out)


def board_dxf(board: BoardLayout) -> str:
    """A minimal AutoCAD R12 ASCII DXF: sheet, trim line, panel outlines and labels.

    DXF's y axis points up; the board's y (across the sheet) maps to it unchanged.
    """
    length, width = board.sheet.length_mm, board.sheet.width_mm
    trim = board.trim_mm
    rows = [
        "0",
        "SECTION",
        "2",
        "HEADER",
        "9",
        "$ACADVER",
        "1",
        "AC1009",
        "0",
        "ENDSEC",
        "0",
        "SECTION",
        "2",
        "ENTITIES",
    ]
    rows += _rectangle("SHEET", 0, 0, length, width)
    rows += _rectangle("TRIM", trim, trim, length - trim, width - trim)
    for p in board.placements:
        rows += _rectangle("PANELS", p.x_mm, p.y_mm, p.x_mm + p.along_mm, p.y_mm + p.across_mm)
        height = max(5.0, min(30.0, p.across_mm / 4))
        text = f"{p.part.label} {p.part.panel} {p.part.length_mm:g}x{p.part.width_mm:g}"
        rows += _text("LABELS", p.x_mm + 5, p.y_mm + 5, height, text)
    for cut in board.cuts:
        rows += _line("CUTS", cut.x1, cut.y1, cut.x2, cut.y2)
    rows += ["0", "ENDSEC", "0", "EOF"]
    return "\n".join(rows) + "\n"


def _line(layer: str, x1: float, y1: float, x2: float, y2: float) -> list[str]:
    return [
        "0",
        "LINE",
        "8",
        layer,
        "10",
        f"{x1:.1f}",
        "20",
        f"{y1:.1f}",
        "30",
        "0.0",
        "11",
        f"{x2:.1f}",
        "21",
        f"{y2:.1f}",
        "31",
        "0.0",
    ]


def _rectangle(layer: str, x1: float, y1: float, x2: float, y2: float) -> list[str]:
    return (
        _line(layer, x1, y1, x2, y1)
        + _line(layer, x2, y1, x2, y2)
        + _line(layer, x2, y2, x1, y2)
        + _line(layer, x1, y2, x1, y1)
    )


def _text(layer: str, x: float, y: float, height: float, text: str) -> list[str]:
    ascii_text = text.encode("ascii", "replace").decode("ascii")  # R12 files are ASCII
    return [
        "0",
        "TEXT",
        "8",
        layer,
        "10",
        f"{x:.1f}",
        "20",
        f"{y:.1f}",
        "30",
        "0.0",
        "40",
        f"{height:.1f}",
        "1",
        ascii_text,
    ]
