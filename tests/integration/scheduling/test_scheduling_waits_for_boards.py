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
