"""A chain-sized factory network for the pipeline benchmark, registered through iot's gRPC API.

The shape follows ``load/chain_networks.py`` (the planner's chain presets) and the demo network:
small and medium factories around the Pearl River Delta, 60 % on one shift with a lunch break
(08:00-12:00, 13:00-17:00), 40 % on two shifts (07:00-15:00, 15:00-23:00); Sundays off, 40 %
working Saturday mornings; every factory has the core line (panel saw, edge bander, CNC drill,
assembly, packing), about 60 % a CNC router, 40 % a finishing line (sander and paint line), and
more machines of the types with the most work (assembly first); a few larger plants double
their line. Speeds 0.8-1.3, capacity shares 50-100 %. Deterministic per seed.

Registration is what a chain admin's client does, at scale: ``RegisterFactory`` then
``RegisterMachine`` for each machine, many factories at once over one channel. Scheduling
learns the network from iot's events (``scheduling-from-iot``); :func:`wait_learnt` waits until
that consumer has taken every event on the iot stream.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import grpc
import nats

from demo.factories import TIMEZONE, factory_request, machine_request
from demo.network import DemoFactory, DemoMachine
from dovetail.iot.v1 import iot_service_pb2_grpc as pb_grpc
from services.kit.envelope import stream_name
from services.kit.settings import Settings
from services.kit.tls import client_channel

# (city, latitude, longitude, grid kg CO2e/kWh): the furniture towns of the Pearl River Delta
CITIES = (("Foshan", 23.02, 113.12), ("Guangzhou", 23.13, 113.26), ("Dongguan", 23.02, 113.75),
          ("Zhongshan", 22.52, 113.39), ("Jiangmen", 22.58, 113.08), ("Huizhou", 23.11, 114.42),
          ("Shenzhen", 22.54, 114.06), ("Zhaoqing", 23.05, 112.47), ("Qingyuan", 23.68, 113.06))
CITY_ODDS = (0.30, 0.15, 0.15, 0.1, 0.08, 0.07, 0.05, 0.05, 0.05)
ONE_SHIFT = ((480, 720), (780, 1020))
TWO_SHIFTS = ((420, 900), (900, 1380))
# (machine type, rated kW, CNC controller, rated amps, code)
KINDS = {"panel_saw": (18.0, False, 32, "SAW"), "edge_bander": (15.0, False, 28, "EB"),
         "cnc_drill": (9.0, True, 0, "DRL"), "cnc_router": (12.0, True, 0, "RTR"),
         "sander": (7.5, False, 14, "SND"), "paint_line": (22.0, False, 40, "PNT"),
         "assembly": (2.0, False, 6, "ASM"), "packing": (3.0, False, 8, "PCK")}
CORE = ("panel_saw", "edge_bander", "cnc_drill", "assembly", "packing")
# which type gets the next machine a factory adds: the most work per machine (order_mix minutes)
WORK = {"assembly": 42.0, "panel_saw": 23.0, "cnc_drill": 11.4, "packing": 10.3,
        "edge_bander": 9.6, "paint_line": 7.3, "sander": 4.6, "cnc_router": 1.5}


def calendar(two_shifts: bool, saturdays: bool) -> tuple[tuple[int, int, int], ...]:
    """Weekly shifts as (weekday 0=Monday, start minute, end minute), factory local time."""
    day = TWO_SHIFTS if two_shifts else ONE_SHIFT
    shifts = [(d, s, e) for d in range(5) for s, e in day]
    if saturdays:
        shifts.append((5, *day[0]))
    return tuple(shifts)


def fleet(n: int, seed: int = 0) -> list[DemoFactory]:
    """``n`` chain factories F-CH-0001 …, each with its machines."""
    rng = random.Random(seed)
    out = []
    for i in range(1, n + 1):
        fid = f"F-CH-{i:04d}"
        city, lat, lon = rng.choices(CITIES, weights=CITY_ODDS)[0]
        two, sat = rng.random() < 0.4, rng.random() < 0.4
        types = list(CORE)
        if rng.random() < 0.6:
            types.append("cnc_router")
        if rng.random() < 0.4:
            types += ["sander", "paint_line"]
        large = rng.random() < 0.08
        size = rng.randint(max(len(types), 6), 12) if not large else rng.randint(14, 18)
        types = _more(types, size)
        count: dict[str, int] = {}
        machines = []
        for kind in types:
            count[kind] = count.get(kind, 0) + 1
            kw, cnc, amps, code = KINDS[kind]
            machines.append(DemoMachine(f"{fid}-{code}{count[kind]}", kind,
                                        round(rng.uniform(0.8, 1.3) * 20) / 20, kw, cnc=cnc,
                                        rated_amps=amps))
        out.append(DemoFactory(fid, f"{city} furniture works {i}", city,
                               round(lat + rng.uniform(-0.12, 0.12), 4),
                               round(lon + rng.uniform(-0.12, 0.12), 4),
                               rng.choice((50, 60, 70, 80, 90, 100)), 0.58,
                               calendar(two, sat), tuple(machines)))
    return out


def _more(types: list[str], size: int) -> list[str]:
    count = dict.fromkeys(types, 1)
    for _ in range(size - len(types)):
        busiest = max(types, key=lambda t: WORK[t] / count[t])
        count[busiest] += 1
    return [t for t in types for _ in range(count[t])]


# -- capacity ----------------------------------------------------------------------------------

def working_minutes(f: DemoFactory, start: datetime, end: datetime) -> int:
    """Minutes of ``f``'s weekly shifts between two instants (factory time zone)."""
    zone = ZoneInfo(TIMEZONE)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    total = 0.0
    while day < local_end:
        for weekday, s, e in f.shifts:
            if weekday == day.weekday():
                a = max(day + timedelta(minutes=s), local_start)
                b = min(day + timedelta(minutes=e), local_end)
                total += max(0.0, (b - a).total_seconds() / 60)
        day += timedelta(days=1)
    return int(total)


