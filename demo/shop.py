"""Demo data for `make up`: a handful of shop orders posted through the signed webhook."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from datetime import date, timedelta

import httpx

from services.kit.settings import Settings
from webhook_signature import sign

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
     {"width_mm": 1800, "height_mm": 550, "depth_mm": 400, "board": "veneered-18",
      "finish": "veneer-oak", "drawers": 2}),
    ("DEMO-1005", "Liu Yang", "Zhongshan", "Guangdong", "desk",
     {"width_mm": 1400, "height_mm": 750, "depth_mm": 700, "board": "particleboard-25",
      "finish": "melamine-oak", "drawers": 3}),
    # One a factory cannot build, to show an actionable rejection in the portal.
    ("DEMO-1006", "Zhao Lei", "Huizhou", "Guangdong", "bookcase",
     {"width_mm": 1200, "height_mm": 2000, "depth_mm": 300, "board": "particleboard-18",
      "finish": "melamine-white", "shelves": 4, "dividers": 0}),
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


async def post(client: httpx.AsyncClient, settings: Settings, payload: dict) -> None:
    secret = settings.webhook_secrets["dovetail"]
    body = json.dumps(payload).encode()
    url = f"http://{settings.grpc_host}:{settings.gateway_port}/webhooks/dovetail/orders"
    await client.post(url, content=body, headers={
        "Dovetail-Signature": sign(secret, body), "Content-Type": "application/json"})


async def seed(settings: Settings) -> None:
    """Post the demo orders (repeats are harmless: the webhook is idempotent)."""
    secret = settings.webhook_secrets.get("dovetail")
    if secret is None:
        return
    async with httpx.AsyncClient(timeout=10) as client:
        for order in DEMO_ORDERS:
            await post(client, settings, demo_payload(*order))


async def shop(settings: Settings, every_s: float) -> None:
    """A demo shop: a new made-to-measure order now and then, so the portal stays live."""
    rng = random.Random()
    customers = [(name, city) for _, name, city, *_ in DEMO_ORDERS]
    async with httpx.AsyncClient(timeout=10) as client:
        while True:
            _, _, _, region, product, options = rng.choice(DEMO_ORDERS[:5])
            name, city = rng.choice(customers)
            options = dict(options)
            options["width_mm"] = int(options["width_mm"] * rng.choice((0.8, 0.9, 1.0))) // 10 * 10
            payload = demo_payload(f"SHOP-{uuid.uuid4().hex[:10].upper()}", name, city, region,
                                   product, options)
            payload["promised_date"] = (date.today() + timedelta(days=rng.randint(5, 30))).isoformat()
            with contextlib.suppress(httpx.HTTPError):
                await post(client, settings, payload)
            await asyncio.sleep(rng.uniform(0.5, 1.5) * every_s)


def main() -> None:
    """`python -m demo.shop`: run the demo shop (make up starts it)."""
    import os

    settings = Settings.from_env()
    every = float(os.environ.get("DOVETAIL_DEMO_ORDER_EVERY_S", "30"))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(shop(settings, every))


if __name__ == "__main__":
    main()
