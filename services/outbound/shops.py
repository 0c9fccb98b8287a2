"""Telling a shop what became of its order, in its own Admin API.

Shopify (the FulfillmentOrder flow): `GET /admin/api/<v>/orders/{id}/fulfillment_orders.json`,
then `POST /admin/api/<v>/fulfillments.json` with `line_items_by_fulfillment_order` (every
fulfillment order that can still be fulfilled) and `tracking_info` {number, company, url};
a cancellation is `POST /admin/api/<v>/orders/{id}/cancel.json`. Auth: `X-Shopify-Access-Token`.
An order with nothing left to fulfil was fulfilled by an earlier try whose answer was lost.

WooCommerce (REST v3, basic auth with the consumer key and secret): `PUT
/wp-json/wc/v3/orders/{id}` status `completed`, then `POST .../orders/{id}/notes` with the
tracking link and `customer_note: true`; a cancellation sets status `cancelled`.
"""

from __future__ import annotations

import httpx

from services.outbound.domain.delivery import Delivery
from services.outbound.domain.shop_link import ShopLink
from services.outbound.domain.values import Attempt, DeliveryKind, Platform
from services.outbound.sending import attempt

FULFILLABLE = ("open", "in_progress")


def shipped_note(facts: dict[str, str]) -> str:
    return (f"Shipped with {facts['carrier']}, tracking number {facts['tracking_number']}: "
            f"{facts['tracking_url']}")


async def shopify_shipped(client: httpx.AsyncClient, link: ShopLink,
                          facts: dict[str, str]) -> httpx.Response | Attempt:
    api = f"{link.base_url}/admin/api/{link.api_version}"
    headers = {"X-Shopify-Access-Token": link.credentials.access_token,
               "Accept": "application/json"}
    listed = await client.get(f"{api}/orders/{facts['external_id']}/fulfillment_orders.json",
                              headers=headers)
    if listed.status_code != 200:
        return listed
    orders = listed.json().get("fulfillment_orders", [])
    open_ids = [fo["id"] for fo in orders if fo.get("status") in FULFILLABLE
                and "create_fulfillment" in fo.get("supported_actions", [])]
    if not open_ids:
        return Attempt(at="", delivered=True, status_code=200,
                       error="nothing left to fulfil (an earlier try went through)")
    return await client.post(f"{api}/fulfillments.json", headers=headers, json={"fulfillment": {
        "line_items_by_fulfillment_order": [{"fulfillment_order_id": i} for i in open_ids],
        "tracking_info": {"number": facts["tracking_number"], "company": facts["carrier"],
                          "url": facts["tracking_url"]},
        "notify_customer": True}})


async def shopify_cancelled(client: httpx.AsyncClient, link: ShopLink,
                            facts: dict[str, str]) -> httpx.Response:
    return await client.post(
        f"{link.base_url}/admin/api/{link.api_version}/orders/{facts['external_id']}/cancel.json",
        headers={"X-Shopify-Access-Token": link.credentials.access_token},
        json={"reason": "other", "email": True})


def _woo_auth(link: ShopLink) -> httpx.BasicAuth:
    return httpx.BasicAuth(link.credentials.consumer_key, link.credentials.consumer_secret)


async def woocommerce_shipped(client: httpx.AsyncClient, link: ShopLink,
                              facts: dict[str, str]) -> httpx.Response:
    order = f"{link.base_url}/wp-json/wc/v3/orders/{facts['external_id']}"
    completed = await client.put(order, auth=_woo_auth(link), json={"status": "completed"})
    if not 200 <= completed.status_code < 300:
        return completed
    return await client.post(f"{order}/notes", auth=_woo_auth(link),
                             json={"note": shipped_note(facts), "customer_note": True})


async def woocommerce_cancelled(client: httpx.AsyncClient, link: ShopLink,
                                facts: dict[str, str]) -> httpx.Response:
    return await client.put(f"{link.base_url}/wp-json/wc/v3/orders/{facts['external_id']}",
                            auth=_woo_auth(link), json={"status": "cancelled"})


ACTIONS = {(Platform.SHOPIFY, DeliveryKind.SHOP_SHIPPED): shopify_shipped,
           (Platform.SHOPIFY, DeliveryKind.SHOP_CANCELLED): shopify_cancelled,
           (Platform.WOOCOMMERCE, DeliveryKind.SHOP_SHIPPED): woocommerce_shipped,
           (Platform.WOOCOMMERCE, DeliveryKind.SHOP_CANCELLED): woocommerce_cancelled}


async def tell_shop(client: httpx.AsyncClient, link: ShopLink | None,
                    delivery: Delivery) -> Attempt:
    async def exchange() -> httpx.Response | Attempt:
        if link is None:
            return Attempt(at="", delivered=False, error="the channel has no shop link")
        action = ACTIONS[(link.platform, delivery.kind)]
        return await action(client, link, delivery.payload)

    return await attempt(exchange)
