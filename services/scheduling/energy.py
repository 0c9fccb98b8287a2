"""The current plan's electricity at a factory, read from the network state (issue 21): the
day's load over the tariff bands, what the plan costs against the same work planned
energy-blind, and an order's share.

The energy-blind counterfactual is computed on demand, not by the planner when it publishes
(the planner's passes are latency-bound, and most plans are never looked at this way): the
factory's planned orders alone (an order is made in one factory), planned again with
``energy_aware=False`` for ``BLIND_TIME_S`` seconds on one worker, then cached for the
factory's plan revision and tariff, so a page shown again costs nothing. Figures are the
validator's audit (``solver/energy_audit.py``) of both plans over the planning horizon;
finished work (pins) is left out of both.

Both plans start from the moment the factory's plan was made (its revision's time), not
from when the page is looked at: planned from later, the energy-blind plan could not use
the hours the plan had already put work in, and a comparison of two plans of nearly the
same cost came out either way by the minutes between. The comparison says whether the plan
is cheaper, the same or dearer, and what explains a plan that is not cheaper: it is less
late (lateness comes before energy), or it holds work the energy step has not been over
yet — new orders are slotted in as soon as they fit and weighed for energy when the planner
next optimises (``optimise_after_s`` after arrivals pause) — which the step's quick moves
would still find savings in.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from services.kit.words import N_, Words
from services.scheduling.domain.carbon import CarbonProfile, GridFactor, factor_for, kg_co2e
from services.scheduling.domain.errors import FactoryNotRegistered, OrderNotInPool
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.power import running_kw
from services.scheduling.domain.problem import ProblemIndex, build_problem, plan_in_frame
from services.scheduling.domain.tariffs import Tariff, average_price, price_steps
from services.scheduling.settings import SchedulerSettings
from services.scheduling.solver.energy import unsettled_savings
from services.scheduling.solver.energy_audit import energy_report, load_curve
from services.scheduling.solver.model import NetworkProblem, PlannedOperation, evaluate
from services.scheduling.solver.search import plan_network

BLIND_TIME_S = 2.0
UNSETTLED_TIME_S = 1.0  # for the energy step's quick moves over the plan as it stands
MINUTE_MS = 60_000
CENT = 0.005  # costs that round to the same cent are the same


@dataclass(frozen=True)
class Figures:
    """A plan's electricity at one factory over the horizon."""

    kwh: float
    cny: float
    valley_kwh: float
    peak_kw: float
    kg_co2e: float
    weighted_tardiness: int  # minutes


class Verdict(StrEnum):
    CHEAPER = "cheaper"
    SAME = "same"
    DEARER = "dearer"


class Reason(StrEnum):
    """What explains a plan that is not cheaper than energy-blind (or not yet as cheap as
    the planner will make it)."""

    LESS_LATE = "less_late"  # less weighted lateness: lateness comes before energy
    ENERGY_STEP_PENDING = "energy_step_pending"  # work the energy step has not been over yet


@dataclass(frozen=True)
class Comparison:
    """The plan against the same work planned energy-blind from the same moment."""

    verdict: Verdict
    cny_saved: float  # energy-blind minus as planned: negative when the plan is dearer
    percent_saved: float
    less_late_minutes: int  # the energy-blind plan's weighted lateness minus the plan's
    unsettled_cny: float  # what the energy step's quick moves would still save on the plan
    reasons: tuple[Reason, ...]


def compare(plan: Figures, blind: Figures, unsettled_cny: float) -> Comparison:
    """Cheaper, the same (to the cent) or dearer, and why when it is not cheaper; work the
    energy step has not been over is named whatever the verdict (the plan will change)."""
    saved = round(blind.cny - plan.cny, 2)
    verdict = (Verdict.SAME if abs(saved) < CENT else
               Verdict.CHEAPER if saved > 0 else Verdict.DEARER)
    less_late = blind.weighted_tardiness - plan.weighted_tardiness
    reasons = []
    if verdict is not Verdict.CHEAPER and less_late > 0:
        reasons.append(Reason.LESS_LATE)
    unsettled = round(unsettled_cny, 2)
    if unsettled > 0:
        reasons.append(Reason.ENERGY_STEP_PENDING)
    percent = round(100 * saved / blind.cny, 1) if blind.cny else 0.0
    return Comparison(verdict, saved, percent, less_late, unsettled, tuple(reasons))


