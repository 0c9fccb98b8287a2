"""Shopify `orders/create` → PlaceOrder: `POST /webhooks/shopify/orders`.

Shopify signs the raw body: `X-Shopify-Hmac-Sha256: base64(HMAC-SHA256(secret, body))`, names
the delivery in `X-Shopify-Webhook-Id` (the same on every retry), the topic in
`X-Shopify-Topic` and the shop in `X-Shopify-Shop-Domain`. Made-to-measure options travel as line
item `properties` [{name, value}]; the channel's mapping turns SKUs and option names into
catalogue products and parameters. The shop's order `id` is the external id.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec

from dovetail.common.v1 import types_pb2
from gateway.limits import webhook_limit
from gateway.schemas.orders import ErrorBody
from gateway.schemas.shops import ShopifyAddress, ShopifyOrder, ShopWebhookAnswer
from gateway.webhooks.mapping import ShopLine, ShopProperty
from gateway.webhooks.shape import every_problem_handler
from gateway.webhooks.shops import ShopOrder, ShopPlatform, parse_time, receive
from gateway.webhooks.shops import as_text as _s


def to_order(o: ShopifyOrder) -> ShopOrder:
    a = o.shipping_address or o.billing_address or ShopifyAddress()
    c = o.customer
    name = _s(a.name) or " ".join(filter(None, [_s(a.first_name), _s(a.last_name)])) or (
        " ".join(filter(None, [_s(c.first_name), _s(c.last_name)])) if c else "")
    customer = types_pb2.Customer(
        name=name, email=_s(o.email) or (_s(c.email) if c else ""),
        phone=_s(a.phone) or _s(o.phone) or (_s(c.phone) if c else ""),
        address=types_pb2.Address(line1=_s(a.address1), line2=_s(a.address2), city=_s(a.city),
                                  region=_s(a.province), postal_code=_s(a.zip),
                                  country=_s(a.country_code)))
    lines = [ShopLine(f"/line_items/{i}", str(li.id), _s(li.sku), li.quantity,
                      [ShopProperty(f"/line_items/{i}/properties/{j}", p.name, p.value)
                       for j, p in enumerate(li.properties or [])],
                      title=_s(li.title), variant_title=_s(li.variant_title),
                      names=tuple(n for n in [_s(li.name)] if n), product_id=_s(li.product_id),
                      variant_id=_s(li.variant_id), gift_card=li.gift_card)
             for i, li in enumerate(o.line_items)]
    total = (o.total_price, o.currency) if o.total_price and o.currency else None
    return ShopOrder(str(o.id), customer, lines, parse_time(o.created_at, "/created_at"), total)


SHOPIFY = ShopPlatform(
    channel="shopify", signature_header="X-Shopify-Hmac-Sha256",
    delivery_header="X-Shopify-Webhook-Id", topic_header="X-Shopify-Topic",
    create_topics=frozenset({"orders/create"}), update_topics=frozenset({"orders/updated"}),
    payload=ShopifyOrder, to_order=to_order)


class ShopifyWebhookController(Controller):
    path = "/webhooks/shopify"
    tags = ["webhooks"]
    middleware = [webhook_limit.middleware]
    exception_handlers = {ValidationException: every_problem_handler(ShopifyOrder)}

    @post("/orders", status_code=202, summary="Receive a Shopify orders/create webhook",
          description=(
              "Shopify's own payload and signature (`X-Shopify-Hmac-Sha256`, base64 HMAC-SHA256 "
              "of the raw body with the channel secret). 202 once stored, also when lines or options "
              "are not mapped yet (status AWAITING_MAPPING: the order waits for its mapping); "
              "200 for a resend; 409 for the same order id with a different body; 422 naming "
              "every problem of a body that is not Shopify's order shape; `orders/updated` is "
              "acknowledged, never applied."),
          responses={200: ResponseSpec(ShopWebhookAnswer, description="resend or update"),
                     401: ResponseSpec(ErrorBody, description="missing or wrong signature"),
                     409: ResponseSpec(ErrorBody, description="same order id, other body"),
                     422: ResponseSpec(ErrorBody, description="body does not fit; every problem")},
          security=[{"shopifyHmac": []}])
    async def receive(self, request: Request) -> Response[ShopWebhookAnswer]:
        return await receive(request, SHOPIFY)
