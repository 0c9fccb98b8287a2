"""The fault run's yardstick (load/chaos.py): what each fault window shows, and which of the
issue's targets a run missed."""

from __future__ import annotations

import pytest

from load.chaos import Window, measure, missed_targets
from load.chaos_shops import NO_ANSWER, TIMEOUT, Attempt
from load.launched import Readiness

pytestmark = pytest.mark.unit

CLEAN = {"acknowledged": 10, "deliveries": 12, "abandoned_by_shops": 0, "lost": [],
         "duplicated": [], "stuck": []}


def attempt(sent: float, took: float, outcome: int | str) -> Attempt:
    return Attempt("E-1", sent, sent + took, outcome)


def postgres_outage(readiness: Readiness) -> Window:
    """PostgreSQL killed at 100, held down until 108, back at 109; the next kill at 130."""
    window = Window("PostgreSQL", killed_at=100.0, resumed_at=108.0, back_at=109.0)
    attempts = [attempt(99.0, 0.02, 202),  # before the window: not counted
                attempt(100.5, 1.5, 503), attempt(102.5, 0.1, 503), attempt(103.0, 5.0, TIMEOUT),
                attempt(109.5, 0.5, 503), attempt(111.0, 0.3, 202), attempt(112.0, 0.02, 200),
                attempt(131.0, 0.02, 202)]  # the next window's
    readiness.samples = [(99.0, True), (100.8, False), (109.8, True), (131.0, True)]
    measure([window, Window("orders", killed_at=130.0)], attempts, readiness, ended=140.0)
    return window


def test_a_window_counts_what_was_sent_in_it_and_times_the_first_503_and_the_recovery():
    w = postgres_outage(Readiness("http://unused"))
    assert w.answers == {"200": 1, "202": 1, "503": 3, TIMEOUT: 1}
    assert (w.first_503_s, w.slowest_503_s) == (pytest.approx(2.0), pytest.approx(1.5))
    assert w.back_s == pytest.approx(1.0)  # from the end of the hold
    assert w.intake_back_s == pytest.approx(2.3)  # the 202 answered at 111.3, back at 109
    assert w.intake_down
    assert w.readiness == ["NOT ready at +0.8 s", "ready at +9.8 s"]


def test_a_clean_run_misses_nothing():
    assert missed_targets([postgres_outage(Readiness("http://unused"))], CLEAN) == []


def test_each_missed_target_is_named():
    w = postgres_outage(Readiness("http://unused"))
    w.answers["500"] = 2
    w.back_s, w.first_503_s, w.intake_back_s, w.readiness = 12.0, 14.9, 12.0, ["ready at +1 s"]
    totals = {**CLEAN, "lost": ["E-7"], "stuck": ["consumer x: 3 pending"]}
    assert missed_targets([w], totals) == [
        "1 lost", "1 stuck", "PostgreSQL: answered {'500': 2}",
        "PostgreSQL back after 12.0 s (target 10 s)",
        "PostgreSQL: intake back 12.0 s after it (target 5 s)",
        "PostgreSQL: first 503 after 14.9 s (target 2 s)",
        "PostgreSQL: readiness never false while it was down"]


def test_a_gateway_that_did_not_answer_owes_no_503():
    w = Window("gateway", killed_at=10.0, back_at=11.0)
    attempts = [attempt(10.1, 0.01, NO_ANSWER), attempt(11.2, 0.05, 202)]
    measure([w], attempts, Readiness("http://unused"), ended=20.0)
    assert w.back_s == pytest.approx(1.0)
    assert w.intake_down and missed_targets([w], CLEAN) == []
