"""A factory's person opens the workspace: their machines' queues for this shift, in planned
order, in the factory's time; the neighbour's machines never appear."""

from __future__ import annotations

import re
import uuid

import pytest

from gateway.workspace import reading
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import eventually
from tests.integration.workspace.platform import planned_here

pytestmark = pytest.mark.integration


async def test_the_queue_shows_this_factorys_machines_in_planned_order(platform):
    # An order of its own: the package's order may rightly wait days for boards once the stock
    # tests have nested it in a batch short of them (test_stock_page).
    order_id = await platform.place_order()
    await planned_here(platform, order_id)
    factory = await reading.factory_record(platform.app.state.gateway.services,
                                           platform.mine.factory_id)
    shift = reading.shift_of(factory)

    async def shown_as_planned() -> bool:
        """The page as the plan stands (read on both sides of it: re-planning may move work)."""
        before = await planned_here(platform, order_id)
        page = await platform.client.get("/factory/", headers=platform.mine.bearer)
        after = await planned_here(platform, order_id)
        if {o: b.start_unix_ms for o, (_m, b) in before.items()} != {
                o: b.start_unix_ms for o, (_m, b) in after.items()}:
            return False
        assert page.status_code == 200, page.text
        check_page(page.text, platform, after, shift)
        return True

    await eventually(shown_as_planned, timeout=60, interval=0.5)


def check_page(html: str, platform, ops: dict, shift) -> None:
    assert "Asia/Shanghai" in html  # times are local and the zone is named
    assert platform.mine.factory_id in html and platform.other.factory_id not in html
    ops = {o: (m, b) for o, (m, b) in ops.items() if b.start_unix_ms < shift.end_ms}
    assert ops, "the order's first operations are planned in this shift"
    for op_id, (machine_id, _bar) in ops.items():
        assert f'id="op-{op_id}"' in section_of(html, machine_id)  # on its machine's queue
    for machine_id in {m for m, _ in ops.values()}:
        shown = re.findall(r'data-op="([^"]+)"', section_of(html, machine_id))
        ours = [o for o in shown if o in ops]
        assert ours == sorted(ours, key=lambda o: ops[o][1].start_unix_ms)  # planned order
    assert 'class="chip next-chip"' in html  # what is next is marked


def section_of(html: str, machine_id: str) -> str:
    return html.split(f'id="m-{machine_id}"', 1)[1].split("</section>", 1)[0]


ROLES = {"admin": Principal("admin"), "planner": Principal("planner"),
         "customer_service": Principal("customer_service"),
         "channel": Principal("channel", "dovetail"), "designer": Principal("designer", "d1")}
SAMPLES = {"order_id": "o1", "barcode": "b1", "machine_id": "m1", "batch": "batch-1",
           "number": "1", "task_id": "t1"}


async def test_every_workspace_route_is_for_factory_people_only(platform):
    """Every /factory route the app has (new ones included): other roles 403, nobody a
    sign-in redirect (GET) or 401 (POST), before anything is read or done."""
    keys = platform.services["orders"].runtime.keys
    headers = {}
    for role, principal in ROLES.items():
        key = f"dvt_{role}_ws_{uuid.uuid4().hex}"
        await keys.add(key, principal)
        headers[role] = {"Authorization": f"Bearer {key}"}
    unknown = {p for path in platform.app.route_handler_method_map
               for p in re.findall(r"\{(\w+):\w+\}", path)
               if path.startswith("/factory") and not path.startswith("/factory/static")}
    assert unknown <= SAMPLES.keys(), f"give SAMPLES a value for {unknown - SAMPLES.keys()}"
    routes = [(m, re.sub(r"\{(\w+):\w+\}", lambda g: SAMPLES[g.group(1)], path))
              for path, methods in platform.app.route_handler_method_map.items()
              if path.startswith("/factory") and not path.startswith("/factory/static")
              for m in methods if m not in ("OPTIONS", "HEAD")]
    assert len(routes) >= 9
    for method, url in routes:
        for role, h in headers.items():
            answer = await platform.client.request(method, url, headers=h)
            assert answer.status_code == 403, (role, method, url, answer.status_code)
        nobody = await platform.client.request(method, url, follow_redirects=False)
        if method == "GET":
            assert nobody.status_code in (302, 303, 307), (method, url)
            assert "/portal/sign-in?next=/factory" in nobody.headers["location"]
        else:
            assert nobody.status_code in (401, 302, 303, 307), (method, url)


async def test_a_factory_person_signing_in_lands_in_the_workspace(platform):
    """From the portal's sign-in page with nowhere named to go: not the order desk's pages
    (403 to them) but their workspace."""
    email, password = await platform.person("factory_manager")
    signed = await platform.client.post("/portal/sign-in", data={
        "email": email, "password": password}, headers={"Origin": platform.base_url},
        follow_redirects=False)
    platform.client.cookies.clear()
    assert signed.status_code == 303 and signed.headers["location"] == "/factory"


async def test_the_work_reads_in_chinese_on_the_queue_the_order_page_and_the_gantt(platform):
    """Issue 19: what each operation does (the configurator's routing, as words through
    scheduling's plan) reads in Chinese on the factory's queue and in the schedule REST for a
    zh-CN reader, and the order page's line summary and routing too; machines read English."""
    order_id = await platform.place_order()
    ops = await planned_here(platform, order_id)
    zh = {"Accept-Language": "zh-CN"}
    admin = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
    schedule = await platform.client.get(
        "/api/v1/schedule", params={"factory_id": platform.mine.factory_id},
        headers={**admin, **zh})
    assert schedule.status_code == 200, schedule.text[:300]
    bars = [b for lane in schedule.json()["lanes"] for b in lane["bars"] if b["order_id"] == order_id]
    saw = next(b for b in bars if b["label_words"]["template"].startswith("cut "))
    assert saw["label"].startswith("开料 ") and "刀（" in saw["label"]
    english = await platform.client.get(
        "/api/v1/schedule", params={"factory_id": platform.mine.factory_id}, headers=admin)
    assert any(b["label"].startswith("cut ") for lane in english.json()["lanes"]
               for b in lane["bars"] if b["order_id"] == order_id)
    queue = await platform.client.get("/factory/", headers={**platform.mine.bearer, **zh})
    first = next(iter(ops))
    item = queue.text.split(f'id="op-{first}"', 1)[1].split("</li>", 1)[0]
    assert re.search(r"<strong>(开料|封边|钻孔|铣削|砂光|喷涂|组装|包装) ", item), item[:400]
    page = await platform.client.get(f"/portal/orders/{order_id}", headers={**admin, **zh})
    card = page.text.split('id="configuration"', 1)[1].split("</section>", 1)[0]
    assert "衣柜 " in card and " 毫米，" in card and "<td>开料 " in card
    assert "wardrobe " not in card.split("<h3>")[0]
