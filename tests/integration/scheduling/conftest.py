"""The scheduling service in this process, with a small factory network and helpers that
publish upstream events the way iot, configurator and orders do."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import UTC, datetime

import grpc
import nats
import pytest

from dovetail.common.v1 import types_pb2
from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.configurator.v1 import configurator_service_pb2 as configurator_pb
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.scheduling.v1 import scheduling_events_pb2 as events
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from services.kit import runtime
from services.kit.auth import Principal
from services.kit.envelope import subject, wrap
from services.scheduling.application import SchedulingApplication
from services.scheduling.main import build
from services.scheduling.settings import SchedulerSettings
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref, stream_envelopes

SUFFIX = ref("N").lower()
FACTORY_A, FACTORY_B = f"FA-{SUFFIX}", f"FB-{SUFFIX}"
KEY_A, KEY_B = f"dvt_factory_a_{SUFFIX}", f"dvt_factory_b_{SUFFIX}"
DESIGNER_KEY, CHANNEL_KEY = f"dvt_designer_{SUFFIX}", f"dvt_channel_{SUFFIX}"
LINE = ("panel_saw", "panel_saw", "edge_bander", "assembly")
TEST_SCHEDULER = SchedulerSettings(time_limit_s=1.0, repair_time_limit_s=1.0, debounce_s=0.3,
                                   max_batch_wait_s=1.0, replan_interval_s=600.0)
_notifications = itertools.count(random.randrange(10**9, 10**12))


def auth(key: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {key}"),)


def machine_ids(factory_id: str) -> list[str]:
    return [f"{factory_id}-{t}-{i}" for i, t in enumerate(LINE)]


@pytest.fixture(scope="module")
async def scheduling(settings):
    running = await runtime.start("scheduling", settings, SchedulingApplication,
                                  lambda rt: build(rt, TEST_SCHEDULER), port=0)
    keys = running.runtime.keys
    await keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await keys.add(KEY_A, Principal("factory", FACTORY_A))
    await keys.add(KEY_B, Principal("factory", FACTORY_B))
    await keys.add(DESIGNER_KEY, Principal("designer", "d1"))
    await keys.add(CHANNEL_KEY, Principal("channel", "dovetail"))
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    running.stub = pb_grpc.SchedulingServiceStub(channel)
    yield running
    await channel.close()
    running.stop.set()
    await running.done


@pytest.fixture(scope="module")
async def network(scheduling, settings):
    """Two factories, round the clock, each with two saws, an edge bander and assembly."""
    for fid in (FACTORY_A, FACTORY_B):
        await publish(settings, "iot", "factory_registered", fid, iot.FactoryRegistered(
            factory=iot_pb.Factory(factory_id=fid, name=fid, capacity_share_percent=80,
                                   timezone="Asia/Shanghai", active=True, version=1)))
        for mid, mtype in zip(machine_ids(fid), LINE, strict=True):
            await publish(settings, "iot", "machine_registered", mid, iot.MachineRegistered(
                machine=iot_pb.Machine(machine_id=mid, factory_id=fid, machine_type=type_pb(mtype),
                                       speed_factor=1.0, active=True, version=1)))
    state = scheduling.runtime.state

    async def registered():
        return len([m for m in state.machines.values() if m.factory_id in (FACTORY_A, FACTORY_B)]) == 8

    # a new module's service first reads what earlier modules' published (a long backlog
    # late in a whole-suite run on a busy box): give it time, it returns once they are in
    await eventually(registered, timeout=180)
    return (FACTORY_A, FACTORY_B)


async def retire(scheduling, settings, factory: iot_pb.Factory) -> None:
    """``factory`` (inactive, a newer version) as iot announces it, and taken: the modules of
    this folder share one database, and a factory a module leaves active is planned onto by
    the next ones (their orders went to the quote test's works, whose key they do not hold).
    Announced without waiting, the retirement was still unread when the module's service
    stopped, and the next module's service planned before it had read it."""
    await publish(settings, "iot", "factory_updated", factory.factory_id,
                  iot.FactoryUpdated(factory=factory))
    state = scheduling.runtime.state

    async def retired():
        known = state.factories.get(factory.factory_id)
        return known is None or not known.active

    await eventually(retired)


def type_pb(name: str) -> int:
    return types_pb2.MachineType.Value(f"MACHINE_TYPE_{name.upper()}")


async def publish(settings, source: str, event: str, aggregate_id: str, body) -> None:
    envelope = wrap(service=source, body=body, aggregate_id=aggregate_id, version=1,
                    occurred_at=datetime.now(UTC), tenant="default",
                    notification_id=next(_notifications))
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish(subject(source, event), envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": f"{source}:{envelope.notification_id}"})
    finally:
        await nc.close()


def routing(minutes: tuple[int, ...] = (30, 20, 40)) -> list[configurator_pb.RoutingOperation]:
    kinds = ("panel_saw", "edge_bander", "assembly")
    return [configurator_pb.RoutingOperation(
        operation_id=f"op-{i + 1}", seq=i + 1, machine_type=type_pb(kinds[i]),
        duration_seconds=m * 60, setup_family="edge" if kinds[i] == "edge_bander" else "",
        setup_key="white", description=f"{kinds[i]} for the test")
        for i, m in enumerate(minutes)]


async def configure(settings, order_id: str, revision: int = 1, promised=(2026, 12, 20)) -> None:
    await publish(settings, "configurator", "order_configured", order_id,
                  configurator.OrderConfigured(
                      order_id=order_id, catalog_version=1, order_version=revision,
                      promised_date=types_pb2.Date(year=promised[0], month=promised[1],
                                                   day=promised[2]),
                      routing=routing()))


async def scheduled(settings, order_id: str) -> events.OrderScheduled | None:
    """The latest OrderScheduled published for the order."""
    found = None
    for _, envelope in await stream_envelopes(settings.nats_url, "scheduling",
                                              "dovetail.scheduling.order_scheduled"):
        body = events.OrderScheduled()
        envelope.body.Unpack(body)
        if body.order_id == order_id:
            found = body
    return found


def factory_now(scheduling, order_id: str) -> str:
    """The factory holding the order in the planner's state now. Where the order was first
    scheduled is only where it was slotted in: an optimisation round (or another module's
    leftover work) may move it until its work starts, after which it stays (755319a)."""
    return scheduling.runtime.state.orders[order_id].factory_id


async def in_its_factory(scheduling, order_id: str, act):
    """(factory, what ``act(factory)`` returned), done as the factory holding the order now;
    done again as the one holding it then when a re-plan had moved it in between (``act``
    refused PERMISSION_DENIED: not that factory's order any more)."""
    async def attempt():
        factory_id = factory_now(scheduling, order_id)
        try:
            return factory_id, await act(factory_id)
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.PERMISSION_DENIED:
                raise
            return None

    return await eventually(attempt)


async def plans(settings) -> list[events.SchedulePublished]:
    out = []
    for _, envelope in await stream_envelopes(settings.nats_url, "scheduling",
                                              "dovetail.scheduling.schedule_published"):
        body = events.SchedulePublished()
        envelope.body.Unpack(body)
        out.append(body)
    return out


async def collect(stub, key: str, factory_id: str, until, resume: int = 0,
                  timeout: float = 10.0) -> list[pb.SubscribeAssignmentsResponse]:
    """Read a factory's assignment stream until ``until(items)`` holds (or the timeout)."""
    call = stub.SubscribeAssignments(
        pb.SubscribeAssignmentsRequest(factory_id=factory_id, resume_after_sequence=resume),
        metadata=auth(key))
    items: list = []

    async def read():
        async for item in call:
            items.append(item)
            if until(items):
                return

    try:
        await asyncio.wait_for(read(), timeout)
    except TimeoutError:
        pass
    finally:
        call.cancel()
    return items


def current(items) -> dict[str, pb.Assignment]:
    """What a client holds after applying the stream in order."""
    held: dict[str, pb.Assignment] = {}
    for item in items:
        if item.kind == pb.ASSIGNMENT_CHANGE_KIND_WITHDRAWN:
            held.pop(item.assignment.operation_id, None)
        else:
            held[item.assignment.operation_id] = item.assignment
    return held


async def lanes(stub, factory_id: str, key: str = TEST_ADMIN_KEY) -> dict[str, pb.MachineLane]:
    reply = await stub.GetSchedule(pb.GetScheduleRequest(factory_id=factory_id), metadata=auth(key))
    return {lane.machine_id: lane for lane in reply.lanes}
