"""The demo's board stock is seeded once: a second `make up` leaves what people entered."""

from __future__ import annotations

from datetime import date

import pytest

from demo.network import DEMO_FACTORIES
from demo.stock import seed_stock
from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from tests.conftest import TEST_ADMIN_KEY
from tests.integration.conftest import auth

pytestmark = pytest.mark.integration


async def test_demo_stock_is_seeded_once(configurator_channel):
    stub = pb_grpc.StockServiceStub(configurator_channel)
    admin = auth(TEST_ADMIN_KEY)
    await seed_stock(stub, admin, date(2026, 12, 6))  # seeded now, or by an earlier run
    first = DEMO_FACTORIES[0].factory_id
    stock = (await stub.GetStock(pb.GetStockRequest(factory_id=first), metadata=admin)).stock
    assert len(stock.lines) >= 7 and all(line.on_hand > 0 for line in stock.lines)
    assert [p.ref for p in stock.purchases] == [f"DEMO-PO-{first}-1"]
    assert await seed_stock(stub, admin, date(2026, 12, 7)) == []
    again = (await stub.GetStock(pb.GetStockRequest(factory_id=first), metadata=admin)).stock
    assert again.version == stock.version
