"""The compiled variant scoring picks exactly the layout the Python packer picks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from nesting_reference import python_best

from services.configurator.catalogue import guillotine
from services.configurator.catalogue.sheet_packing import Piece

SHEETS = [(28000, 20700), (24400, 12200), (5000, 3000)]


@st.composite
def piece_sets(draw):
    w, h = draw(st.sampled_from(SHEETS))
    n = draw(st.integers(1, 60))
    # Many equal sizes make ties between variants, where the first must win.
    size = st.one_of(st.tuples(st.integers(50, w), st.integers(50, h)),
                     st.sampled_from([(w // 2, h // 3), (w // 4, h // 4), (h // 3, w // 2)]))
    pieces = []
    for i in range(n):
        pw, ph = draw(size)
        rotatable = draw(st.booleans())
        if (pw <= w and ph <= h) or (rotatable and ph <= w and pw <= h):
            pieces.append(Piece(i, pw, ph, rotatable))
    return pieces, w, h


@settings(max_examples=300, deadline=None)
@given(piece_sets())
def test_the_compiled_scores_pick_the_same_layout(case):
    pieces, w, h = case
    expected = python_best(pieces, w, h)
    got = guillotine.best_packing(pieces, w, h)
    assert [(s.w, s.h, s.spots, s.slits) for s in got] == \
        [(s.w, s.h, s.spots, s.slits) for s in expected]


def test_a_piece_too_large_is_refused_as_before():
    import pytest

    from services.configurator.catalogue.sheet_packing import PieceTooLarge

    with pytest.raises(PieceTooLarge):
        guillotine.best_packing([Piece(0, 10, 10, False), Piece(1, 600, 10, False)], 500, 400)


FIT_PAIRS = [(a, b) for a in guillotine.FITS for b in guillotine.FITS if a < b]


@settings(max_examples=300, deadline=None)
@given(piece_sets(), st.sampled_from(list(guillotine.ORDERS)), st.sampled_from(FIT_PAIRS),
       st.sampled_from(guillotine.SPLITS))
def test_two_fits_judged_one_layout_are_one_layout_cut_for_cut(case, order, fits, split):
    """What lets an order of one piece take the piece's own layout instead of building it."""
    pieces, w, h = case
    if not pieces:
        return
    a, b = (order, fits[0], split), (order, fits[1], split)
    built_a = [(s.spots, s.slits) for s in guillotine.pack(pieces, w, h, *a)]
    built_b = [(s.spots, s.slits) for s in guillotine.pack(pieces, w, h, *b)]
    judged = guillotine.same_layout(guillotine.PieceArrays.of(pieces), w, h, a, b)
    assert judged == (built_a == built_b)
