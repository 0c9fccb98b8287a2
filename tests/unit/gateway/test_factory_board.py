"""The factory board's day and figures: the factory's own day (iot's OEE days are local days),
utilisation as iot's run time over the planned time so far, nothing shown as 0 % that is not."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import msgspec

from gateway.portal.board import Failure, board_figures, local_today, log_unread
from gateway.schemas.network import EnergyReportRead, OeeRead


def test_the_board_asks_for_the_factorys_own_day():
    evening_utc = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # 01:00 on the 6th in Shanghai
    assert local_today("Asia/Shanghai", evening_utc) == (date(2026, 12, 6), "Asia/Shanghai")
    assert local_today("", evening_utc) == (date(2026, 12, 5), "UTC")
    assert local_today("Mars/Olympus", evening_utc)[0] == date(2026, 12, 5)


def test_utilisation_is_the_run_time_over_the_planned_time_iot_recorded():
    day = OeeRead(scope="F1", day="2026-12-05", availability=0.75, performance=0.8, quality=1.0,
                  oee=0.6, run_seconds=5400, planned_production_seconds=7200)
    figures = board_figures("F1", [msgspec.structs.replace(day, scope="F1-SAW1"), day],
                            EnergyReportRead("F1", 12.5, 7.25, []), date(2026, 12, 5), "UTC")
    assert figures["utilisation"] == 0.75 and figures["oee"] == 0.6
    assert (figures["run_h"], figures["planned_h"]) == (1.5, 2.0)
    assert (figures["kwh"], figures["kg_co2e"]) == (12.5, 7.25)


def test_no_planned_time_or_no_answer_shows_no_figure_rather_than_zero():
    idle = OeeRead(scope="F1", day="2026-12-05", availability=0, performance=0, quality=0,
                   oee=0, run_seconds=0, planned_production_seconds=0)
    for days in ([idle], None, []):
        figures = board_figures("F1", days, None, date(2026, 12, 5), "UTC")
        assert figures["utilisation"] is None and figures["oee"] is None
        assert figures["kwh"] is None


def test_the_reads_that_failed_are_logged_in_one_line_naming_a_few_factories(caplog):
    """600 factories whose machines iot could not list make one line, not 600."""
    failures = [Failure("machines", f"F{i}", "UNAVAILABLE: iot is restarting") for i in range(7)]
    failures += [Failure("oee", "F3", "DEADLINE_EXCEEDED"), Failure("health", "", "UNAVAILABLE")]
    with caplog.at_level(logging.WARNING, logger="dovetail.gateway.portal"):
        log_unread(failures)
        log_unread([])  # every read made: nothing to log
    (line,) = [r.getMessage() for r in caplog.records]
    assert ("machines of 7 factories (F0, F1, F2, F3, F4 and 2 more): UNAVAILABLE: iot is "
            "restarting") in line
    assert "oee of F3: DEADLINE_EXCEEDED" in line and "health of every factory: UNAVAILABLE" in line
