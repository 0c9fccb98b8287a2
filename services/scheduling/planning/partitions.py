"""Planning partitions across replicas: each partition planned by one replica at a time,
the partitions shared out among the live replicas, and the assignment step that puts each
order in a partition.

Leadership is the same PostgreSQL session advisory lock as every leader job
(`services.kit.leadership`), one per partition. Replicas are counted by a second kind of
advisory lock that each holds while it runs (pg_locks lists them; a replica that dies loses
its session and with it both its membership and its partitions at once, so another replica
takes them over at its next look, within seconds). A replica leads at most its fair share,
ceil(partitions / live replicas), and gives one up when it holds more (a replica joined).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg

from services.kit.metrics import PARTITIONS_LED
from services.scheduling.application import SchedulingApplication
from services.scheduling.domain.network import NetworkState
from services.scheduling.domain.outcome import DOES_NOT_FIT
from services.scheduling.domain.partitions import PartitionLoad, choose
from services.scheduling.planning.planner import Planner
from services.scheduling.planning.scope import PartitionScope

log = logging.getLogger("dovetail.scheduling.partitions")
MEMBERS = 0x5C4ED2  # advisory lock class id of "a scheduling replica is running"
LOOK_S = 1.0  # how often a replica looks at who leads what
SETTLE_S = 10.0  # a partition is held this long before it may be given up for balance


@dataclass
class _Led:
    conn: psycopg.AsyncConnection
    task: asyncio.Task
    stop: asyncio.Event
    since: float = field(default_factory=time.monotonic)


class PlannerGroup:
    """This replica's planners, one per partition, each running while this replica leads
    its partition."""

    def __init__(self, database_url: str, planners: dict[str, Planner], look_s: float = LOOK_S):
        self.database_url = database_url
        self.planners = planners
        self.look_s = look_s
        self.led: dict[str, _Led] = {}
        self.member_id = random.randint(1, 2**31 - 1)
        # try the partitions in an order of our own, so replicas starting together spread
        self.order = random.sample(sorted(planners), len(planners))

    def notify(self, change: str, event=None) -> None:
        for planner in self.planners.values():
            planner.notify(change, event)

    def leading(self) -> list[str]:
        return sorted(name for name, led in self.led.items() if not led.task.done())

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with await psycopg.AsyncConnection.connect(
                        self.database_url, autocommit=True) as member:
                    await member.execute("SELECT pg_advisory_lock(%s, %s)",
                                         (MEMBERS, self.member_id))
                    while not stop.is_set():
                        await self._look(member)
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), self.look_s)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - PostgreSQL away: let go, try again
                log.warning("partition leadership interrupted", extra={"error": repr(exc)})
                await self._resign_all()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2.0)
        await self._resign_all()

    async def _look(self, member: psycopg.AsyncConnection) -> None:
        for name, led in list(self.led.items()):
            if led.task.done() or not await _alive(led.conn):
                await self._resign(name)  # its session (and lock) is gone, or its job ended
        cur = await member.execute(
            "SELECT count(DISTINCT objid) FROM pg_locks WHERE locktype = 'advisory'"
            " AND classid = %s AND objsubid = 2 AND granted", (MEMBERS,))
        replicas = max(1, (await cur.fetchone())[0])
        fair = math.ceil(len(self.planners) / replicas)
        for name in self.order:
            if len(self.led) >= fair:
                break
            if name not in self.led:
                await self._try_lead(name)
        if len(self.led) > fair:
            settled = [n for n, led in self.led.items() if time.monotonic() - led.since > SETTLE_S]
            if settled:
                name = max(settled)
                log.info("giving up a partition to balance the replicas",
                         extra={"partition": name, "replicas": replicas})
                await self._resign(name)

    async def _try_lead(self, name: str) -> None:
        conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        try:
            cur = await conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))",
                                     (lock_name(name),))
            if not (await cur.fetchone())[0]:
                await conn.close()
                return
        except Exception:
            await conn.close()
            raise
        stop = asyncio.Event()
        task = asyncio.create_task(self.planners[name].run(stop), name=f"planner:{name}")
        self.led[name] = _Led(conn, task, stop)
        PARTITIONS_LED.labels(name).set(1)
        log.info("leading partition", extra={"partition": name})

    async def _resign(self, name: str) -> None:
        led = self.led.pop(name)
        PARTITIONS_LED.labels(name).set(0)
        led.stop.set()
        self.planners[name].kick.set()  # it waits for work or its interval: wake it to stop
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(led.task), 10)
        if not led.task.done():
            led.task.cancel()
        with contextlib.suppress(Exception):
            await led.conn.close()  # the lock goes with the session
        log.info("no longer leading partition", extra={"partition": name})

    async def _resign_all(self) -> None:
        for name in list(self.led):
            await self._resign(name)


def lock_name(partition: str) -> str:
    return f"dovetail:scheduling:planner:{partition}"


async def _alive(conn: psycopg.AsyncConnection) -> bool:
    try:
        await conn.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001
        return False


class PartitionAssigner:
    """The assignment step's choice of partition (with several partitions; one replica runs
    it): each new order goes to the partition that can make it with the least load, and an
    order its partition left out because it does not fit moves to another that can make it."""

    def __init__(self, app: SchedulingApplication, state: NetworkState,
                 scopes: dict[str, PartitionScope], clock: Callable[[], float] = time.time,
                 interval_s: float = 0.5):
        self.app = app
        self.state = state
        self.scopes = scopes
        self.clock = clock
        self.interval_s = interval_s
        self.kick = asyncio.Event()
        self.tried: dict[str, set[str]] = {}  # order id -> partitions it did not fit in

    def notify(self, change: str, event=None) -> None:
        self.kick.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.kick.wait(), self.interval_s * 10)
            self.kick.clear()
            try:
                choices = self.choices()
                if choices:
                    saved = await asyncio.to_thread(self.app.record_partitions, choices)
                    log.info("orders put in partitions", extra={"orders": saved})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("choosing partitions failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval_s)

    def choices(self) -> list[tuple[str, str, str]]:
        """(order id, partition, why) for the orders to put in a partition now."""
        loads = self._loads()
        out = []
        for order in sorted(self.state.plannable(), key=lambda o: o.order_id):
            # a planner's pin, or the factory cutting its batch: the partition of that factory
            pin = order.pinned_factory or self.state.batch_factory(order.order_id)
            if pin:
                home = next((name for name, scope in self.scopes.items()
                             if pin in scope.factories()), None)
                if home is not None and home != order.partition:
                    out.append((order.order_id, home, f"pinned to {pin}"))
                continue
            moving = order.partition and order.unplannable_reason == DOES_NOT_FIT
            if order.partition in self.scopes and not moving:
                continue
            need = _need(order)
            if not need:
                continue
            tried = self.tried.setdefault(order.order_id, set())
            if moving:
                tried.add(order.partition)
            chosen = choose(loads, need, avoid=tried)
            if chosen is None or chosen in tried:
                continue  # tried everywhere it can be made: it waits where it is
            why = (f"moved from {order.partition}: it does not fit there" if moving
                   else "the partition able to make it with the least load")
            out.append((order.order_id, chosen, why))
            load = loads[chosen]
            loads[chosen] = PartitionLoad(load.capacity, {t: load.work.get(t, 0.0) + need.get(t, 0.0)
                                                          for t in load.capacity | need},
                                          load.factory_types)
        return out

    def _loads(self) -> dict[str, PartitionLoad]:
        out = {}
        work: dict[str, dict[str, float]] = {name: {} for name in self.scopes}
        for order in self.state.plannable():
            if order.partition in work:
                for t, minutes in _need(order).items():
                    work[order.partition][t] = work[order.partition].get(t, 0.0) + minutes
        for name, scope in self.scopes.items():
            capacity: dict[str, float] = {}
            types = []
            for fid in scope.factories():
                factory = self.state.factories[fid]
                if not factory.active:
                    continue
                week = sum(max(0, end - start) for _, start, end in factory.weekly_shifts)
                have = set()
                for m in self.state.machines_of(fid):
                    if m.active:
                        have.add(m.machine_type)
                        capacity[m.machine_type] = capacity.get(m.machine_type, 0.0) + (
                            week * max(m.speed, 0.1) * (factory.capacity_share or 1.0))
                types.append(frozenset(have))
            out[name] = PartitionLoad(capacity, work[name], tuple(types))
        return out


def _need(order) -> dict[str, float]:
    need: dict[str, float] = {}
    for step in order.routing:
        need[step.machine_type] = need.get(step.machine_type, 0.0) + step.duration_s / 60
    return need
