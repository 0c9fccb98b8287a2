"""Board stock from the factory's own command line and SDK (issue 20, item 1): a receipt and
a count recorded, the stock listed, this shift's cutting batches, a batch's diagrams and cut
list written to files - against a real configurator and iot, with the factory's key only.
Errors in plain words: a bad size named, another factory's batch not found."""

from __future__ import annotations

import asyncio
import csv
import uuid

import grpc
import pytest

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from dovetail_factory.stock import BoardKind
from services.configurator.application import ConfiguratorApplication, OrderRevision
from services.configurator.domain.order_plan import LineRequest, order_ref
from services.configurator.main import build
from services.kit import runtime
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.integration.conftest import auth
from tests.integration.factory_client.conftest import Tenant, client_for, register_factory
from tests.integration.factory_client.test_cli import run

pytestmark = pytest.mark.integration

STOCKER = Tenant("FK")
WHITE = (
    "--material",
    "particleboard-18",
    "--thickness",
    "18",
    "--decor",
    "melamine-white",
    "--size",
    "2800x2070",
)
WARDROBE = {
    "width_mm": 1600,
    "height_mm": 2200,
    "depth_mm": 600,
    "board": "particleboard-18",
    "finish": "melamine-white",
    "doors": 2,
}


@pytest.fixture(scope="module")
async def configurator(settings, iot):
    """A configurator of this module's own (stopped after it), knowing the factory's key."""
    running = await runtime.start("configurator", settings, ConfiguratorApplication, build, port=0)
    await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
    await running.runtime.keys.add(STOCKER.key, Principal("factory", STOCKER.factory_id))
    await register_factory(iot, STOCKER)  # round the clock: this shift is today
    yield running
    running.stop.set()
    await running.done


@pytest.fixture
def stock_env(monkeypatch, tmp_path, iot, configurator):
    monkeypatch.setenv("DOVETAIL_FACTORY_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DOVETAIL_FACTORY_TARGET", f"127.0.0.1:{iot.port}")
    monkeypatch.setenv("DOVETAIL_FACTORY_IOT_TARGET", f"127.0.0.1:{iot.port}")
    monkeypatch.setenv("DOVETAIL_FACTORY_CONFIGURATOR_TARGET", f"127.0.0.1:{configurator.port}")
    monkeypatch.setenv("DOVETAIL_FACTORY_KEY", STOCKER.key)
    return tmp_path


async def nested_batch(configurator) -> tuple[str, list[str]]:
    """Two configured wardrobes nested as one batch of the factory, by the chain's admin."""
    app = configurator.runtime.app
    orders = [str(uuid.uuid4()) for _ in range(2)]

    def configure() -> None:
        for order_id in orders:
            app.save(
                app.configure_revision(
                    OrderRevision(
                        order_id, 1, [LineRequest("1", "wardrobe", 1, dict(WARDROBE))], ""
                    ),
                    "test",
                )
            )

    await asyncio.to_thread(configure)
    batch = f"b-{uuid.uuid4().hex[:8]}"
    async with grpc.aio.insecure_channel(f"127.0.0.1:{configurator.port}") as channel:
        await pb_grpc.StockServiceStub(channel).NestBatch(
            pb.NestBatchRequest(factory_id=STOCKER.factory_id, batch=batch, order_ids=orders),
            metadata=auth(TEST_ADMIN_KEY),
        )
    return batch, orders


async def test_a_receipt_and_a_count_from_the_command_line(stock_env, capsys):
    code, out, _ = await run(
        capsys, "stock", "receive", *WHITE, "--quantity", "12", "--key", "delivery-1"
    )
    assert code == 0 and "Received 12 sheets" in out and "12 on hand" in out
    code, out, _ = await run(
        capsys, "stock", "receive", *WHITE, "--quantity", "12", "--key", "delivery-1"
    )  # the same delivery again: once
    assert code == 0 and "12 on hand" in out

    code, out, _ = await run(capsys, "stock", "count", *WHITE, "--counted", "10")
    assert code == 0 and "Counted 10 sheets" in out and "-2" in out
    code, out, _ = await run(capsys, "stock", "list")
    assert code == 0 and "particleboard-18 melamine-white 2800×2070" in out and "10" in out

    code, _, err = await run(capsys, "stock", "receive", *WHITE[:-1], "28x", "--quantity", "1")
    assert code == 2 and "size" in err and "2800x2070" in err
    code, _, err = await run(
        capsys,
        "stock",
        "receive",
        "--material",
        "unobtainium",
        "--thickness",
        "18",
        "--size",
        "2800x2070",
        "--quantity",
        "1",
    )
    assert code == 2 and "material" in err and "unobtainium" in err


async def test_this_shifts_batches_and_a_batchs_diagrams_on_file(
    stock_env, configurator, capsys, tmp_path
):
    batch, orders = await nested_batch(configurator)
    code, out, _ = await run(capsys, "--lang", "en", "stock", "batches")
    assert code == 0 and "This shift's cutting batches" in out and batch in out

    folder = tmp_path / "cut"
    code, out, _ = await run(capsys, "stock", "batch", batch, "--out", str(folder))
    assert code == 0 and f"Boards of batch {batch}" in out
    diagrams = sorted(folder.glob("board-*.svg"))
    assert diagrams and all(d.read_text().startswith("<svg") for d in diagrams)
    svg = "".join(d.read_text() for d in diagrams)
    assert all(order_ref(o) in svg for o in orders)
    rows = list(csv.DictReader((folder / "cut-list.csv").open()))
    assert {r["order"] for r in rows} == {order_ref(o) for o in orders}

    code, out, _ = await run(capsys, "--lang", "zh-CN", "stock", "batches")
    assert code == 0 and "本班次的开料批次" in out

    code, _, err = await run(capsys, "stock", "batch", "never-nested")
    assert code == 5 and "never-nested" in err


async def test_the_sdk_reads_its_own_factory_only(configurator, iot, tmp_path):
    other = Tenant("FL")
    await configurator.runtime.keys.add(other.key, Principal("factory", other.factory_id))
    async with client_for(
        STOCKER,
        None,
        iot,
        tmp_path,
        factory_id=STOCKER.factory_id,
        configurator_target=f"127.0.0.1:{configurator.port}",
    ) as client:
        stock = await client.receive_boards(
            BoardKind.parse_size("particleboard-18", 18, "melamine-white", "2440x1220"), 3
        )
        assert any(line.kind.length_mm == 2440 and line.on_hand >= 3 for line in stock.lines)
    async with client_for(
        other,
        None,
        iot,
        tmp_path,
        factory_id=STOCKER.factory_id,
        configurator_target=f"127.0.0.1:{configurator.port}",
    ) as client:
        from dovetail_factory import NotAllowed

        with pytest.raises(NotAllowed):
            await client.stock()
