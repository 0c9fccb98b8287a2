"""A shop and a chain leader's system on a free port, checking requests as the real ones do.

Shopify (Admin REST, FulfillmentOrder flow) and WooCommerce (REST v3) endpoints answer like
those platforms and refuse what they would refuse (wrong token or basic auth, a body that
does not have the documented shape); the Standard Webhooks receiver verifies each signature
with the `standardwebhooks` package. Each can be told to fail or to hold its answer.
"""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post, put
from standardwebhooks import Webhook, WebhookVerificationError

from infra.servers import free_port

SHOPIFY_TOKEN = "shpat_test_token"
WOO_KEY, WOO_SECRET = "ck_test_key", "cs_test_secret"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class World:
    """What the receivers saw, and how they are told to behave."""

    webhooks: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    shopify: list[Received] = field(default_factory=list)
    woocommerce: list[Received] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    # name → how many answers are still 503
    failing: dict[str, int] = field(default_factory=dict)
    # name → set it to let held requests answer; `arrived` is set when one is held
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # Shopify fulfillment orders by order id: {id, status, supported_actions}
    fulfillment_orders: dict[str, list[dict]] = field(default_factory=dict)
    woo_status: dict[str, str] = field(default_factory=dict)


def unprocessable(errors: list[str]) -> Response:
    return Response({"errors": errors}, status_code=422)


def fulfillment_errors(body: Any, world: World) -> list[str]:
    """What Shopify would refuse in a POST /fulfillments.json body."""
    if not isinstance(body, dict) or set(body) != {"fulfillment"}:
        return ["body must be {\"fulfillment\": {...}}"]
    f = body["fulfillment"]
    errors = [f"unknown field {k}" for k in f if k not in (
        "line_items_by_fulfillment_order", "tracking_info", "notify_customer",
        "origin_address", "message")]
    lines = f.get("line_items_by_fulfillment_order")
    if not isinstance(lines, list) or not lines:
        errors.append("line_items_by_fulfillment_order must list fulfillment orders")
        lines = []
    known = {fo["id"]: fo for fos in world.fulfillment_orders.values() for fo in fos}
    for line in lines:
        fo_id = line.get("fulfillment_order_id") if isinstance(line, dict) else None
        if not isinstance(fo_id, int) or fo_id not in known:
            errors.append(f"fulfillment_order_id {fo_id!r} does not exist")
        elif known[fo_id]["status"] not in ("open", "in_progress"):
            errors.append(f"fulfillment order {fo_id} is {known[fo_id]['status']}")
    tracking = f.get("tracking_info")
    if not isinstance(tracking, dict) or not all(
            isinstance(tracking.get(k), str) and tracking[k] for k in ("number", "company", "url")):
        errors.append("tracking_info needs number, company and url")
    if not isinstance(f.get("notify_customer", False), bool):
        errors.append("notify_customer must be a boolean")
    return errors


