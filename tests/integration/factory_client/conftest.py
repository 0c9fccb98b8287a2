"""The services a factory talks to, in this process: iot (registry, telemetry) and scheduling
(assignments, reports), with orders from the session, and factories with their own keys.

The factory registers its machines through the SDK; iot publishes them and scheduling plans on
them, so the assignments a test follows come through the whole chain. Orders are configured by
publishing the configurator's OrderConfigured (as the scheduling tests do) with a routing of
sanding and packing: only this module's factory has those machines, so its orders come here.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid

import grpc
import pytest

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from dovetail_factory import FactoryClient
from services.iot.application import IotApplication
from services.iot.main import build as build_iot
from services.iot.settings import IotSettings
from services.kit import runtime
from services.kit.auth import Principal
from services.scheduling.application import SchedulingApplication
from services.scheduling.main import build as build_scheduling
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.conftest import CHANNEL_KEY
from tests.integration.scheduling.conftest import TEST_SCHEDULER, auth, publish, routing, type_pb
from tests.integration.test_orders_service import place_request

SUFFIX = ref("C").lower()
ROUTING = (("sander", 20), ("packing", 10))


class Tenant:
    """A factory with its own key and machines."""

    def __init__(self, prefix: str, machines: tuple[tuple[str, str], ...] = ()):
        self.factory_id = f"{prefix}-{SUFFIX}"
        self.key = f"dvt_factory_{prefix.lower()}_{uuid.uuid4().hex}"
        self.machines = tuple((f"{self.factory_id}-{name}", kind) for name, kind in machines)


MAKER = Tenant("FC", (("SND1", "sander"), ("PCK1", "packing")))
OTHER = Tenant("FO")
SENSING = Tenant("FS", (("SAW1", "panel_saw"), ("SAW2", "panel_saw")))
SAW_LEVELS = {"off_level_amperes": 0.1, "idle_level_amperes": 8.0, "running_level_amperes": 20.0}


class Restartable:
    """A service started in this loop that a test can stop and start again on its port."""

    def __init__(self, name, settings, app_class, build):
        self.args = (name, settings, app_class, build)
        self.running = None
        self.port = 0

    async def start(self) -> Restartable:
        self.running = await runtime.start(*self.args, port=self.port)
        self.port = self.running.port
        return self

    async def stop(self) -> None:
        self.running.stop.set()
        await self.running.done

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def runtime(self):
        return self.running.runtime


@pytest.fixture(scope="module")
async def iot(settings):
    service = await Restartable("iot", settings, IotApplication, functools.partial(
        build_iot, iot=IotSettings(offline_after_s=30.0, status_interval_s=0.2,
                                   energy_flush_s=0.2))).start()
    keys = service.runtime.keys
    await keys.add(TEST_ADMIN_KEY, Principal("admin"))
    for tenant in (MAKER, OTHER, SENSING):
        await keys.add(tenant.key, Principal("factory", tenant.factory_id))
    yield service
    await service.stop()


@pytest.fixture(scope="module")
async def scheduling(settings, iot):
    service = await Restartable("scheduling", settings, SchedulingApplication,
                                lambda rt: build_scheduling(rt, TEST_SCHEDULER)).start()
    yield service
    await service.stop()


def client_for(tenant: Tenant, scheduling, iot, tmp_path, **kwargs) -> FactoryClient:
    """The tenant's SDK client, straight to the services (scheduling None: iot only)."""
    target = f"127.0.0.1:{(scheduling or iot).port}"
    return FactoryClient(target, tenant.key,
                         iot_target=f"127.0.0.1:{iot.port}", state_dir=tmp_path, **kwargs)


async def register_factory(iot, tenant: Tenant, weekly: bool = True) -> None:
    """The chain leader registers the factory (admin only), round the clock."""
    calendar = iot_pb.ShiftCalendar(weekly_shifts=[
        iot_pb.WeeklyShift(weekday=d, start_minute=0, end_minute=1440) for d in range(1, 8)]
        if weekly else [])
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot.port}") as channel:
        await iot_grpc.IotServiceStub(channel).RegisterFactory(iot_pb.RegisterFactoryRequest(
            factory_id=tenant.factory_id, name=f"Factory {tenant.factory_id}",
            capacity_share_percent=100, shift_calendar=calendar, timezone="Asia/Shanghai",
            grid_emission_factor_kg_per_kwh=0.58), metadata=auth(TEST_ADMIN_KEY))


