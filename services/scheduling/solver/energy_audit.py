"""What a plan's electricity costs and how much a factory draws, computed from the problem and
the plan alone (part of the independent validator: it shares nothing with the planner's
energy search in ``energy.py``).

An operation draws its machine's ``power_kw`` over ``[start, end)``; its energy cost is that
power times the factory's price integrated over the interval. A factory's load at a minute is
the sum over the operations running then; its peak must stay within its demand limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .model import NetworkProblem, PlannedOperation


@dataclass(frozen=True)
class FactoryEnergy:
    factory: str
    kwh: float
    cost_cny: float
    peak_kw: float
    peak_at: int  # first minute at the peak
    demand_limit_kw: float | None
    kwh_by_band: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DemandExcess:
    factory: str
    peak_kw: float
    at: int
    limit_kw: float


def energy_report(problem: NetworkProblem, operations) -> dict[str, FactoryEnergy]:
    """Per factory that has operations in the plan: kWh, cost, kWh per price band and peak."""
    by_factory = _by_factory(operations)
    out = {}
    for factory in problem.factories:
        ops = by_factory.get(factory.id)
        if not ops:
            continue
        kw, start, end = _columns(factory, ops)
        minutes = (end - start).astype(np.float64)
        elec = factory.electricity
        steps = elec.prices if elec is not None else ()
        cost = 0.0
        bands: dict[str, float] = {}
        if steps:
            at = np.array([s.minute for s in steps], dtype=np.int64)
            price = np.array([s.cny_per_kwh for s in steps], dtype=np.float64)
            cost = float(np.sum(kw * (_integral(at, price, end) - _integral(at, price, start))) / 60)
            for band in sorted({s.band for s in steps}):
                inside = np.array([1.0 if s.band == band else 0.0 for s in steps])
                share = _integral(at, inside, end) - _integral(at, inside, start)
                bands[band or "unnamed"] = float(np.sum(kw * share) / 60)
        peak, peak_at = _peak(kw, start, end)
        out[factory.id] = FactoryEnergy(
            factory.id, float(np.sum(kw * minutes) / 60), cost, peak, peak_at,
            elec.demand_limit_kw if elec is not None else None, bands)
    return out


def demand_excesses(problem: NetworkProblem, operations, around=()) -> list[DemandExcess]:
    """Factories whose planned load goes above their demand limit at some minute. With
    ``around`` (work already planned that ``operations`` were placed around, e.g. the
    published plan a slot-in pass fills the gaps of): the load of both, at the minutes some
    operation of ``operations`` runs (what ``around`` draws alone elsewhere is not theirs)."""
    limited = [f for f in problem.factories
               if f.electricity is not None and f.electricity.demand_limit_kw is not None]
    if not limited:
        return []
    by_factory = _by_factory(operations)
    fixed = _by_factory(around)
    out = []
    for factory in limited:
        ops = by_factory.get(factory.id)
        if not ops:
            continue
        limit = float(factory.electricity.demand_limit_kw)  # type: ignore[union-attr, arg-type]
        if fixed.get(factory.id):
            peak, at = _peak_during(factory, ops, fixed[factory.id])
        else:
            peak, at = _peak(*_columns(factory, ops))
        if peak > limit + 1e-6:
            out.append(DemandExcess(factory.id, peak, at, limit))
    return out


def _peak_during(factory, ops, fixed) -> tuple[float, int]:
    """The highest load of ``ops`` and ``fixed`` together at a minute some of ``ops`` runs,
    and the first such minute."""
    kw, start, end = _columns(factory, [*ops, *fixed])
    mine = np.zeros(len(kw))
    mine[:len(ops)] = 1.0
    times = np.unique(np.concatenate([start, end]))  # the load is constant between them
    a, b = np.searchsorted(times, start), np.searchsorted(times, end)
    level, running = np.zeros(len(times) + 1), np.zeros(len(times) + 1)
    np.add.at(level, a, kw)
    np.add.at(level, b, -kw)
    np.add.at(running, a, mine)
    np.add.at(running, b, -mine)
    level, running = np.cumsum(level)[:-1], np.cumsum(running)[:-1]
    during = np.flatnonzero(running > 0.5)
    if not during.size:
        return 0.0, 0
    worst = during[int(np.argmax(level[during]))]
    return float(level[worst]), int(times[worst])


def load_curve(problem: NetworkProblem, operations, factory_id: str) -> tuple[np.ndarray, np.ndarray]:
    """The factory's planned load as steps: from ``minutes[k]`` on it draws ``kw[k]``."""
    factory = problem.factory(factory_id)
    ops = _by_factory(operations).get(factory_id, [])
    if not ops:
        return np.zeros(1, dtype=np.int64), np.zeros(1)
    kw, start, end = _columns(factory, ops)
    times = np.concatenate([start, end])
    delta = np.concatenate([kw, -kw])
    order = np.lexsort((delta, times))  # at one minute, what ends goes before what starts
    times, level = times[order], np.cumsum(delta[order])
    last = np.r_[times[1:] != times[:-1], True]  # the level after every change at a minute
    return np.r_[0, times[last]], np.r_[0.0, np.maximum(level[last], 0.0)]


def _by_factory(operations) -> dict[str, list[PlannedOperation]]:
    out: dict[str, list[PlannedOperation]] = {}
    for q in operations:
        out.setdefault(q.factory, []).append(q)
    return out


def _columns(factory, ops):
    power = {m.id: m.power_kw for m in factory.machines}
    kw = np.array([power.get(q.machine, 0.0) for q in ops], dtype=np.float64)
    start = np.array([q.start for q in ops], dtype=np.int64)
    end = np.array([q.end for q in ops], dtype=np.int64)
    return kw, start, end


def _integral(at: np.ndarray, value: np.ndarray, t: np.ndarray) -> np.ndarray:
    """∫ from 0 to t of the step function that is ``value[k]`` from ``at[k]`` on (0 before
    the first step)."""
    widths = np.diff(at)
    before = np.r_[0.0, np.cumsum(value[:-1] * widths)]  # the integral up to each step
    k = np.searchsorted(at, t, side="right") - 1
    inside = k >= 0
    kk = np.maximum(k, 0)
    return np.where(inside, before[kk] + value[kk] * (t - at[kk]), 0.0)


def _peak(kw: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[float, int]:
    if not len(kw):
        return 0.0, 0
    times = np.concatenate([start, end])
    delta = np.concatenate([kw, -kw])
    order = np.lexsort((delta, times))
    level = np.cumsum(delta[order])
    i = int(np.argmax(level))
    return float(level[i]), int(times[order][i])
