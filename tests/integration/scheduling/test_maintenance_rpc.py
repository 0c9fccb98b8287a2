"""Maintenance in the plan over gRPC (issue 22): iot's wear alarm (MachineHealthAssessed on
NATS) becomes a proposed task the factory lists; the factory accepts it, attributed to the
person; the task is a planned stop in the factory's capacity and the plan works around it. Only
the factory's own people (or the gateway for them) see and decide its tasks."""

from __future__ import annotations

import time
import uuid

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.configurator.v1 import configurator_service_pb2 as configurator_pb
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.orders.v1 import orders_events_pb2 as orders
from dovetail.scheduling.v1 import scheduling_events_pb2 as events
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from gateway import i18n
from services.kit.auth import ACTOR_METADATA, Principal
from services.kit.words import N_, Words
from services.kit.words_pb import words_pb
from services.scheduling.domain.maintenance_tasks import stop_id_of
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref, stream_envelopes
from tests.integration.scheduling.conftest import KEY_A, auth, publish, retire, type_pb
from tests.integration.test_orders_service import violations

pytestmark = pytest.mark.integration
H = 3_600_000
WORDS = ["cutting current up 18 % over 9 days", "cycles 7 % longer"]
SAID = [Words.of(N_("%(what)s up %(change)s %% over %(days)s days"), what="cutting current",
                 change=18, days=9), Words("cycles 7 % longer")]


