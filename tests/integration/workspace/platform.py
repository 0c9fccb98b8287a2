"""The services a factory workspace needs, in this process: orders, configurator, iot and
scheduling on the session's real PostgreSQL and NATS, a gateway in front, and two factories
with their own keys — MINE, whose machines every routing needs, and OTHER, a neighbour whose
machine, parts and plan MINE's people must never reach."""

from __future__ import annotations

import asyncio
import functools
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
import httpx
import uvicorn
from google.protobuf import field_mask_pb2

from dovetail.common.v1 import types_pb2
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from dovetail.orders.v1 import orders_service_pb2_grpc as orders_grpc
from gateway.app import create_app
from infra.servers import free_port
from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build as build_configurator
from services.iot.application import IotApplication
from services.iot.main import build as build_iot
from services.iot.settings import IotSettings
from services.kit import runtime
from services.kit.auth import Principal
from services.orders.application import OrdersApplication
from services.orders.main import build as build_orders
from services.scheduling.application import SchedulingApplication
from services.scheduling.main import build as build_scheduling
from services.scheduling.maintenance import MaintenanceTimes
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.scheduling.conftest import TEST_SCHEDULER
from tests.integration.test_orders_service import place_request

MACHINE_TYPES = ("panel_saw", "edge_bander", "cnc_drill", "cnc_router", "sander", "paint_line",
                 "assembly", "packing")
CHANNEL_KEY = f"dvt_channel_ws_{uuid.uuid4().hex}"


@dataclass
class Factory:
    factory_id: str
    key: str

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


@dataclass
class Platform:
    app: object
    base_url: str
    client: httpx.AsyncClient
    services: dict
    mine: Factory
    other: Factory

    def machines_csv(self, factory: Factory, kinds=MACHINE_TYPES) -> bytes:
        lines = ["machine_id,name,machine_type,speed_factor,rated_power_kw,batch_capacity"]
        lines += [f"{factory.factory_id}-{k},{k.replace('_', ' ')} 1,{k},1.0,7.5,0" for k in kinds]
        return ("\n".join(lines) + "\n").encode()

    async def person(self, role: str, factory: Factory | None = None) -> tuple[str, str]:
        """A person of MINE (or `factory`) in `role`, invited by the admin and with a password
        set through their invitation's token: (e-mail, password)."""
        people = self.app.state.gateway.people
        email = f"{ref(role).lower()}@factory.example"
        _account, token = await asyncio.to_thread(
            people.app.invite, email, f"{role}:{(factory or self.mine).factory_id}", "admin")
        password = "a long shop-floor passphrase 42"
        await people.set_password(email, token, password)
        return email, password

    async def session(self, role: str, factory: Factory | None = None) -> str:
        """The session cookie of a new person of MINE in `role`, signed in as a browser would."""
        email, password = await self.person(role, factory)
        signed = await self.client.post("/portal/sign-in", data={
            "email": email, "password": password, "next": "/factory/"},
            headers={"Origin": self.base_url}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/factory/", \
            signed.text[:300]
        self.client.cookies.clear()  # each request names its own cookie
        return signed.cookies["dovetail_session"]

    async def place_order(self) -> str:
        """An order from a shop (a real wardrobe: the configurator makes its panels)."""
        channel = self.services["orders"]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{channel.port}") as ch:
            placed = await orders_grpc.OrdersServiceStub(ch).PlaceOrder(
                place_request(), metadata=(("authorization", f"Bearer {CHANNEL_KEY}"),))
        return placed.order_id


async def register_factory(iot_port: int, factory_id: str) -> None:
    """The chain leader registers a factory (admin only), working round the clock."""
    calendar = iot_pb.ShiftCalendar(weekly_shifts=[
        iot_pb.WeeklyShift(weekday=d, start_minute=0, end_minute=1440, name="Day and night")
        for d in range(1, 8)])
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot_port}") as channel:
        await iot_grpc.IotServiceStub(channel).RegisterFactory(iot_pb.RegisterFactoryRequest(
            factory_id=factory_id, name=f"Works {factory_id}", capacity_share_percent=100,
            shift_calendar=calendar, timezone="Asia/Shanghai",
            grid_emission_factor_kg_per_kwh=0.58),
            metadata=(("authorization", f"Bearer {TEST_ADMIN_KEY}"),))


