"""One tap is one report, however often it is sent; a factory's people reach nothing of
another factory: its machines, operations, parts, labels and cut lists are 404 to them."""

from __future__ import annotations

import pytest

from dovetail.scheduling.v1 import scheduling_service_pb2 as sch
from tests.helpers import eventually, ref
from tests.integration.workspace.platform import planned_here

pytestmark = pytest.mark.integration


def first_operation(ops: dict) -> tuple[str, str, object]:
    op_id, (machine_id, bar) = min(ops.items(), key=lambda kv: kv[1][1].seq)
    return op_id, machine_id, bar


async def tap(platform, op_id: str, kind: str, key: str, headers=None, **extra):
    return await platform.client.post(
        "/factory/report", headers=headers or platform.mine.bearer,
        data={"operation_id": op_id, "kind": kind, "key": key, **extra}, follow_redirects=False)


async def test_start_and_finish_the_next_operation_once_each(platform):
    order_id = await platform.place_order()
    ops = await planned_here(platform, order_id)
    op_id, _machine, _bar = first_operation(ops)
    key = ref("tap")
    first = await tap(platform, op_id, "start", key)
    assert first.status_code == 303, first.text
    assert "done=start&duplicate=0" in first.headers["location"]
    again = await tap(platform, op_id, "start", key)  # the double tap
    assert again.status_code == 303 and "duplicate=1" in again.headers["location"]

    async def started():
        found = await planned_here(platform, order_id)
        return found[op_id][1].status == sch.OPERATION_STATUS_STARTED

    await eventually(started, timeout=60, interval=0.5)
    finished = await tap(platform, op_id, "finish", ref("tap"))
    assert finished.status_code == 303 and "done=finish&duplicate=0" in finished.headers[
        "location"]

    async def done():
        found = await planned_here(platform, order_id)
        return found[op_id][1].status == sch.OPERATION_STATUS_FINISHED

    await eventually(done, timeout=60, interval=0.5)


async def test_a_bad_tap_names_its_fields(platform, order):
    _order_id, ops = order
    op_id, _m, _b = first_operation(ops)
    bad = await tap(platform, op_id, "explode", "", scrap_quantity="-2")
    assert bad.status_code == 422
    for field in ("kind", "key", "scrap_quantity"):
        assert f"{field}:" in bad.text


async def test_another_factorys_work_is_not_found(platform, order):
    order_id, ops = order
    op_id, machine_id, _bar = first_operation(ops)
    other = platform.other.bearer
    # OTHER's people ask for MINE's operation, machine, order, labels, cut list, part.
    assert (await tap(platform, op_id, "start", ref("tap"), headers=other)).status_code == 404
    for path in (f"/factory/orders/{order_id}/labels.pdf",
                 f"/factory/orders/{order_id}/cut-list.pdf",
                 f"/factory/parts/{order_id}/anything"):
        answer = await platform.client.get(path, headers=other)
        assert answer.status_code == 404, path
    for action, form in (("breakdown", {"key": ref("k"), "hours": "1"}),
                         ("stops", {"key": ref("k"), "hours": "1", "reason": "x",
                                    "start": "2026-12-24T08:00"})):
        answer = await platform.client.post(f"/factory/machines/{machine_id}/{action}",
                                            headers=other, data=form, follow_redirects=False)
        assert answer.status_code == 404, action
    machines = await platform.client.get("/factory/machines", headers=other)
    assert machines.status_code == 200 and machine_id not in machines.text
    # ... and MINE's people reach MINE's.
    labels = await platform.client.get(f"/factory/orders/{order_id}/labels.pdf",
                                       headers=platform.mine.bearer)
    assert labels.status_code == 200 and labels.headers["content-type"] == "application/pdf"


async def test_a_cookie_write_from_another_site_is_refused(platform, order):
    """A form posted with a session cookie from another site's page does nothing (403); the
    same form from the workspace's own page is reported."""
    _order_id, ops = order
    op_id, _m, _b = first_operation(ops)
    cookie = {"Cookie": f"dovetail_session={await platform.session('factory_operator')}"}
    forged = await tap(platform, op_id, "scrap", ref("tap"),
                       headers={"Origin": "https://evil.example", **cookie})
    assert forged.status_code == 403
    page = await platform.client.get("/factory/", headers=cookie)
    assert page.status_code == 200 and f'id="op-{op_id}"' in page.text


async def test_operators_do_not_plan_stops_or_register_machines(platform, order):
    _order_id, ops = order
    _op, machine_id, _b = first_operation(ops)
    cookie = {"Cookie": f"dovetail_session={await platform.session('factory_operator')}",
              "Origin": platform.base_url}
    stop = await platform.client.post(f"/factory/machines/{machine_id}/stops", headers=cookie,
                                      data={"key": ref("k"), "hours": "1", "reason": "clean",
                                            "start": "2026-12-24T08:00"},
                                      follow_redirects=False)
    assert stop.status_code == 403
    assert (await platform.client.get("/factory/onboarding", headers=cookie)).status_code == 403
    manager = {"Cookie": f"dovetail_session={await platform.session('factory_manager')}"}
    assert (await platform.client.get("/factory/onboarding", headers=manager)).status_code == 200


async def test_a_breakdown_and_a_planned_stop_take_the_machine_out(platform):
    """Reported from the floor (once, however often sent) and planned by a manager: both are
    stops iot records, shown on the machine's card in the factory's time."""
    machine_id = f"{platform.mine.factory_id}-paint_line"
    key = ref("brk")
    form = {"key": key, "hours": "1.5", "note": "belt snapped"}
    for _ in range(2):  # the double tap
        answer = await platform.client.post(f"/factory/machines/{machine_id}/breakdown",
                                            headers=platform.mine.bearer, data=form,
                                            follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].endswith(
            "done=breakdown")
    bad = await platform.client.post(f"/factory/machines/{machine_id}/stops",
                                     headers=platform.mine.bearer,
                                     data={"key": ref("k"), "hours": "99", "start": "soon"})
    assert bad.status_code == 422
    assert all(f"{f}:" in bad.text for f in ("hours", "start", "reason"))
    planned = await platform.client.post(f"/factory/machines/{machine_id}/stops",
                                         headers=platform.mine.bearer,
                                         data={"key": ref("k"), "hours": "2",
                                               "start": "2030-01-07T08:00",
                                               "reason": "blade change"},
                                         follow_redirects=False)
    assert planned.status_code == 303

    async def stopped() -> bool:
        page = await platform.client.get("/factory/machines", headers=platform.mine.bearer)
        card = page.text.split(f'id="m-{machine_id}"', 1)[1].split("</section>", 1)[0]
        return "Stopped" in card

    await eventually(stopped, timeout=60, interval=0.5)


async def test_a_refused_report_reads_in_the_operators_language(platform):
    """Finishing an operation nobody started is refused (scheduling's ReportOutOfOrder, 409):
    the page says why in 简体中文 to a reader of Chinese and in English without a language
    (issue 19, item 3: the refusal travels as words)."""
    order_id = await platform.place_order()
    op_id, _machine, _bar = first_operation(await planned_here(platform, order_id))
    english = f"operation {op_id} cannot be finished: it is planned, report it started first"
    chinese = f"工序 {op_id} 还没开工，不能报完工：请先报开工"
    for headers, said, not_said in (
            ({**platform.mine.bearer, "Accept-Language": "zh-CN"}, chinese, english),
            (platform.mine.bearer, english, chinese)):
        refused = await tap(platform, op_id, "finish", ref("tap"), headers=headers)
        assert refused.status_code == 409, refused.text
        assert said in refused.text and not_said not in refused.text
