"""A cutting batch is one saw operation in the plan (issue 20, item 2), through real PostgreSQL
and NATS: the configurator's BoardBatchPlanned places the batch once on a saw of its factory,
its orders' saw steps are left to it, and their next operations start after it."""

from __future__ import annotations

import uuid

import grpc
import pytest

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from services.scheduling.domain.cutting import PlacedBatch
from tests.helpers import eventually
from tests.integration.scheduling.conftest import (
    KEY_A,
    KEY_B,
    auth,
    collect,
    configure,
    current,
    lanes,
    publish,
    scheduled,
)

pytestmark = pytest.mark.integration


async def nest(settings, factory: str, batch: str, order_ids: list[str], revision: int = 0):
    body = configurator.BoardBatchPlanned(
        factory_id=factory, batch=batch, order_ids=order_ids, new_boards=2, revision=revision
    )
    body.nested_at.GetCurrentTime()
    await publish(settings, "configurator", "board_batch_planned", factory, body)


async def placed_batch(scheduling, factory: str, batch: str) -> PlacedBatch | None:
    batches = scheduling.runtime.app.cutting_batches(factory)
    return None if batches is None else batches.batches.get(batch)


async def test_the_batch_is_one_saw_operation_and_its_orders_follow_it(
    settings, scheduling, network
):
    members = [f"cut-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    for order_id in members:
        await configure(settings, order_id)
    for order_id in members:
        await eventually(lambda o=order_id: scheduled(settings, o), timeout=90)
    factory, batch = network[0], f"B-{uuid.uuid4().hex[:6]}"
    await nest(settings, factory, batch, members)
    placed = await eventually(lambda: placed_batch(scheduling, factory, batch), timeout=60)
    # two orders' 30 saw minutes with one setup (none: the saw steps have no setup family)
    assert placed.machine_id.startswith(f"{factory}-panel_saw")
    assert placed.end_ms - placed.start_ms == 60 * 60_000
    assert [o for o, _ in placed.members] == members
    await nest(settings, factory, batch, members)  # a repeat: placed once
    await nest(settings, factory, batch, members, revision=1)  # moves nothing

    async def follows():
        by_machine = await lanes(scheduling.stub, factory)
        bars = [(lane.machine_id, bar) for lane in by_machine.values() for bar in lane.bars]
        mine = [(m, bar) for m, bar in bars if bar.order_id in members]
        if {bar.order_id for _, bar in mine} != set(members):
            return None  # not yet planned in the batch's factory
        if any("panel_saw" in m for m, _ in mine):
            return None  # an order's own saw step: not yet the batch's plan
        assert all(bar.start_unix_ms >= placed.end_ms for _, bar in mine)
        for m, bar in bars:  # nothing else on the batch's saw while it runs
            if m == placed.machine_id and bar.order_id:
                assert bar.end_unix_ms <= placed.start_ms or bar.start_unix_ms >= placed.end_ms
        return True

    assert await eventually(follows, timeout=90)
    again = await placed_batch(scheduling, factory, batch)
    assert (again.revision, again.start_ms) == (0, placed.start_ms)  # fixed once placed

    # the factory's Gantt: one bar on the saw, labelled with the batch and its orders
    saw = (await lanes(scheduling.stub, factory, KEY_A))[placed.machine_id]
    bar = next(b for b in saw.bars if b.operation_id == f"batch:{batch}")
    assert (bar.start_unix_ms, bar.end_unix_ms, bar.frozen) == (
        placed.start_ms,
        placed.end_ms,
        True,
    )
    assert bar.label == f"{batch} ({', '.join(members)})"

    # the factory reports the batch operation: each order's saw step starts and finishes
    async def report(kind, key=KEY_A, machine_id=""):
        return await scheduling.stub.ReportOperation(
            pb.ReportOperationRequest(
                operation_id=f"batch:{batch}",
                kind=kind,
                idempotency_key=f"k-{kind}",
                machine_id=machine_id,
            ),
            metadata=auth(key),
        )

    with pytest.raises(grpc.aio.AioRpcError) as foreign:  # another factory has no such batch
        await report(pb.OPERATION_REPORT_KIND_STARTED, KEY_B, f"{network[1]}-panel_saw-0")
    assert foreign.value.code() == grpc.StatusCode.NOT_FOUND
    started = await report(pb.OPERATION_REPORT_KIND_STARTED)
    assert (started.operation_id, started.duplicate) == (f"batch:{batch}", False)
    assert started.status == pb.OPERATION_STATUS_STARTED
    assert (await report(pb.OPERATION_REPORT_KIND_STARTED)).duplicate  # a retry
    await report(pb.OPERATION_REPORT_KIND_FINISHED)
    app = scheduling.runtime.app
    for order_id, op_id in placed.members:
        progress = app.progress_of(order_id)
        assert progress.status[op_id] == "FINISHED"
        assert progress.machines[op_id] == placed.machine_id

    # the factory's assignment feed: one assignment for the batch, finished with its orders
    def batch_done(items) -> bool:
        held = current(items).get(f"batch:{batch}")
        return held is not None and held.status == pb.OPERATION_STATUS_FINISHED

    items = await collect(scheduling.stub, KEY_A, factory, batch_done, timeout=30)
    held = current(items)
    assignment = held[f"batch:{batch}"]
    assert (assignment.machine_id, assignment.order_id) == (placed.machine_id, "")
    assert assignment.description == f"{batch} ({', '.join(members)})"
    assert assignment.status == pb.OPERATION_STATUS_FINISHED
    assert not [op for _, op in placed.members if op in held]  # the orders' saw steps are its
