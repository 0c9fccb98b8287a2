"""Demo data for `make up`: a handful of shop orders posted through the signed webhook."""

from __future__ import annotations

import json

import httpx

from gateway.webhooks.signature import sign
from services.kit.settings import Settings

DEMO_ORDERS = [
    ("DEMO-1001", "Li Wei", "Guangzhou", "Guangdong", "wardrobe",
     {"width_mm": 2000, "height_mm": 2400, "depth_mm": 600, "board": "particleboard-18",
      "finish": "melamine-white", "doors": 2}),
    ("DEMO-1002", "Zhang Min", "Foshan", "Guangdong", "base_cabinet",
     {"width_mm": 800, "height_mm": 720, "depth_mm": 560, "board": "particleboard-18",
      "finish": "melamine-grey", "doors": 2}),
    ("DEMO-1003", "Wang Fang", "Shenzhen", "Guangdong", "bookcase",
     {"width_mm": 900, "height_mm": 2000, "depth_mm": 300, "board": "mdf-18",
      "finish": "lacquer-white", "shelves": 4}),
    ("DEMO-1004", "Chen Jie", "Dongguan", "Guangdong", "tv_unit",
     {"width_mm": 1800, "height_mm": 450, "depth_mm": 400, "board": "plywood-18",
      "finish": "veneer-oak", "drawers": 2}),
    ("DEMO-1005", "Liu Yang", "Zhongshan", "Guangdong", "desk",
     {"width_mm": 1400, "height_mm": 750, "depth_mm": 700, "board": "particleboard-25",
      "finish": "melamine-oak", "drawers": 3}),
]


def demo_payload(external_id, name, city, region, product, options) -> dict:
    return {
        "external_id": external_id,
        "promised_date": "2026-12-20",
        "customer": {"name": name, "email": f"{external_id.lower()}@example.com",
                     "address": {"line1": "1 Demo Road", "city": city, "region": region,
                                 "postal_code": "510000", "country": "CN"}},
        "items": [{"line_id": "1", "product": product, "quantity": 1, "options": options}],
        "total": {"amount": "4999.00", "currency": "CNY"},
    }


async def seed(settings: Settings) -> None:
    """Post the demo orders (repeats are harmless: the webhook is idempotent)."""
    secret = settings.webhook_secrets.get("dovetail")
    if secret is None:
        return
    url = f"http://{settings.grpc_host}:{settings.gateway_port}/webhooks/dovetail/orders"
    async with httpx.AsyncClient(timeout=10) as client:
        for order in DEMO_ORDERS:
            body = json.dumps(demo_payload(*order)).encode()
            await client.post(url, content=body, headers={
                "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})
