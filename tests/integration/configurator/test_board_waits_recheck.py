"""Receipts move the wait (issue 20, item 4): a batch nested short of boards is published with
the orders each wait holds (revision 0); boards received for it re-check the batch and publish
its new waits - none - as revision 1, once; a receipt that changes nothing publishes nothing."""

from __future__ import annotations

import pytest

from dovetail.configurator.v1 import configurator_events_pb2 as events
from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref, stream_envelopes
from tests.integration.configurator.test_board_stock_batches import WHITE, configured
from tests.integration.conftest import auth

pytestmark = pytest.mark.integration


async def _published(settings, batch: str) -> list[events.BoardBatchPlanned]:
    found = []
    for _, envelope in await stream_envelopes(
            settings.nats_url, "configurator", "dovetail.configurator.board_batch_planned"):
        body = events.BoardBatchPlanned()
        envelope.body.Unpack(body)
        if body.batch == batch:
            found.append(body)
    return found


async def test_a_receipt_publishes_the_batchs_new_waits_as_its_next_revision(
        settings, configurator_service, configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    admin = auth(TEST_ADMIN_KEY)
    factory, batch = ref("recheck-f"), ref("shift")
    orders = [await configured(configurator_service.runtime.app) for _ in range(2)]
    await stub.ReceiveBoards(pb.ReceiveBoardsRequest(factory_id=factory, kind=WHITE, quantity=1),
                             metadata=admin)
    nested = await stub.NestBatch(pb.NestBatchRequest(factory_id=factory, batch=batch,
                                                      order_ids=orders), metadata=admin)
    assert nested.stock.shortages

    async def revision(n: int):
        found = await _published(settings, batch)
        return found if len(found) > n else None

    [first] = await eventually(lambda: revision(0))
    assert first.revision == 0 and first.waits
    for w in first.waits:  # each wait names the orders it holds, all of the batch
        assert w.order_ids and set(w.order_ids) <= set(orders)

    kinds = len(nested.stock.shortages)
    for shortage in nested.stock.shortages:  # every short kind arrives, one receipt each
        await stub.ReceiveBoards(pb.ReceiveBoardsRequest(
            factory_id=factory, kind=shortage.kind, quantity=shortage.short), metadata=admin)
    found = await eventually(lambda: revision(kinds))
    assert [b.revision for b in found] == list(range(kinds + 1))  # each once, in order
    assert not found[-1].waits  # all boards in: nothing waits
    assert all(list(b.order_ids) == list(first.order_ids) for b in found)

    await stub.ReceiveBoards(pb.ReceiveBoardsRequest(factory_id=factory, kind=WHITE, quantity=1),
                             metadata=admin)  # more than enough already: nothing to re-publish
    await stub.CountBoards(pb.CountBoardsRequest(factory_id=factory, kind=WHITE, counted=0),
                           metadata=admin)  # the white boards counted away: it waits again
    found = await eventually(lambda: revision(kinds + 1))
    assert [b.revision for b in found] == list(range(kinds + 2))
    assert found[-1].waits and all(w.until_date == "" for w in found[-1].waits)
