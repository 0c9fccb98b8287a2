"""Build rules: each way an order can be unbuildable comes back as a reason a person can act on."""

from __future__ import annotations

import pytest

from services.configurator.catalogue import Configuration, Rejection, configure

pytestmark = pytest.mark.unit


def reasons_of(outcome) -> list:
    assert isinstance(outcome, Rejection), f"expected a rejection, got {type(outcome).__name__}"
    assert outcome.reasons
    for reason in outcome.reasons:
        assert reason.parameter and reason.message and reason.suggestion
    return list(outcome.reasons)


def only_reason(outcome):
    reasons = reasons_of(outcome)
    assert len(reasons) == 1, reasons
    return reasons[0]


def test_the_canonical_webhook_wardrobe_is_buildable(wardrobe, catalogue):
    outcome = wardrobe()
    assert isinstance(outcome, Configuration)
    assert outcome.catalogue_version == catalogue.version
    assert outcome.spec.options["door_style"] == "sliding"
    assert outcome.spec.layout.bays == 3  # two dividers keep 18 mm shelves within 800 mm


def test_an_unknown_product_is_named_with_what_there_is(catalogue):
    reason = only_reason(configure(catalogue, "sofa", {}))
    assert reason.parameter == "product" and "wardrobe" in reason.suggestion


def test_options_that_are_not_an_object_are_refused(catalogue):
    assert only_reason(configure(catalogue, "desk", ["width_mm", 1200])).parameter == "options"


def test_a_misspelt_option_gets_a_did_you_mean(wardrobe):
    reason = only_reason(wardrobe(widht_mm=2000))
    assert reason.parameter == "widht_mm"
    assert "did you mean 'width_mm'" in reason.suggestion


@pytest.mark.parametrize("value", ["2000", 2000.5, True, None])
def test_a_size_sent_as_something_other_than_whole_millimetres_is_refused(wardrobe, value):
    reason = only_reason(wardrobe(width_mm=value))
    assert reason.parameter == "width_mm" and "whole number" in reason.message


def test_a_whole_number_sent_as_a_float_is_read_as_millimetres(wardrobe):
    assert isinstance(wardrobe(width_mm=2000.0), Configuration)


def test_a_board_name_sent_as_a_number_is_refused(wardrobe):
    assert only_reason(wardrobe(board=18)).parameter == "board"


def test_a_board_the_product_does_not_offer_lists_the_ones_it_does(wardrobe):
    reason = only_reason(wardrobe(board="marble-30"))
    assert reason.parameter == "board" and "particleboard-25" in reason.suggestion


def test_veneer_on_particleboard_points_to_veneered_board(wardrobe):
    reason = only_reason(wardrobe(finish="veneer-oak"))
    assert reason.message == "oak veneer is not made on 18 mm particleboard"
    assert "veneered-18" in reason.suggestion


def test_lacquer_is_only_sprayed_on_mdf(wardrobe):
    reason = only_reason(wardrobe(finish="lacquer-navy"))
    assert reason.parameter == "finish" and "mdf-18" in reason.suggestion


def test_a_bar_handle_does_not_fit_a_sliding_door(wardrobe):
    reason = only_reason(wardrobe(handle="bar-128"))
    assert reason.parameter == "handle" and "flush-pull" in reason.suggestion


def test_a_width_over_the_range_says_what_the_range_is(wardrobe):
    reason = only_reason(wardrobe(width_mm=3200))
    assert reason.message == "width 3,200 mm is over the maximum of 2,800 mm for a wardrobe"
    assert reason.suggestion == "choose width from 600 mm to 2,800 mm"


def test_a_width_off_the_step_offers_the_two_nearest(wardrobe):
    reason = only_reason(wardrobe(width_mm=2005))
    assert reason.suggestion == "choose 2,000 mm or 2,010 mm"


def test_several_wrong_sizes_are_all_reported_at_once(wardrobe):
    reasons = reasons_of(wardrobe(width_mm=100, depth_mm=2000))
    assert {r.parameter for r in reasons} == {"width_mm", "depth_mm"}


def test_a_bookcase_has_no_doors(catalogue):
    outcome = configure(
        catalogue, "bookcase", {"width_mm": 800, "height_mm": 2000, "depth_mm": 300, "doors": 2}
    )
    reason = only_reason(outcome)
    assert reason.message == "a bookcase has no doors"
    assert reason.suggestion == "remove 'doors' or set it to 0"


def test_a_single_sliding_door_is_refused_because_they_run_in_pairs(wardrobe):
    reason = only_reason(wardrobe(width_mm=1000, doors=1))
    assert reason.parameter == "doors" and "in pairs" in reason.message
    assert reason.suggestion == "set doors to at least 2 or choose hinged doors"


def test_sliding_doors_need_depth_for_their_track(wardrobe):
    reason = only_reason(wardrobe(depth_mm=500))
    assert reason.parameter == "depth_mm" and "550 mm" in reason.message


