"""Maintenance placed before the predicted failure: in a gap, valley hours preferred; moved only
to where it still fits."""

from __future__ import annotations

import pytest

from services.kit.errors import InvalidArgument
from services.scheduling.domain.maintenance import place

H = 3_600_000
NOW = 1_000 * H  # 08:00 for the tariff below


def valley_at_night(t: int) -> float:
    """0.3 from 22:00 to 06:00, 1.0 otherwise (NOW is 08:00)."""
    hour = ((t - NOW) // H + 8) % 24
    return 0.3 if hour >= 22 or hour < 6 else 1.0


def test_a_gap_in_the_valley_beats_an_earlier_gap_at_peak_price():
    # 08:00-11:00 and 13:00-23:00 planned: the 11:00 gap is at peak price, 23:00 in the valley
    busy = [("op-1", NOW, NOW + 3 * H), ("op-2", NOW + 5 * H, NOW + 15 * H)]
    p = place(
        "saw-1", "risk", "cutting current up", NOW, NOW + 30 * H, 2 * H, busy, valley_at_night
    )
    assert p.start_ms == NOW + 15 * H and p.end_ms == NOW + 17 * H
    assert not p.displaces and not p.accepted


def test_at_one_price_the_earliest_gap_wins_and_operations_are_never_cut():
    busy = [("op-1", NOW, NOW + 3 * H), ("op-2", NOW + 4 * H, NOW + 9 * H)]
    p = place("saw-1", "tool", "saw_blade", NOW, NOW + 20 * H, 2 * H, busy, lambda t: 1.0)
    assert p.start_ms == NOW + 9 * H  # the one-hour gap at 3 h is too short


def test_with_no_gap_before_the_due_time_it_is_placed_now_and_names_what_it_displaces():
    busy = [("op-1", NOW - H, NOW + 2 * H), ("op-2", NOW + 2 * H, NOW + 8 * H)]
    p = place("saw-1", "risk", "", NOW, NOW + 6 * H, H, busy, lambda t: 1.0)
    assert (p.start_ms, p.displaces) == (NOW, ("op-1",))


def test_the_factory_moves_it_only_where_it_still_fits():
    busy = [("op-1", NOW, NOW + 3 * H)]
    p = place("saw-1", "risk", "", NOW, NOW + 10 * H, H, busy, lambda t: 1.0)
    moved = p.moved(NOW + 5 * H, busy, NOW)
    assert (moved.start_ms, moved.end_ms, moved.accepted) == (NOW + 5 * H, NOW + 6 * H, True)
    with pytest.raises(InvalidArgument) as e:
        p.moved(NOW + 2 * H, busy, NOW)
    assert [v.field for v in e.value.violations] == ["start"]  # the request's field (MoveMaintenanceRequest.start)
    assert "op-1" in e.value.violations[0].description
    with pytest.raises(InvalidArgument):
        p.moved(NOW + 9 * H + 1, busy, NOW)  # ends after the due time
    assert p.accepted_as_is().accepted
