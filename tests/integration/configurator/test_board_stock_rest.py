"""Board stock through the gateway's REST (issue 20, item 1): a factory enters receipts, counts
and purchases for its own factory and gets 403 for another's; a planner reads and writes every
factory's; bad bodies are 422 with each field named as the body spells it."""

from __future__ import annotations

import httpx
import pytest

from gateway.app import create_app
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from tests.integration.conftest import FACTORY_KEY
from tests.integration.gateway.conftest import serve

pytestmark = pytest.mark.integration

PLANNER_KEY = "dvt_planner_test_stock"
PB18 = {"material": "particleboard-18", "thickness_mm": 18, "decor": "melamine-white",
        "length_mm": 2800, "width_mm": 2070}


@pytest.fixture(scope="module")
async def rest(settings, orders_service, configurator_service):
    await orders_service.runtime.keys.add(PLANNER_KEY, Principal("planner"))
    app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}",
                                "configurator": f"127.0.0.1:{configurator_service.port}"})
    server, task, base_url = await serve(app)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            yield client
    finally:
        server.should_exit = True
        await task


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_a_factory_keeps_its_own_stock(rest):
    f1 = bearer(FACTORY_KEY)
    before = (await rest.get("/api/v1/factories/f1/stock", headers=f1)).json()
    on_hand = next((line["on_hand"] for line in before["lines"]
                    if line["kind"] == PB18 | {"thickness_mm": 18.0}), 0)
    purchase = ref("PO")
    ordered = await rest.post("/api/v1/factories/f1/stock/purchases", headers=f1, json={
        **PB18, "ref": purchase, "quantity": 50, "expected_date": "2026-12-21"})
    assert ordered.status_code == 201, ordered.text
    received = await rest.post("/api/v1/factories/f1/stock/receipts", headers=f1, json={
        **PB18, "quantity": 20, "purchase_ref": purchase})
    assert received.status_code == 201, received.text
    line = next(line for line in received.json()["lines"] if line["kind"]["material"] ==
                "particleboard-18" and line["kind"]["decor"] == "melamine-white"
                and line["kind"]["length_mm"] == 2800)
    assert line["on_hand"] == on_hand + 20 and line["on_order"] >= 30
    counted = await rest.post("/api/v1/factories/f1/stock/counts", headers=f1, json={
        **PB18, "counted": on_hand + 19, "note": "one broken"})
    assert counted.status_code == 201 and counted.json()["difference"] == -1
    assert (await rest.get("/api/v1/factories/f2/stock", headers=f1)).status_code == 403
    refused = await rest.post("/api/v1/factories/f2/stock/receipts", headers=f1,
                              json={**PB18, "quantity": 1})
    assert refused.status_code == 403


async def test_a_planner_enters_any_factorys_stock(rest):
    factory = ref("stock-rest")
    got = await rest.post(f"/api/v1/factories/{factory}/stock/receipts",
                          headers=bearer(PLANNER_KEY), json={**PB18, "quantity": 4})
    assert got.status_code == 201, got.text
    read = await rest.get(f"/api/v1/factories/{factory}/stock", headers=bearer(TEST_ADMIN_KEY))
    assert [line["on_hand"] for line in read.json()["lines"]] == [4]


async def test_bad_bodies_name_each_field(rest):
    f1 = bearer(FACTORY_KEY)
    got = await rest.post("/api/v1/factories/f1/stock/purchases", headers=f1, json={
        **PB18, "material": "chipboard-99", "decor": "purple", "ref": "a b",
        "quantity": 0, "expected_date": "soon"})
    assert got.status_code == 422, got.text
    assert {e["field"] for e in got.json()["errors"]} == {
        "material", "decor", "ref", "quantity", "expected_date"}
    got = await rest.post("/api/v1/factories/f1/stock/receipts", headers=f1,
                          json={**PB18, "length_mm": 0, "colour": "red"})
    assert 400 <= got.status_code < 500


async def test_a_shifts_batch_is_nested_cut_and_listed(rest, configurator_service):
    from tests.integration.configurator.test_board_stock_batches import configured

    factory, batch = ref("stock-rest"), ref("shift")
    orders = [await configured(configurator_service.runtime.app)]
    planner = bearer(PLANNER_KEY)
    await rest.post(f"/api/v1/factories/{factory}/stock/receipts", headers=planner,
                    json={**PB18, "quantity": 9})
    nested = await rest.post(f"/api/v1/factories/{factory}/stock/batches", headers=planner,
                             json={"batch": batch, "order_ids": orders, "include_svg": True})
    assert nested.status_code == 201, nested.text
    body = nested.json()
    assert body["summary"]["holding"] and body["boards"][0]["svg"].startswith("<svg")
    assert body["stock"]["batches"][0]["batch"] == batch
    again = await rest.post(f"/api/v1/factories/{factory}/stock/batches", headers=planner,
                            json={"batch": batch, "order_ids": orders})
    assert again.status_code == 409, again.text
    cut = await rest.post(f"/api/v1/factories/{factory}/stock/batches/{batch}/consume",
                          headers=planner)
    assert cut.status_code == 201 and not cut.json()["batches"][0]["holding"]
    bad = await rest.post(f"/api/v1/factories/{factory}/stock/batches", headers=planner,
                          json={"batch": "a b", "order_ids": ["x", "x"]})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"batch", "order_ids"}


async def test_a_batch_short_of_boards_is_a_purchase_proposal(rest, configurator_service):
    from tests.integration.configurator.test_board_stock_batches import configured

    factory, batch = ref("stock-short"), ref("shift")
    planner = bearer(PLANNER_KEY)
    orders = [await configured(configurator_service.runtime.app)]
    nested = await rest.post(f"/api/v1/factories/{factory}/stock/batches", headers=planner,
                             json={"batch": batch, "order_ids": orders})
    assert nested.status_code == 201, nested.text
    proposal = (await rest.get(f"/api/v1/factories/{factory}/stock/purchase-proposal",
                               headers=planner)).json()
    white = next(s for s in proposal if s["kind"]["material"] == "particleboard-18")
    assert white["to_order"] == white["short"] > 0 and white["waits"]
    kind = white["kind"]
    assert white["explanation"].startswith(
        f"waits for board particleboard-18 melamine-white {kind['length_mm']}×{kind['width_mm']} "
        f"at factory {factory} until {white['to_order']} more sheets are ordered")
    await rest.post(f"/api/v1/factories/{factory}/stock/purchases", headers=planner, json={
        **kind, "ref": ref("PO"), "quantity": white["short"], "expected_date": "2099-01-05"})
    proposal = (await rest.get(f"/api/v1/factories/{factory}/stock/purchase-proposal",
                               headers=planner)).json()
    white = next(s for s in proposal if s["kind"]["material"] == "particleboard-18")
    assert (white["to_order"], white["covered_on"], white["waits"]) == (0, "2099-01-05", True)
    assert white["explanation"].endswith(f"at factory {factory} until 2099-01-05")
