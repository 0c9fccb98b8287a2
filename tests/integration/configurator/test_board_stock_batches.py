"""A shift's cutting batch against a factory's stock (issue 20, items 2 and 3): nested on the
sheet sizes the factory stocks, its offcuts first; its new sheets reserved per kind, the
offcut it cuts used, the remnants it keeps in stock with the batch; cut, the sheets leave
stock. The same batch twice, an order not configured: refused by name."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from services.configurator.application import OrderRevision
from services.configurator.domain.order_plan import LineRequest, order_ref
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from tests.integration.conftest import auth

pytestmark = pytest.mark.integration

WARDROBE = {"width_mm": 1600, "height_mm": 2200, "depth_mm": 600,
            "board": "particleboard-18", "finish": "melamine-white", "doors": 2}
WHITE = pb.BoardKind(material="particleboard-18", thickness_mm=18, decor="melamine-white",
                     length_mm=2800, width_mm=2070)


async def configured(app, **options) -> str:
    """A configured order (or, with options it cannot be made with, a rejected one)."""
    order_id = str(uuid.uuid4())

    def configure() -> None:
        found = app.configure_revision(OrderRevision(order_id, 1, [
            LineRequest("1", "wardrobe", 1, {**WARDROBE, **options})], ""), "test")
        app.save(found)

    await asyncio.to_thread(configure)
    return order_id


async def test_a_batch_reserves_sheets_uses_an_offcut_and_keeps_remnants(configurator_service,
                                                                         configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    admin = auth(TEST_ADMIN_KEY)
    factory, batch = ref("nest-f"), ref("shift")
    app = configurator_service.runtime.app
    orders = [await configured(app), await configured(app)]
    await stub.ReceiveBoards(pb.ReceiveBoardsRequest(factory_id=factory, kind=WHITE, quantity=20),
                             metadata=admin)
    await stub.RecordOffcut(pb.RecordOffcutRequest(factory_id=factory, offcut=pb.Offcut(
        offcut_id="old-1", material="particleboard-18", thickness_mm=18, decor="melamine-white",
        length_mm=2000, width_mm=1000, batch="earlier", source="earlier/1")), metadata=admin)
    nested = await stub.NestBatch(pb.NestBatchRequest(
        factory_id=factory, batch=batch, order_ids=orders, include_svg=True), metadata=admin)
    white = [b for b in nested.boards if b.material == "particleboard-18/melamine-white"]
    new_white = [b for b in white if not b.from_offcut_id]
    assert [b.from_offcut_id for b in white if b.from_offcut_id] == ["old-1"]
    assert nested.summary.new_boards == len([b for b in nested.boards if not b.from_offcut_id])
    line = next(line for line in nested.stock.lines if line.kind == WHITE)
    assert (line.on_hand, line.reserved) == (20, len(new_white)) and line.reserved > 0
    assert all(b.length_mm == 2800 for b in new_white)  # the size the factory stocks
    assert all(order_ref(o) in "".join(b.svg for b in nested.boards) for o in orders)
    assert {s.order_ref for s in nested.shares} == {order_ref(o) for o in orders}
    in_stock = {o.offcut_id: o for o in nested.stock.offcuts}
    assert "old-1" not in in_stock
    assert nested.offcuts_kept and all(in_stock[o.offcut_id].batch == batch
                                       for o in nested.offcuts_kept)
    assert nested.stock.batches[0].batch == batch and nested.stock.batches[0].holding

    with pytest.raises(grpc.aio.AioRpcError) as again:
        await stub.NestBatch(pb.NestBatchRequest(factory_id=factory, batch=batch,
                                                 order_ids=orders), metadata=admin)
    assert again.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    cut = await stub.ConsumeBatch(pb.ConsumeBatchRequest(factory_id=factory, batch=batch),
                                  metadata=admin)
    line = next(line for line in cut.stock.lines if line.kind == WHITE)
    assert (line.on_hand, line.reserved) == (20 - len(new_white), 0)
    assert not cut.stock.batches[0].holding


async def test_an_order_not_configured_is_named(configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    unknown = str(uuid.uuid4())
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.NestBatch(pb.NestBatchRequest(factory_id=ref("nest-f"), batch=ref("shift"),
                                                 order_ids=[unknown]),
                             metadata=auth(TEST_ADMIN_KEY))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND and unknown in refused.value.details()


async def test_a_batch_short_of_boards_is_published_with_what_it_waits_for(
        settings, configurator_service, configurator_channel):
    from dovetail.configurator.v1 import configurator_events_pb2 as events
    from tests.helpers import eventually, stream_envelopes

    stub = pb_grpc.StockServiceStub(configurator_channel)
    admin = auth(TEST_ADMIN_KEY)
    factory, batch = ref("nest-pub"), ref("shift")
    orders = [await configured(configurator_service.runtime.app)]
    await stub.ReceiveBoards(pb.ReceiveBoardsRequest(factory_id=factory, kind=WHITE, quantity=1),
                             metadata=admin)  # one big white sheet: not the whole batch's
    nested = await stub.NestBatch(pb.NestBatchRequest(factory_id=factory, batch=batch,
                                                      order_ids=orders), metadata=admin)
    short = {(s.kind.material, s.kind.decor, s.kind.length_mm): s.short
             for s in nested.stock.shortages}
    assert short

    async def published():
        for _, envelope in await stream_envelopes(
                settings.nats_url, "configurator", "dovetail.configurator.board_batch_planned"):
            body = events.BoardBatchPlanned()
            envelope.body.Unpack(body)
            if body.batch == batch:
                return body
        return None

    body = await eventually(published)
    assert (body.factory_id, list(body.order_ids)) == (factory, orders)
    assert body.new_boards == nested.summary.new_boards
    assert {(w.material, w.decor, w.length_mm): w.short for w in body.waits} == short
    assert all(w.until_date == "" for w in body.waits)  # nothing on order: still to be bought


async def test_an_order_rejected_by_configuration_is_refused_with_its_reason(
        configurator_service, configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    rejected = await configured(configurator_service.runtime.app, width_mm=90_000)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.NestBatch(pb.NestBatchRequest(factory_id=ref("nest-f"), batch=ref("shift"),
                                                 order_ids=[rejected]),
                             metadata=auth(TEST_ADMIN_KEY))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details() == f"order {rejected} is rejected, not configured"
    info, failure = error_details_pb2.ErrorInfo(), error_details_pb2.PreconditionFailure()
    found = rpc_status.from_call(refused.value).details
    assert any(d.Unpack(info) for d in found) and any(d.Unpack(failure) for d in found)
    assert (info.reason, info.domain) == ("ORDER_NOT_CONFIGURED", "stock.dovetail")
    assert (failure.violations[0].type, failure.violations[0].subject) == (
        "ORDER_NOT_CONFIGURED", rejected)
