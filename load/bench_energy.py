"""Energy-aware planning on the network benchmark (issue 21, item 6): the scenario of
``load/bench_network.py`` (400 orders x 5 operations on 20 factories x 8 machines, two weeks
of 06:00-22:00 shifts) with Guangdong's time-of-use tariff in every factory, each machine's
expected running kW, and a demand limit per factory; planned by the same planner twice:

* **energy-blind**: ``energy_aware=False`` (tardiness, then makespan; the demand limit kept);
* **energy-aware**: warm-started from the blind plan, so its weighted tardiness can only be
  equal or better; energy cost comes after it.

Both plans are checked by the independent validator (demand limit included) and priced by its
audit (``solver/energy_audit.py``), not by the planner's own figures. Prints one row each
(weighted tardiness, CNY, kWh, kWh in the valley, peak kW), the cost ratio against the target
(>= 15 % lower), and writes load/results/energy_<time>.json and a load-curve picture
(energy_<time>.svg) of the factory and day that saved most, over the tariff bands.

Then (``--slot-in N``, default 40) the slot-in pass's dispatch of N more orders (copies of
the first N, released now) into the energy-aware plan's gaps, twice: ignoring the demand limit
(as slot-ins did before) and keeping it against all planned work (``greedy_plan(demand=True)``);
each checked by the validator together with the plan it went around (``around=``).

    python -m load.bench_energy [--time-limit 10] [--workers 2] [--seed 0] [--limit-share 0.8]
                                [--slot-in 40]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "load"))

from network_instances import generate  # noqa: E402

from load.charts import LEFT, PALETTE, RIGHT, _Frame  # noqa: E402
from services.scheduling.domain.power import running_kw  # noqa: E402
from services.scheduling.domain.tariffs import guangdong_industrial, price_steps  # noqa: E402
from services.scheduling.solver.decompose import warm  # noqa: E402
from services.scheduling.solver.energy_audit import energy_report, load_curve  # noqa: E402
from services.scheduling.solver.greedy import greedy_plan  # noqa: E402
from services.scheduling.solver.model import Electricity, PriceStep, evaluate  # noqa: E402
from services.scheduling.solver.search import plan_network  # noqa: E402
from services.scheduling.solver.validator import validate_plan  # noqa: E402

DAY = 24 * 60
ZONE = "Asia/Shanghai"
TARGET = 0.15  # issue 21: at least 15 % lower energy cost at equal weighted tardiness
BAND_COLOURS = {"valley": "#dcfce7", "flat": "#f3f4f6", "peak": "#fed7aa", "critical": "#fecaca"}


def with_tariffs(problem, start: datetime, flat_cny: Decimal, limit_share: float | None):
    """``problem`` with Guangdong's tariff from ``start`` in every factory, each machine's
    running kW by type, and a demand limit of ``limit_share`` of the factory's running kW."""
    tariff = guangdong_industrial(flat_cny, time_zone=ZONE)
    steps = tuple(PriceStep(s.minute, float(s.cny_per_kwh), str(s.band))
                  for s in price_steps(tariff, start, problem.horizon))
    factories = []
    for f in problem.factories:
        machines = tuple(replace(m, power_kw=running_kw(m.type)) for m in f.machines)
        limit = None if limit_share is None else round(limit_share * sum(m.power_kw for m in machines), 1)
        factories.append(replace(f, machines=machines, electricity=Electricity(steps, limit)))
    return replace(problem, factories=tuple(factories))


