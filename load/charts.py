"""Small SVG charts for benchmark results (no plotting library needed)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed")
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50


class _Frame:
    """Title, horizontal grid with y ticks, axes and the y label of a chart."""

    def __init__(self, title: str, y_max: float, y_label: str, width: int, height: int):
        self.width, self.height, self.y_max = width, height, y_max
        self.pw, self.ph = width - LEFT - RIGHT, height - TOP - BOTTOM
        self.parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                      f'font-family="sans-serif" font-size="12">',
                      f'<rect width="{width}" height="{height}" fill="white"/>',
                      f'<text x="{width / 2}" y="22" text-anchor="middle" '
                      f'font-size="15">{escape(title)}</text>']
        for i in range(6):
            y = y_max * i / 5
            self.parts.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{self.sy(y):.1f}" '
                              f'y2="{self.sy(y):.1f}" stroke="#e5e7eb"/><text x="{LEFT - 6}" '
                              f'y="{self.sy(y) + 4:.1f}" text-anchor="end">{y:.3g}</text>')
        self.y_label = y_label

    def sy(self, y: float) -> float:
        return TOP + self.ph * (1 - y / self.y_max)

    def legend(self, i: int, name: str, x: float) -> None:
        self.parts.append(f'<rect x="{x}" y="{TOP + 8 + 18 * i}" width="12" height="12" '
                          f'fill="{PALETTE[i % len(PALETTE)]}"/><text x="{x + 18}" '
                          f'y="{TOP + 18 + 18 * i}">{escape(name)}</text>')

    def close(self) -> str:
        ph = self.ph
        self.parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + ph}" stroke="#111"/>')
        self.parts.append(f'<line x1="{LEFT}" x2="{self.width - RIGHT}" y1="{TOP + ph}" '
                          f'y2="{TOP + ph}" stroke="#111"/>')
        self.parts.append(f'<text x="16" y="{TOP + ph / 2}" text-anchor="middle" '
                          f'transform="rotate(-90 16 {TOP + ph / 2})">{escape(self.y_label)}</text>')
        self.parts.append("</svg>")
        return "\n".join(self.parts)


def line_chart(title: str, series: dict[str, Sequence[tuple[float, float]]], *,
               x_label: str, y_label: str, width: int = 900, height: int = 420) -> str:
    """Lines of (x, y) points, one per series, with axes, ticks and a legend."""
    points = [p for s in series.values() for p in s]
    if not points:
        points = [(0.0, 0.0), (1.0, 1.0)]
    x_max = max(p[0] for p in points) or 1.0
    frame = _Frame(title, max(p[1] for p in points) * 1.1 or 1.0, y_label, width, height)

    def sx(x: float) -> float:
        return LEFT + frame.pw * x / x_max

    for i in range(6):
        x = x_max * i / 5
        frame.parts.append(f'<text x="{sx(x):.1f}" y="{height - BOTTOM + 18}" '
                           f'text-anchor="middle">{x:.3g}</text>')
    frame.parts.append(f'<text x="{LEFT + frame.pw / 2}" y="{height - 10}" text-anchor="middle">'
                       f'{escape(x_label)}</text>')
    for i, (name, pts) in enumerate(series.items()):
        path = " ".join(f"{sx(x):.1f},{frame.sy(y):.1f}" for x, y in pts)
        frame.parts.append(f'<polyline fill="none" stroke="{PALETTE[i % len(PALETTE)]}" '
                           f'stroke-width="1.8" points="{path}"/>')
        frame.legend(i, name, LEFT + 10)
    return frame.close()


def bar_chart(title: str, groups: dict[str, dict[str, float]], *, y_label: str,
              notes: dict[tuple[str, str], str] | None = None, guide: float | None = None,
              width: int = 900, height: int = 420) -> str:
    """Bars side by side per group (one colour per series), ``notes`` written above the bars
    and an optional dashed ``guide`` line (a target)."""
    series = list(dict.fromkeys(s for g in groups.values() for s in g))
    values = [v for g in groups.values() for v in g.values()] + [guide or 0.0]
    frame = _Frame(title, max(values) * 1.15 or 1.0, y_label, width, height)
    slot = frame.pw / max(1, len(groups))
    bar = slot * 0.7 / max(1, len(series))
    for gi, (group, bars) in enumerate(groups.items()):
        for si, name in enumerate(series):
            if name not in bars:
                continue
            x, y = LEFT + slot * (gi + 0.15) + bar * si, frame.sy(bars[name])
            frame.parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar * 0.92:.1f}" '
                               f'height="{TOP + frame.ph - y:.1f}" '
                               f'fill="{PALETTE[si % len(PALETTE)]}"/>')
            note = (notes or {}).get((group, name))
            if note:
                frame.parts.append(f'<text x="{x + bar * 0.46:.1f}" y="{y - 4:.1f}" '
                                   f'text-anchor="middle" font-size="10">{escape(note)}</text>')
        frame.parts.append(f'<text x="{LEFT + slot * (gi + 0.5):.1f}" y="{height - BOTTOM + 18}" '
                           f'text-anchor="middle">{escape(group)}</text>')
    if guide is not None:
        frame.parts.append(f'<line x1="{LEFT}" x2="{width - RIGHT}" y1="{frame.sy(guide):.1f}" '
                           f'y2="{frame.sy(guide):.1f}" stroke="#111" stroke-dasharray="6 4"/>')
    for si, name in enumerate(series):
        frame.legend(si, name, width - RIGHT - 150)
    return frame.close()