def offered_hours(factories: list[DemoFactory], start: datetime, end: datetime) -> dict[str, float]:
    """Machine hours the network offers the chain per type in [start, end): each machine's
    working minutes × its speed × its factory's capacity share."""
    hours: dict[str, float] = {}
    by_calendar: dict[tuple, int] = {}
    for f in factories:
        minutes = by_calendar.get(f.shifts)
        if minutes is None:
            minutes = by_calendar[f.shifts] = working_minutes(f, start, end)
        for m in f.machines:
            hours[m.machine_type] = hours.get(m.machine_type, 0.0) + \
                minutes / 60 * m.speed_factor * f.capacity_share_percent / 100
    return hours


def describe(factories: list[DemoFactory]) -> dict:
    sizes = [len(f.machines) for f in factories]
    kinds: dict[str, int] = {}
    for f in factories:
        for m in f.machines:
            kinds[m.machine_type] = kinds.get(m.machine_type, 0) + 1
    return {"factories": len(factories), "machines": sum(sizes),
            "machines_per_factory": [min(sizes), max(sizes)],
            "two_shift_factories": sum(1 for f in factories if len(f.shifts) >= 10
                                       and f.shifts[0][1] == TWO_SHIFTS[0][0]),
            "with_paint_line": sum(1 for f in factories
                                   if any(m.machine_type == "paint_line" for m in f.machines)),
            "machines_by_type": dict(sorted(kinds.items())),
            "cities": sorted({f.city for f in factories})}


# -- registration ------------------------------------------------------------------------------

async def register(settings: Settings, factories: list[DemoFactory], concurrency: int = 24) -> dict:
    """Register every factory and its machines with iot (admin key), ``concurrency`` factories
    at a time; a factory registered before (same content) is fine."""
    admin = (("authorization", f"Bearer {settings.admin_key}"),)
    gate = asyncio.Semaphore(concurrency)
    calls: list[float] = []

    async def call(rpc, request) -> None:
        t0 = time.perf_counter()
        try:
            await rpc(request, metadata=admin, timeout=60)
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in (grpc.StatusCode.ALREADY_EXISTS,
                                  grpc.StatusCode.FAILED_PRECONDITION):
                raise
        calls.append(time.perf_counter() - t0)

    started = time.perf_counter()
    async with client_channel(settings, settings.service_address("iot")) as channel:
        stub = pb_grpc.IotServiceStub(channel)

        async def one(f: DemoFactory) -> None:
            async with gate:
                await call(stub.RegisterFactory, factory_request(f))
                await asyncio.gather(*[call(stub.RegisterMachine, machine_request(f, m))
                                       for m in f.machines])

        done = 0
        for chunk in range(0, len(factories), 100):
            await asyncio.gather(*[one(f) for f in factories[chunk:chunk + 100]])
            done += len(factories[chunk:chunk + 100])
            print(f"  registered {done} factories ({time.perf_counter() - started:.0f} s)",
                  file=sys.stderr, flush=True)
    calls.sort()
    return {"seconds": round(time.perf_counter() - started, 1), "calls": len(calls),
            "calls_per_s": round(len(calls) / (time.perf_counter() - started), 1),
            "call_p50_ms": round(calls[len(calls) // 2] * 1000, 1) if calls else None,
            "call_p95_ms": round(calls[int(len(calls) * 0.95)] * 1000, 1) if calls else None}


async def wait_learnt(settings: Settings, timeout: float = 600, quiet_for: float = 0.0) -> float:
    """Seconds until scheduling's consumer of the iot stream has taken every event on it."""
    nc = await nats.connect(settings.nats_url)
    js = nc.jetstream()
    started = time.monotonic()
    try:
        while time.monotonic() - started < timeout:
            stream = await js.stream_info(stream_name("iot"))
            try:
                info = await js.consumer_info(stream_name("iot"), "scheduling-from-iot")
            except nats.js.errors.NotFoundError:
                info = None
            if info is not None and info.ack_floor.stream_seq >= stream.state.last_seq \
                    and not info.num_pending:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
        raise TimeoutError(f"scheduling had not taken iot's events after {timeout:.0f} s")
    finally:
        await nc.close()


async def machines_live(settings: Settings) -> int:
    """Machines iot has seen change state (from telemetry) since they were registered."""
    nc = await nats.connect(settings.nats_url)
    try:
        info = await nc.jetstream().stream_info(
            stream_name("iot"), subjects_filter="dovetail.iot.machine_state_changed")
        return (info.state.subjects or {}).get("dovetail.iot.machine_state_changed", 0)
    finally:
        await nc.close()