def figures(problem, operations) -> dict:
    report = energy_report(problem, operations)
    bands: dict[str, float] = {}
    for r in report.values():
        for band, kwh in r.kwh_by_band.items():
            bands[band] = bands.get(band, 0.0) + kwh
    return {
        "weighted_tardiness": evaluate(problem, operations).weighted_tardiness,
        "makespan": evaluate(problem, operations).makespan,
        "cost_cny": round(sum(r.cost_cny for r in report.values()), 2),
        "kwh": round(sum(r.kwh for r in report.values()), 1),
        "kwh_by_band": {b: round(v, 1) for b, v in sorted(bands.items())},
        "peak_kw": round(max(r.peak_kw for r in report.values()), 2),
        "peak_kw_sum": round(sum(r.peak_kw for r in report.values()), 1),
        "violations": [v.message for v in validate_plan(problem, operations)][:5],
        "by_factory": {fid: round(r.cost_cny, 2) for fid, r in report.items()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--factories", type=int, default=20)
    parser.add_argument("--machines", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per plan")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", default="2026-10-12", help="local date of minute 0 (a Monday)")
    parser.add_argument("--flat-cny", default="0.65", help="flat price, CNY/kWh (our assumption)")
    parser.add_argument("--limit-share", type=float, default=0.8,
                        help="demand limit as a share of a factory's running kW (0: none)")
    parser.add_argument("--slot-in", type=int, default=40,
                        help="orders slotted into the aware plan afterwards (0: none)")
    args = parser.parse_args(argv)

    start = datetime.combine(date.fromisoformat(args.start), datetime.min.time(), ZoneInfo(ZONE))
    base = generate(args.orders, args.factories, args.machines, seed=args.seed)
    problem = with_tariffs(base, start, Decimal(args.flat_cny), args.limit_share or None)
    n_ops = sum(len(o.operations) for o in problem.orders)
    print(f"{args.orders} orders, {n_ops} operations, {args.factories} factories x {args.machines} "
          f"machines; Guangdong time-of-use from {args.start} 00:00 {ZONE}, flat {args.flat_cny} "
          f"CNY/kWh (assumed), demand limit {args.limit_share:.0%} of each factory's running kW")

    warm()  # compile the kernels first, as the service does when it starts
    t = time.monotonic()
    blind = plan_network(replace(problem, energy_aware=False), args.time_limit, args.workers, args.seed)
    t_blind = time.monotonic() - t
    t = time.monotonic()
    aware = plan_network(problem, args.time_limit, args.workers, args.seed, start=list(blind.operations))
    t_aware = time.monotonic() - t
    rows = {"energy-blind": figures(problem, blind.operations) | {"seconds": round(t_blind, 2)},
            "energy-aware": figures(problem, aware.operations) | {"seconds": round(t_aware, 2)}}

    print(f"{'plan':14} {'valid':>5} {'w.tard':>7} {'CNY':>10} {'kWh':>9} {'valley kWh':>10} "
          f"{'peak kWh':>9} {'peak kW':>8} {'seconds':>8}")
    for name, r in rows.items():
        b = r["kwh_by_band"]
        print(f"{name:14} {'yes' if not r['violations'] else 'NO':>5} {r['weighted_tardiness']:7d} "
              f"{r['cost_cny']:10.2f} {r['kwh']:9.1f} {b.get('valley', 0):10.1f} "
              f"{b.get('peak', 0) + b.get('critical', 0):9.1f} {r['peak_kw']:8.2f} {r['seconds']:8.2f}")
        for v in r["violations"]:
            print(f"  INVALID: {v}")
    b, a = rows["energy-blind"], rows["energy-aware"]
    ratio = a["cost_cny"] / b["cost_cny"]
    moved = a["kwh_by_band"].get("valley", 0) - b["kwh_by_band"].get("valley", 0)
    equal = a["weighted_tardiness"] <= b["weighted_tardiness"]
    verdict = "PASS" if ratio <= 1 - TARGET and equal and not a["violations"] and not b["violations"] else "FAIL"
    print(f"cost ratio aware/blind {ratio:.3f} ({100 * (1 - ratio):.1f} % lower; target >= "
          f"{100 * TARGET:.0f} %): {verdict}; weighted tardiness {b['weighted_tardiness']} -> "
          f"{a['weighted_tardiness']}; kWh moved into the valley {moved:+.1f}; "
          f"sum of factory peaks {b['peak_kw_sum']} -> {a['peak_kw_sum']} kW")

    slot_in = slot_in_rows(problem, list(aware.operations), args.slot_in) if args.slot_in else {}
    for name, r in slot_in.items():
        print(f"slot-in of {args.slot_in} orders, {name}: {r['factories_over']} factories over "
              f"their limit ({r['kw_minutes_over']:.0f} kW x min above it where the new work runs), "
              f"validator {'passes' if not r['violations'] else 'refuses: ' + r['violations'][0]}; "
              f"their weighted tardiness {r['weighted_tardiness']}, dispatch {r['ms']:.0f} ms")
    rows |= {f"slot-in, {name}": r for name, r in slot_in.items()}

    fid, day = _showcase(problem, blind.operations, aware.operations)
    out = ROOT / "load/results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    svg = out / f"energy_{stamp}.svg"
    svg.write_text(load_day_svg(problem, blind.operations, aware.operations, fid, day, start))
    path = out / f"energy_{stamp}.json"
    path.write_text(json.dumps({"args": vars(args), "operations": n_ops, "plans": rows,
                                "ratio": ratio, "kwh_into_valley": moved, "target": TARGET,
                                "verdict": verdict, "picture": {"factory": fid, "day": day,
                                                                "file": svg.name}}, indent=1))
    print(f"wrote {path.relative_to(ROOT)} and {svg.relative_to(ROOT)} ({fid}, day {day})")
    return 0


def slot_in_rows(problem, plan: list, n: int) -> dict:
    """The slot-in pass's dispatch of ``n`` more orders (copies of the first ``n``, released
    at minute 0) into ``plan``'s gaps, ignoring and then keeping the demand limit; each
    validated with the plan it went around."""
    new = tuple(replace(o, id=f"{o.id}-again", release=0) for o in problem.orders[:n])
    inserted = replace(problem, orders=new, frozen=(), last_plan=())
    families = {o.id: o for o in problem.orders}
    others = {q.key: (families[q.order].operations[q.op].setup_family, True) for q in plan}
    out = {}
    for name, demand in (("limit ignored (before)", False), ("limit kept", True)):
        t = time.perf_counter()
        placed = greedy_plan(inserted, keep=plan, others=others, demand=demand)
        ms = 1000 * (time.perf_counter() - t)
        ops = [q for q in placed if q.order.endswith("-again")]
        over = _over(inserted, ops, plan)
        out[name] = {"ms": round(ms, 1), "factories_over": sum(1 for v in over.values() if v),
                     "kw_minutes_over": round(sum(over.values()), 1),
                     "weighted_tardiness": evaluate(inserted, ops).weighted_tardiness,
                     "violations": [v.message for v in validate_plan(inserted, ops, around=plan)][:3]}
    return out


def _over(problem, ops, around) -> dict[str, float]:
    """kW x minutes above each factory's limit at the minutes ``ops`` run (``around`` drawing
    too)."""
    out = {}
    for f in problem.factories:
        limit = f.electricity.demand_limit_kw if f.electricity else None
        mine = [q for q in ops if q.factory == f.id]
        if limit is None or not mine:
            continue
        power = {m.id: m.power_kw for m in f.machines}
        load = np.zeros(problem.horizon + 1)
        running = np.zeros(problem.horizon + 1, dtype=bool)
        for q in [*mine, *(q for q in around if q.factory == f.id)]:
            load[q.start:q.end] += power.get(q.machine, 0.0)
        for q in mine:
            running[q.start:q.end] = True
        out[f.id] = float(np.maximum(load[running] - limit - 1e-6, 0).sum())
    return out


def _showcase(problem, blind, aware) -> tuple[str, int]:
    """The factory and day where the aware plan saved most."""
    def by_day(ops):
        out: dict[tuple[str, int], list] = {}
        for q in ops:
            out.setdefault((q.factory, q.start // DAY), []).append(q)
        return out

    b, a = by_day(blind), by_day(aware)

    def cost(groups, key):
        ops = groups.get(key, [])
        return sum(r.cost_cny for r in energy_report(problem, ops).values()) if ops else 0.0

    keys = sorted(set(b) | set(a))
    fid, day = max(keys, key=lambda k: (cost(b, k) - cost(a, k), k))
    return fid, day


def load_day_svg(problem, blind, aware, fid: str, day: int, start: datetime,
                 width: int = 960, height: int = 440) -> str:
    """One factory's planned load through one day, energy-blind and energy-aware, over the
    day's tariff bands, with its demand limit."""
    factory = problem.factory(fid)
    lo, hi = day * DAY, (day + 1) * DAY
    curves = {name: _day_steps(*load_curve(problem, ops, fid), lo, hi)
              for name, ops in (("energy-blind", blind), ("energy-aware", aware))}
    limit = factory.electricity.demand_limit_kw if factory.electricity else None
    y_max = 1.15 * max([limit or 0.0, *(kw for c in curves.values() for _, kw in c)]) or 1.0
    when = (start + timedelta(days=day)).strftime("%A %Y-%m-%d")
    frame = _Frame(f"{fid}: planned load on {when} ({ZONE}) over Guangdong's tariff bands",
                   y_max, "kW", width, height)

    def sx(minute: float) -> float:
        return LEFT + frame.pw * (minute - lo) / DAY

    parts = frame.parts
    steps = factory.electricity.prices if factory.electricity else ()
    for k, s in enumerate(steps):
        a, b = max(s.minute, lo), min(steps[k + 1].minute if k + 1 < len(steps) else hi, hi)
        if a < b:
            parts.insert(3, f'<rect x="{sx(a):.1f}" y="{frame.sy(y_max):.1f}" width="{sx(b) - sx(a):.1f}" '
                            f'height="{frame.ph:.1f}" fill="{BAND_COLOURS.get(s.band, "#fff")}">'
                            f'<title>{escape(s.band)} {s.cny_per_kwh:.4f} CNY/kWh</title></rect>')
    for hour in range(0, 25, 2):
        x = sx(lo + hour * 60)
        parts.append(f'<text x="{x:.1f}" y="{frame.sy(0) + 16:.1f}" text-anchor="middle">{hour:02d}:00</text>')
    for i, (name, pts) in enumerate(curves.items()):
        path = " ".join(f"{'M' if j == 0 else 'L'}{sx(m):.1f},{frame.sy(kw):.1f}" for j, (m, kw) in enumerate(pts))
        dash = ' stroke-dasharray="5,3"' if i == 0 else ""
        parts.append(f'<path d="{path}" fill="none" stroke="{PALETTE[i]}" stroke-width="2"{dash}/>')
        frame.legend(i, name, width - RIGHT - 170)
    if limit:
        parts.append(f'<line x1="{sx(lo):.1f}" x2="{sx(hi):.1f}" y1="{frame.sy(limit):.1f}" '
                     f'y2="{frame.sy(limit):.1f}" stroke="#7f1d1d" stroke-dasharray="2,2"/>'
                     f'<text x="{sx(lo) + 4:.1f}" y="{frame.sy(limit) - 4:.1f}" fill="#7f1d1d">'
                     f'demand limit {limit:g} kW</text>')
    priced = {s.band: s.cny_per_kwh for s in steps}
    for i, (band, colour) in enumerate(BAND_COLOURS.items()):
        x = LEFT + 190 * i
        label = f"{band} {priced[band]:.4f} CNY/kWh" if band in priced else f"{band} (not this season)"
        parts.append(f'<rect x="{x}" y="{height - 22}" width="12" height="12" fill="{colour}" stroke="#999"/>'
                     f'<text x="{x + 18}" y="{height - 12}">{escape(label)}</text>')
    return frame.close()


def _day_steps(minutes, kw, lo: int, hi: int) -> list[tuple[int, float]]:
    """The load steps clipped to ``[lo, hi]`` as corner points of a step line."""
    level = 0.0
    pts: list[tuple[int, float]] = []
    for m, k in zip(minutes.tolist(), kw.tolist(), strict=True):
        if m <= lo:
            level = k
            continue
        if m >= hi:
            break
        if not pts:
            pts.append((lo, level))
        pts += [(m, level), (m, k)]
        level = k
    if not pts:
        pts.append((lo, level))
    pts.append((hi, level))
    return pts


if __name__ == "__main__":
    raise SystemExit(main())
