"""The nesting decides sizes and tail re-cuts from compiled scores and builds only the
winner; it lays out exactly what building every candidate in Python lays out."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nesting_reference import python_layout

from services.configurator.catalogue import SheetSize
from services.configurator.catalogue.guillotine import ALL_VARIANTS
from services.configurator.catalogue.nesting import _guillotine_layout
from services.configurator.catalogue.sheet_packing import Piece

pytestmark = pytest.mark.unit

BIG, SMALL, STRIP = SheetSize(2800, 2070), SheetSize(2440, 1220), SheetSize(2440, 600)


@st.composite
def batches(draw):
    sizes = draw(st.sampled_from([(BIG, SMALL), (SMALL, BIG), (BIG, SMALL, STRIP)]))
    usable = {s: (s.length_mm * 10 - 160, s.width_mm * 10 - 160) for s in sizes}
    n = draw(st.integers(1, 30))
    # Repeated sizes make ties between variants and sizes, where the first must win;
    # a few pieces only fit the big sheet, so smaller sizes drop out or take only tails.
    extent = st.one_of(
        st.tuples(st.integers(600, 24000), st.integers(600, 6000)),
        st.sampled_from([(7040, 5040), (5840, 3040), (20040, 6040), (27000, 15000)]),
    )
    pieces = [Piece(i, *draw(extent), draw(st.booleans())) for i in range(n)]
    return pieces, usable


def layout_of(chosen):
    return [(size, sheet.w, sheet.h, sheet.spots, sheet.slits) for size, sheet in chosen]


@settings(max_examples=120, deadline=None)
@given(batches())
def test_the_scored_choice_lays_out_what_building_every_candidate_lays_out(batch):
    pieces, usable = batch
    expected = python_layout(pieces, usable)
    got = _guillotine_layout(pieces, usable, ALL_VARIANTS, tails=True)
    assert (got is None) == (expected is None)
    if expected is not None:
        assert layout_of(got) == layout_of(expected)


def test_a_tail_moves_to_the_smaller_sheet_when_that_saves_board():
    # Four pieces fill a big sheet; a fifth alone would take a second big one.
    pieces = [Piece(i, 13800, 10200, False) for i in range(4)] + [Piece(4, 5000, 5000, True)]
    usable = {s: (s.length_mm * 10 - 160, s.width_mm * 10 - 160) for s in (BIG, SMALL)}
    chosen = _guillotine_layout(pieces, usable, ALL_VARIANTS, tails=True)
    assert [size for size, _ in chosen] == [BIG, SMALL]
    assert layout_of(chosen) == layout_of(python_layout(pieces, usable))
