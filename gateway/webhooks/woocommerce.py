"""WooCommerce `order.created` → PlaceOrder: `POST /webhooks/woocommerce/orders`.

WooCommerce signs the raw body: `X-WC-Webhook-Signature: base64(HMAC-SHA256(secret, body))`,
names the delivery in `X-WC-Webhook-Delivery-ID` and the topic in `X-WC-Webhook-Topic`.
Options travel as line item `meta_data` [{key, value}]. The store's order `id` is the external
id. The ping WooCommerce sends when a webhook is saved (`webhook_id=<n>`, form-encoded,
unsigned) is answered 200 so the shop can save it.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, post
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec

from dovetail.common.v1 import types_pb2
from gateway.limits import webhook_limit
from gateway.schemas.orders import ErrorBody
from gateway.schemas.shops import ShopWebhookAnswer, WooAddress, WooOrder
from gateway.webhooks.mapping import ShopLine, ShopProperty
from gateway.webhooks.shape import every_problem_handler
from gateway.webhooks.shops import ShopOrder, ShopPlatform, parse_time, receive
from gateway.webhooks.shops import as_text as _s


def to_order(o: WooOrder) -> ShopOrder:
    a = o.shipping if o.shipping and _s(o.shipping.address_1) else (o.billing or WooAddress())
    b = o.billing or WooAddress()
    customer = types_pb2.Customer(
        name=" ".join(filter(None, [_s(a.first_name), _s(a.last_name)])),
        email=_s(b.email), phone=_s(a.phone) or _s(b.phone),
        address=types_pb2.Address(line1=a.address_1 or "", line2=a.address_2 or "",
                                  city=a.city or "", region=a.state or "",
                                  postal_code=a.postcode or "", country=a.country or ""))
    lines = [ShopLine(f"/line_items/{i}", str(li.id), _s(li.sku), li.quantity,
                      [ShopProperty(f"/line_items/{i}/meta_data/{j}", m.key, m.value)
                       for j, m in enumerate(li.meta_data)],
                      title=_s(li.name),
                      names=tuple(n for n in [_s(li.parent_name)] if n),
                      product_id=str(li.product_id or ""), variant_id=str(li.variation_id or ""))
             for i, li in enumerate(o.line_items)]
    total = (o.total, o.currency) if o.total and o.currency else None
    return ShopOrder(str(o.id), customer, lines, parse_time(o.date_created_gmt, "/date_created_gmt"), total)


WOOCOMMERCE = ShopPlatform(
    channel="woocommerce", signature_header="X-WC-Webhook-Signature",
    delivery_header="X-WC-Webhook-Delivery-ID", topic_header="X-WC-Webhook-Topic",
    create_topics=frozenset({"order.created"}), update_topics=frozenset({"order.updated"}),
    payload=WooOrder, to_order=to_order)


def is_ping(request: Request, body: bytes) -> bool:
    content_type = request.headers.get("content-type", "")
    return body.startswith(b"webhook_id=") and "json" not in content_type and len(body) < 64


class WooCommerceWebhookController(Controller):
    path = "/webhooks/woocommerce"
    tags = ["webhooks"]
    middleware = [webhook_limit.middleware]
    exception_handlers = {ValidationException: every_problem_handler(WooOrder)}

    @post("/orders", status_code=202, summary="Receive a WooCommerce order.created webhook",
          description=(
              "WooCommerce's own payload and signature (`X-WC-Webhook-Signature`, base64 "
              "HMAC-SHA256 of the raw body). 202 once stored, also when lines or options are not "
              "mapped yet (status AWAITING_MAPPING); 200 for a resend; 409 for the same order "
              "id with a different body; 422 naming every problem of a body that is not "
              "WooCommerce's order shape; `order.updated` is acknowledged, never applied."),
          responses={200: ResponseSpec(ShopWebhookAnswer, description="resend, update or ping"),
                     401: ResponseSpec(ErrorBody, description="missing or wrong signature"),
                     409: ResponseSpec(ErrorBody, description="same order id, other body"),
                     422: ResponseSpec(ErrorBody, description="body does not fit; every problem")},
          security=[{"wooSignature": []}])
    async def receive(self, request: Request) -> Response[ShopWebhookAnswer]:
        if is_ping(request, await request.body()):
            return Response(ShopWebhookAnswer("", "PING", False, "webhook saved"), status_code=200)
        return await receive(request, WOOCOMMERCE)