@pytest.fixture(scope="module")
async def maker(iot, scheduling, tmp_path_factory):
    """MAKER registered by the chain leader, its machines by itself through the SDK, and
    known to scheduling (through iot's events)."""
    await register_factory(iot, MAKER)
    await register_factory(iot, OTHER)
    async with client_for(MAKER, scheduling, iot, tmp_path_factory.mktemp("maker"),
                          factory_id=MAKER.factory_id) as client:
        for machine_id, kind in MAKER.machines:
            await client.register_machine(machine_id, kind, rated_power_kw=5.0)

    async def known() -> bool:
        state = scheduling.runtime.state
        return all(m in state.machines for m, _ in MAKER.machines)

    await eventually(known, timeout=90)
    return MAKER


@pytest.fixture(scope="module")
async def sensing(iot, tmp_path_factory):
    """SENSING: a factory with one current-sensed saw (no shifts: never DOWN)."""
    await register_factory(iot, SENSING, weekly=False)
    async with client_for(SENSING, None, iot, tmp_path_factory.mktemp("sensing"),
                          factory_id=SENSING.factory_id) as client:
        for machine_id, kind in SENSING.machines:
            await client.register_machine(machine_id, kind, rated_power_kw=18.0,
                                          calibration=SAW_LEVELS)
    return SENSING


async def new_order(orders_channel, settings) -> str:
    """An order placed by a shop and configured with a sanding + packing routing."""
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    placed = await orders.PlaceOrder(place_request(), metadata=auth(CHANNEL_KEY))
    await configure_for_maker(settings, placed.order_id)
    return placed.order_id


async def first_planned(tenant: Tenant, scheduling, iot, tmp_path, order_id: str):
    """The order's first operation once the factory's schedule has it (an `Assignment`)."""
    async with client_for(tenant, scheduling, iot, tmp_path) as client:
        async def planned():
            return sorted((r for r in await client.schedule() if r.order_id == order_id),
                          key=lambda r: r.seq)

        return (await eventually(planned, timeout=90))[0]


async def configure_for_maker(settings, order_id: str) -> None:
    ops = routing(tuple(minutes for _, minutes in ROUTING))
    for op, (kind, _) in zip(ops, ROUTING, strict=False):
        op.machine_type = type_pb(kind)
        op.setup_family, op.description = "", f"{kind} for the factory client test"
    del ops[len(ROUTING):]
    await publish(settings, "configurator", "order_configured", order_id,
                  configurator.OrderConfigured(
                      order_id=order_id, catalog_version=1, order_version=1,
                      promised_date=types_pb2.Date(year=2026, month=12, day=20), routing=ops))


async def order_status(orders_channel, order_id: str) -> int:
    orders = orders_grpc.OrdersServiceStub(orders_channel)
    got = await orders.GetOrder(orders_pb.GetOrderRequest(order_id=order_id),
                                metadata=auth(TEST_ADMIN_KEY))
    return got.order.status



class Follower:
    """Follows a client's assignment stream in the background, keeping every change."""

    def __init__(self, client: FactoryClient):
        self.client = client
        self.changes: list = []
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        async for change in self.client.assignments():
            self.changes.append(change)

    def of(self, order_id: str) -> list:
        return [c for c in self.changes if c.assignment.order_id == order_id]

    async def assigned(self, order_id: str, count: int = len(ROUTING), timeout: float = 90):
        """The order's assignments, once all `count` have come (sorted by step)."""
        async def check():
            if self.task.done():
                self.task.result()
            held = {c.assignment.operation_id: c.assignment for c in self.of(order_id)
                    if c.kind != "WITHDRAWN"}
            return sorted(held.values(), key=lambda a: a.seq) if len(held) >= count else None

        return await eventually(check, timeout=timeout)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
