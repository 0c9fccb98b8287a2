"""The day-of-orders benchmark (load/batch_day.py) measures what it says on parts it knows."""

from __future__ import annotations

import pytest

from load.batch_day import (
    batch_board_svg,
    cut_day,
    day_orders,
    most_shared_board,
    rectpack_boards,
)
from services.configurator.catalogue import NestingSettings, Part, SheetSize

pytestmark = pytest.mark.unit

WHITE = "particleboard-18/melamine-white"


def test_rectpack_needs_the_boards_the_area_asks_for_on_a_set_that_tiles():
    # 8 quarters of the usable board (kerf included) fill 2 boards exactly, 9 need a third
    quarter = Part("A", "q", "A-1", (2780 + 4) / 2 - 4, (2050 + 4) / 2 - 4, 18, WHITE, "none", "-")
    sheets = {WHITE: (SheetSize(2800, 2070),)}
    assert rectpack_boards([quarter] * 8, sheets, NestingSettings(4.0, 10.0)) == 2
    assert rectpack_boards([quarter] * 9, sheets, NestingSettings(4.0, 10.0)) == 3


def test_a_day_is_the_demo_mix_and_each_method_cuts_all_of_it():
    orders = day_orders(7, 4)
    assert len(orders) == 4 and all(parts for parts in orders.values())
    assert day_orders(7, 4) == orders  # deterministic per seed
    day = cut_day(7, 4, NestingSettings(4.0, 10.0))
    parts = sum(len(p) for p in orders.values())
    assert day.parts == parts
    assert sum(len(b.layout.placements) for b in day.batch.boards) == parts
    assert day.batch.new_boards <= day.per_order_boards
    assert 0 < day.per_order_yield <= day.batch.yield_pct <= 100
    assert day.rectpack_boards >= 1 and day.one_size_boards >= 1


def test_the_diagram_names_the_orders_and_draws_the_offcuts():
    day = cut_day(3, 5, NestingSettings(4.0, 10.0))
    board = most_shared_board(day.batch)
    svg = batch_board_svg(board)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    for order in {p.part.order for p in board.layout.placements}:
        assert order in svg
    assert svg.count('fill="url(#offcut)"') == len(board.offcuts)
