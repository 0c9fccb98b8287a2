"""A factory follows its assignments through the SDK, reports them, and the order moves;
broken links and restarts of either side lose nothing and repeat nothing; another factory's
key sees nothing of it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from dovetail.iot.v1 import iot_service_pb2_grpc as iot_grpc
from dovetail.orders.v1 import orders_service_pb2 as orders_pb
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from dovetail.scheduling.v1 import scheduling_service_pb2_grpc as pb_grpc
from dovetail_factory import FactoryClient, NotAllowed, OutOfOrder
from tests.helpers import eventually
from tests.integration.factory_client.conftest import (
    OTHER,
    Follower,
    client_for,
    new_order,
    order_status,
)
from tests.integration.factory_client.proxy import LinkProxy
from tests.integration.scheduling.conftest import auth

pytestmark = pytest.mark.integration
FORWARD = [orders_pb.ORDER_STATUS_PLACED, orders_pb.ORDER_STATUS_CONFIGURED,
           orders_pb.ORDER_STATUS_SCHEDULED, orders_pb.ORDER_STATUS_IN_PRODUCTION,
           orders_pb.ORDER_STATUS_PRODUCED, orders_pb.ORDER_STATUS_SHIPPED,
           orders_pb.ORDER_STATUS_DELIVERED]


def at_or_after(status: int) -> set[int]:
    return set(FORWARD[FORWARD.index(status):])


async def reached(orders_channel, order_id: str, status: int, timeout: float = 90) -> None:
    """The order got to `status` or past it (delivery, if running, ships produced orders)."""
    async def check():
        return await order_status(orders_channel, order_id) in at_or_after(status)

    await eventually(check, timeout=timeout)


async def test_a_factory_follows_its_assignments_reports_them_and_the_order_moves(
        maker, scheduling, iot, orders_channel, settings, tmp_path):
    async with client_for(maker, scheduling, iot, tmp_path) as client:
        follower = Follower(client)
        order_id = await new_order(orders_channel, settings)
        saw_first, then_pack = await follower.assigned(order_id)
        assert {saw_first.machine_id, then_pack.machine_id} == {m for m, _ in maker.machines}
        assert (saw_first.machine_type, then_pack.machine_type) == ("sander", "packing")
        await reached(orders_channel, order_id, orders_pb.ORDER_STATUS_SCHEDULED)

        with pytest.raises(OutOfOrder, match="report it started first"):
            await client.report(saw_first.operation_id, "finish", saw_first.machine_id)
        started = await client.report(saw_first.operation_id, "start", saw_first.machine_id)
        retried = await client.report(saw_first.operation_id, "start", saw_first.machine_id,
                                      idempotency_key=started.idempotency_key)
        assert (started.status, started.duplicate, retried.duplicate) == ("STARTED", False, True)
        await reached(orders_channel, order_id, orders_pb.ORDER_STATUS_IN_PRODUCTION)

        with pytest.raises(OutOfOrder, match="cannot start before"):
            await client.report(then_pack.operation_id, "start", then_pack.machine_id)
        await client.report(saw_first.operation_id, "finish", saw_first.machine_id)
        await client.report(then_pack.operation_id, "start", then_pack.machine_id)
        done = await client.report(then_pack.operation_id, "finish", then_pack.machine_id)
        assert done.status == "FINISHED" and done.order_id == order_id
        await reached(orders_channel, order_id, orders_pb.ORDER_STATUS_PRODUCED)

        async def told_each_step():
            return [c.assignment.status for c in follower.of(order_id)
                    if c.kind == "PROGRESSED"] == ["STARTED", "FINISHED", "STARTED", "FINISHED"]

        await eventually(told_each_step, timeout=90)
        await follower.stop()


async def feed(port: int, key: str, after: int, until: int) -> list:
    """The factory's feed as the server holds it, straight from the API."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        call = pb_grpc.SchedulingServiceStub(channel).SubscribeAssignments(
            pb.SubscribeAssignmentsRequest(resume_after_sequence=after), metadata=auth(key))
        items = []

        async def read():
            async for item in call:
                items.append(item)
                if item.sequence >= until:
                    return

        try:
            await asyncio.wait_for(read(), 20)
        finally:
            call.cancel()
        return items