@dataclass(frozen=True)
class BandSpan:
    start_ms: int
    end_ms: int
    band: str
    cny_per_kwh: float


@dataclass(frozen=True)
class EnergyView:
    factory_id: str
    day: str
    time_zone: str
    has_tariff: bool
    demand_limit_kw: float | None
    bands: tuple[BandSpan, ...]
    planned: tuple[tuple[int, float], ...]  # (unix ms, kW from then on), the day only
    blind: tuple[tuple[int, float], ...]
    plan: Figures | None
    blind_plan: Figures | None
    grid: GridFactor
    orders: int
    carbon_profile: CarbonProfile | None = None  # CO2e hour by hour when set, else the annual
    comparison: Comparison | None = None  # with the energy-blind plan, when there is one
    made_ms: int = 0  # when the plan was made: both plans start from then


@dataclass(frozen=True)
class OrderEnergy:
    order_id: str
    factory_id: str
    kwh: float
    cny: float
    kg_co2e: float
    has_tariff: bool
    estimate: bool = False  # not planned yet: its routing at the factory's average price
    cny_per_kwh: float = 0.0  # what a kWh of it costs: planned hours' mean, or the average


@dataclass(frozen=True)
class _Frame:
    problem: NetworkProblem
    index: ProblemIndex
    plan: list[PlannedOperation]


@dataclass(frozen=True)
class _Blind:
    figures: Figures
    curve: tuple[tuple[int, float], ...]
    unsettled_cny: float  # what the energy step would still save on the plan itself


_cache: dict[tuple, _Blind] = {}
_cache_lock = threading.Lock()


def factory_frame(state: NetworkState, settings: SchedulerSettings, now_ms: int,
                  factory_id: str) -> _Frame:
    """The factory's part of the current plan as a problem of its own: its machines, the
    orders planned there, and where the plan puts them (pins left out)."""
    if factory_id not in state.factories:
        raise FactoryNotRegistered(Words.of(N_("factory %(factory_id)s is not registered"),
            factory_id=factory_id))
    elsewhere = {o.order_id for o in state.plannable() if state.planned_in.get(o.order_id) != factory_id}
    problem, index = build_problem(state, now_ms, settings.horizon_days, settings.setup_minutes,
                                   elsewhere, [factory_id])
    plan = [q for q in plan_in_frame(state, problem, index) if q.factory == factory_id]
    planned = {q.order for q in plan}
    problem = replace(problem, orders=tuple(o for o in problem.orders if o.id in planned),
                      frozen=tuple(q for q in problem.frozen if q.order in planned),
                      last_plan=())
    return _Frame(problem, index, plan)


def _figures(frame: _Frame, operations, grid: GridFactor,
             profile: CarbonProfile | None = None) -> Figures:
    real = [q for q in operations if q.key not in frame.index.pins]
    report = energy_report(frame.problem, real)
    tardiness = evaluate(frame.problem, operations).weighted_tardiness
    if not report:
        return Figures(0.0, 0.0, 0.0, 0.0, 0.0, int(tardiness))
    (energy,) = report.values()
    factory_id = next(iter(report))
    return Figures(round(energy.kwh, 3), round(energy.cost_cny, 2),
                   round(energy.kwh_by_band.get("valley", 0.0), 3), round(energy.peak_kw, 2),
                   round(_co2e(frame, real, factory_id, grid, profile, energy.kwh), 2),
                   int(tardiness))


def _co2e(frame: _Frame, real, factory_id: str, grid: GridFactor,
          profile: CarbonProfile | None, kwh: float) -> float:
    """kg CO2e of ``real`` (no pins): each hour at the profile's factor when the factory
    has one, else all at the grid's annual factor."""
    if profile is None:
        return kwh * grid.kg_per_kwh
    curve = _curve(frame, real, factory_id)
    return kg_co2e(curve, curve[-1][0], profile, grid.kg_per_kwh)


