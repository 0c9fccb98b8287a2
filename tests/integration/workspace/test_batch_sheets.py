"""A cutting batch's papers (issue 20, item 2): once nested, the workspace lists the batch
under this shift's batches; its page shows every board's diagram (from the layout kept when it
was nested) and every part with its order and label; labels and cut list print as PDF; the same
diagrams at stable REST URLs. Another factory sees none of it."""

from __future__ import annotations

import re

import grpc
import pytest

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from services.configurator.domain.order_plan import order_ref
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually, ref

pytestmark = pytest.mark.integration


async def nest(platform, batch: str, order_id: str) -> pb.NestBatchResponse:
    """The order nested as a batch of MINE once the configurator has configured it."""
    async with grpc.aio.insecure_channel(
            f"127.0.0.1:{platform.services['configurator'].port}") as channel:
        stub = pb_grpc.StockServiceStub(channel)

        async def nested():
            try:
                return await stub.NestBatch(pb.NestBatchRequest(
                    factory_id=platform.mine.factory_id, batch=batch, order_ids=[order_id]),
                    metadata=(("authorization", f"Bearer {TEST_ADMIN_KEY}"),))
            except grpc.aio.AioRpcError as exc:  # not configured yet
                assert exc.code() in (grpc.StatusCode.NOT_FOUND,
                                      grpc.StatusCode.FAILED_PRECONDITION), exc.details()
                return None

        return await eventually(nested, timeout=60)


async def test_this_shifts_batch_shows_its_diagrams_labels_and_cut_list(platform):
    batch = ref("shift-batch").lower()  # nested now: MINE works round the clock, so this shift
    order_id = await platform.place_order()
    nested = await nest(platform, batch, order_id)

    stock = await platform.client.get("/factory/stock/", headers=platform.mine.bearer)
    shift_section = stock.text.split('id="shift-batches"')[1].split("</section>")[0]
    assert f'href="/factory/stock/batches/{batch}"' in shift_section

    page = await platform.client.get(f"/factory/stock/batches/{batch}",
                                     headers=platform.mine.bearer)
    assert page.status_code == 200, page.text[:300]
    boards = len(nested.boards)
    for n in range(1, boards + 1):
        assert f'src="/factory/stock/batches/{batch}/boards/{n}/diagram.svg"' in page.text
    labels = re.findall(rf">({order_ref(order_id)}-\d{{3}})</a>", page.text)
    assert labels and len(labels) == sum(b.parts for b in nested.boards)

    svg = await platform.client.get(f"/factory/stock/batches/{batch}/boards/1/diagram.svg",
                                    headers=platform.mine.bearer)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and order_ref(order_id) in svg.text
    assert "default-src 'none'" in svg.headers["content-security-policy"]
    missing = await platform.client.get(
        f"/factory/stock/batches/{batch}/boards/{boards + 1}/diagram.svg",
        headers=platform.mine.bearer)
    assert missing.status_code == 404
    for paper in ("labels.pdf", "cut-list.pdf", "diagrams.pdf"):
        printed = await platform.client.get(f"/factory/stock/batches/{batch}/{paper}",
                                            headers=platform.mine.bearer)
        assert printed.status_code == 200 and printed.content.startswith(b"%PDF")

    neighbour = await platform.client.get(f"/factory/stock/batches/{batch}",
                                          headers=platform.other.bearer)
    assert neighbour.status_code == 404  # OTHER never nested it: nothing of MINE shows


async def test_a_batchs_papers_at_stable_rest_urls_for_its_factory_only(platform):
    batch = ref("rest-batch").lower()
    order_id = await platform.place_order()
    await nest(platform, batch, order_id)
    base = f"/api/v1/factories/{platform.mine.factory_id}/stock/batches/{batch}"
    found = await platform.client.get(base, headers=platform.mine.bearer)
    assert found.status_code == 200, found.text[:300]
    body = found.json()
    assert {p["order_id"] for p in body["parts"]} == {order_id}
    assert body["diagrams"][0].endswith(f"{base}/boards/1/diagram.svg")
    first = await platform.client.get(body["diagrams"][0], headers=platform.mine.bearer)
    again = await platform.client.get(body["diagrams"][0], headers=platform.mine.bearer)
    assert first.status_code == 200 and first.text == again.text  # stored, not re-nested
    printed = await platform.client.get(body["diagrams_pdf"], headers=platform.mine.bearer)
    assert printed.status_code == 200 and printed.content.startswith(b"%PDF")
    assert printed.content.count(b"/Type /Page\n") == len(body["boards"])  # a page a board
    csv = await platform.client.get(f"{base}/cut-list.csv", headers=platform.mine.bearer)
    assert csv.status_code == 200 and order_ref(order_id) in csv.text
    refused = await platform.client.get(base, headers=platform.other.bearer)
    assert refused.status_code == 403
    unknown = await platform.client.get(
        f"/api/v1/factories/{platform.mine.factory_id}/stock/batches/never-nested",
        headers=platform.mine.bearer)
    assert unknown.status_code == 404
