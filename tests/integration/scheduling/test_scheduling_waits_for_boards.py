"""Scheduling follows the configurator's cutting batches (issue 20, item 4): an order whose
batch waits for boards on order is planned to start no earlier than their day (the factory's
midnight), and ExplainOrder says what it waits for, where and until when."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from dovetail.configurator.v1 import configurator_events_pb2 as configurator
from dovetail.scheduling.v1 import scheduling_service_pb2 as pb
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.scheduling.conftest import auth, configure, publish, scheduled

pytestmark = pytest.mark.integration

SHANGHAI = ZoneInfo("Asia/Shanghai")


async def test_an_order_waits_for_its_batchs_boards(settings, scheduling, network):
    order_id = f"boards-{uuid.uuid4().hex[:10]}"
    await configure(settings, order_id)
    await eventually(lambda: scheduled(settings, order_id), timeout=90)
    factory = network[0]
    day = (datetime.now(SHANGHAI) + timedelta(days=2)).date()
    boards_ms = int(datetime.combine(day, time(0), SHANGHAI).timestamp() * 1000)
    nested = configurator.BoardBatchPlanned(
        factory_id=factory, batch="B-test", order_ids=[order_id], new_boards=3,
        waits=[configurator.BoardWait(material="mdf-18", thickness_mm=18, length_mm=2440,
                                      width_mm=1220, short=2, until_date=day.isoformat())])
    nested.nested_at.GetCurrentTime()
    await publish(settings, "configurator", "board_batch_planned", factory, nested)

    async def waits():
        found = await scheduled(settings, order_id)
        return found if found and found.planned_start.ToMilliseconds() >= boards_ms else None

    await eventually(waits, timeout=90)
    explained = await scheduling.stub.ExplainOrder(pb.ExplainOrderRequest(order_id=order_id),
                                                   metadata=auth(TEST_ADMIN_KEY))
    assert explained.summary.startswith(
        f"waits for board mdf-18 2440×1220 at factory {factory} until {day.isoformat()}")
    [wait] = explained.board_waits  # as words too (issue 19), the summary's first part
    assert wait.template == ("waits for board %(board)s at factory %(factory)s until %(day)s "
                             "(%(zone)s)")
    assert dict(wait.args) | {"zone": ""} == {"board": "mdf-18 2440×1220", "factory": factory,
                                              "day": day.isoformat(), "zone": ""}
    assert explained.summary_words.said["first"] == wait


async def test_only_the_order_on_short_sheets_waits_and_a_receipt_moves_it(
        settings, scheduling, network):
    """Waits per order (issue 20): the batch's wait holds one order (the other waits only for the
    batch's saw operation, not for boards);
    revision 1 of the batch (boards received: no waits) plans it without waiting; a stale
    revision 0 arriving after it changes nothing."""
    short, free = (f"boards-{uuid.uuid4().hex[:10]}" for _ in range(2))
    for order_id in (short, free):
        await configure(settings, order_id)
    for order_id in (short, free):
        await eventually(lambda o=order_id: scheduled(settings, o), timeout=90)
    factory, batch = network[0], f"B-{uuid.uuid4().hex[:6]}"
    day = (datetime.now(SHANGHAI) + timedelta(days=2)).date()
    boards_ms = int(datetime.combine(day, time(0), SHANGHAI).timestamp() * 1000)

    def nested(revision: int, waits) -> configurator.BoardBatchPlanned:
        body = configurator.BoardBatchPlanned(factory_id=factory, batch=batch,
                                              order_ids=[short, free], new_boards=3,
                                              waits=waits, revision=revision)
        body.nested_at.GetCurrentTime()
        return body

    first = nested(0, [configurator.BoardWait(
        material="mdf-18", thickness_mm=18, length_mm=2440, width_mm=1220, short=1,
        until_date=day.isoformat(), order_ids=[short])])
    await publish(settings, "configurator", "board_batch_planned", factory, first)

    async def starts(order_id: str, later: bool):
        found = await scheduled(settings, order_id)
        if found is None:
            return None
        return found if (found.planned_start.ToMilliseconds() >= boards_ms) == later else None

    await eventually(lambda: starts(short, True), timeout=90)
    # its sheets are in stock, but it is cut in the batch's one saw operation, which starts
    # when all the batch's boards are there
    assert await eventually(lambda: starts(free, True), timeout=30)
    explained = await scheduling.stub.ExplainOrder(pb.ExplainOrderRequest(order_id=short),
                                                   metadata=auth(TEST_ADMIN_KEY))
    assert explained.summary.startswith(
        f"waits for board mdf-18 2440×1220 at factory {factory} until {day.isoformat()} "
        f"(Asia/Shanghai); cut in batch {batch} with 1 other order")
    explained = await scheduling.stub.ExplainOrder(pb.ExplainOrderRequest(order_id=free),
                                                   metadata=auth(TEST_ADMIN_KEY))
    assert explained.summary.startswith(f"cut in batch {batch} with 1 other order; ")

    async def summary(order_id: str) -> str:
        explained = await scheduling.stub.ExplainOrder(pb.ExplainOrderRequest(order_id=order_id),
                                                       metadata=auth(TEST_ADMIN_KEY))
        return explained.summary

    async def waits(order_id: str, wanted: bool):
        return (await summary(order_id)).startswith("waits for board") == wanted

    # boards received: revision 1 holds nobody (the plan may keep it where it is: moving work
    # is a cost, but nothing holds it any more)
    await publish(settings, "configurator", "board_batch_planned", factory, nested(1, []))
    await eventually(lambda: waits(short, False), timeout=90)
    await publish(settings, "configurator", "board_batch_planned", factory, first)  # stale
    later = nested(2, [configurator.BoardWait(  # a count: now the other order's sheet is short
        material="mdf-18", thickness_mm=18, length_mm=2440, width_mm=1220, short=1,
        until_date=day.isoformat(), order_ids=[free])])
    await publish(settings, "configurator", "board_batch_planned", factory, later)
    await eventually(lambda: starts(free, True), timeout=90)  # read after the stale one
    assert await waits(free, True)
    assert await waits(short, False)  # the stale revision 0 did not make it wait again
