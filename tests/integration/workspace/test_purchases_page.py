"""The portal's purchases page (issue 20, item 4): boards to buy across the network, per
factory and board by the day they are needed (the factory's zone named), with the sheets short
and the orders that wait for them, each board by the catalogue's name in the reader's language.
For admins and planners; a factory's people are refused."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import ref
from tests.integration.workspace.test_batch_sheets import nest

pytestmark = pytest.mark.integration
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


async def test_boards_to_buy_per_factory_with_the_orders_waiting(platform):
    order_id = await platform.place_order()
    await nest(platform, ref("buy").lower(), order_id)  # MINE stocks none of its boards
    shown = await platform.client.get("/portal/purchases/", headers=ADMIN)
    assert shown.status_code == 200, shown.text[:300]
    table = shown.text.split('id="purchase-proposals"')[1].split("</table>")[0]
    rows = [r for r in table.split("<tr")[1:] if f'data-factory="{platform.mine.factory_id}"' in r]
    assert rows and any(f'href="/portal/orders/{order_id}"' in r for r in rows)
    assert all("(Asia/Shanghai)" in r and "nothing on order" in r for r in rows)
    assert "18 mm particleboard" in table and "particleboard-18" not in table  # by its name
    assert f'data-factory="{platform.other.factory_id}"' not in table  # OTHER needs nothing

    chinese = await platform.client.get("/portal/purchases/",
                                        headers={**ADMIN, "Accept-Language": "zh-CN"})
    assert "需要采购的板材" in chinese.text and "年" in chinese.text
    table = chinese.text.split('id="purchase-proposals"')[1].split("</table>")[0]
    assert "18 mm 刨花板" in table and "particleboard-18" not in table

    operator = {"dovetail_session": await platform.session("factory_operator")}
    refused = await platform.client.get("/portal/purchases/", cookies=operator)
    assert refused.status_code == 403


async def test_an_order_short_of_boards_says_why_it_waits_on_its_page(platform):
    from tests.helpers import eventually

    order_id = await platform.place_order()
    await nest(platform, ref("wait").lower(), order_id)  # nothing of its boards at MINE

    async def says_why() -> str:
        shown = await platform.client.get(f"/portal/orders/{order_id}", headers=ADMIN)
        return shown.text if 'id="board-waits"' in shown.text else ""

    text = await eventually(says_why, timeout=60)
    box = text.split('id="board-waits"')[1].split("</div>")[0]
    assert "waits for board particleboard-18" in box
    assert f"at factory {platform.mine.factory_id} (none on order)" in box
    chinese = await platform.client.get(f"/portal/orders/{order_id}",
                                        headers={**ADMIN, "Accept-Language": "zh-CN"})
    assert f"等待工厂 {platform.mine.factory_id} 的板材" in chinese.text
