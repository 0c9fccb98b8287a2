"""Panels follow the carcass construction; hardware follows the panels."""

from __future__ import annotations

import pytest

from services.configurator.catalogue import Configuration, configure

pytestmark = pytest.mark.unit


def panel(configuration, name):
    return next(p for p in configuration.panels if p.name == name)


def test_sides_run_full_height_and_top_and_bottom_sit_between_them(wardrobe):
    built = wardrobe()
    side, top, bottom = panel(built, "side"), panel(built, "top"), panel(built, "bottom")
    assert (side.length_mm, side.width_mm, side.quantity) == (2400, 600, 2)
    assert top.length_mm == bottom.length_mm == 2000 - 2 * 18


def test_bays_dividers_and_sides_add_up_to_the_width(wardrobe):
    lay = wardrobe(width_mm=2390).spec.layout
    assert lay.bays * lay.bay_width_mm + (lay.bays - 1) * 18 + 2 * 18 == pytest.approx(2390)


def test_shelves_fit_inside_their_bay_in_front_of_the_back(wardrobe):
    built = wardrobe()
    shelf, lay = panel(built, "shelf"), built.spec.layout
    assert shelf.length_mm < lay.bay_width_mm and shelf.width_mm < lay.carcass_depth_mm
    assert shelf.quantity == lay.bays * 2


def test_sliding_leaves_overlap_to_close_the_opening(wardrobe, catalogue):
    built = wardrobe(doors=3)
    door, lay = panel(built, "door"), built.spec.layout
    overlap = catalogue.joinery.sliding_overlap_mm
    assert door.quantity * door.width_mm - 2 * overlap == pytest.approx(lay.inner_width_mm, abs=0.2)


def test_hinged_leaves_and_their_gaps_cover_the_full_width(wardrobe, catalogue):
    door = panel(wardrobe(door_style="hinged", doors=4), "door")
    assert 4 * door.width_mm + 4 * catalogue.joinery.door_gap_mm == pytest.approx(2000, abs=0.2)


def test_the_back_sits_in_grooves_around_the_opening(wardrobe, catalogue):
    built = wardrobe()
    back, lay = panel(built, "back"), built.spec.layout
    groove = catalogue.joinery.back_groove_mm
    assert {back.length_mm, back.width_mm} == {
        lay.inner_width_mm + 2 * groove,
        lay.inner_height_mm + 2 * groove,
    }
    assert back.thickness_mm == 8 and back.board == "hdf-8"


def test_a_back_wider_than_any_sheet_is_split_over_a_rail(wardrobe):
    built = wardrobe(width_mm=2800, height_mm=2700, doors=3)
    assert panel(built, "back").quantity == 2 and panel(built, "back rail").quantity == 1


def test_grain_runs_up_doors_and_sides_and_along_shelves(wardrobe):
    built = wardrobe(board="veneered-18", finish="veneer-oak", height_mm=2300)
    lay = built.spec.layout
    assert panel(built, "door").length_mm == lay.leaf_height_mm
    assert panel(built, "side").length_mm == 2300
    assert panel(built, "shelf").length_mm < lay.bay_width_mm
    assert all(p.grain == "length" for p in built.panels if p.board == "veneered-18")


def test_fronts_are_banded_all_round_and_carcass_panels_on_the_front_edge(wardrobe):
    built = wardrobe(finish="melamine-oak")
    door, side = panel(built, "door"), panel(built, "side")
    assert door.banding.describe() == "L1 1mm oak, L2 1mm oak, W1 1mm oak, W2 1mm oak"
    assert side.banding.describe() == "L1 1mm oak"


def test_lacquered_panels_have_painted_not_banded_edges(wardrobe):
    built = wardrobe(board="mdf-18", finish="lacquer-white")
    assert all(p.edge_m == 0 for p in built.panels if p.finish == "lacquer-white")


def test_drawer_boxes_fit_their_bay_and_their_slides(wardrobe, catalogue):
    built = wardrobe(door_style="hinged", doors=4, drawers=2)
    lay, j = built.spec.layout, catalogue.joinery
    side, end, front = (
        panel(built, "drawer side"),
        panel(built, "drawer end"),
        panel(built, "drawer front"),
    )
    assert side.quantity == end.quantity == 4 and front.quantity == 2
    assert side.length_mm == lay.drawer_slide_mm <= lay.carcass_depth_mm
    assert end.length_mm + 2 * 18 + 2 * j.drawer_slide_clearance_mm == pytest.approx(
        lay.bay_width_mm, abs=0.2
    )


def test_hinged_doors_hang_on_more_hinges_the_taller_they_are(wardrobe, catalogue):
    tall = {h.code: h.quantity for h in wardrobe(door_style="hinged", doors=4).hardware}
    short = configure(
        catalogue, "wall_cabinet", {"width_mm": 600, "height_mm": 700, "depth_mm": 320, "doors": 2}
    )
    assert tall["hinge-soft-close"] == 4 * 5
    assert {h.code: h.quantity for h in short.hardware}["hinge-soft-close"] == 2 * 2


def test_hardware_counts_follow_the_parts_they_fit(wardrobe):
    built = wardrobe(door_style="hinged", doors=4, drawers=2, handle="bar-192")
    counts = {h.code: h.quantity for h in built.hardware}
    lay = built.spec.layout
    assert counts["shelf-pin"] == 4 * lay.shelves_per_bay * lay.bays
    assert counts["slide-pair"] == 2 and counts["bar-192"] == 4 + 2
    assert counts["wardrobe-rail"] == lay.bays
    assert counts["cam-lock"] == counts["dowel"] > 0


def test_sliding_doors_bring_a_track_and_a_roller_set_per_leaf(wardrobe):
    counts = {h.code: h.quantity for h in wardrobe(doors=3).hardware}
    assert counts["sliding-track-set"] == 1 and counts["sliding-roller-set"] == 3
    assert "hinge-soft-close" not in counts


MIDDLE = {
    "wardrobe": (1800, 2400, 600),
    "base_cabinet": (800, 800, 560),
    "wall_cabinet": (800, 700, 320),
    "tall_cabinet": (600, 2200, 580),
    "bookcase": (1000, 2000, 300),
    "tv_unit": (1800, 500, 400),
    "desk": (1400, 750, 600),
}


@pytest.mark.parametrize("product", sorted(MIDDLE))
def test_every_product_builds_from_its_defaults(catalogue, product):
    width, height, depth = MIDDLE[product]
    built = configure(
        catalogue, product, {"width_mm": width, "height_mm": height, "depth_mm": depth}
    )
    assert isinstance(built, Configuration), getattr(built, "reasons", None)
    assert built.panels and built.price.total > 0
    assert built.package.weight_kg > 0 and built.package.volume_m3 > 0
