"""A factory's board stock keeps the factory's clock: iot's registry says a factory's time zone
(registered, then changed), the configurator's stock learns it, and the day a short batch
needs its boards is the nesting's day on that clock - the clock of a purchase's expected day."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import nats
import pytest

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from dovetail.iot.v1 import iot_events_pb2 as iot
from dovetail.iot.v1 import iot_service_pb2 as iot_pb
from services.kit.envelope import subject, wrap
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref
from tests.integration.configurator.test_board_stock_batches import configured
from tests.integration.conftest import auth

pytestmark = pytest.mark.integration


async def announce(settings, event: str, body) -> None:
    """A factory fact as iot publishes it."""
    envelope = wrap(service="iot", body=body, aggregate_id=body.factory.factory_id,
                    version=body.factory.version, occurred_at=datetime.now(UTC),
                    tenant="default", notification_id=uuid.uuid4().int % 10**12 + 10**9)
    nc = await nats.connect(settings.nats_url)
    try:
        await nc.jetstream().publish(subject("iot", event), envelope.SerializeToString(),
                                     headers={"Nats-Msg-Id": uuid.uuid4().hex})
    finally:
        await nc.close()


async def test_the_stock_learns_its_factorys_zone_and_says_its_days_on_that_clock(
        settings, configurator_service, configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    admin = auth(TEST_ADMIN_KEY)
    factory = ref("zone-f")
    described = iot_pb.Factory(factory_id=factory, name=factory, timezone="Europe/Berlin",
                               active=True, version=1)

    async def zone(expected: str):
        found = (await stub.GetStock(pb.GetStockRequest(factory_id=factory),
                                     metadata=admin)).stock
        return found if found.time_zone == expected else None

    assert (await zone("Asia/Shanghai")) is not None  # nothing heard yet: the default
    await announce(settings, "factory_registered", iot.FactoryRegistered(factory=described))
    await eventually(lambda: zone("Europe/Berlin"))

    described.timezone, described.version = "Pacific/Kiritimati", 2  # UTC+14
    await announce(settings, "factory_updated", iot.FactoryUpdated(
        factory=described, changed_fields=["timezone"]))
    await eventually(lambda: zone("Pacific/Kiritimati"))

    orders = [await configured(configurator_service.runtime.app)]
    nested = await stub.NestBatch(pb.NestBatchRequest(factory_id=factory, batch=ref("shift"),
                                                      order_ids=orders), metadata=admin)
    assert nested.stock.shortages  # no boards at all: every kind is short
    day = datetime.fromisoformat(nested.summary.nested_at).astimezone(
        ZoneInfo("Pacific/Kiritimati")).date().isoformat()
    assert {s.needed_by for s in nested.stock.shortages} == {day}
