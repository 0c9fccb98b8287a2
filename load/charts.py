"""Small SVG charts for benchmark results (no plotting library needed)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed")


def line_chart(title: str, series: dict[str, Sequence[tuple[float, float]]], *,
               x_label: str, y_label: str, width: int = 900, height: int = 420) -> str:
    """Lines of (x, y) points, one per series, with axes, ticks and a legend."""
    left, right, top, bottom = 70, 20, 40, 50
    points = [p for s in series.values() for p in s]
    if not points:
        points = [(0.0, 0.0), (1.0, 1.0)]
    x_max = max(p[0] for p in points) or 1.0
    y_max = max(p[1] for p in points) * 1.1 or 1.0
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + pw * x / x_max

    def sy(y: float) -> float:
        return top + ph * (1 - y / y_max)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>']
    for i in range(6):
        y = y_max * i / 5
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" '
                     f'stroke="#e5e7eb"/><text x="{left - 6}" y="{sy(y) + 4:.1f}" '
                     f'text-anchor="end">{y:.3g}</text>')
        x = x_max * i / 5
        parts.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 18}" '
                     f'text-anchor="middle">{x:.3g}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" stroke="#111"/>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + ph}" y2="{top + ph}" '
                 f'stroke="#111"/>')
    parts.append(f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">'
                 f'{escape(x_label)}</text>')
    parts.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 16 {top + ph / 2})">{escape(y_label)}</text>')
    for i, (name, pts) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.8" points="{path}"/>')
        parts.append(f'<rect x="{left + 10}" y="{top + 8 + 18 * i}" width="12" height="12" '
                     f'fill="{color}"/><text x="{left + 28}" y="{top + 18 + 18 * i}">'
                     f'{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)
