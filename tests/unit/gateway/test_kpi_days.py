"""The KPI chart's days: every day of the window in order, days without orders as 0, drawn on
their own place of the axis with their dates (issue 19: 13 orders of 4 December were drawn
beside 25 November, the days between left out)."""

from __future__ import annotations

import re
from datetime import date

from jinja2 import Environment, FileSystemLoader

from gateway.controllers.kpis import every_day
from gateway.portal.pages import HERE, install
from gateway.schemas.network import KpiRead, StatusCount

TODAY = date(2026, 12, 5)


def test_every_day_of_the_window_is_there_with_its_count():
    days = every_day([("2026-11-25", 2), ("2026-12-04", 13)], TODAY, 10)
    assert [d.status for d in days] == [f"2026-11-{n}" for n in range(25, 31)] + [
        f"2026-12-0{n}" for n in range(1, 6)]
    counts = {d.status: d.count for d in days}
    assert counts["2026-11-25"] == 2 and counts["2026-12-04"] == 13
    assert sum(counts.values()) == 15 and counts["2026-11-30"] == 0


def test_a_window_without_orders_is_all_zero_days():
    assert [d.count for d in every_day([], TODAY, 7)] == [0] * 8


def render(per_day: list[StatusCount]) -> str:
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True)
    install(env)  # the portal's _() and words
    k = KpiRead(days=10, orders_placed=15, orders_delivered=0, on_time_rate=None,
                lead_time_days_avg=None, lead_time_days_p90=None, pipeline=[],
                placed_per_day=per_day, factories=[])
    return env.get_template("kpis.html").render(k=k, days=10, topics="")


def test_the_chart_places_each_day_by_its_date_and_labels_the_axis():
    page = render(every_day([("2026-11-25", 2), ("2026-12-04", 13)], TODAY, 10))
    bars = re.findall(r'data-day="([\d-]+)" data-count="(\d+)"><rect x="([\d.]+)"', page)
    assert [b[0] for b in bars][0] == "2026-11-25" and len(bars) == 11
    xs = {day: float(x) for day, _, x in bars}
    step = xs["2026-11-26"] - xs["2026-11-25"]
    assert xs["2026-12-04"] - xs["2026-11-25"] == step * 9  # nine days apart on the axis
    assert page.count('class="zero"') == 9  # the days without orders are drawn, at 0
    ticks = re.findall(r'class="tick" text-anchor="middle">([\d-]+)<', page)
    assert ticks[0] == "11-25" and ticks[-1] == "12-05" and len(ticks) >= 3


def test_the_factory_figures_reach_shanghais_today_after_16_utc():
    from datetime import UTC, datetime

    from gateway.controllers.kpis import kpi_request

    evening = kpi_request(30, "", datetime(2026, 12, 5, 17, 0, tzinfo=UTC))  # 01:00 Dec 6 local
    assert (evening.end_day.month, evening.end_day.day) == (12, 6)
    assert (evening.day.month, evening.day.day) == (11, 6)
    morning = kpi_request(30, "", datetime(2026, 12, 5, 2, 0, tzinfo=UTC))
    assert (morning.end_day.day, morning.day.day) == (5, 6)
    longest = kpi_request(365, "", datetime(2026, 12, 5, 17, 0, tzinfo=UTC))
    first = date(longest.day.year, longest.day.month, longest.day.day)
    assert (date(2026, 12, 6) - first).days == 91  # 92 days, iot's most
