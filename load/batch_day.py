"""A day of demo orders cut three ways (issue 20): each order on its own boards, the day as
cutting batches (`nest_batch`), and rectpack's best guillotine packer on the same parts.

Orders are drawn from the demo's order mix (`load/order_mix.py`) and configured with the seed
catalogue, so panels, materials, grain and sheet sizes are the platform's own. `bench_nesting`
prints the table; this module does the cutting and draws one batch board.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from itertools import product
from xml.sax.saxutils import escape

import rectpack

from load.order_mix import draw_item
from services.configurator import catalogue as cat
from services.configurator.catalogue import NestingSettings, Part, SheetSize
from services.configurator.catalogue.cutting_batch import BatchBoard, CuttingBatch, nest_batch
from services.configurator.catalogue.cutting_diagram import board_svg
from services.configurator.catalogue.nesting_checks import layout_problems

CATALOGUE = cat.seed_catalogue()
GUILLOTINE = tuple(getattr(rectpack, n) for n in dir(rectpack) if n.startswith("Guillotine"))
SORTS = tuple(getattr(rectpack, n) for n in dir(rectpack) if n.startswith("SORT_"))


def day_orders(seed: int, count: int) -> dict[str, list[Part]]:
    """`count` orders of the demo mix that the catalogue accepts, as their parts."""
    rng = random.Random(seed)
    orders: dict[str, list[Part]] = {}
    while len(orders) < count:
        product_code, options = draw_item(rng)
        outcome = cat.configure(CATALOGUE, product_code, options)
        if isinstance(outcome, cat.Configuration):
            name = f"D{seed}-{len(orders) + 1:03d}"
            orders[name] = cat.parts_of(name, outcome.panels)
    return orders


def factory_sheets(parts: list[Part]) -> dict[str, tuple[SheetSize, ...]]:
    """The sizes the catalogue's boards come in (the demo factories stock them all)."""
    return {p.material: CATALOGUE.boards[p.material.split("/")[0]].sheets for p in parts}


@dataclass(frozen=True)
class DayResult:
    seed: int
    orders: int
    parts: int
    groups: int
    per_order_boards: int
    per_order_yield: float
    batch: CuttingBatch
    one_size_boards: int  # the batch on the big sheet only, as rectpack gets it
    rectpack_boards: int
    seconds_batch: float
    seconds_rectpack: float


def cut_day(seed: int, count: int, settings: NestingSettings) -> DayResult:
    orders = day_orders(seed, count)
    parts = [p for ps in orders.values() for p in ps]
    sheets = factory_sheets(parts)
    alone = [cat.nest_parts(ps, sheets, settings) for ps in orders.values()]
    start = time.perf_counter()
    batch = nest_batch(f"DAY{seed}", parts, sheets, settings)
    seconds_batch = time.perf_counter() - start
    for board in batch.boards:
        problems = layout_problems(board.layout)
        if problems:
            raise SystemExit(f"invalid batch board: {problems[:3]}")
    big = {m: (max(s, key=lambda z: z.length_mm * z.width_mm),) for m, s in sheets.items()}
    one_size = nest_batch(f"DAY{seed}", parts, big, settings)
    start = time.perf_counter()
    theirs = rectpack_boards(parts, big, settings)
    return DayResult(
        seed,
        len(orders),
        len(parts),
        len(batch.materials),
        sum(p.boards_used for p in alone),
        100 * sum(p.panel_area_m2 for p in alone) / sum(p.board_area_m2 for p in alone),
        batch,
        one_size.new_boards,
        theirs,
        seconds_batch,
        time.perf_counter() - start,
    )


def rectpack_boards(
    parts: list[Part], sheet_for: dict[str, tuple[SheetSize, ...]], settings: NestingSettings
) -> int:
    """Per material and thickness, the fewest boards any of rectpack's guillotine packers
    (every algorithm × every sort order) needs; pieces padded by the kerf as ours are, the
    trim taken off the sheet. Rotation only for groups with no grained part (rectpack turns
    all pieces or none)."""
    groups: dict[tuple[str, float], list[Part]] = {}
    for part in parts:
        groups.setdefault((part.material, part.thickness_mm), []).append(part)
    kerf, trim = round(settings.kerf_mm * 10), round(settings.trim_mm * 10)
    total = 0
    for (material, _), group in groups.items():
        sheet = sheet_for[material][0]
        w, h = sheet.length_mm * 10 - 2 * trim + kerf, sheet.width_mm * 10 - 2 * trim + kerf
        rects = [(round(p.length_mm * 10) + kerf, round(p.width_mm * 10) + kerf) for p in group]
        rotation = all(p.grain == "none" for p in group)
        best = None
        for algo, sort in product(GUILLOTINE, SORTS):
            packer = rectpack.newPacker(pack_algo=algo, sort_algo=sort, rotation=rotation)
            for i, (rw, rh) in enumerate(rects):
                packer.add_rect(rw, rh, rid=i)
            packer.add_bin(w, h, count=float("inf"))
            packer.pack()
            placed = sum(len(b) for b in packer)
            if placed != len(rects):
                raise SystemExit(f"rectpack left {len(rects) - placed} pieces of {material}")
            best = len(packer) if best is None else min(best, len(packer))
        total += best or 0
    return total


def most_shared_board(batch: CuttingBatch) -> BatchBoard:
    """The board carrying the most orders, among those returning an offcut if any do."""
    return max(
        batch.boards,
        key=lambda b: (
            bool(b.offcuts),
            len({p.part.order for p in b.layout.placements}),
            b.layout.yield_pct,
        ),
    )


def batch_board_svg(board: BatchBoard) -> str:
    """The cutting diagram with the offcuts it returns to stock drawn hatched."""
    length, width = board.layout.sheet.length_mm, board.layout.sheet.width_mm
    svg = board_svg(board.layout).replace(  # room below the board for the orders line
        f'viewBox="-20 -60 {length + 40} {width + 80}" '
        f'width="{(length + 40) / 4:.0f}" height="{(width + 80) / 4:.0f}"',
        f'viewBox="-20 -60 {length + 40} {width + 140}" '
        f'width="{(length + 40) / 4:.0f}" height="{(width + 140) / 4:.0f}"',
        1,
    )
    extra = [
        '<defs><pattern id="offcut" width="40" height="40" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="40" stroke="#6a8" '
        'stroke-width="8"/></pattern></defs>'
    ]
    for offcut in board.offcuts:
        x, y = offcut.at_mm
        extra.append(
            f'<rect x="{x}" y="{y}" width="{offcut.length_mm}" height="{offcut.width_mm}" '
            f'fill="url(#offcut)" fill-opacity="0.5" stroke="#3a6" stroke-width="4"/>'
            f'<text x="{x + 20}" y="{y + 80}" font-size="{min(60.0, offcut.length_mm / 9):.0f}" '
            'font-family="sans-serif">'
            f"{escape(f'offcut {offcut.length_mm:.0f}×{offcut.width_mm:.0f}')}</text>"
        )
    orders = sorted({p.part.order for p in board.layout.placements})
    extra.append(
        f'<text x="0" y="{width + 60}" font-size="40" '
        f'font-family="sans-serif">{escape("orders: " + ", ".join(orders))}</text>'
    )
    return svg.replace("</svg>", "".join(extra) + "</svg>")