async def retire_factory(iot_port: int, factory_id: str) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{iot_port}") as channel:
        await iot_grpc.IotServiceStub(channel).UpdateFactory(iot_pb.UpdateFactoryRequest(
            factory=iot_pb.Factory(factory_id=factory_id, active=False),
            update_mask=field_mask_pb2.FieldMask(paths=["active"])),
            metadata=(("authorization", f"Bearer {TEST_ADMIN_KEY}"),))


async def onboard(client: httpx.AsyncClient, factory: Factory, csv: bytes) -> httpx.Response:
    return await client.post("/factory/onboarding", headers=factory.bearer,
                             files={"file": ("machines.csv", csv, "text/csv")})


WORKSPACE_IOT = IotSettings(offline_after_s=3600.0, status_interval_s=0.2, energy_flush_s=0.2)


@asynccontextmanager
async def workspace_platform(settings, iot: IotSettings = WORKSPACE_IOT,
                             maintenance: MaintenanceTimes | None = None):
    """The platform; `iot` and `maintenance` set the services' wear windows and maintenance
    hours (a test that wears a machine in seconds compresses both alike)."""
    started = {}
    try:
        for name, app, build in (
                ("orders", OrdersApplication, build_orders),
                ("configurator", ConfiguratorApplication, build_configurator),
                ("iot", IotApplication, functools.partial(build_iot, iot=iot)),
                ("scheduling", SchedulingApplication,
                 lambda rt: build_scheduling(rt, TEST_SCHEDULER, maintenance))):
            started[name] = await runtime.start(name, settings, app, build, port=0)
        keys = started["orders"].runtime.keys  # one table, read by every service and the gateway
        await keys.add(TEST_ADMIN_KEY, Principal("admin"))
        await keys.add(CHANNEL_KEY, Principal("channel", "dovetail"))
        mine = Factory(ref("WSM"), f"dvt_factory_wsm_{uuid.uuid4().hex}")
        other = Factory(ref("WSO"), f"dvt_factory_wso_{uuid.uuid4().hex}")
        for f in (mine, other):
            await keys.add(f.key, Principal("factory", f.factory_id))
            await register_factory(started["iot"].port, f.factory_id)
        app = create_app(settings, {n: f"127.0.0.1:{r.port}" for n, r in started.items()})
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning",
                                               timeout_graceful_shutdown=2))
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.02)
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            platform = Platform(app, base_url, client, started, mine, other)
            # MINE can build everything; OTHER has a packing line only, so orders come to MINE.
            assert (await onboard(client, mine, platform.machines_csv(mine))).status_code == 200
            assert (await onboard(client, other, platform.machines_csv(
                other, ("packing",)))).status_code == 200
            state = started["scheduling"].runtime.state

            async def known() -> bool:
                return sum(m.factory_id == mine.factory_id for m in state.machines.values()
                           ) == len(MACHINE_TYPES)

            await eventually(known, timeout=90)
            try:
                yield platform
            finally:
                server.should_exit = True
                await task
                # The iot stream outlives this platform: a scheduling service started later in
                # the session replays it, and must not plan its orders onto these factories.
                for f in (mine, other):
                    await retire_factory(started["iot"].port, f.factory_id)
    finally:
        for running in reversed(list(started.values())):
            running.stop.set()
            await running.done


async def planned_here(platform: Platform, order_id: str, timeout: float = 120) -> dict:
    """The order's bars in MINE's plan, once scheduling has planned them."""
    from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
    from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as sch_grpc

    port = platform.services["scheduling"].port
    now_ms = int(time.time() * 1000)

    async def bars():
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
            reply = await sch_grpc.SchedulingServiceStub(ch).GetSchedule(
                sch.GetScheduleRequest(factory_id=platform.mine.factory_id,
                                       window=types_pb2.TimeWindow(
                                           start_unix_ms=now_ms - 86_400_000,
                                           end_unix_ms=now_ms + 14 * 86_400_000)),
                metadata=(("authorization", f"Bearer {platform.mine.key}"),))
        found = {b.operation_id: (lane.machine_id, b) for lane in reply.lanes
                 for b in lane.bars if b.order_id == order_id}
        return found or None

    return await eventually(bars, timeout=timeout, interval=0.5)
