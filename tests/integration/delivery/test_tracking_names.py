"""The customer's tracking page names what they ordered as the catalogue names it, in their
language ("衣柜 × 1", "Wardrobe × 1"), not the delivery service's own "Wardrobe x 1" in English:
a real order through orders and the configurator, its shipment opened by delivery."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.configurator.application import ConfiguratorApplication
from services.configurator.main import build as build_configurator
from services.kit import runtime
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.helpers import order_payload
from tests.integration.delivery.conftest import opened, served_gateway
from tests.integration.test_gateway_webhooks import signed

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def configurator_service(delivery_settings):
    running = await runtime.start("configurator", delivery_settings, ConfiguratorApplication,
                                  build_configurator, port=0)
    await running.runtime.keys.add(TEST_ADMIN_KEY, Principal("admin"))
    yield running
    running.stop.set()
    await running.done


@pytest.fixture(scope="module")
async def shop_site(delivery_settings, orders_service, delivery_service, configurator_service):
    async with served_gateway(delivery_settings, {
            "orders": f"127.0.0.1:{orders_service.port}",
            "delivery": f"127.0.0.1:{delivery_service.port}",
            "configurator": f"127.0.0.1:{configurator_service.port}"}) as client:
        yield client


async def test_the_tracking_page_names_the_products_in_the_customers_language(
        shop_site, bus, delivery_stub, delivery_settings):
    payload = order_payload()
    payload["items"][0]["quantity"] = 2
    placed = await shop_site.post("/webhooks/dovetail/orders", **signed(delivery_settings, payload))
    assert placed.status_code == 202, placed.text
    order_id = placed.json()["order_id"]
    product = payload["items"][0]["product"]
    assert product == "wardrobe"
    await bus.configured(order_id)  # the rest of the journey, as the services would say it
    now = datetime.now(UTC)
    await bus.scheduled(order_id, "f1", now)
    await bus.produced(order_id, "f1", now)
    shipment = await opened(delivery_stub, order_id)
    assert list(shipment.items) == ["Wardrobe x 2"]  # delivery's own words, in English

    chinese = await shop_site.get(f"/track/{shipment.tracking_token}",
                                  headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 200
    assert "衣柜 × 2" in chinese.text and "Wardrobe x 2" not in chinese.text
    english = await shop_site.get(f"/track/{shipment.tracking_token}.json",
                                  headers={"Accept-Language": "en"})
    assert english.json()["items"] == ["Wardrobe × 2"]
