"""Board stock over gRPC (issue 20, items 1 and 3): a factory enters receipts, counts and
purchases for its own factory only; offcuts are recorded with their batch; bad input is
INVALID_ARGUMENT with every field named; the person behind a gateway call is recorded."""

from __future__ import annotations

import grpc
import pytest

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from services.configurator.domain.board_stock import factory_stock_id
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from tests.integration.conftest import FACTORY_KEY, auth
from tests.integration.test_orders_service import violations

pytestmark = pytest.mark.integration

PB18 = pb.BoardKind(material="particleboard-18", thickness_mm=18, decor="melamine-white",
                    length_mm=2800, width_mm=2070)


@pytest.fixture
def stock(configurator_channel):
    return pb_grpc.StockServiceStub(configurator_channel)


async def test_a_factory_receives_counts_and_orders_boards_for_itself(stock, configurator_service):
    key = auth(FACTORY_KEY)  # factory f1
    before = (await stock.GetStock(pb.GetStockRequest(factory_id="f1"), metadata=key)).stock
    on_hand = next((line.on_hand for line in before.lines if line.kind == PB18), 0)
    purchase = ref("PO")
    ordered = await stock.OrderBoards(pb.OrderBoardsRequest(
        factory_id="f1", ref=purchase, kind=PB18, quantity=40, expected_date="2026-12-20"),
        metadata=key)
    assert purchase in {p.ref for p in ordered.stock.purchases}
    received = await stock.ReceiveBoards(pb.ReceiveBoardsRequest(
        factory_id="f1", kind=PB18, quantity=15, purchase_ref=purchase, note="truck 1"),
        metadata=key)
    line = next(line for line in received.stock.lines if line.kind == PB18)
    assert line.on_hand == on_hand + 15
    assert next(p for p in received.stock.purchases if p.ref == purchase).received == 15
    counted = await stock.CountBoards(pb.CountBoardsRequest(
        factory_id="f1", kind=PB18, counted=line.on_hand - 2, note="two broken"), metadata=key)
    assert counted.difference == -2
    line = next(line for line in counted.stock.lines if line.kind == PB18)
    assert line.on_hand == on_hand + 13 and line.last_counted_at
    # The receipt is recorded as the factory's.
    events = list(configurator_service.runtime.app.events.get(factory_stock_id("f1")))
    assert any(type(e).__name__ == "BoardsReceived" and e.by == "factory:f1" for e in events)


async def test_another_factory_is_refused_and_an_admin_names_the_person(stock,
                                                                      configurator_service):
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stock.GetStock(pb.GetStockRequest(factory_id="f2"), metadata=auth(FACTORY_KEY))
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    factory = ref("stock-f")
    await stock.ReceiveBoards(pb.ReceiveBoardsRequest(factory_id=factory, kind=PB18, quantity=3),
                              metadata=(*auth(TEST_ADMIN_KEY), ("dovetail-actor", "li@example.cn")))
    events = list(configurator_service.runtime.app.events.get(factory_stock_id(factory)))
    assert [e.by for e in events if type(e).__name__ == "BoardsReceived"] == ["li@example.cn"]


async def test_bad_input_names_every_field(stock):
    bad = pb.BoardKind(material="chipboard-99", thickness_mm=18, decor="purple", length_mm=0,
                       width_mm=2070)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stock.OrderBoards(pb.OrderBoardsRequest(
            factory_id="f1", ref="bad ref!", kind=bad, quantity=0, expected_date="soon"),
            metadata=auth(FACTORY_KEY))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert set(violations(refused.value)) >= {
        "kind.material", "kind.decor", "kind.length_mm", "kind.width_mm", "ref", "quantity",
        "expected_date"}
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stock.ReceiveBoards(pb.ReceiveBoardsRequest(factory_id="f1", quantity=1),
                                  metadata=auth(FACTORY_KEY))
    assert "kind" in violations(refused.value)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stock.ReceiveBoards(pb.ReceiveBoardsRequest(
            factory_id="f1", kind=PB18, quantity=1, purchase_ref=ref("PO-none")),
            metadata=auth(FACTORY_KEY))
    assert refused.value.code() == grpc.StatusCode.NOT_FOUND


async def test_offcuts_are_recorded_with_their_batch_and_shown_in_stock(stock):
    factory = ref("stock-o")
    batch = ref("batch")
    recorded = await stock.RecordOffcut(pb.RecordOffcutRequest(factory_id=factory, offcut=pb.Offcut(
        offcut_id=f"{batch}/1/o1", material="mdf-18", thickness_mm=18, length_mm=1200.5,
        width_mm=640, batch=batch, source=f"{batch}/1")), metadata=auth(TEST_ADMIN_KEY))
    [offcut] = recorded.stock.offcuts
    assert (offcut.batch, offcut.length_mm, offcut.material) == (batch, 1200.5, "mdf-18")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stock.RecordOffcut(pb.RecordOffcutRequest(factory_id=factory, offcut=pb.Offcut(
            offcut_id="o2", material="mdf-18", thickness_mm=25, length_mm=-1, width_mm=10,
            batch="")), metadata=auth(TEST_ADMIN_KEY))
    assert set(violations(refused.value)) == {
        "offcut.thickness_mm", "offcut.length_mm", "offcut.batch"}