async def test_a_broken_link_and_restarts_lose_nothing_and_repeat_nothing(
        maker, scheduling, iot, orders_channel, settings, tmp_path):
    proxy = await LinkProxy(scheduling.port).start()

    def program() -> FactoryClient:
        return FactoryClient(proxy.address, maker.key, iot_target=f"127.0.0.1:{iot.port}",
                             state_dir=tmp_path, consumer="resilient")

    client = program()
    follower = Follower(client)
    first = await new_order(orders_channel, settings)
    step = (await follower.assigned(first))[0]

    proxy.cut()  # the factory's uplink drops

    async def link_lost():
        return client.link.startswith("reconnecting")

    await eventually(link_lost, timeout=90)
    second = await new_order(orders_channel, settings)

    async def planned_while_down():
        rows = scheduling.runtime.state.plan_rows.values()
        return len([r for r in rows if r.order_id == second]) == 2

    await eventually(planned_while_down, timeout=90)
    proxy.restore()
    await follower.assigned(second)

    await scheduling.restart()  # the server goes away mid-stream and comes back
    third = await new_order(orders_channel, settings)
    await follower.assigned(third, timeout=60)
    await follower.stop()
    await client.close()

    # The program restarts: it resumes after the last change it was given.
    last = client.book.sequence
    again = program()
    assert again.book.sequence == last and set(again.book.held) == set(client.book.held)
    follower_again = Follower(again)
    async with client_for(maker, scheduling, iot, tmp_path / "reporter") as reporter:
        await reporter.report(step.operation_id, "start", step.machine_id)

    async def progress_seen():
        return [c for c in follower_again.of(first) if c.kind == "PROGRESSED"]

    await eventually(progress_seen, timeout=90)
    await follower_again.stop()
    await again.close()
    await proxy.close()

    seen = follower.changes + follower_again.changes
    assert all(c.sequence > last for c in follower_again.changes)
    sequences = [c.sequence for c in seen]
    assert sequences == sorted(set(sequences)), "a change was given twice or out of order"
    orders = {first, second, third}
    ours = [c for c in seen if c.assignment.order_id in orders]
    truth = await feed(scheduling.port, maker.key, ours[0].sequence - 1, ours[-1].sequence)
    assert [(c.sequence, c.kind, c.assignment.operation_id) for c in ours] == [
        (t.sequence, pb.AssignmentChangeKind.Name(t.kind).removeprefix("ASSIGNMENT_CHANGE_KIND_"),
         t.assignment.operation_id) for t in truth if t.assignment.order_id in orders]


async def test_another_factorys_key_sees_nothing_of_this_one(
        maker, scheduling, iot, orders_channel, settings, tmp_path):
    order_id = await new_order(orders_channel, settings)
    async with client_for(maker, scheduling, iot, tmp_path / "maker") as mine:
        async def planned():
            return [r for r in await mine.schedule() if r.order_id == order_id]

        ops = await eventually(planned, timeout=90)
    theirs_machine = maker.machines[0][0]
    async with client_for(OTHER, scheduling, iot, tmp_path / "other") as other:
        assert await other.machines() == []
        assert not [r for r in await other.schedule() if r.order_id == order_id]
        with pytest.raises(NotAllowed):
            await other.report(ops[0].operation_id, "start", ops[0].machine_id)
        with pytest.raises(NotAllowed):
            await other.machine_status(theirs_machine)
        with pytest.raises(NotAllowed):
            await other.update_machine(theirs_machine, name="ours now")
        now = datetime.now(UTC)
        with pytest.raises(NotAllowed):
            await other.energy(now - timedelta(hours=1), now, machine_id=theirs_machine)
        follower = Follower(other)
        await asyncio.sleep(1.5)  # its own (empty) stream, given time to replay
        await follower.stop()
        assert not [c for c in follower.changes
                    if c.assignment.machine_id in {m for m, _ in maker.machines}]

    # Naming the other factory outright is refused.
    for port, call in (
            (scheduling.port, lambda ch: pb_grpc.SchedulingServiceStub(ch).GetSchedule(
                pb.GetScheduleRequest(factory_id=maker.factory_id), metadata=auth(OTHER.key))),
            (iot.port, lambda ch: iot_grpc.IotServiceStub(ch).ListMachines(
                iot_pb.ListMachinesRequest(factory_id=maker.factory_id),
                metadata=auth(OTHER.key)))):
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call(channel)
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    async with grpc.aio.insecure_channel(f"127.0.0.1:{scheduling.port}") as channel:
        stream = pb_grpc.SchedulingServiceStub(channel).SubscribeAssignments(
            pb.SubscribeAssignmentsRequest(factory_id=maker.factory_id),
            metadata=auth(OTHER.key))
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            async for _ in stream:
                pass
        assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
