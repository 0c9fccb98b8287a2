"""A cutting batch's layout is kept when it is nested (issue 20, item 2): the same boards,
parts and cut list come back later from GetBatch - not nested again against a stock that has
moved on - each part with its order, the offcuts kept marked on their board's diagram. Another
factory's key sees none of it; an unknown batch is NOT_FOUND."""

from __future__ import annotations

import csv
import io

import grpc
import pytest

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from services.configurator.domain.order_plan import order_ref
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from tests.integration.configurator.test_board_stock_batches import WHITE, configured
from tests.integration.conftest import auth

pytestmark = pytest.mark.integration


async def test_a_nested_batch_is_kept_as_it_was_nested(configurator_service, configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    admin = auth(TEST_ADMIN_KEY)
    factory, batch = ref("layout-f"), ref("shift")
    app = configurator_service.runtime.app
    orders = [await configured(app), await configured(app)]
    await stub.ReceiveBoards(
        pb.ReceiveBoardsRequest(factory_id=factory, kind=WHITE, quantity=20), metadata=admin
    )
    nested = await stub.NestBatch(
        pb.NestBatchRequest(factory_id=factory, batch=batch, order_ids=orders), metadata=admin
    )
    # stock moves on: a new offcut would change a fresh nesting of the same orders
    await stub.RecordOffcut(
        pb.RecordOffcutRequest(
            factory_id=factory,
            offcut=pb.Offcut(
                offcut_id="later-1",
                material="particleboard-18",
                thickness_mm=18,
                decor="melamine-white",
                length_mm=2000,
                width_mm=1000,
                batch="later",
                source="later/1",
            ),
        ),
        metadata=admin,
    )

    kept = await stub.GetBatch(
        pb.GetBatchRequest(factory_id=factory, batch=batch, include_svg=True), metadata=admin
    )
    assert kept.summary.batch == batch and kept.summary.holding
    assert [(b.material, b.length_mm, b.from_offcut_id, b.parts) for b in kept.boards] == [
        (b.material, b.length_mm, b.from_offcut_id, b.parts) for b in nested.boards
    ]
    assert [b.number for b in kept.boards] == list(range(1, len(kept.boards) + 1))
    assert {p.order_id for p in kept.parts} == set(orders)
    assert all(p.label.startswith(order_ref(p.order_id)) for p in kept.parts)
    for board in kept.boards:
        mine = [p for p in kept.parts if p.board == board.number]
        assert len(mine) == board.parts
        assert all(p.label in board.svg for p in mine)
        assert all(f"offcut kept {o}" in board.svg for o in board.offcuts_kept)
    assert sorted(o for b in kept.boards for o in b.offcuts_kept) == sorted(
        o.offcut_id for o in nested.offcuts_kept
    )
    rows = list(csv.DictReader(io.StringIO(kept.cut_list_csv)))
    assert [r["label"] for r in rows] == [p.label for p in kept.parts]

    again = await stub.GetBatch(
        pb.GetBatchRequest(factory_id=factory, batch=batch, include_svg=True), metadata=admin
    )
    assert [b.svg for b in again.boards] == [b.svg for b in kept.boards]


async def test_a_batch_is_its_factorys_only(configurator_service, configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    factory, other = ref("layout-a"), ref("layout-b")
    other_key = f"dvt_factory_{other.lower()}"
    await configurator_service.runtime.keys.add(other_key, Principal("factory", other))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetBatch(
            pb.GetBatchRequest(factory_id=factory, batch="any"), metadata=auth(other_key)
        )
    assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await stub.GetBatch(
            pb.GetBatchRequest(factory_id=other, batch="never-nested"), metadata=auth(other_key)
        )
    assert unknown.value.code() == grpc.StatusCode.NOT_FOUND
    assert "never-nested" in unknown.value.details()
