"""The energy page tells the truth about the plan against the same work planned energy-blind
(issue 21): cheaper, the same or dearer, never "costs -0.2 CNY less"; when it is not cheaper,
why — less late, or work the energy step has not been over yet — or that nothing known
explains it; from when both plans start, in the factory's zone, named; in English and 简体中文."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import i18n
from gateway.controllers.tariffs import energy_plan_read
from gateway.portal.energy import verdict
from gateway.portal.pages import template_config

pytestmark = pytest.mark.unit
MADE = int(datetime(2026, 12, 7, 15, 17, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp() * 1000)


def view(plan_cny: float, blind_cny: float, verdict_: int, reasons=(), unsettled=0.0,
         plan_late=0, blind_late=0, plan_valley=0.0, blind_valley=0.0) -> pb.GetEnergyPlanResponse:
    return pb.GetEnergyPlanResponse(
        factory_id="F-PORTAL", day="2026-12-07", time_zone="Asia/Shanghai", has_tariff=True,
        plan_figures=pb.EnergyFigures(kwh=69.0, cny=plan_cny, valley_kwh=plan_valley,
                                      kg_co2e=37.0, weighted_tardiness_minutes=plan_late),
        blind_figures=pb.EnergyFigures(kwh=69.0, cny=blind_cny, valley_kwh=blind_valley,
                                       kg_co2e=37.0, weighted_tardiness_minutes=blind_late),
        comparison=pb.EnergyComparison(
            verdict=verdict_, cny_saved=round(blind_cny - plan_cny, 2),
            percent_saved=round(100 * (blind_cny - plan_cny) / blind_cny, 1),
            less_late_minutes=blind_late - plan_late, unsettled_cny=unsettled, reasons=reasons),
        plan_made_unix_ms=MADE)


def render(v: pb.GetEnergyPlanResponse, locale: str = "en") -> str:
    config = template_config()
    engine = config.engine_instance or config.to_engine()
    with i18n.speaking(locale):
        return engine.engine.get_template("energy_verdict.html").render(verdict=verdict(v))


def test_cheaper_says_how_much_and_what_moved_into_the_valley():
    html = render(view(17.04, 75.48, pb.ENERGY_VERDICT_CHEAPER, plan_valley=69.0))
    assert 'data-verdict="cheaper"' in html
    assert "costs 58.44 CNY less (77.4 %) than the same work planned energy-blind" in html
    assert "It moves 69.0 kWh into valley hours." in html
    assert "Both plans start from 2026-12-07 15:17 CST (Asia/Shanghai), when this plan was made" in html
    assert "energy-pending" not in html and "energy-unexplained" not in html


def test_the_same_cost_is_said_as_the_same():
    html = render(view(17.04, 17.04, pb.ENERGY_VERDICT_SAME, plan_valley=69.0, blind_valley=69.0))
    assert "costs the same as the same work planned energy-blind: 17.04 CNY" in html
    assert "less" not in html.split("energy-made-at")[0] and "valley hours" not in html


def test_dearer_is_said_with_its_reasons_or_that_none_is_known():
    pending = render(view(54.01, 53.81, pb.ENERGY_VERDICT_DEARER,
                          [pb.ENERGY_REASON_ENERGY_STEP_PENDING], unsettled=36.97))
    assert 'data-verdict="dearer"' in pending
    assert "costs 0.20 CNY more (0.4 %) than the same work planned energy-blind" in pending
    assert "-0.2" not in pending and "CNY less" not in pending
    assert 'id="energy-pending"' in pending and "save about 36.97 CNY more" in pending
    assert "energy-unexplained" not in pending
    less_late = render(view(60.0, 50.0, pb.ENERGY_VERDICT_DEARER, [pb.ENERGY_REASON_LESS_LATE],
                            plan_late=30, blind_late=90, blind_valley=12.5))
    assert "It is less late: 60 weighted minutes of lateness fewer" in less_late
    assert "It has 12.5 kWh fewer in valley hours." in less_late
    unexplained = render(view(54.01, 53.81, pb.ENERGY_VERDICT_DEARER))
    assert 'id="energy-unexplained"' in unexplained and "Nothing known explains this" in unexplained


def test_in_chinese():
    dearer = render(view(54.01, 53.81, pb.ENERGY_VERDICT_DEARER,
                         [pb.ENERGY_REASON_ENERGY_STEP_PENDING], unsettled=36.97), "zh-CN")
    assert "多花 0.20 元（0.4 %）" in dearer and "还能再省约 36.97 元" in dearer
    assert "两种排产都从本排产制定的时间 2026年12月7日 15:17 (Asia/Shanghai) 起算" in dearer
    same = render(view(17.04, 17.04, pb.ENERGY_VERDICT_SAME), "zh-CN")
    assert "花费相同：17.04 元" in same


def test_the_rest_answer_carries_the_verdict_and_its_reasons():
    body = energy_plan_read(view(54.01, 53.81, pb.ENERGY_VERDICT_DEARER,
                                 [pb.ENERGY_REASON_LESS_LATE, pb.ENERGY_REASON_ENERGY_STEP_PENDING],
                                 unsettled=36.97, plan_late=0, blind_late=15))
    assert body.comparison is not None and body.comparison.verdict == "dearer"
    assert body.comparison.cny_saved == -0.2 and body.comparison.less_late_minutes == 15
    assert body.comparison.reasons == ["less_late", "energy_step_pending"]
    assert body.comparison.unsettled_cny == 36.97
    assert body.plan_made_at == "2026-12-07T07:17:00+00:00"
    plain = energy_plan_read(pb.GetEnergyPlanResponse(factory_id="F", day="2026-12-07"))
    assert plain.comparison is None and plain.plan_made_at is None
