"""The portal's energy page (issue 21): per factory, the planned day's load over the tariff
bands (SVG drawn on the server, no script) and the plan against the same work planned
energy-blind: CNY, kWh moved into valley hours, peak kW, CO2e. For admins and planners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from litestar import Controller, get
from litestar.params import FromQuery
from litestar.response import Template

from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import i18n
from gateway.auth import PLANNING, portal_for
from gateway.controllers.tariffs import BAND_NAME, REASON_NAME, VERDICT_NAME, energy_plan
from gateway.deps import StateDep
from gateway.errors import ServiceError
from gateway.i18n import gettext as _
from gateway.portal.pages import PICKER_PAGE, attempt, page, portal_error

WIDTH, HEIGHT = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 36
DAY_MS = 86_400_000


@dataclass(frozen=True)
class Rect:
    x: float
    width: float
    band: str
    label: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    top: int
    bottom: float  # y of the axis
    bands: list[Rect]
    planned: str  # SVG points of the step line
    blind: str
    limit_y: float | None
    limit_kw: float | None
    x_ticks: list[Tick]
    y_ticks: list[Tick]  # x holds the y here
    max_kw: float


def _steps(points, x_of, y_of, end_ms: int) -> str:
    """A step line: each level held until the next change, the last to the day's end."""
    out = []
    for i, step in enumerate(points):
        nxt = points[i + 1].start_unix_ms if i + 1 < len(points) else end_ms
        y = y_of(step.kw)
        out += [f"{x_of(step.start_unix_ms):.1f},{y:.1f}", f"{x_of(nxt):.1f},{y:.1f}"]
    return " ".join(out)


def chart(view: pb.GetEnergyPlanResponse) -> Chart | None:
    """The day's geometry: x by local time, y by kW (0 at the bottom)."""
    if not view.planned and not view.bands:
        return None
    zone = ZoneInfo(view.time_zone or "Asia/Shanghai")
    start = int(datetime.combine(date.fromisoformat(view.day), datetime.min.time(), zone)
                .timestamp() * 1000)
    end = view.bands[-1].end_unix_ms if view.bands else start + DAY_MS
    span = max(1, end - start)
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    levels = [s.kw for s in view.planned] + [s.kw for s in view.blind]
    limit = view.demand_limit_kw if view.HasField("demand_limit_kw") else None
    top_kw = max([*levels, limit or 0.0, 1.0]) * 1.1

    def x_of(ms: int) -> float:
        return LEFT + inner_w * min(max(ms - start, 0), span) / span

    def y_of(kw: float) -> float:
        return TOP + inner_h * (1 - kw / top_kw)

    bands = [Rect(x_of(b.start_unix_ms), x_of(b.end_unix_ms) - x_of(b.start_unix_ms),
                  BAND_NAME.get(b.band, "flat"), f"{b.cny_per_kwh:.4f}") for b in view.bands]
    x_ticks = [Tick(x_of(start + h * 3_600_000), f"{h:02d}:00") for h in range(0, 25, 2)
               if start + h * 3_600_000 <= end]
    y_ticks = [Tick(y_of(top_kw * k / 4), f"{top_kw * k / 4:.0f}") for k in range(5)]
    return Chart(WIDTH, HEIGHT, LEFT, TOP, TOP + inner_h, bands,
                 _steps(view.planned, x_of, y_of, end), _steps(view.blind, x_of, y_of, end),
                 y_of(limit) if limit is not None else None, limit, x_ticks, y_ticks, top_kw)


def comparison(view: pb.GetEnergyPlanResponse) -> list[dict] | None:
    """Rows of the plan against the energy-blind plan (None until both are known)."""
    if not (view.HasField("plan_figures") and view.HasField("blind_figures")):
        return None
    a, b = view.plan_figures, view.blind_figures
    rows = [(_("Electricity cost (CNY)"), a.cny, b.cny, 2),
            (_("Electricity (kWh)"), a.kwh, b.kwh, 1),
            (_("kWh in valley hours"), a.valley_kwh, b.valley_kwh, 1),
            (_("Peak load (kW)"), a.peak_kw, b.peak_kw, 1),
            (_("CO2e (kg)"), a.kg_co2e, b.kg_co2e, 1),
            (_("Weighted lateness (minutes)"), a.weighted_tardiness_minutes,
             b.weighted_tardiness_minutes, 0)]
    return [{"name": name, "plan": round(x, places), "blind": round(y, places),
             "difference": round(x - y, places)} for name, x, y, places in rows]


