"""Cutting batches (issue 20): many orders of one material on shared boards, offcuts kept
and used first, each order charged its share of the boards."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.configurator.catalogue import (
    NestingSettings,
    Part,
    Placement,
    SheetSize,
    nest_parts,
    seed_catalogue,
)
from services.configurator.catalogue.cutting_batch import (
    NoSheetsForMaterial,
    Offcut,
    OffcutRule,
    PartFitsNoSheet,
    board_costs,
    nest_batch,
)
from services.configurator.catalogue.nesting_checks import layout_problems

pytestmark = pytest.mark.unit

WHITE, OAK = "particleboard-18/melamine-white", "particleboard-18/melamine-oak"
BIG, SMALL = SheetSize(2800, 2070), SheetSize(2440, 1220)
KERF = 4.0


def part(
    order: str,
    n: int,
    length: float,
    width: float,
    material: str = WHITE,
    grain: str = "none",
    thickness: float = 18,
) -> Part:
    return Part(
        order, f"panel {n}", f"{order}-{n:03d}", length, width, thickness, material, grain, "-"
    )


parts_strategy = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", "D"]),
        st.integers(80, 2000),
        st.integers(60, 1000),
        st.sampled_from(["none", "none", "length"]),
        st.sampled_from([WHITE, OAK]),
    ),
    min_size=1,
    max_size=40,
).map(lambda rows: [part(o, i, ln, w, m, g) for i, (o, ln, w, g, m) in enumerate(rows)])


def _overlap(a, b, kerf: float) -> bool:
    return not (
        a.x_mm + a.along_mm + kerf <= b.x_mm + 1e-6
        or b.x_mm + b.along_mm + kerf <= a.x_mm + 1e-6
        or a.y_mm + a.across_mm + kerf <= b.y_mm + 1e-6
        or b.y_mm + b.across_mm + kerf <= a.y_mm + 1e-6
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=parts_strategy,
    sizes=st.sampled_from([(BIG,), (SMALL,), (BIG, SMALL)]),
    kerf=st.sampled_from([0.0, 3.2, KERF, 4.8]),
    trim=st.sampled_from([0.0, 10.0, 15.0]),
)
def test_every_part_placed_once_inside_its_board_a_kerf_apart(parts, sizes, kerf, trim):
    batch = nest_batch("B1", parts, {WHITE: sizes, OAK: sizes}, NestingSettings(kerf, trim))
    placed = [p.part for b in batch.boards for p in b.layout.placements]
    assert Counter(p.label for p in placed) == Counter(p.label for p in parts)
    for board in batch.boards:
        layout = board.layout
        assert layout_problems(layout) == []  # inside the trim, grain, kerf, guillotine, cuts
        assert {p.part.material for p in layout.placements} == {layout.material}
        for i, a in enumerate(layout.placements):
            assert a.x_mm >= layout.trim_mm - 1e-6 and a.y_mm >= layout.trim_mm - 1e-6
            assert a.x_mm + a.along_mm <= layout.sheet.length_mm - layout.trim_mm + 1e-6
            assert a.y_mm + a.across_mm <= layout.sheet.width_mm - layout.trim_mm + 1e-6
            for b in layout.placements[i + 1 :]:
                assert not _overlap(a, b, kerf)
        for offcut in board.offcuts:  # a remnant lies on the board, a kerf from every part
            x, y = offcut.at_mm
            assert x >= layout.trim_mm - 1e-6 and y >= layout.trim_mm - 1e-6
            assert x + offcut.length_mm <= layout.sheet.length_mm - layout.trim_mm + 1e-6
            assert y + offcut.width_mm <= layout.sheet.width_mm - layout.trim_mm + 1e-6
            remnant = Placement(parts[0], x, y, offcut.length_mm, offcut.width_mm, False)
            assert not any(_overlap(remnant, p, kerf) for p in layout.placements)
            for cut in layout.cuts:  # no cut of the parts runs on into a kept offcut
                if cut.direction != "trim" and cut not in board.offcut_cuts:
                    assert not _crosses(cut, x, y, offcut.length_mm, offcut.width_mm)


def _crosses(cut, x: float, y: float, length: float, width: float) -> bool:
    """The cut's line (cross cuts run along y, rips along x) enters the rectangle's inside."""
    e = 1e-6
    if cut.direction == "cross":
        return x + e < cut.x1 < x + length - e and cut.y1 < y + width - e and cut.y2 > y + e
    return y + e < cut.y1 < y + width - e and cut.x1 < x + length - e and cut.x2 > x + e


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=parts_strategy, sizes=st.sampled_from([(BIG,), (SMALL,)]))
def test_a_batch_never_uses_more_boards_than_nesting_each_order_alone(parts, sizes):
    settings_ = NestingSettings(KERF, 10.0)
    batch = nest_batch("B1", parts, {WHITE: sizes, OAK: sizes}, settings_)
    alone = sum(
        nest_parts(
            [p for p in parts if p.order == order], {WHITE: sizes, OAK: sizes}, settings_
        ).boards_used
        for order in {p.order for p in parts}
    )
    assert batch.new_boards <= alone


def test_a_day_of_small_orders_on_shared_boards_yields_more_than_each_alone():
    orders = {o: [part(o, i, 700 + 37 * i, 380 + 11 * i) for i in range(6)] for o in "ABCDEFGH"}
    parts = [p for ps in orders.values() for p in ps]
    settings_ = NestingSettings(KERF, 10.0)
    batch = nest_batch("B1", parts, {WHITE: (BIG,)}, settings_)
    alone = [nest_parts(ps, {WHITE: (BIG,)}, settings_) for ps in orders.values()]
    alone_yield = 100 * sum(p.panel_area_m2 for p in alone) / sum(p.board_area_m2 for p in alone)
    assert batch.new_boards < sum(p.boards_used for p in alone)
    assert batch.yield_pct >= alone_yield + 5


def test_offcuts_are_recorded_and_a_later_batch_cuts_them_first():
    settings_ = NestingSettings(KERF, 10.0)
    grained = part("A", 1, 1000, 600, grain="length")  # not turned: 1000 mm along
    first = nest_batch("B1", [grained], {WHITE: (BIG,)}, settings_)
    assert first.offcuts, "most of the board comes back as offcuts"
    assert all(o.material == WHITE and o.thickness_mm == 18 for o in first.offcuts)
    assert all(o.source.startswith("B1/") for o in first.offcuts)
    largest = max(first.offcuts, key=lambda o: o.area_m2)
    # the big remnant is 2780 - 1004 = 1776 mm along the board's full usable width
    assert (largest.length_mm, largest.width_mm) == pytest.approx((1776.0, 2050.0))
    second = nest_batch(
        "B2",
        [part("B", 1, 1500, 800), part("C", 1, 900, 500)],
        {WHITE: (BIG,)},
        settings_,
        offcuts=first.offcuts,
    )
    assert second.new_boards == 0
    assert second.offcuts_used[0] == largest
    board = second.boards[0].layout
    assert board.trim_mm == 0 and (board.sheet.length_mm, board.sheet.width_mm) == (1776, 2050)
    assert layout_problems(board) == []


def test_an_offcut_keeps_the_grain_of_its_board():
    narrow = Offcut(OAK, 18, 600, 1900, "B0/x/1/1")  # long across the grain
    grained = part("A", 1, 1800, 500, OAK, grain="length")
    batch = nest_batch(
        "B1", [grained], {OAK: (BIG,)}, NestingSettings(KERF, 10.0), offcuts=[narrow]
    )
    assert batch.offcuts_used == () and batch.new_boards == 1
    free = part("A", 1, 1800, 500, OAK, grain="none")
    batch = nest_batch("B1", [free], {OAK: (BIG,)}, NestingSettings(KERF, 10.0), offcuts=[narrow])
    assert batch.offcuts_used == (narrow,) and batch.boards[0].layout.placements[0].rotated


def test_offcuts_of_another_material_or_thickness_are_left():
    settings_ = NestingSettings(KERF, 10.0)
    other = [Offcut(OAK, 18, 2000, 1000, "x"), Offcut(WHITE, 25, 2000, 1000, "y")]
    batch = nest_batch("B1", [part("A", 1, 500, 400)], {WHITE: (BIG,)}, settings_, offcuts=other)
    assert batch.offcuts_used == () and batch.new_boards == 1


def test_remnants_below_the_usable_size_are_scrap():
    settings_ = NestingSettings(KERF, 10.0)
    full = part("A", 1, 2780 - 250, 2050 - 250)  # leaves strips ~246 mm wide
    batch = nest_batch("B1", [full], {WHITE: (BIG,)}, settings_, rule=OffcutRule(600, 300))
    assert batch.offcuts == ()
    batch = nest_batch("B1", [full], {WHITE: (BIG,)}, settings_, rule=OffcutRule(600, 200))
    assert batch.offcuts and all(min(o.length_mm, o.width_mm) >= 200 for o in batch.offcuts)


def test_each_order_is_charged_its_share_of_the_boards_by_panel_area():
    settings_ = NestingSettings(KERF, 10.0)
    parts = [part("A", 1, 1200, 600), part("B", 1, 600, 600), part("B", 2, 600, 600)]
    batch = nest_batch("B1", parts, {WHITE: (BIG,)}, settings_, rule=OffcutRule(1e9, 1e9))
    assert batch.new_boards == 1 and batch.offcuts == ()
    shares = {s.order: s for s in batch.shares}
    assert shares["A"].boards == pytest.approx(0.5) and shares["B"].boards == pytest.approx(0.5)
    assert shares["A"].board_m2 == pytest.approx(2.8 * 2.07 / 2)
    assert sum(s.board_m2 for s in batch.shares) == pytest.approx(batch.new_board_m2)
    kept = nest_batch("B1", parts, {WHITE: (BIG,)}, settings_)
    returned = sum(o.area_m2 for o in kept.offcuts)
    assert returned > 0
    assert sum(s.board_m2 for s in kept.shares) == pytest.approx(kept.new_board_m2 - returned)
    assert kept.net_yield_pct > kept.yield_pct


def test_a_material_without_sheets_is_named():
    with pytest.raises(NoSheetsForMaterial, match="melamine-oak"):
        nest_batch("B1", [part("A", 1, 500, 400, OAK)], {WHITE: (BIG,)}, NestingSettings())


def test_an_order_pays_for_its_share_of_the_batch_boards_at_the_material_price():
    catalogue = seed_catalogue()
    unit = (
        catalogue.boards["particleboard-18"].cost_per_m2
        + catalogue.finishes["melamine-white"].cost_per_m2
    )
    parts = [part("A", 1, 1200, 600), part("B", 1, 600, 600), part("B", 2, 600, 600)]
    parts += [part("B", 3, 800, 400, OAK, grain="length")]
    batch = nest_batch("B7", parts, {WHITE: (BIG,), OAK: (BIG,)}, NestingSettings(KERF, 10.0))
    costs = board_costs(batch, catalogue)
    assert sorted(costs) == ["A", "B"]
    assert [line.item for line in costs["A"]] == [WHITE]
    assert sorted(line.item for line in costs["B"]) == [OAK, WHITE]
    a_white = costs["A"][0]
    charged = {s.order: s for s in batch.materials[1].shares}["A"].board_m2
    assert batch.materials[1].material == WHITE
    assert a_white.quantity == Decimal(str(charged)).quantize(Decimal("0.001"))
    assert a_white.amount == (a_white.quantity * unit).quantize(Decimal("0.01"))
    assert "batch B7" in a_white.note
    # A and B share the white board half and half by panel area: they pay the same for it
    b_white = next(line for line in costs["B"] if line.item == WHITE)
    assert b_white.amount == a_white.amount


def test_a_part_larger_than_every_sheet_is_named():
    too_long = part("A", 7, 2500, 600, grain="length")  # 2420 usable along the small sheet
    with pytest.raises(PartFitsNoSheet, match="A-007"):
        nest_batch("B1", [too_long], {WHITE: (SMALL,)}, NestingSettings(KERF, 10.0))
    turned = part("A", 8, 1100, 2300)  # fits the small sheet only across, grain free
    batch = nest_batch("B1", [turned], {WHITE: (SMALL,)}, NestingSettings(KERF, 10.0))
    assert batch.new_boards == 1 and batch.boards[0].layout.placements[0].rotated
