"""Demo data for `make up` (issue 20, item 1): every demo factory's board stock - the boards the
seed catalogue's products are made of, in its sheet sizes, a few hundred sheets on hand as a
stocktake would find them, and one purchase on order due in a few days - entered through the
configurator's StockService as a factory's clerk would.

Idempotent: a factory whose stock has any line already is left as it is (what people entered
since is theirs)."""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from demo.network import DEMO_FACTORIES, DemoFactory
from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from services.kit.settings import Settings
from services.kit.tls import client_channel

ZONE = ZoneInfo("Asia/Shanghai")  # the demo network's factories
BIG, SMALL = (2800, 2070), (2440, 1220)
# (board, thickness, decor, sheet, sheets on hand before the factory's share of the network)
STOCKED = (
    ("particleboard-18", 18, "melamine-white", BIG, 160),
    ("particleboard-18", 18, "melamine-grey", BIG, 60),
    ("particleboard-25", 25, "melamine-white", BIG, 40),
    ("mdf-18", 18, "", BIG, 80),
    ("plywood-18", 18, "", SMALL, 30),
    ("veneered-18", 18, "", SMALL, 24),
    ("hdf-8", 8, "", BIG, 120),
)


def kind(board: str, thickness: int, decor: str, sheet: tuple[int, int]) -> pb.BoardKind:
    return pb.BoardKind(material=board, thickness_mm=thickness, decor=decor,
                        length_mm=sheet[0], width_mm=sheet[1])


def counts(f: DemoFactory) -> list[pb.CountBoardsRequest]:
    """What a stocktake finds: the base quantity scaled by the factory's share of the network's
    capacity, varied a little per factory (the same every run)."""
    out = []
    for board, thickness, decor, sheet, base in STOCKED:
        wobble = zlib.crc32(f"{f.factory_id}/{board}/{decor}".encode()) % 21 - 10  # -10 … +10 %
        sheets = max(round(base * f.capacity_share_percent / 60 * (100 + wobble) / 100), 0)
        out.append(pb.CountBoardsRequest(factory_id=f.factory_id, kind=kind(board, thickness,
                                                                           decor, sheet),
                                         counted=sheets, note="demo stocktake"))
    return out


def purchase(f: DemoFactory, today: date) -> pb.OrderBoardsRequest:
    """White particleboard on order, due in three days."""
    return pb.OrderBoardsRequest(
        factory_id=f.factory_id, ref=f"DEMO-PO-{f.factory_id}-1",
        kind=kind("particleboard-18", 18, "melamine-white", BIG), quantity=120,
        expected_date=(today + timedelta(days=3)).isoformat())


async def seed_stock(stub: pb_grpc.StockServiceStub, metadata, today: date) -> list[str]:
    """Each demo factory's stock unless it has some; the factories seeded."""
    seeded = []
    for f in DEMO_FACTORIES:
        found = await stub.GetStock(pb.GetStockRequest(factory_id=f.factory_id),
                                    metadata=metadata, timeout=10)
        if found.stock.lines:
            continue
        for request in counts(f):
            await stub.CountBoards(request, metadata=metadata, timeout=10)
        await stub.OrderBoards(purchase(f, today), metadata=metadata, timeout=10)
        seeded.append(f.factory_id)
    return seeded


async def seed(settings: Settings) -> list[str]:
    admin = (("authorization", f"Bearer {settings.admin_key}"),
             ("dovetail-actor", "demo stocktake"))
    async with client_channel(settings, settings.service_address("configurator")) as channel:
        seeded = await seed_stock(pb_grpc.StockServiceStub(channel), admin,
                                  datetime.now(ZONE).date())
    if not seeded:
        return []
    return [f"Demo board stock in {', '.join(seeded)}: boards on hand and a purchase due in "
            "three days. A factory's stock: /factory/stock/ (its people) or "
            "GET /api/v1/factories/<id>/stock"]