def test_a_shelf_too_long_for_its_board_needs_a_divider_or_a_thicker_board(wardrobe):
    reason = only_reason(wardrobe(width_mm=1030, dividers=0, door_style="hinged", doors=2))
    assert reason.message == "shelf span 994 mm is over the 800 mm allowed for 18 mm particleboard"
    assert (
        reason.suggestion == "add a divider (dividers: 1) or choose 25 mm board (particleboard-25)"
    )


def test_the_same_shelf_on_25_mm_board_is_fine(wardrobe):
    outcome = wardrobe(
        width_mm=1030, dividers=0, door_style="hinged", doors=2, board="particleboard-25"
    )
    assert isinstance(outcome, Configuration)


def test_a_hinged_door_too_wide_must_split(wardrobe):
    reason = only_reason(wardrobe(door_style="hinged"))
    assert reason.message == "door width 997 mm is over the 600 mm allowed for hinged doors"
    assert reason.suggestion.startswith("use 4 doors")


def test_hinged_doors_too_narrow_ask_for_fewer_leaves(wardrobe):
    reason = only_reason(wardrobe(width_mm=1200, door_style="hinged", doors=8))
    assert (
        "under the 250 mm minimum" in reason.message and reason.suggestion == "use at most 4 doors"
    )


def test_a_hinged_door_taller_than_its_hinges_carry_suggests_a_lower_height(wardrobe):
    reason = only_reason(wardrobe(height_mm=2700, door_style="hinged", doors=4))
    assert reason.parameter == "height_mm"
    assert reason.suggestion == "reduce height_mm to 2,483 mm or choose sliding doors"


def test_a_drawer_wider_than_its_slides_carry_needs_a_divider(wardrobe):
    reasons = reasons_of(
        wardrobe(width_mm=1200, door_style="hinged", doors=2, dividers=0, shelves=0, drawers=2)
    )
    drawer = next(r for r in reasons if r.parameter == "drawers")
    assert drawer.message == "drawer width 1,164 mm is over the 1,000 mm a slide pair carries"
    assert drawer.suggestion == "add dividers (dividers: 1) or set drawers to 0"


def test_more_drawers_than_the_height_holds_are_refused(catalogue):
    outcome = configure(
        catalogue, "tv_unit", {"width_mm": 1200, "height_mm": 300, "depth_mm": 400, "drawers": 3}
    )
    reasons = reasons_of(outcome)
    assert any(
        "drawers stack" in r.message and r.suggestion.startswith("use at most 1 drawers")
        for r in reasons
    )


def test_a_cabinet_too_shallow_for_any_slide_says_how_deep_it_must_be(catalogue):
    options = {"width_mm": 600, "height_mm": 2000, "depth_mm": 300, "drawers": 2}
    reason = only_reason(configure(catalogue, "tall_cabinet", options))
    assert reason.parameter == "depth_mm"
    assert reason.suggestion == "increase depth_mm to at least 310 mm or set drawers to 0"


def test_veneered_board_comes_only_in_2440_sheets_so_a_2700_wardrobe_is_too_tall(wardrobe):
    reason = only_reason(wardrobe(board="veneered-18", finish="veneer-walnut", height_mm=2700))
    assert reason.parameter == "height_mm"
    assert "with the grain along its length" in reason.message
    assert "2,420 mm" in reason.suggestion


def test_lacquer_adds_sanding_painting_and_drying(wardrobe):
    outcome = wardrobe(board="mdf-18", finish="lacquer-sage")
    steps = [(op.step, op.machine_type) for op in outcome.routing.operations]
    assert ("sanding", "sander") in steps
    coats = [op for op in outcome.routing.operations if op.step == "lacquering"]
    assert [op.setup_family for op in coats] == ["primer", "sage"]
    assert all(op.min_wait_after_s > 0 for op in coats)
    assert not any(op.step == "edge_banding" for op in outcome.routing.operations)  # painted edges


def test_veneer_gets_a_clear_coat(wardrobe):
    outcome = wardrobe(board="veneered-18", finish="veneer-oak")
    coats = [op.setup_family for op in outcome.routing.operations if op.step == "lacquering"]
    assert coats == ["clear"]


def test_melamine_needs_no_coating(wardrobe):
    assert not any(
        op.machine_type in {"sander", "paint_line"} for op in wardrobe().routing.operations
    )


def test_routed_grips_send_the_fronts_to_the_router(wardrobe):
    outcome = wardrobe(handle="routed-grip")
    assert any(op.machine_type == "cnc_router" for op in outcome.routing.operations)


def test_an_explicit_door_count_is_kept_and_auto_picks_the_fewest_leaves(wardrobe):
    assert wardrobe(doors=3).spec.layout.doors == 3
    assert wardrobe(doors="auto", door_style="hinged").spec.layout.doors == 4
