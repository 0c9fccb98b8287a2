"""OEE over several days from one reading of the read models: each day takes the states,
stops and finished operations that fall in it, as a day read alone would."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.iot.analytics import OeeInputs
from services.iot.domain.calendar import ShiftCalendar, WeeklyShift, local_day_window
from services.iot.domain.profiles import FactoryProfile, MachineProfile

HOUR = 3_600_000
DAYS = [date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)]
DAY_SHIFT = ShiftCalendar(weekly_shifts=tuple(
    WeeklyShift(weekday=d, start_minute=8 * 60, end_minute=20 * 60) for d in range(1, 8)))
FACTORY = FactoryProfile("F1", timezone="UTC", shift_calendar=DAY_SHIFT)
SAW = MachineProfile("M1", "F1", speed_factor=2.0)
DRILL = MachineProfile("M2", "F1")


def ms(day: date, hour: float) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000 + hour * HOUR)


def change(machine: str, version: int, at_ms: int, state: str) -> dict:
    return {"machine_id": machine, "version": version, "at_ms": at_ms, "to_state": state}


def inputs() -> OeeInputs:
    d1, d2, d3 = DAYS
    history = {
        # running from day 1 18:00 through the night to day 2 10:00, idle, running day 3 from
        # 12:00 until the end of the reading
        "M1": [change("M1", 1, ms(d1, 18), "RUNNING"), change("M1", 2, ms(d2, 10), "IDLE"),
               change("M1", 3, ms(d3, 12), "RUNNING"), change("M1", 4, ms(d3, 16), "DOWN")],
        "M2": [],  # never heard from
    }
    stops = [{"factory_id": "F1", "machine_ids": ["M1"], "start_ms": ms(d3, 8),
              "end_ms": ms(d3, 10)},
             {"factory_id": "F2", "machine_ids": [], "start_ms": ms(d2, 8), "end_ms": ms(d2, 11)}]
    finished = [{"machine_id": "M1", "finished_ms": ms(d2, 9), "planned_duration_s": 3600,
                 "scrap_quantity": 0},
                {"machine_id": "M1", "finished_ms": ms(d2, 9.5), "planned_duration_s": 3600,
                 "scrap_quantity": 1}]
    windows = {(d, "F1"): local_day_window(d, "UTC") for d in DAYS}
    windows |= {(d, "F2"): local_day_window(d, "UTC") for d in DAYS}
    return OeeInputs(windows, history, stops, finished, until=ms(d3, 18) / 1000)


def test_each_day_counts_what_fell_in_it():
    figures = inputs().figures([SAW, DRILL], {"F1": FACTORY}, DAYS)
    assert [(d, m) for d, m, _, _ in figures] == [(d, m) for d in DAYS for m in ("M1", "M2")]
    assert [down for d, m, _, down in figures if m == "M1"] == [0, 0, 2 * 3600]  # 16-18
    saw = {d: oee for d, m, oee, _ in figures if m == "M1"}
    # day 3, read at 18:00: its shift so far (08-18) less a 2 h stop
    assert [saw[d].planned_s / 3600 for d in DAYS] == [12, 12, 8]
    assert [saw[d].run_s / 3600 for d in DAYS] == [2, 2, 4]  # 18-20; 08-10; 12-16
    assert (saw[DAYS[1]].total, saw[DAYS[1]].good) == (2, 1)
    assert saw[DAYS[1]].ideal_s == pytest.approx(2 * 3600 / 2.0)
    assert saw[DAYS[0]].total == saw[DAYS[2]].total == 0
    drill = [oee for _, m, oee, _ in figures if m == "M2"]
    assert [o.planned_s / 3600 for o in drill] == [12, 12, 10] and all(o.run_s == 0 for o in drill)



def test_a_stop_of_the_whole_factory_takes_every_machines_planned_time():
    other = FactoryProfile("F2", timezone="UTC", shift_calendar=DAY_SHIFT)
    machines = [MachineProfile("M3", "F2"), MachineProfile("M4", "F2")]
    figures = inputs().figures(machines, {"F2": other}, DAYS)
    assert [oee.planned_s / 3600 for _, _, oee, _ in figures] == [12, 12, 9, 9, 10, 10]


def test_a_day_still_running_plans_only_the_shift_time_passed():
    """Read at 10:00 of a day whose shift is 08-20, a machine that ran 08-10 ran all of the
    planned time so far: utilisation 100 %, not 2 h of 12."""
    day = DAYS[0]
    history = {"M1": [change("M1", 1, ms(day, 8), "RUNNING")]}
    reading = OeeInputs({(day, "F1"): local_day_window(day, "UTC")}, history, [], [],
                        until=ms(day, 10) / 1000)
    [(_, _, oee, _)] = reading.figures([SAW], {"F1": FACTORY}, [day])
    assert (oee.planned_s / 3600, oee.run_s / 3600) == (2, 2)


def test_a_day_not_begun_has_no_planned_time():
    day = DAYS[1]
    reading = OeeInputs({(day, "F1"): local_day_window(day, "UTC")}, {}, [], [],
                        until=ms(DAYS[0], 12) / 1000)
    [(_, _, oee, _)] = reading.figures([SAW], {"F1": FACTORY}, [day])
    assert oee.planned_s == 0
