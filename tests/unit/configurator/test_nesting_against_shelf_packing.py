"""Our guillotine nesting uses less board than first-fit-decreasing shelf packing."""

from __future__ import annotations

import pytest
from nesting_panel_sets import SHEETS, panel_set

from services.configurator.catalogue import NestingSettings, nest_parts

pytestmark = pytest.mark.unit


def test_guillotine_nesting_beats_ffd_shelf_packing_over_generated_sets():
    ours = baseline = 0.0
    wins = losses = 0
    for seed in range(6):
        for count in (20, 50, 90):
            parts = panel_set(seed, count)
            a = nest_parts(parts, SHEETS, NestingSettings()).board_area_m2
            b = nest_parts(parts, SHEETS, NestingSettings(method="shelf")).board_area_m2
            ours, baseline = ours + a, baseline + b
            wins, losses = wins + (a < b), losses + (a > b)
    assert ours < baseline
    assert wins > losses


def test_both_place_the_same_panels():
    parts = panel_set(3, 40)
    ours = nest_parts(parts, SHEETS, NestingSettings())
    shelf = nest_parts(parts, SHEETS, NestingSettings(method="shelf"))
    assert ours.panel_area_m2 == pytest.approx(shelf.panel_area_m2)
    assert ours.yield_pct >= shelf.yield_pct
