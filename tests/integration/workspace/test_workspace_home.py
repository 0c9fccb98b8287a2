"""A factory's person opens the workspace: their machines' queues for this shift, in planned
order, in the factory's time; the neighbour's machines never appear."""

from __future__ import annotations

import re

import pytest

from gateway.workspace import reading
from tests.helpers import eventually
from tests.integration.workspace.platform import planned_here

pytestmark = pytest.mark.integration


async def test_the_queue_shows_this_factorys_machines_in_planned_order(platform, order):
    order_id, _ops = order
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


async def test_only_factory_people_enter(platform, settings):
    from tests.conftest import TEST_ADMIN_KEY

    admin = await platform.client.get("/factory/",
                                      headers={"Authorization": f"Bearer {TEST_ADMIN_KEY}"})
    assert admin.status_code == 403
    nobody = await platform.client.get("/factory/", follow_redirects=False)
    assert nobody.status_code in (302, 303, 307)
    assert "/portal/sign-in?next=/factory" in nobody.headers["location"]