def _curve(frame: _Frame, operations, factory_id: str) -> tuple[tuple[int, float], ...]:
    real = [q for q in operations if q.key not in frame.index.pins]
    minutes, kw = load_curve(frame.problem, real, factory_id)
    return tuple((frame.index.ms(int(m)), round(float(k), 3)) for m, k in zip(minutes, kw, strict=True))


def _day_only(curve, start_ms: int, end_ms: int) -> tuple[tuple[int, float], ...]:
    before = [kw for at, kw in curve if at <= start_ms]
    out = [(start_ms, before[-1] if before else 0.0)]
    out += [(at, kw) for at, kw in curve if start_ms < at < end_ms]
    return tuple(out)


def _blind(frame: _Frame, factory_id: str, grid: GridFactor, key: tuple,
           profile: CarbonProfile | None = None) -> _Blind:
    """The same work planned energy-blind, and what the energy step would still save on the
    plan (both depend only on the plan's revision, the tariff and the machines' draw)."""
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    problem = replace(frame.problem, energy_aware=False)
    blind = plan_network(problem, BLIND_TIME_S, 1, 0).operations
    unsettled = unsettled_savings(frame.problem, frame.plan, time.monotonic() + UNSETTLED_TIME_S)
    out = _Blind(_figures(frame, blind, grid, profile), _curve(frame, blind, factory_id),
                 unsettled.get(factory_id, 0.0))
    with _cache_lock:
        if len(_cache) > 256:
            _cache.clear()
        _cache[key] = out
    return out


def energy_view(state: NetworkState, settings: SchedulerSettings, now_ms: int, factory_id: str,
                day: date | None = None) -> EnergyView:
    """The factory's plan over its tariff on ``day`` (its local date; default today), and
    against the same work planned energy-blind from the moment the plan was made."""
    revision = state.factory_plans.get(factory_id)
    made_ms = min(getattr(revision, "published_at_ms", 0) or now_ms, now_ms)
    frame = factory_frame(state, settings, made_ms, factory_id)
    factory = state.factories[factory_id]
    tariff = factory.tariff
    zone = tariff.time_zone if tariff is not None else (factory.timezone or "Asia/Shanghai")
    tz = ZoneInfo(zone)
    day = day or datetime.fromtimestamp(now_ms / 1000, tz).date()
    start = datetime(day.year, day.month, day.day, tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), start.timetz()).replace(tzinfo=tz)
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    grid = factor_for(factory.region)
    bands: tuple[BandSpan, ...] = ()
    if tariff is not None:
        steps = price_steps(tariff, start.astimezone(UTC), int((end_ms - start_ms) / MINUTE_MS))
        edges = [start_ms + s.minute * MINUTE_MS for s in steps] + [end_ms]
        bands = tuple(BandSpan(edges[i], edges[i + 1], str(s.band), float(s.cny_per_kwh))
                      for i, s in enumerate(steps))
    profile = factory.carbon_profile
    plan_figures = _figures(frame, frame.plan, grid, profile) if frame.plan else None
    planned = _day_only(_curve(frame, frame.plan, factory_id), start_ms, end_ms)
    blind_figures: Figures | None = None
    blind_curve: tuple[tuple[int, float], ...] = ()
    comparison = None
    if tariff is not None and plan_figures is not None:
        # work started or finished since the revision changes the frame, not the revision
        key = (factory_id, getattr(revision, "version", 0), frame.index.origin_ms // 3_600_000,
               tariff, tuple(sorted(m.learnt_kw or 0.0 for m in state.machines_of(factory_id))),
               profile, frame.problem.frozen, frozenset(frame.index.pins))
        blind = _blind(frame, factory_id, grid, key, profile)
        blind_figures, blind_curve = blind.figures, _day_only(blind.curve, start_ms, end_ms)
        comparison = compare(plan_figures, blind_figures, blind.unsettled_cny)
    limit = tariff.demand_limit_kw if tariff is not None else None
    return EnergyView(factory_id, day.isoformat(), zone, tariff is not None,
                      None if limit is None else float(limit), bands, planned, blind_curve,
                      plan_figures, blind_figures, grid, len({q.order for q in frame.plan}),
                      profile, comparison, made_ms)


