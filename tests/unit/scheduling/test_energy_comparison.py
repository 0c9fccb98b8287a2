"""The plan against the same work planned energy-blind, told as it is (issue 21): cheaper, the
same or dearer, and what explains a plan that is not cheaper — it is less late, or it holds
work the energy step has not been over yet (orders slotted in as soon as they fit, weighed for
energy when the planner next optimises)."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.scheduling.domain.power import RUNNING_KW, running_kw
from services.scheduling.domain.tariffs import guangdong_industrial, price_steps
from services.scheduling.energy import Figures, Reason, Verdict, compare
from services.scheduling.solver import model as m
from services.scheduling.solver.energy import unsettled_savings
from services.scheduling.solver.energy_audit import energy_report
from services.scheduling.solver.greedy import greedy_plan
from services.scheduling.solver.search import plan_network

pytestmark = pytest.mark.unit
SHANGHAI = ZoneInfo("Asia/Shanghai")
TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
         "assembly", "packing")
HORIZON = 14 * 24 * 60
FAR = float("inf")


def figures(cny: float, tardiness: int = 0) -> Figures:
    return Figures(kwh=69.0, cny=cny, valley_kwh=0.0, peak_kw=26.25, kg_co2e=37.0,
                   weighted_tardiness=tardiness)


def test_cheaper_the_same_and_dearer_to_the_cent():
    cheaper = compare(figures(17.04), figures(75.48), 0.0)
    assert cheaper.verdict is Verdict.CHEAPER and cheaper.cny_saved == 58.44
    assert cheaper.percent_saved == 77.4 and cheaper.reasons == ()
    same = compare(figures(17.04), figures(17.044), 0.0)
    assert same.verdict is Verdict.SAME and same.cny_saved == 0.0
    dearer = compare(figures(54.01), figures(53.81), 0.0)
    assert dearer.verdict is Verdict.DEARER and dearer.cny_saved == -0.2
    assert dearer.percent_saved == -0.4
    assert dearer.reasons == ()  # nothing explains it: the page says so


def test_a_dearer_plan_is_explained_when_it_is_less_late_or_not_settled():
    less_late = compare(figures(60.0, tardiness=30), figures(50.0, tardiness=90), 0.0)
    assert less_late.verdict is Verdict.DEARER and less_late.less_late_minutes == 60
    assert less_late.reasons == (Reason.LESS_LATE,)
    pending = compare(figures(54.01), figures(53.81), 36.97)
    assert pending.reasons == (Reason.ENERGY_STEP_PENDING,) and pending.unsettled_cny == 36.97
    # later than the energy-blind plan is no excuse, and a cheaper plan needs none (work the
    # energy step has not been over is named whatever the verdict: the plan will change)
    later = compare(figures(60.0, tardiness=90), figures(50.0, tardiness=30), 0.0)
    assert later.reasons == () and later.less_late_minutes == -60
    cheaper = compare(figures(40.0, tardiness=0), figures(50.0, tardiness=30), 5.0)
    assert cheaper.verdict is Verdict.CHEAPER and cheaper.reasons == (Reason.ENERGY_STEP_PENDING,)


def wardrobes(local: datetime, n: int = 6) -> m.NetworkProblem:
    """The e2e page's factory: one machine of each type, the demo tariff with a demand limit
    at 80 % of their running kW, ``n`` orders (saw, edge bander, assembly) promised for the
    day after ``local`` (due at the end of that day, UTC), planned from ``local``."""
    origin = local.astimezone(UTC)
    steps = tuple(m.PriceStep(s.minute, float(s.cny_per_kwh), str(s.band))
                  for s in price_steps(guangdong_industrial(), origin, HORIZON))
    limit = round(0.8 * sum(RUNNING_KW[t] for t in TYPES), 1)
    machines = tuple(m.Machine(f"F-{t}", t, power_kw=running_kw(t)) for t in TYPES)
    factory = m.Factory("F", machines, (m.Window(0, HORIZON),), 1.0, m.Electricity(steps, limit))
    promised = local.date() + timedelta(days=1)
    due = datetime(promised.year, promised.month, promised.day, tzinfo=UTC) + timedelta(days=1)
    routing = (m.Operation("panel_saw", 30), m.Operation("edge_bander", 20, "edge"),
               m.Operation("assembly", 40))
    orders = tuple(m.Order(f"O{i}", routing, due=int((due - origin).total_seconds() // 60))
                   for i in range(n))
    return m.NetworkProblem(HORIZON, (factory,), orders, (m.SetupRule("edge_bander", 10),))


def cost(problem, operations) -> float:
    return sum(r.cost_cny for r in energy_report(problem, operations).values())


AFTERNOON = datetime(2026, 12, 7, 15, 17, tzinfo=SHANGHAI)  # peak until 19:00


def test_work_slotted_in_as_soon_as_it_fits_is_named_until_the_energy_step_has_been_over_it():
    p = wardrobes(AFTERNOON)
    slotted = greedy_plan(p)  # as the planner slots new orders in: as soon as they fit
    pending = unsettled_savings(p, slotted, FAR)
    assert pending["F"] > 0.5 * cost(p, slotted)  # most of it could wait for the valley
    assert [q.start for q in slotted] == [q.start for q in greedy_plan(p)]  # nothing moved
    optimised = plan_network(p, 2, 1, 0, start=slotted)
    assert unsettled_savings(p, list(optimised.operations), FAR) == {}
    assert cost(p, optimised.operations) < 0.5 * cost(p, slotted)
    # an energy-blind plan is not the energy step's to settle
    assert unsettled_savings(replace(p, energy_aware=False), slotted, FAR) == {}

