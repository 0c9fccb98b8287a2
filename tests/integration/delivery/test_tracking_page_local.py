"""The customer's tracking page in their language and on their clock: a customer in Foshan
reads Asia/Shanghai times (not "14:38 UTC"), one in Berlin Europe/Berlin's; 中文 by the
browser's Accept-Language or the page's own switch."""

from __future__ import annotations

import re

import pytest

from tests.integration.delivery.conftest import opened, post_event

pytestmark = pytest.mark.integration
ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


async def test_a_customer_in_china_reads_shanghai_time_in_chinese(
        bus, delivery_stub, site, delivery_settings):
    shipment = await opened(delivery_stub, await bus.ship(city="Foshan", region="Guangdong"))
    await post_event(site, delivery_settings, shipment, "picked_up",
                     location={"city": "Foshan", "country": "CN"})
    view = (await site.get(f"/track/{shipment.tracking_token}.json")).json()
    assert view["destination_time_zone"] == "Asia/Shanghai"

    page = (await site.get(f"/track/{shipment.tracking_token}", headers=ZH)).text
    assert '<html lang="zh-CN">' in page and "已由承运商揽收" in page and "承运商" in page
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d \(Asia/Shanghai\)", page)
    assert "UTC" not in page and "Picked up by the carrier" not in page
    names = {"sf-express": ("顺丰速运", "SF Express"), "deppon": ("德邦快递", "Deppon Express")}
    chinese, english_name = names[view["carrier"]]  # said by name, not by the rule's code
    assert f"<dd>{chinese}</dd>" in page and f"<dd>{view['carrier']}</dd>" not in page

    english = (await site.get(f"/track/{shipment.tracking_token}?lang=en", headers=ZH)).text
    assert '<html lang="en">' in english and "Picked up by the carrier" in english
    assert f"<dd>{english_name}</dd>" in english
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d CST \(Asia/Shanghai\)", english)


async def test_a_customer_abroad_reads_their_own_zone(bus, delivery_stub, site):
    shipment = await opened(delivery_stub, await bus.ship(city="Berlin", region="Berlin",
                                                          country="DE"))
    page = (await site.get(f"/track/{shipment.tracking_token}",
                           headers={"Accept-Language": "en"})).text
    assert "(Europe/Berlin)" in page and "(Asia/Shanghai)" not in page
    assert "Times are in Europe/Berlin." in page