def verdict(view: pb.GetEnergyPlanResponse) -> dict | None:
    """What the page says of the plan against the energy-blind one: cheaper, the same or
    dearer (amounts unsigned: the sentence says which way), kWh moved into or out of valley
    hours and CO2e saved or added, and what explains a plan that is not cheaper (None until
    both plans are known)."""
    if not view.HasField("comparison"):
        return None
    c, a, b = view.comparison, view.plan_figures, view.blind_figures
    valley = round(a.valley_kwh - b.valley_kwh, 1)
    co2 = round(b.kg_co2e - a.kg_co2e, 1)
    reasons = {REASON_NAME[r] for r in c.reasons if r in REASON_NAME}
    made = (datetime.fromtimestamp(view.plan_made_unix_ms / 1000, UTC)
            if view.plan_made_unix_ms else None)
    return {"kind": VERDICT_NAME[c.verdict], "cny": f"{abs(c.cny_saved):.2f}",
            "percent": f"{abs(c.percent_saved):.1f}", "plan_cny": f"{a.cny:.2f}",
            "valley_kwh": abs(valley), "valley_way": (valley > 0) - (valley < 0),
            "co2": abs(co2), "co2_way": (co2 > 0) - (co2 < 0),
            "less_late": c.less_late_minutes if "less_late" in reasons else 0,
            "unsettled_cny": f"{c.unsettled_cny:.2f}" if "energy_step_pending" in reasons else "",
            "unexplained": c.verdict == pb.ENERGY_VERDICT_DEARER and not reasons,
            "made_at": i18n.local_time(made, view.time_zone or "Asia/Shanghai")}


def _today(zone: str) -> date:
    return datetime.now(ZoneInfo(zone)).date()


class EnergyPortalController(Controller):
    path = "/portal/energy"
    guards = [portal_for(*PLANNING)]
    include_in_schema = False
    exception_handlers = {ServiceError: portal_error}

    @get("/")
    async def energy(self, gateway: StateDep, factory_id: FromQuery[str] = "",
                     day: FromQuery[str] = "") -> Template:
        """One factory's planned day: the one named, or the first of the network."""
        found, note = await attempt(gateway.factories.search(gateway.services, "", 0, PICKER_PAGE))
        factory_id = factory_id[:64] or (found.items[0].factory_id if found and found.items else "")
        try:
            chosen = date.fromisoformat(day) if day else None
        except ValueError:
            chosen = None
        view, view_note = (await attempt(energy_plan(gateway.services, factory_id, chosen))
                           if factory_id else (None, ""))
        zone = ZoneInfo(view.time_zone or "Asia/Shanghai") if view else ZoneInfo("Asia/Shanghai")

        def local_time(ms: int) -> str:
            return datetime.fromtimestamp(ms / 1000, zone).strftime("%H:%M")

        shown = date.fromisoformat(view.day) if view else (chosen or _today("Asia/Shanghai"))
        return page("energy.html", nav="energy", topics="", factory_id=factory_id, found=found,
                    picker_note=note, note=view_note,
                    previous_day=(shown - timedelta(days=1)).isoformat(),
                    next_day=(shown + timedelta(days=1)).isoformat(), view=view, chart=chart(view) if view else None,
                    rows=comparison(view) if view else None,
                    verdict=verdict(view) if view else None,
                    local_time=local_time, band_of=lambda b: BAND_NAME.get(b, "flat"),
                    band_names={"critical": _("critical peak"), "peak": _("peak"),
                                "flat": _("flat"), "valley": _("valley")},
                    day=shown.isoformat())
