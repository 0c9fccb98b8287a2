"""Energy, CO2e, OEE and downtime reports, computed from the read models with the signals domain.

- Energy comes from the minute ledger (resolution: one minute; a window or an operation takes
  the share of a minute it covers). CO2e = kWh × the factory's grid factor.
- An order's energy: on each machine its operations ran on, time is cut at every operation start
  and end, and each slice's energy is shared equally by the operations running in it (any order's);
  energy while none runs stays unattributed (signals.attribute_energy, UNATTRIBUTED rule).
- OEE per machine and local day (signals.machine_oee): planned time = shifts − planned stops;
  run time = RUNNING or OVERLOAD inside planned time; performance = Σ planned duration at speed 1.0
  ÷ speed factor of the operations finished that day ÷ run time (≤ 1); quality = operations not
  scrapped ÷ operations finished. A factory adds up its machines' times and counts. Today counts
  its shifts up to now only: an afternoon not yet come is not time the machines failed to run.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from services.iot.domain.calendar import local_day_window, shift_spans
from services.iot.domain.profiles import FactoryProfile, MachineProfile
from services.iot.domain.values import UNAVAILABLE, LiveState
from services.iot.energy_ledger import EnergyLedger, MinuteEnergy
from services.iot.signals import (
    Availability,
    Downtime,
    MachineState,
    Oee,
    OperationRun,
    ProductionCount,
    Span,
    StateSpan,
    attribute_energy,
    combine,
    downtime_stats,
    seconds_in,
)
from services.iot.signals.intervals import intersect, total_seconds
from services.iot.signals.oee import planned_production_time
from services.iot.signals.states import PRODUCTIVE_STATES
from services.iot.views import IotViews


@dataclass
class EnergyShare:
    machine_id: str
    operation_id: str
    kwh: float
    kg_co2e: float


@dataclass(frozen=True)
class FactoryFigures:
    """A factory's times, OEE and energy over a run of days (utilisation and OEE are None
    when no day had planned production time)."""

    factory_id: str
    planned_s: float
    run_s: float
    days_with_planned_time: int
    utilisation: float | None
    oee: float | None
    kwh: float
    kg_co2e: float


@dataclass
class EnergyReport:
    kwh: float = 0.0
    kg_co2e: float = 0.0
    buckets: list[tuple[int, float, float]] = field(default_factory=list)
    shares: list[EnergyShare] = field(default_factory=list)


def _edges(start_ms: int, end_ms: int, bucket_s: int) -> np.ndarray:
    step = bucket_s * 1000
    edges = np.arange(start_ms, end_ms, step, dtype=np.int64) if bucket_s else np.array([start_ms])
    return np.append(edges, end_ms)


class Analytics:
    def __init__(self, views: IotViews, ledger: EnergyLedger):
        self.views = views
        self.ledger = ledger

    # ---- energy -----------------------------------------------------------------------

    async def machines_energy(self, machines: dict[str, float], start_ms: int, end_ms: int,
                              bucket_s: int) -> EnergyReport:
        """Energy of machines (id → grid factor) over a window."""
        minutes = await self.ledger.minutes(list(machines), start_ms, end_ms)
        edges = _edges(start_ms, end_ms, bucket_s)
        kwh_b, kg_b = np.zeros(edges.size - 1), np.zeros(edges.size - 1)
        report = EnergyReport()
        for machine_id, grid in machines.items():
            if machine_id not in minutes:
                continue
            series = MinuteEnergy.from_minutes(*minutes[machine_id])
            per = series.kwh_per_interval(edges / 1000.0)
            kwh_b += per
            kg_b += per * grid
            total = float(per.sum())
            report.shares.append(EnergyShare(machine_id, "", total, total * grid))
        report.kwh, report.kg_co2e = float(kwh_b.sum()), float(kg_b.sum())
        if bucket_s:
            report.buckets = list(zip(edges[:-1].tolist(), kwh_b.tolist(), kg_b.tolist(),
                                      strict=True))
        return report

    async def order_energy(self, order_id: str, grids: dict[str, float], factory: str | None,
                           window: tuple[int, int] | None, bucket_s: int) -> EnergyReport:
        """Energy attributed to an order's operations (only on ``factory``'s machines if given)."""
        now_ms = int(time.time() * 1000)
        runs = [r for r in await self.views.runs_of_order(order_id)
                if factory is None or r["factory_id"] == factory]
        report = EnergyReport()
        if not runs:
            return report
        start = window[0] if window else min(r["started_ms"] for r in runs)
        end = window[1] if window else max(r["finished_ms"] or now_ms for r in runs)
        edges = _edges(start, end, bucket_s)
        kwh_b, kg_b = np.zeros(edges.size - 1), np.zeros(edges.size - 1)
        by_machine: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in runs:
            by_machine[r["machine_id"]].append(r)
        minutes = await self.ledger.minutes(list(by_machine), start, end)
        for machine_id, own in by_machine.items():
            grid = grids.get(own[0]["factory_id"], 0.0)
            if machine_id not in minutes:
                continue
            series = MinuteEnergy.from_minutes(*minutes[machine_id])
            sharing = await self.views.runs_on([machine_id], start, end)
            ops = [OperationRun(r["operation_id"], r["started_ms"] / 1000.0,
                                (r["finished_ms"] or now_ms) / 1000.0) for r in sharing]
            kwh_by_op: dict[str, float] = defaultdict(float)
            for k in range(edges.size - 1):
                split = attribute_energy(series, ops, edges[k] / 1000.0, edges[k + 1] / 1000.0)
                mine = sum(split.by_order.get(r["operation_id"], 0.0) for r in own)
                kwh_b[k] += mine
                kg_b[k] += mine * grid
                for r in own:
                    kwh_by_op[r["operation_id"]] += split.by_order.get(r["operation_id"], 0.0)
            for r in own:
                kwh = kwh_by_op[r["operation_id"]]
                report.shares.append(EnergyShare(machine_id, r["operation_id"], kwh, kwh * grid))
        report.kwh, report.kg_co2e = float(kwh_b.sum()), float(kg_b.sum())
        if bucket_s:
            report.buckets = list(zip(edges[:-1].tolist(), kwh_b.tolist(), kg_b.tolist(),
                                      strict=True))
        return report

    # ---- OEE --------------------------------------------------------------------------

    async def oee(self, machines: list[MachineProfile], factories: dict[str, FactoryProfile],
                  days: list[date]) -> list[tuple[date, str, Oee, float]]:
        """(day, machine id, OEE, seconds DOWN or OFFLINE in planned time) per machine and local
        day of its factory. The read models are queried once for all the days and machines
        (a network's thousands of machines, a month of days); the figures are worked out in a
        thread, so that a network's worth does not hold the event loop (telemetry intake)."""
        if not machines or not days:
            return []
        ids = [m.machine_id for m in machines]
        windows = {(day, f): local_day_window(day, p.timezone)
                   for day in days for f, p in factories.items()}
        lo = int(min(w.start for w in windows.values()) * 1000)
        hi = int(max(w.end for w in windows.values()) * 1000)
        history, stops, finished = await asyncio.gather(  # on connections of their own
            self.views.state_changes(ids, lo, hi), self.views.planned_stops(None, lo, hi),
            self.views.finished_on(ids, lo, hi))
        inputs = OeeInputs(windows, history, stops, finished, min(hi / 1000, time.time()))
        return await asyncio.to_thread(inputs.figures, machines, factories, days)

    async def factory_figures(self, factories: dict[str, FactoryProfile], days: list[date],
                              energy_window: tuple[int, int]) -> list[FactoryFigures]:
        """Utilisation, OEE, kWh and kg CO2e of each factory (a page of a network): the
        machines, their OEE inputs and the energy read for all of them at once, not per factory.
        Utilisation = run / planned time over the days; OEE = mean of the factory's days that
        had planned time (each day its machines' times and counts added up)."""
        machines = await self.views.machines_of(list(factories))
        factory_of = {m.machine_id: m.factory_id for m in machines}
        by_day: dict[tuple[str, date], list[Oee]] = defaultdict(list)
        results, kwh = await asyncio.gather(  # PostgreSQL sums energy while OEE is worked out
            self.oee(machines, factories, days),
            self.views.factory_energy(list(factories), *energy_window))
        for day, machine_id, result, _ in results:
            by_day[(factory_of[machine_id], day)].append(result)
        out = []
        for factory_id, profile in factories.items():
            worked = [o for o in (combine(by_day.get((factory_id, d), ())) for d in days)
                      if o.planned_s > 0]
            planned, run = sum(o.planned_s for o in worked), sum(o.run_s for o in worked)
            energy = kwh.get(factory_id, 0.0)
            out.append(FactoryFigures(
                factory_id, planned, run, len(worked), run / planned if planned else None,
                sum(o.oee for o in worked) / len(worked) if worked else None,
                energy, energy * profile.grid_emission_factor_kg_per_kwh))
        return out

    @staticmethod
    def combine_days(results) -> Oee:
        return combine(r[2] for r in results)

    # ---- downtime ---------------------------------------------------------------------

    async def downtime(self, machine_ids: list[str], start_ms: int, end_ms: int
                       ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        rows = await self.views.downtimes(machine_ids, start_ms, end_ms)
        window = Span(start_ms / 1000, end_ms / 1000)
        spells: dict[str, list[Downtime]] = {m: [] for m in machine_ids}
        by_category: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        by_machine: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
        total = 0.0
        for r in rows:
            d = Downtime(r["machine_id"], Availability(r["state"].lower()), r["start_ms"] / 1000,
                         None if r["end_ms"] is None else r["end_ms"] / 1000, r["category"])
            spells[r["machine_id"]].append(d)
            clipped = d.clipped(window)
            seconds = clipped.seconds if clipped else 0.0
            total += seconds
            for bucket in (by_category[r["category"]], by_machine[r["machine_id"]]):
                bucket[0] += 1
                bucket[1] += seconds
        failures = down = up = 0.0
        for spell in spells.values():
            stats = downtime_stats(spell, window)
            failures += stats.failures
            down += stats.downtime_s
            up += stats.uptime_s
        return rows, {
            "count": len(rows), "total_seconds": total,
            "mtbf_s": up / failures if failures else 0.0,
            "mttr_s": down / failures if failures else 0.0,
            "by_category": dict(by_category), "by_machine": dict(by_machine)}


@dataclass
class OeeInputs:
    """What the read models hold for OEE over some days: each factory-day's window, each
    machine's state changes, the planned stops and the operations finished."""

    windows: dict[tuple[date, str], Span]
    history: dict[str, list[dict[str, Any]]]
    stops: list[dict[str, Any]]
    finished: list[dict[str, Any]]
    until: float  # states last until then (now, or the end of the last day)

    def figures(self, machines: list[MachineProfile], factories: dict[str, FactoryProfile],
                days: list[date]) -> list[tuple[date, str, Oee, float]]:
        """As signals.machine_oee per machine and day, with what machines share worked out
        once: a factory-day's planned time (again per machine only where a stop names
        machines), each machine's states and finished operations sorted into days once."""
        stops_of: dict[str, list[tuple[Span, list[str]]]] = defaultdict(list)
        for s in self.stops:
            stops_of[s["factory_id"]].append((Span(s["start_ms"] / 1000, s["end_ms"] / 1000),
                                              s["machine_ids"]))
        finished_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in self.finished:
            finished_of[r["machine_id"]].append(r)
        shifts_of: dict[tuple[date, str], list[Span]] = {}
        planned_of: dict[tuple[date, str], list[Span]] = {}
        out = []
        for m in machines:
            factory = factories[m.factory_id]
            spans = _state_spans(self.history.get(m.machine_id, []), self.until)
            starts, ends = [s.span.start for s, _ in spans], [s.span.end for s, _ in spans]
            own_stops = any(only for _, only in stops_of[m.factory_id])
            planned_stops = [span for span, only in stops_of[m.factory_id]
                             if not only or m.machine_id in only]
            runs_by_day = self._runs_by_day(m, finished_of[m.machine_id], days)
            for day in days:
                key = (day, m.factory_id)
                window = self.windows[key]
                shifts = shifts_of.get(key)
                if shifts is None:
                    shifts = shifts_of[key] = shift_spans(
                        factory.shift_calendar, factory.timezone, window.start, window.end)
                planned = None if own_stops else planned_of.get(key)
                if planned is None:  # a day still running plans only the time passed so far
                    passed = Span(window.start, max(window.start, min(window.end, self.until)))
                    planned = planned_production_time(shifts, planned_stops, passed)
                    if not own_stops:
                        planned_of[key] = planned
                # the spans that reach into the day (they follow each other: starts and ends
                # rise)
                first = bisect_right(ends, window.start)
                today = spans[first:bisect_left(starts, window.end, lo=first)]
                counts = runs_by_day.get(day, ())
                run_s = down_s = 0.0
                if today and planned:
                    run_s = seconds_in([s for s, _ in today], PRODUCTIVE_STATES, within=planned)
                    down_s = total_seconds(intersect(
                        [s.span for s, name in today if LiveState(name) in UNAVAILABLE], planned))
                out.append((day, m.machine_id, Oee(
                    planned_s=total_seconds(planned), run_s=run_s,
                    ideal_s=sum(c.ideal_cycle_s * c.total for c in counts),
                    total=sum(c.total for c in counts), good=sum(c.good for c in counts)),
                    down_s))
        out.sort(key=lambda r: r[0])  # day by day, machines in the order given
        return out

    def _runs_by_day(self, m: MachineProfile, runs: list[dict[str, Any]], days: list[date]
                     ) -> dict[date, list[ProductionCount]]:
        """The machine's finished operations as production counts, by the day they finished."""
        out: dict[date, list[ProductionCount]] = defaultdict(list)
        if not runs:
            return out
        bounds = sorted((self.windows[(d, m.factory_id)].start * 1000, d) for d in days)
        firsts = [b for b, _ in bounds]
        for r in runs:
            i = bisect_right(firsts, r["finished_ms"]) - 1
            if i >= 0 and r["finished_ms"] < self.windows[(bounds[i][1], m.factory_id)].end * 1000:
                out[bounds[i][1]].append(ProductionCount(
                    r["planned_duration_s"] / m.speed_factor, 1, 0 if r["scrap_quantity"] else 1))
        return out


_PRODUCTIVE = {LiveState.RUNNING.value: MachineState.RUNNING,
               LiveState.OVERLOAD.value: MachineState.OVERLOAD}


def _state_spans(changes: list[dict[str, Any]], until: float) -> list[tuple[StateSpan, str]]:
    """State spans from recorded changes; states the signals domain does not know count as OFF
    (not productive), and keep their own name beside."""
    out: list[tuple[StateSpan, str]] = []
    if not changes:  # a machine never heard from has no spans (it must not fail OEE)
        return out
    for c, nxt in zip(changes, [*changes[1:], None], strict=True):
        start = c["at_ms"] / 1000
        end = nxt["at_ms"] / 1000 if nxt else until
        if end > start:
            state = _PRODUCTIVE.get(c["to_state"], MachineState.OFF)
            out.append((StateSpan(state, Span(start, end)), c["to_state"]))
    return out