def app_for(world: World) -> Litestar:
    async def behave(name: str) -> Response | None:
        if name in world.held and not world.held[name].is_set():
            world.arrived.set()
            await world.held[name].wait()
        if world.failing.get(name, 0) > 0:
            world.failing[name] -= 1
            return Response({"error": "try later"}, status_code=503)
        return None

    @post("/hooks/{name:str}", status_code=200)
    async def webhook(name: str, request: Request) -> Response:
        raw = await request.body()
        headers = dict(request.headers)
        try:
            body = Webhook(world.secrets[name]).verify(raw, headers)
        except (WebhookVerificationError, KeyError) as exc:
            world.refused.append(str(exc))
            return Response({"error": "bad signature"}, status_code=401)
        world.webhooks.append(Received(f"/hooks/{name}", headers, body))
        return await behave(name) or Response({"ok": True}, status_code=200)

    def shopify_refusal(request: Request) -> Response | None:
        if request.headers.get("x-shopify-access-token") != SHOPIFY_TOKEN:
            return Response({"errors": "[API] Invalid API key or access token"}, status_code=401)
        return None

    @get("/admin/api/{version:str}/orders/{order_id:str}/fulfillment_orders.json")
    async def fulfillment_orders(version: str, order_id: str, request: Request) -> Response:
        if refusal := shopify_refusal(request):
            return refusal
        world.shopify.append(Received(request.url.path, dict(request.headers), None))
        if order_id.removesuffix(".json") not in world.fulfillment_orders:
            return Response({"errors": "Not Found"}, status_code=404)
        return Response({"fulfillment_orders": world.fulfillment_orders[order_id]})

    @post("/admin/api/{version:str}/fulfillments.json")
    async def fulfillments(version: str, request: Request) -> Response:
        if refusal := shopify_refusal(request):
            return refusal
        body = json.loads(await request.body())
        if errors := fulfillment_errors(body, world):
            return unprocessable(errors)
        if response := await behave("shopify"):
            return response
        world.shopify.append(Received(request.url.path, dict(request.headers), body))
        for line in body["fulfillment"]["line_items_by_fulfillment_order"]:
            for fos in world.fulfillment_orders.values():
                for fo in fos:
                    if fo["id"] == line["fulfillment_order_id"]:
                        fo["status"] = "closed"
        return Response({"fulfillment": {"id": 1, "status": "success",
                                         **body["fulfillment"]["tracking_info"]}},
                        status_code=201)

    @post("/admin/api/{version:str}/orders/{order_id:str}/cancel.json")
    async def cancel(version: str, order_id: str, request: Request) -> Response:
        if refusal := shopify_refusal(request):
            return refusal
        world.shopify.append(Received(request.url.path, dict(request.headers),
                                      json.loads(await request.body() or b"{}")))
        return Response({"order": {"id": int(order_id), "cancelled_at": "now"}})

    def woo_refusal(request: Request) -> Response | None:
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return Response({"code": "woocommerce_rest_cannot_view",
                             "message": "Sorry, you cannot list resources."}, status_code=401)
        return None

    @put("/wp-json/wc/v3/orders/{order_id:str}")
    async def woo_order(order_id: str, request: Request) -> Response:
        if refusal := woo_refusal(request):
            return refusal
        body = json.loads(await request.body())
        if not isinstance(body, dict) or body.get("status") not in (
                "pending", "processing", "on-hold", "completed", "cancelled", "refunded",
                "failed"):
            return Response({"code": "rest_invalid_param",
                             "message": "Invalid parameter(s): status"}, status_code=400)
        world.woocommerce.append(Received(request.url.path, dict(request.headers), body))
        world.woo_status[order_id] = body["status"]
        return Response({"id": int(order_id), "status": body["status"]})

    @post("/wp-json/wc/v3/orders/{order_id:str}/notes", status_code=201)
    async def woo_note(order_id: str, request: Request) -> Response:
        if refusal := woo_refusal(request):
            return refusal
        body = json.loads(await request.body())
        if not isinstance(body.get("note"), str) or not body["note"] or not isinstance(
                body.get("customer_note"), bool):
            return Response({"code": "rest_missing_callback_param",
                             "message": "Missing parameter(s): note"}, status_code=400)
        world.woocommerce.append(Received(request.url.path, dict(request.headers), body))
        return Response({"id": 7, "note": body["note"], "customer_note": body["customer_note"]},
                        status_code=201)

    return Litestar([webhook, fulfillment_orders, fulfillments, cancel, woo_order, woo_note],
                    logging_config=None)


class Receivers:
    """The receivers served by uvicorn in this event loop."""

    def __init__(self) -> None:
        self.world = World()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app_for(self.world), host="127.0.0.1",
                                                   port=self.port, log_level="warning",
                                                   lifespan="off"))
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> Receivers:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.02)
        return self

    async def __aexit__(self, *exc) -> None:
        for event in self.world.held.values():
            event.set()
        self.server.should_exit = True
        if self.task is not None:
            await self.task
