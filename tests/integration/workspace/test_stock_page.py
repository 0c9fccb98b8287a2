"""The workspace's stock page (issue 20, items 1 and 3): a factory's people see their own
factory's boards and offcuts and record a receipt (once, however often the form is sent) and a
count; a bad form names its fields; another factory's stock is never theirs to see."""

from __future__ import annotations

import grpc
import pytest

from dovetail.configurator.v1 import stock_service_pb2 as pb
from dovetail.configurator.v1 import stock_service_pb2_grpc as pb_grpc
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref

pytestmark = pytest.mark.integration

FORM = {"material": "mdf-18", "thickness_mm": "18", "decor": "", "size": "2440x1220"}


async def test_a_factory_records_a_receipt_once_and_a_count(platform):
    session = await platform.session("factory_operator")
    cookies = {"dovetail_session": session}
    origin = {"Origin": platform.base_url}
    key = ref("tap")
    for _ in range(2):  # the double tap
        sent = await platform.client.post("/factory/stock/receipts", cookies=cookies,
                                          headers=origin, follow_redirects=False,
                                          data={**FORM, "quantity": "7", "key": key})
        assert sent.status_code == 303, sent.text
    page = await platform.client.get("/factory/stock/", cookies=cookies)
    assert page.status_code == 200 and "Receipt recorded" not in page.text
    assert "mdf-18" in page.text and "2440 × 1220" in page.text
    counted = await platform.client.post("/factory/stock/counts", cookies=cookies,
                                         headers=origin, follow_redirects=False,
                                         data={**FORM, "counted": "5", "note": "two broken"})
    assert counted.status_code == 303
    assert counted.headers["location"].endswith("done=count&difference=-2")  # 7, not 14
    shown = await platform.client.get(counted.headers["location"], cookies=cookies)
    assert "-2 sheets" in shown.text


async def test_offcuts_show_with_their_batch_and_bad_forms_name_fields(platform):
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{platform.services['configurator'].port}")
    batch = ref("batch")
    try:
        await pb_grpc.StockServiceStub(channel).RecordOffcut(pb.RecordOffcutRequest(
            factory_id=platform.mine.factory_id, offcut=pb.Offcut(
                offcut_id=f"{batch}/o1", material="particleboard-18", thickness_mm=18,
                decor="melamine-white", length_mm=1310, width_mm=650, batch=batch,
                source=f"{batch}/1")), metadata=(("authorization", f"Bearer {TEST_ADMIN_KEY}"),))
    finally:
        await channel.close()
    page = await platform.client.get("/factory/stock/", headers=platform.mine.bearer)
    assert batch in page.text and "1310 × 650" in page.text
    other = await platform.client.get("/factory/stock/", headers=platform.other.bearer)
    assert batch not in other.text  # the neighbour sees its own stock only
    bad = await platform.client.post("/factory/stock/receipts", headers=platform.mine.bearer,
                                     data={**FORM, "size": "big", "quantity": "-1", "key": ""})
    assert bad.status_code == 422
    for field in ("size:", "quantity:", "key:"):
        assert field in bad.text
    refused = await platform.client.post(
        "/factory/stock/counts", headers=platform.mine.bearer,
        data={**FORM, "material": "chipboard-99", "counted": "3"})
    assert refused.status_code == 422 and "material: " in refused.text


async def test_a_manager_nests_this_shifts_saw_work_and_marks_it_cut(platform, order):
    from services.configurator.domain.order_plan import order_ref

    order_id, _ops = order
    form = await platform.client.get("/factory/stock/batches/new", headers=platform.mine.bearer)
    assert form.status_code == 200 and 'id="batch-form"' in form.text
    batch = ref("shift")
    nested = await platform.client.post("/factory/stock/batches", headers=platform.mine.bearer,
                                        data={"batch": batch})
    assert nested.status_code == 200, nested.text[:500]
    assert "<svg" in nested.text and order_ref(order_id) in nested.text  # labels carry the order
    page = await platform.client.get("/factory/stock/", headers=platform.mine.bearer)
    assert batch in page.text and "Mark as cut" in page.text
    # MINE stocks none of the wardrobe's boards: the batch waits for them, named
    assert "Boards to order" in page.text and "waits for board" in page.text
    cut = await platform.client.post(f"/factory/stock/batches/{batch}/consume",
                                     headers=platform.mine.bearer, follow_redirects=False)
    assert cut.status_code == 303 and cut.headers["location"].endswith("done=cut")
    operator = {"dovetail_session": await platform.session("factory_operator")}
    refused = await platform.client.get("/factory/stock/batches/new", cookies=operator)
    assert refused.status_code == 403  # managers nest batches


async def test_the_stock_page_says_its_times_and_days_in_the_readers_language(platform):
    """A count's time and a purchase's expected day, in Chinese: 12月7日 11:07 and 2026年…日,
    not "7 Dec 11:07" and an ISO day inside a Chinese sentence."""
    import re

    channel = grpc.aio.insecure_channel(f"127.0.0.1:{platform.services['configurator'].port}")
    kind = pb.BoardKind(material="mdf-18", thickness_mm=18, length_mm=2800, width_mm=2070)
    try:
        await pb_grpc.StockServiceStub(channel).OrderBoards(pb.OrderBoardsRequest(
            factory_id=platform.mine.factory_id, ref=ref("PO"), kind=kind, quantity=40,
            expected_date="2031-03-09"), metadata=(("authorization", f"Bearer {TEST_ADMIN_KEY}"),))
    finally:
        await channel.close()
    counted = await platform.client.post(
        "/factory/stock/counts", headers=platform.mine.bearer,
        data={"material": "mdf-18", "thickness_mm": "18", "decor": "", "size": "2800x2070",
              "counted": "12"}, follow_redirects=False)
    assert counted.status_code == 303, counted.text
    page = await platform.client.get("/factory/stock/",
                                     headers={**platform.mine.bearer, "Accept-Language": "zh-CN"})
    assert page.status_code == 200
    assert re.search(r"\d{1,2}月\d{1,2}日 \d\d:\d\d", page.text)
    assert not re.search(r"\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d\d:\d\d",
                         page.text)
    assert "2031年3月9日" in page.text and "2031-03-09" not in page.text
    # boards by the catalogue's names, the code beside them for the forms that take codes
    assert "18 mm 中密度板" in page.text and ">mdf-18 · 18 mm<" not in page.text