def order_energy(state: NetworkState, settings: SchedulerSettings, now_ms: int,
                 order_id: str) -> OrderEnergy:
    """The order's planned electricity at its factory (work not finished yet): its operations'
    kWh at the prices of the hours they are planned in. An order in the pool but not planned
    yet gets an estimate (:func:`estimated_energy`)."""
    factory_id = state.planned_in.get(order_id)
    if factory_id is None or factory_id not in state.factories:
        return estimated_energy(state, settings, now_ms, order_id)
    frame = factory_frame(state, settings, now_ms, factory_id)
    ops = [q for q in frame.plan if q.order == order_id and q.key not in frame.index.pins]
    grid = factor_for(state.factories[factory_id].region)
    report = energy_report(frame.problem, ops).get(factory_id)
    kwh = report.kwh if report else 0.0
    cny = report.cost_cny if report else 0.0
    co2e = _co2e(frame, ops, factory_id, grid, state.factories[factory_id].carbon_profile,
                 kwh) if ops else 0.0
    return OrderEnergy(order_id, factory_id, round(kwh, 3), round(cny, 2),
                       round(co2e, 3), state.factories[factory_id].tariff is not None,
                       False, round(cny / kwh, 4) if kwh else 0.0)


def estimated_energy(state: NetworkState, settings: SchedulerSettings, now_ms: int,
                     order_id: str) -> OrderEnergy:
    """Before the order is planned: its routing's minutes × the running kW of each step's
    machine type (the mean learnt draw of the factory's machines of that type, else the
    type's default) at the factory's average price over the planning horizon (when in the
    day it will run is not known yet). The factory is the one it was last planned in, else
    the cheapest active one with a tariff (what an energy-aware plan leans to), else none.
    CO2e at the grid's annual factor: the hours are not known yet, so an hourly profile has
    nothing to weigh."""
    order = state.orders.get(order_id)
    if order is None or not order.routing:
        raise OrderNotInPool(Words.of(N_("order %(order_id)s is not in the planning pool (not "
                                         "configured yet?)"),
            order_id=order_id))
    factory = state.factories.get(order.factory_id)
    hour_ms = now_ms - now_ms % 3_600_000  # the average moves little within an hour
    minutes = max(1, settings.horizon_days) * 24 * 60
    if factory is None:
        priced = sorted((_average(f.tariff, hour_ms, minutes), f.factory_id)
                        for f in state.factories.values() if f.tariff is not None and f.active)
        factory = state.factories[priced[0][1]] if priced else None
    kw_of = _type_draws(state, factory.factory_id if factory else "")
    kwh = sum(step.duration_s / 3600 * kw_of(step.machine_type) for step in order.routing)
    tariff = factory.tariff if factory is not None else None
    price = float(_average(tariff, hour_ms, minutes)) if tariff is not None else 0.0
    grid = factor_for(factory.region if factory is not None else "")
    return OrderEnergy(order_id, factory.factory_id if factory else "", round(kwh, 3),
                       round(kwh * price, 2), round(kwh * grid.kg_per_kwh, 3), tariff is not None,
                       True, price)


def _average(tariff: Tariff, hour_ms: int, minutes: int) -> Decimal:
    """The tariff's average price over ``minutes`` from ``hour_ms``, worked out once per hour
    for each set of bands and prices (factories of one tariff differ only in their demand
    limits: 1,600 factories would otherwise walk 14 days of bands 1,600 times a call)."""
    return _average_of(replace(tariff, demand_limit_kw=None, source=""), hour_ms, minutes)


@lru_cache(maxsize=256)
def _average_of(tariff: Tariff, hour_ms: int, minutes: int) -> Decimal:
    return average_price(tariff, datetime.fromtimestamp(hour_ms / 1000, UTC), minutes)


def _type_draws(state: NetworkState, factory_id: str):
    learnt: dict[str, list[float]] = {}
    for m in state.machines_of(factory_id) if factory_id else ():
        if m.learnt_kw:
            learnt.setdefault(m.machine_type, []).append(m.learnt_kw)

    def kw(machine_type: str) -> float:
        draws = learnt.get(machine_type)
        return sum(draws) / len(draws) if draws else running_kw(machine_type)

    return kw