def stamp(ms: int) -> Timestamp:
    return Timestamp(seconds=ms // 1000, nanos=ms % 1000 * 1_000_000)


@pytest.fixture(scope="module")
async def workshop(scheduling, network, settings):
    """A factory of its own with the network's only CNC router (so an order routed over a
    router is planned here), retired when the module ends."""
    fid = ref("FM")
    router = f"{fid}-router"
    key = f"dvt_factory_m_{uuid.uuid4().hex}"
    await scheduling.runtime.keys.add(key, Principal("factory", fid))
    factory = iot_pb.Factory(factory_id=fid, name=fid, capacity_share_percent=100,
                             timezone="Asia/Shanghai", active=True, version=1)
    await publish(settings, "iot", "factory_registered", fid, iot.FactoryRegistered(
        factory=factory))
    await publish(settings, "iot", "machine_registered", router, iot.MachineRegistered(
        machine=iot_pb.Machine(machine_id=router, factory_id=fid, speed_factor=1.0, active=True,
                               machine_type=type_pb("cnc_router"), version=1)))
    state = scheduling.runtime.state
    await eventually(lambda: _true(router in state.machines))
    yield fid, router, key
    factory.active, factory.version = False, 2
    await retire(scheduling, settings, factory)


async def _true(value):
    return value


async def alarm(settings, fid: str, machine_id: str, at_ms: int, on: bool = True,
                since_ms: int = 0) -> None:
    body = iot.MachineHealthAssessed(
        machine_id=machine_id, factory_id=fid, assessed_at=stamp(at_ms), score=41,
        horizon_hours=30, confidence=0.8, alarm=on, failure_expected_by=stamp(at_ms + 30 * H),
        explanation=WORDS, explanation_words=[words_pb(w) for w in SAID])
    if since_ms:
        body.baseline_since.CopyFrom(stamp(since_ms))
    await publish(settings, "iot", "machine_health_assessed", machine_id, body)


async def listed(stub, fid: str, key: str) -> list[pb.MaintenanceTask]:
    reply = await stub.ListMaintenance(pb.ListMaintenanceRequest(factory_id=fid),
                                       metadata=auth(key))
    return list(reply.tasks)


async def test_an_alarm_is_proposed_accepted_by_the_person_and_planned_around(
        scheduling, workshop, settings):
    fid, router, key = workshop
    stub = scheduling.stub
    now = int(time.time() * 1000)
    await alarm(settings, fid, router, now, on=False)  # healthy: nothing to do
    await alarm(settings, fid, router, now)

    async def proposed():
        return await listed(stub, fid, key)

    (task,) = await eventually(proposed)
    assert task.status == pb.MAINTENANCE_STATUS_PROPOSED and task.machine_id == router
    assert list(task.explanation) == WORDS and task.reason == "risk"
    assert now <= task.start.ToMilliseconds() < task.end.ToMilliseconds()
    assert task.end.ToMilliseconds() <= task.due_by.ToMilliseconds() < now + 30 * H

    await alarm(settings, fid, router, now + 60_000)  # again, while the task is open
    published = await eventually(lambda: _published(settings, "maintenance_proposed", router))
    assert [t.task_id for t in published] == [task.task_id]
    assert len(await listed(stub, fid, key)) == 1

    admin = auth(TEST_ADMIN_KEY) + ((ACTOR_METADATA, "li.wei@fm.example"),)
    reply = await stub.AcceptMaintenance(
        pb.AcceptMaintenanceRequest(factory_id=fid, task_id=task.task_id), metadata=admin)
    done = reply.task
    assert done.status == pb.MAINTENANCE_STATUS_ACCEPTED
    assert done.decided_by == "li.wei@fm.example" and done.stop_id == stop_id_of(task.task_id)
    assert done.stop_reason.startswith("maintenance: cutting current up 18 %")

    state = scheduling.runtime.state
    stop = await eventually(lambda: _true(state.factories[fid].stops.get(done.stop_id)))
    assert (stop.machine_ids, stop.start_ms, stop.end_ms) == (
        (router,), task.start.ToMilliseconds(), task.end.ToMilliseconds())
    accepted = await eventually(lambda: _published(settings, "maintenance_accepted", router))
    assert accepted[0].decided_by == "li.wei@fm.example"

    # an order only the router can make is planned after the stop
    order_id = str(uuid.uuid4())
    await publish(settings, "configurator", "order_configured", order_id,
                  configurator.OrderConfigured(
                      order_id=order_id, catalog_version=1, order_version=1,
                      routing=[configurator_pb.RoutingOperation(
                          operation_id="op-1", seq=1, machine_type=type_pb("cnc_router"),
                          duration_seconds=1800, description="routing for the test")]))
    try:
        async def planned():
            reply = await stub.GetSchedule(pb.GetScheduleRequest(factory_id=fid),
                                           metadata=auth(key))
            return [(b, lane) for lane in reply.lanes for b in lane.bars
                    if b.order_id == order_id]

        ((bar, lane),) = await eventually(planned, timeout=90)
        assert bar.start_unix_ms >= stop.end_ms
        assert any(w.start_unix_ms <= stop.start_ms and w.end_unix_ms >= stop.end_ms
                   and w.reason == pb.UNAVAILABILITY_REASON_PLANNED_STOP
                   and w.note.startswith("maintenance: cutting current up 18 %")
                   and i18n.english_words(w.note_words) == w.note
                   for w in lane.unavailable)  # the Gantt says what the stop is for, in words
    finally:
        await publish(settings, "orders", "cancelled", order_id,
                      orders.OrderCancelled(order_id=order_id, reason="test over"))


async def test_another_factory_neither_sees_nor_decides_the_tasks(scheduling, workshop,
                                                                   settings):
    fid, router, key = workshop
    stub = scheduling.stub
    (task, *_) = await eventually(lambda: listed(stub, fid, key))
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await listed(stub, fid, KEY_A)
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    for request in (pb.AcceptMaintenanceRequest(factory_id=fid, task_id=task.task_id),
                    pb.AcceptMaintenanceRequest(task_id=task.task_id)):
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.AcceptMaintenance(request, metadata=auth(KEY_A))
        assert caught.value.code() in (grpc.StatusCode.PERMISSION_DENIED,
                                       grpc.StatusCode.NOT_FOUND)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND  # its own factory has no such task
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.MoveMaintenance(pb.MoveMaintenanceRequest(factory_id=fid,
                                                             task_id=task.task_id),
                                   metadata=auth(key))
    assert violations(caught.value) == {"start": "is required"}


async def test_the_factory_reports_the_work_done_and_only_a_new_baseline_warns_again(
        scheduling, workshop, settings):
    fid, router, key = workshop
    stub = scheduling.stub
    (task,) = [t for t in await listed(stub, fid, key)
               if t.status == pb.MAINTENANCE_STATUS_ACCEPTED]
    request = pb.ReportMaintenanceDoneRequest(factory_id=fid, task_id=task.task_id)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.ReportMaintenanceDone(request, metadata=auth(KEY_A))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
    done = (await stub.ReportMaintenanceDone(request, metadata=auth(key))).task
    assert done.status == pb.MAINTENANCE_STATUS_DONE and done.done_by == f"factory:{fid}"
    assert done.decided_by == task.decided_by and done.HasField("done_at")
    again = (await stub.ReportMaintenanceDone(request, metadata=auth(key))).task
    assert again.done_at == done.done_at  # a repeat is the same report
    (told,) = await eventually(lambda: _published(settings, "maintenance_done", router))
    assert (told.task_id, told.done_by, told.done_at) == (task.task_id, done.done_by,
                                                           done.done_at)
    done_ms = done.done_at.ToMilliseconds()

    # iot had not heard yet: its alarm is judged on the baseline of the part changed
    await alarm(settings, fid, router, done_ms + 1000, since_ms=done_ms - 40 * H)
    await alarm(settings, fid, router, done_ms + 2000, since_ms=done_ms)  # learnt since

    async def next_task():
        return [t for t in await listed(stub, fid, key)
                if t.status == pb.MAINTENANCE_STATUS_PROPOSED] or None

    (proposed,) = await eventually(next_task)
    assert proposed.proposed_at.ToMilliseconds() == done_ms + 2000
    with pytest.raises(grpc.aio.AioRpcError) as caught:  # proposed: nothing done yet
        await stub.ReportMaintenanceDone(pb.ReportMaintenanceDoneRequest(
            factory_id=fid, task_id=proposed.task_id), metadata=auth(key))
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "accept it" in caught.value.details()


async def test_an_accepted_task_moves_until_it_starts_and_ends_when_reported_done(
        scheduling, workshop, settings):
    """Issue 22's rough edges: the factory moves an accepted task again (its stop with it), and
    work reported done before the stop's planned end frees the machine from then on."""
    fid, router, key = workshop
    stub = scheduling.stub
    (task,) = [t for t in await listed(stub, fid, key)
               if t.status == pb.MAINTENANCE_STATUS_PROPOSED]
    li = auth(TEST_ADMIN_KEY) + ((ACTOR_METADATA, "li.wei@fm.example"),)
    wang = auth(TEST_ADMIN_KEY) + ((ACTOR_METADATA, "wang.fang@fm.example"),)
    await stub.AcceptMaintenance(pb.AcceptMaintenanceRequest(
        factory_id=fid, task_id=task.task_id), metadata=li)
    length = task.end.ToMilliseconds() - task.start.ToMilliseconds()

    def move(start_ms: int, who=wang):
        return stub.MoveMaintenance(pb.MoveMaintenanceRequest(
            factory_id=fid, task_id=task.task_id, start=stamp(start_ms)), metadata=who)

    with pytest.raises(grpc.aio.AioRpcError) as caught:  # the first move's checks
        await move(int(time.time() * 1000) - H)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(caught.value)) == {"start"}  # MoveMaintenanceRequest.start
    start = int(time.time() * 1000) + 4000
    moved = (await move(start)).task
    assert moved.status == pb.MAINTENANCE_STATUS_ACCEPTED
    assert (moved.start.ToMilliseconds(), moved.end.ToMilliseconds()) == (start, start + length)
    assert moved.decided_by == "wang.fang@fm.example"
    state = scheduling.runtime.state

    async def stop_in(window: tuple[int, int]):
        stop = state.factories[fid].stops.get(moved.stop_id)
        return stop if stop is not None and (stop.start_ms, stop.end_ms) == window else None

    await eventually(lambda: stop_in((start, start + length)))
    told = await eventually(lambda: _published(settings, "maintenance_accepted", router))
    assert any(t.task_id == task.task_id and t.start == moved.start for t in told)

    # its stop begins: no more moves
    await eventually(lambda: _true(time.time() * 1000 >= start), timeout=10)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await move(start + H)
    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    done = (await stub.ReportMaintenanceDone(pb.ReportMaintenanceDoneRequest(
        factory_id=fid, task_id=task.task_id), metadata=auth(key))).task
    done_ms = done.done_at.ToMilliseconds()
    assert start <= done_ms < start + length and done.end.ToMilliseconds() == done_ms
    await eventually(lambda: stop_in((start, done_ms)))

    async def lane_stop():
        reply = await stub.GetSchedule(pb.GetScheduleRequest(factory_id=fid), metadata=auth(key))
        return [(w.start_unix_ms, w.end_unix_ms) for lane in reply.lanes for w in lane.unavailable
                if lane.machine_id == router
                and w.reason == pb.UNAVAILABILITY_REASON_PLANNED_STOP
                and w.end_unix_ms > start - 1000] or None

    assert await eventually(lane_stop) == [(start, done_ms)]  # the Gantt: as it really was
    listed_done = {t.task_id: t for t in await listed(stub, fid, key)}[task.task_id]
    assert listed_done.end.ToMilliseconds() == done_ms


async def _published(settings, name: str, machine_id: str) -> list[pb.MaintenanceTask]:
    kind = {"maintenance_proposed": events.MaintenanceProposed,
            "maintenance_accepted": events.MaintenanceAccepted,
            "maintenance_done": events.MaintenanceDone}[name]
    found = []
    for _, envelope in await stream_envelopes(settings.nats_url, "scheduling",
                                              f"dovetail.scheduling.{name}"):
        body = kind()
        envelope.body.Unpack(body)
        if body.task.machine_id == machine_id:
            found.append(body.task)
    return found
