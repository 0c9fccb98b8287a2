"""A gateway of its own for these tests (orders in-process), its app, and keys for every role."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn
from litestar import Litestar

from gateway.app import create_app
from gateway.main import server_config
from gateway.settings import EdgeSettings
from infra.servers import free_port
from services.kit.auth import Principal
from tests.conftest import TEST_ADMIN_KEY
from tests.integration.conftest import CHANNEL_KEY, FACTORY_KEY
from webhook_signature import sign_base64

FIXTURES = Path(__file__).parent / "fixtures"
DESIGNER_KEY = "dvt_designer_test_gateway_d7"
KEYS = {"admin": TEST_ADMIN_KEY, "factory": FACTORY_KEY, "channel": CHANNEL_KEY,
        "designer": DESIGNER_KEY}


@dataclass
class Gateway:
    app: Litestar
    client: httpx.AsyncClient
    base_url: str

    def as_(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {KEYS[role]}"}


async def serve(app: Litestar, edge: EdgeSettings | None = None):
    """`app` served as `python -m gateway.main` serves it (its uvicorn config), on a free port."""
    port = free_port()
    server = uvicorn.Server(server_config(app, edge or EdgeSettings(), "127.0.0.1", port,
                                          timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return server, task, f"http://127.0.0.1:{port}"


@asynccontextmanager
async def gateway_with(settings, orders_service, edge: EdgeSettings | None = None
                       ) -> AsyncIterator[Gateway]:
    """A gateway of its own (its own limits and counts) in front of the orders service."""
    app = create_app(settings, {"orders": f"127.0.0.1:{orders_service.port}"}, edge)
    server, task, base_url = await serve(app, edge)
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
            yield Gateway(app, client, base_url)
    finally:
        server.should_exit = True
        await task


@pytest.fixture(scope="package")
async def gw(settings, orders_service) -> Gateway:
    await orders_service.runtime.keys.add(DESIGNER_KEY, Principal("designer", "d7"))
    async with gateway_with(settings, orders_service) as gateway:
        yield gateway


def fixture(name: str) -> dict:
    return copy.deepcopy(json.loads((FIXTURES / name).read_text()))


def shop_post(payload: dict | bytes, secret: str, headers: dict[str, str]) -> dict:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return {"content": body, "headers": {"Content-Type": "application/json", **headers}}


def shopify(settings, payload: dict, *, topic: str = "orders/create", webhook_id: str,
            secret: str | None = None) -> dict:
    body = json.dumps(payload).encode()
    signature = sign_base64(secret or settings.webhook_secrets["shopify"], body)
    return shop_post(body, "", {"X-Shopify-Hmac-Sha256": signature, "X-Shopify-Topic": topic,
                                "X-Shopify-Webhook-Id": webhook_id,
                                "X-Shopify-Shop-Domain": "dovetail-demo.myshopify.com",
                                "X-Shopify-API-Version": "2025-10"})


def woocommerce(settings, payload: dict, *, topic: str = "order.created", delivery_id: str,
                secret: str | None = None) -> dict:
    body = json.dumps(payload).encode()
    signature = sign_base64(secret or settings.webhook_secrets["woocommerce"], body)
    return shop_post(body, "", {"X-WC-Webhook-Signature": signature, "X-WC-Webhook-Topic": topic,
                                "X-WC-Webhook-Resource": "order", "X-WC-Webhook-Event": "created",
                                "X-WC-Webhook-ID": "12", "X-WC-Webhook-Delivery-ID": delivery_id,
                                "X-WC-Webhook-Source": "https://shop.example.com/"})
